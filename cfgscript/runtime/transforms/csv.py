"""The csv.* transformations: the fields of one RFC 4180 record (count, value).

NAMES maps each name to its compiler.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Union

from ..values import Value, VInt
from .common import Args, Compiler, Step, list_index, simple, str_of


@lru_cache(maxsize=256)
def _parse_csv(s: str) -> Union[tuple[str, ...], None]:
    """_parse_csv_record(CSV_RFC_4180): printable ASCII, quoted fields."""
    if s.endswith("\r\n"):
        s = s[:-2]
    fields: list[str] = []
    field_start = 0
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if not " " <= ch <= "~":
            return None
        if ch == ",":
            fields.append(s[field_start:i])
            field_start = i + 1
        elif ch == '"' and i == field_start:
            close = i + 1
            while close < n and not (s[close] == '"' and (close == n - 1 or s[close + 1] != '"')):
                close += 2 if s[close] == '"' else 1
            if close >= n:
                return None
            fields.append(s[i + 1:close].replace('""', '"'))
            if close == n - 1:
                return tuple(fields)
            if s[close + 1] != ",":
                return None
            i = close + 1
            field_start = i + 1
            if i == n - 1:
                return tuple(fields)
        i += 1
    fields.append(s[field_start:])
    return tuple(fields)


def _csv_step(work: Callable[[tuple, object], Value]) -> Step:
    def step(value: Value, ctx: object) -> Value:
        s = str_of(value)
        fields = _parse_csv(s) if s else None
        return None if fields is None else work(fields, ctx)
    return step


def _c_csv_value(args: Args, p: int) -> Step:
    get_index = args.only_int_param(p)

    def work(fields: tuple, ctx: object) -> Value:
        i = get_index(ctx)
        return None if i is None else list_index(fields, i)
    return _csv_step(work)


NAMES: dict[str, Compiler] = {
    "count": simple(_csv_step(lambda fields, ctx: VInt(len(fields)))),
    "value": _c_csv_value,
}
