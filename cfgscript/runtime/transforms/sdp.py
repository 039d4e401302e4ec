"""The sdp.* transformations: {sdp.line,x[,n]}, the n-th (from 0) line of an
SDP body that starts with "x=", as tr_eval_sdp() finds it (find_sdp_line():
"x=" after a line end, the body read as if a CRLF came before it; the line
runs to its CR, so a last line without one is an error). {sdp.stream} and
{sdp.stream-delete} need the whole SDP parser and are refused at load time.

NAMES maps each ported name to its compiler; compile_sdp() dispatches.
"""

from __future__ import annotations

from typing import Optional

from ..values import Value, from_bytes, to_bytes
from .common import Args, Step, ascii_lower, str_of


def find_line(body: bytes, letter: bytes, index: int) -> Optional[bytes]:
    """The line, or None (no such line, or no CR after it)."""
    data = b"\r\n" + body
    head = letter[:1] + b"="
    at, pos = -1, 0
    for _ in range(index + 1):
        at = _line_start(data, head, pos)
        if at < 0:
            return None
        pos = at + 2
    end = data.find(b"\r", at)
    return None if end < 0 else data[at:end]


def _line_start(data: bytes, head: bytes, pos: int) -> int:
    while True:
        at = data.find(head, pos)
        if at < 0 or data[at - 1] in b"\r\n":
            return at
        pos = at + 2


def _c_line(args: Args, p: int) -> Step:
    letter, p = args.sparam(args.expect(p))
    if not isinstance(letter, str):
        raise args.error("a variable line type is not supported in cfgscript")
    p = args.skip_ws(p)
    index: object = 0
    if args.at(p) == ",":
        index, _ = args.nparam(p + 1)
        if isinstance(index, int) and index < 0:
            raise args.error("negative line index")
    get_index = args.int_arg(index)
    wanted = to_bytes(letter)

    def step(value: Value, ctx: object) -> Value:
        s = str_of(value)
        number = get_index(ctx)
        if not s or number is None or number < 0:
            return None
        line = find_line(to_bytes(s), wanted, number)
        return None if line is None else from_bytes(line)
    return step


NAMES = {"line": _c_line}
_NOT_PORTED = ("stream", "stream-delete")


def compile_sdp(args: Args) -> Step:
    name, p = args.name()
    name = ascii_lower(name)
    if name in _NOT_PORTED:
        raise args.error("not supported in cfgscript")
    if name not in NAMES:
        raise args.error("unknown transformation")
    return NAMES[name](args, p)
