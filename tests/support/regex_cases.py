"""Random POSIX patterns and subjects, and their comparison between glibc and
cfgscript's regex module (both the test suite and tests/perf use them)."""

from __future__ import annotations

import random
from typing import Optional

from cfgscript.runtime.regex import RegexError, compile_regex
from cfgscript.runtime.values import from_bytes

from . import glibc_regex

# pieces of patterns: ordinary and special characters, brackets with their
# corner cases, anchors, GNU escapes, intervals (valid and not), back-references
TOKENS = [
    "a", "b", "a", "b", "A", "B", "c", ".", "*", "+", "?", "|", "|", "(", ")", "(", ")",
    "[ab]", "[^a]", "[a-c]", "[]a]", "[^]a]", "[a-]", "[\\]", "[[:alpha:]]", "[[:upper:]]",
    "[[:lower:]]", "[[:space:]]", "[[.a.]]", "[[=b=]]", "[Z-a]", "[b-a]", "[", "]", "-",
    "{1}", "{1,2}", "{0,1}", "{2,}", "{,2}", "{0}", "{", "}", "{1,0}", "{x}",
    "^", "$", "\\b", "\\B", "\\<", "\\>", "\\`", "\\'", "\\w", "\\W", "\\s", "\\S",
    "\\1", "\\2", "\\.", "\\a", "\\d", "\\n", "\\", " ", "\n", "\xe9", "\\(", "\\{",
]
SUBJECT_CHARS = "aabbAB c_.-\n\xe9]"


def encode(text: str) -> bytes:
    return text.encode("latin-1")


def random_case(rng: random.Random) -> tuple[bytes, bytes, bool, bool, int, bool]:
    pattern = "".join(rng.choice(TOKENS) for _ in range(rng.randint(0, 8)))
    subject = "".join(rng.choice(SUBJECT_CHARS) for _ in range(rng.randint(0, 10)))
    return (encode(pattern), encode(subject), rng.random() < 0.3, rng.random() < 0.3,
            rng.randint(0, 4), rng.random() < 0.2)


def difference(pattern: bytes, subject: bytes, icase: bool, newline: bool,
               nmatch: int, notbol: bool) -> Optional[str]:
    """None when cfgscript agrees with glibc on the compile error, on whether it
    matches (REG_NOSUB) and on the nmatch registers; else what differs."""
    expected = glibc_regex.regex(pattern, subject, icase, newline, nmatch, notbol)
    try:
        compiled = compile_regex(from_bytes(pattern), icase, newline)
    except RegexError as error:
        got: object = str(error)
    else:
        got = compiled.spans(subject, nmatch, notbol)
        if got is not None and nmatch == 0:
            got = []
        if not notbol:
            exists = compiled.matches(from_bytes(subject))
            if exists != (expected is not None) and not isinstance(expected, str):
                got = ("matches() says", exists)
    if got == expected:
        return None
    return "%r on %r icase=%s newline=%s nmatch=%d notbol=%s: glibc %r, cfgscript %r" % (
        pattern, subject, icase, newline, nmatch, notbol, expected, got)
