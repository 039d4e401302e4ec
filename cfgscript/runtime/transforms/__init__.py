"""Script transformations: the {class.name,params} steps of $(var{...}).

A port of OpenSIPS transformations.c (4.x) and of the C helpers it relies on
(parse_uri, parse_params, parse_to, the CSV and base64 decoders, str2ip and
str2ip6, subst_parser). compile_chain() does all the name dispatch and
parameter parsing once, at load time, following the per-class parsers
(tr_parse_string, tr_parse_uri, ...); the callables it returns only do the
work. String operations count bytes, as in C.

Deliberate differences from OpenSIPS 4.x:
  - an int result prints as its value: {s.int} (OpenSIPS keeps the input
    text; cfgscript only keeps {s.hex2dec}'s unsigned 64-bit text), {uri.port} and
    {via.port} of "05060"; {s.xor} and a truncating {s.width} of an int give a plain string
    (OpenSIPS keeps the old int beside the new text);
  - {s.crc32} is the decimal text (OpenSIPS always reports 10 bytes, padding a
    shorter number with a NUL and stray bytes);
  - what crashes OpenSIPS gives a value: {s.substr,2,-5} of "abcdef" is "", an
    empty {s.xor,} secret and an empty {s.index,} needle give NULL;
  - {re.subst}: \\u (the request URI) inserts nothing (there is no request);
  - the 64 KB transformation buffers only limit {s.width};
  - via.* reads the body with the RFC 3261 grammar (not parse_via()'s machine);
    sdp.stream and sdp.stream-delete follow parse_sdp_session().

The package: common.py (the error, Args and the shared helpers), one file per
class (string.py for s.*, params.py, csv.py, uri.py, nameaddr.py, ip.py, via.py,
sdp.py, regex_subst.py for re.*), table.py (the classes and their names, read by the
dispatch below and by known_transformations()).
"""

from __future__ import annotations

from collections.abc import Callable

from ...syntax.pvspec import Transformation
from ..values import Value, VInt
from .common import Args, Step, TransformError, ascii_lower
from .table import CLASSES, known_transformations

__all__ = ["TransformError", "compile_chain", "known_transformations"]


def _compile_step(step: Transformation, host) -> Step:
    cls = CLASSES.get(ascii_lower(step.cls))
    if cls is None:
        raise TransformError(f"unknown transformation class '{step.cls}' in {step.text}")
    return cls.compile(Args(step, host))


def compile_chain(steps: tuple[Transformation, ...], host) -> Callable[[Value, object], Value]:
    """Compile a chain once at load time; the returned callable(value, ctx) applies
    the steps left to right. NULL passes through, a failing step gives NULL, an int
    is first given its decimal string form. Raises TransformError."""
    compiled = tuple(_compile_step(step, host) for step in steps)

    def run(value: Value, ctx: object) -> Value:
        if value is None:
            return None
        if type(value) is int:
            value = VInt(value)
        for step in compiled:
            value = step(value, ctx)
            if value is None:
                return None
        return value
    return run
