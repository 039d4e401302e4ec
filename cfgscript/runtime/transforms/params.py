"""The param.* transformations: a "name=value;..." parameter list (parse_params),
by name or by position. parse_params() also serves uri.param.

NAMES maps each name to its compiler; canonical_name() is how tr_parse_paramlist()
matches a name.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Union

from ..values import Value, VInt
from .common import WS, Args, Compiler, Step, ascii_lower, list_index, simple, str_of


def _parse_token(s: str, i: int) -> int:
    """parse_token_param(): the end of a token starting at i."""
    while i < len(s) and s[i] not in " \t\r\n,;":
        i += 1
    return i


@lru_cache(maxsize=256)
def parse_params(s: str) -> Union[tuple[tuple[str, str], ...], None]:
    """parse_params(CLASS_ANY): (name, body) pairs, or None on a syntax error.
    A parameter without a body has "" as body. Stops at ',' or '>'."""
    params = []
    i, n = 0, len(s)
    while True:
        start = i
        while i < n and s[i] not in " \t\r\n;,=":
            i += 1
        name, body = s[start:i], ""
        while i < n and s[i] in WS:
            i += 1
        if i < n and s[i] == "=":
            i += 1
            while i < n and s[i] in WS:
                i += 1
            if i == n:
                return None                                 # body missing
            if s[i] == '"':
                close = s.find('"', i + 1)
                if n - i < 2 or close < 0:
                    return None
                body, i = s[i + 1:close], close + 1
            else:
                end = _parse_token(s, i)
                if end == i:
                    return None
                body, i = s[i:end], end
            while i < n and s[i] in WS:
                i += 1
        params.append((name, body))
        if i == n or s[i] in ",>":
            return tuple(params)
        if s[i] != ";":
            return None
        i += 1
        while i < n and s[i] in WS:
            i += 1
        if i == n:
            return None                                     # name missing after ';'


def _params_step(work: Callable[[tuple, object], Value]) -> Step:
    def step(value: Value, ctx: object) -> Value:
        s = str_of(value)
        params = parse_params(s) if s else None
        return None if params is None else work(params, ctx)
    return step


def _c_param_lookup(exist: bool) -> Compiler:
    def compile_lookup(args: Args, p: int) -> Step:
        get_name = args.only_str_param(p)

        def work(params: tuple, ctx: object) -> Value:
            wanted = get_name(ctx)
            if wanted is None:
                return None
            wanted = ascii_lower(wanted)
            for pname, body in params:
                if ascii_lower(pname) == wanted:
                    return VInt(1) if exist else body
            return VInt(0) if exist else None
        return _params_step(work)
    return compile_lookup


def _c_param_at(field: int) -> Compiler:
    def compile_at(args: Args, p: int) -> Step:
        get_index = args.only_int_param(p)

        def work(params: tuple, ctx: object) -> Value:
            i = get_index(ctx)
            found = list_index(params, i) if i is not None else None
            return None if found is None else found[field]
        return _params_step(work)
    return compile_at


NAMES: dict[str, Compiler] = {
    "value": _c_param_lookup(False), "exist": _c_param_lookup(True),
    "exists": _c_param_lookup(True), "valueat": _c_param_at(1), "name": _c_param_at(0),
    "count": simple(_params_step(lambda params, ctx: VInt(len(params)))),
}


def canonical_name(name: str) -> str:
    """exist/exists are matched case-sensitively (str_match), the rest not."""
    low = ascii_lower(name)
    return name if low in ("exist", "exists") else low
