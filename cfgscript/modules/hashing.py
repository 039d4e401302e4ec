"""Two C helpers that decide what scripts see: OpenSIPS's core_hash() (which
dynamic lock a key takes, which bucket of a cache table holds it, and so the
order MI lists keys in) and glibc's fnmatch() with no flags (the globs of
cachedb_local's chunk commands)."""

from __future__ import annotations

import re
from functools import lru_cache

_MASK = 0xFFFFFFFF
_CLASSES = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z",
            "lower": "a-z", "space": " \\t\\n\\r\\f\\v", "blank": " \\t", "xdigit": "0-9A-Fa-f",
            "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"), "cntrl": "\\x00-\\x1f\\x7f",
            "print": "\\x20-\\x7e", "graph": "\\x21-\\x7e"}


def core_hash(key: str, size: int) -> int:
    """core_hash(key, NULL, size): bytes read as signed chars, four at a time;
    size a power of two (0: the whole hash)."""
    data = [b - 256 if b > 127 else b for b in key.encode("utf-8", "surrogateescape")]
    h, full = 0, len(data) - len(data) % 4
    for at in range(0, full, 4):
        v = ((data[at] << 24) + (data[at + 1] << 16) + (data[at + 2] << 8) + data[at + 3]) & _MASK
        h = (h + (v ^ (v >> 3))) & _MASK
    v = 0
    for byte in data[full:]:
        v = ((v << 8) + byte) & _MASK
    h = (h + (v ^ (v >> 3))) & _MASK
    h = ((h + (h >> 11)) + ((h >> 13) + (h >> 23))) & _MASK
    return h & (size - 1) if size else h


def _bracket(glob: str, at: int) -> tuple[str, int] | None:
    """The regex class for the bracket expression at glob[at] == "[", and where
    it ends; None when it is not closed (then "[" is itself)."""
    index = at + 1
    negate = index < len(glob) and glob[index] in "!^"
    index += negate
    parts, first = [], True
    while index < len(glob):
        char = glob[index]
        if char == "]" and not first:
            if not parts:                   # only reversed ranges: nothing in the set
                return ("." if negate else "(?!)"), index + 1
            return ("[^" if negate else "[") + "".join(parts) + "]", index + 1
        first = False
        if char == "[" and glob.startswith("[:", index):
            end = glob.find(":]", index + 2)
            name = glob[index + 2:end] if end > 0 else ""
            if name in _CLASSES:
                parts.append(_CLASSES[name])
                index = end + 2
                continue
        if char == "\\" and index + 1 < len(glob):
            index += 1
            char = glob[index]
        if glob[index + 1:index + 2] == "-" and index + 2 < len(glob) and glob[index + 2] != "]":
            if char <= glob[index + 2]:     # a reversed range holds nothing
                parts.append(re.escape(char) + "-" + re.escape(glob[index + 2]))
            index += 3
            continue
        parts.append(re.escape(char))
        index += 1
    return None


@lru_cache(maxsize=256)
def _glob_regex(glob: str) -> re.Pattern:
    out, at = [], 0
    while at < len(glob):
        char = glob[at]
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[" and (bracket := _bracket(glob, at)) is not None:
            out.append(bracket[0])
            at = bracket[1]
            continue
        elif char == "\\":
            if at + 1 == len(glob):
                return re.compile(r"(?!)")       # a trailing backslash matches nothing
            at += 1
            out.append(re.escape(glob[at]))
        else:
            out.append(re.escape(char))
        at += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def fnmatch(glob: str, name: str) -> bool:
    """fnmatch(glob, name, 0) == 0: "*" and "?" cross "/", a leading "." is
    ordinary, a backslash quotes the next character."""
    return _glob_regex(glob).match(name) is not None
