"""POSIX extended regular expressions (regcomp REG_EXTENDED, glibc flavour) as
Python ones.

The differences that matter for scripts: POSIX character classes inside
brackets ([[:digit:]]), a backslash inside brackets is an ordinary character,
`$` matches only at the very end (Python's also matches before a final
newline), `.` matches a newline (no REG_NEWLINE), and glibc's \\< \\> \\` \\'.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CLASSES = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": r" \t\n\r\f\v", "blank": r" \t", "punct": r"!-/:-@\[-`{-~", "print": r" -~",
    "graph": r"!-~", "cntrl": r"\x00-\x1f\x7f", "xdigit": "0-9A-Fa-f",
}
_GNU_ESCAPES = {"<": r"\b(?=\w)", ">": r"\b(?<=\w)", "`": r"\A", "'": r"\Z",
                "w": r"\w", "W": r"\W", "s": r"\s", "S": r"\S", "b": r"\b", "B": r"\B"}


def _bracket(pattern: str, pos: int) -> tuple[str, int]:
    """Translate the bracket expression starting at pattern[pos] == '['."""
    out = ["["]
    pos += 1
    if pos < len(pattern) and pattern[pos] == "^":
        out.append("^")
        pos += 1
    if pos < len(pattern) and pattern[pos] == "]":
        out.append(r"\]")
        pos += 1
    while pos < len(pattern):
        ch = pattern[pos]
        if ch == "]":
            out.append("]")
            return "".join(out), pos + 1
        if pattern.startswith("[:", pos):
            end = pattern.find(":]", pos + 2)
            name = pattern[pos + 2:end] if end > 0 else ""
            if name not in _CLASSES:
                raise re.error("invalid character class [:%s:]" % name)
            out.append(_CLASSES[name])
            pos = end + 2
            continue
        if ch in "\\[":
            out.append("\\" + ch)
        else:
            out.append(ch)
        pos += 1
    raise re.error("unterminated bracket expression")


def translate(pattern: str) -> str:
    out = []
    pos = 0
    n = len(pattern)
    while pos < n:
        ch = pattern[pos]
        if ch == "[":
            part, pos = _bracket(pattern, pos)
            out.append(part)
            continue
        if ch == "\\":
            if pos + 1 >= n:
                raise re.error("trailing backslash")
            nxt = pattern[pos + 1]
            if nxt in _GNU_ESCAPES:
                out.append(_GNU_ESCAPES[nxt])
            elif nxt.isdigit() and nxt != "0":
                out.append("\\" + nxt)
            else:
                out.append(re.escape(nxt))
            pos += 2
            continue
        out.append(r"\Z" if ch == "$" else ch)
        pos += 1
    return "".join(out)


@lru_cache(maxsize=512)
def compile_posix(pattern: str, icase: bool = True) -> re.Pattern:
    """Raises re.error for a pattern POSIX or Python cannot compile."""
    flags = re.DOTALL | (re.IGNORECASE if icase else 0)
    return re.compile(translate(pattern), flags)
