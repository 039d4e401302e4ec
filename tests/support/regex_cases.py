"""Random POSIX patterns and subjects, and their comparison between glibc and
cfgscript's regex module (both the test suite and tests/perf use them).

Two generators share the work: `random_case` glues tokens into patterns that
are often malformed (so both sides must refuse the same ones with the same
message), `structured_case` builds well-formed trees aimed at what POSIX and
Python's `re` disagree on: leftmost-longest alternation, nested groups and
their submatch positions, bracket expressions, intervals, anchors, REG_ICASE
on bytes >= 0x80, REG_NEWLINE. Subjects are drawn from the bytes the pattern
names, so that matches are frequent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional, Union

from cfgscript.runtime.regex import RegexError, compile_regex
from cfgscript.runtime.transforms.regex_subst import Subst
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
    "\\D", "\\t", "\\\\", "[\\d]", "[\\w-]", "[[:digit:]_]", "[[:xdigit:]]", "[[:punct:]]",
    "[[:foo:]]", "[[.-.]]", "[[.space.]]", "[[=a", "[a-[.z.]]", "[--z]", "[!--]",
    "\xc9", "\xe9", "[\xe0-\xff]", "{65536}", "{32768}", "{1,40}", "(?:", "*?", "+?", "{2}{3}",
]
SUBJECT_CHARS = "aabbAB c_.-\n\xe9]"

# the structured generator: bytes literals are drawn from, and bracket members
LITERALS = "aabbcAB.-_ \n\xe9\xc9]}){d\\"
BRACKET_ITEMS = [
    "a", "b", "c", "A", "Z", "z", "0", "9", "-", "_", ".", "\\", "^", "$", "*", "[", "|",
    "\xe9", "\xc9", "\xff", "\x80", "a-c", "A-C", "0-9", "a-z", "\xc0-\xff", "!--", "--/",
    "[:alpha:]", "[:digit:]", "[:alnum:]", "[:upper:]", "[:lower:]", "[:space:]",
    "[:blank:]", "[:punct:]", "[:print:]", "[:graph:]", "[:cntrl:]", "[:xdigit:]",
    "[.a.]", "[.-.]", "[.].]", "[=a=]", "[=e=]", "\\d", "\\w", "\\s", "\\]",
]
ESCAPES = ["\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "\\.", "\\\\", "\\*", "\\a", "\\n",
           "\\t", "\\{", "\\}", "\\|", "\\e"]
WORD_ANCHORS = ["\\b", "\\B", "\\<", "\\>", "\\`", "\\'"]
QUANTIFIERS = ["*", "+", "?", "{0,1}", "{1}", "{2}", "{1,2}", "{0,2}", "{2,}", "{,2}",
               "{0}", "{3,3}", "{1,}"]


@dataclass(frozen=True)
class Case:
    """One regcomp()/regexec() call: REG_EXTENDED plus the flags named."""
    pattern: bytes
    subject: bytes
    icase: bool
    newline: bool
    nmatch: int
    notbol: bool


def encode(text: str) -> bytes:
    return text.encode("latin-1")


def random_case(rng: random.Random) -> Case:
    pattern = "".join(rng.choice(TOKENS) for _ in range(rng.randint(0, 8)))
    subject = "".join(rng.choice(SUBJECT_CHARS) for _ in range(rng.randint(0, 10)))
    return Case(encode(pattern), encode(subject), rng.random() < 0.3, rng.random() < 0.3,
                rng.randint(0, 4), rng.random() < 0.2)


class _Builder:
    """A well-formed pattern, as text, with the groups it opened counted;
    without inner_anchors, ^ and $ only open and close the whole pattern and
    there are no GNU anchors (\\b, \\<, \\`...) and no back-references."""

    def __init__(self, rng: random.Random, inner_anchors: bool):
        self.rng = rng
        self.inner_anchors = inner_anchors
        self.groups = 0
        self.closed: list[int] = []

    def alternation(self, depth: int) -> str:
        rng = self.rng
        count = rng.choice((1, 1, 1, 2, 2, 3))
        branches = [self.branch(depth) if rng.random() > 0.1 else "" for _ in range(count)]
        return "|".join(branches)

    def branch(self, depth: int) -> str:
        rng = self.rng
        parts = [self.piece(depth) for _ in range(rng.randint(1, 3))]
        if self.inner_anchors:
            parts = ["^"] * (rng.random() < 0.15) + parts + ["$"] * (rng.random() < 0.15)
        return "".join(parts)

    def piece(self, depth: int) -> str:
        rng = self.rng
        atom = self.atom(depth)
        if atom in ("^", "$") or atom.startswith("\\") and atom[1:2] in "bB<>`'":
            return atom
        if rng.random() < 0.45:
            atom += rng.choice(QUANTIFIERS)
            if rng.random() < 0.05:
                atom += rng.choice(QUANTIFIERS)
        return atom

    def atom(self, depth: int) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.25 and depth < 3:
            self.groups += 1
            number = self.groups
            body = self.alternation(depth + 1) if rng.random() > 0.05 else ""
            if number <= 9:
                self.closed.append(number)
            return "(%s)" % body
        if roll < 0.5:
            return rng.choice(LITERALS).replace("\\", "\\\\").replace("{", "\\{")
        if roll < 0.65:
            return self.bracket()
        if roll < 0.75:
            return "."
        if roll < 0.85:
            return rng.choice(ESCAPES + WORD_ANCHORS if self.inner_anchors else ESCAPES)
        if roll < 0.9 and self.closed and self.inner_anchors:
            return "\\%d" % rng.choice(self.closed)
        return rng.choice(("^", "$", "a", "b") if self.inner_anchors else ("a", "b"))

    def bracket(self) -> str:
        rng = self.rng
        items = [rng.choice(BRACKET_ITEMS) for _ in range(rng.randint(1, 3))]
        head = "^" if rng.random() < 0.3 else ""
        if rng.random() < 0.15:
            head += "]"
        if rng.random() < 0.1:
            items.append("-")
        return "[%s%s]" % (head, "".join(items))


def _subject(rng: random.Random, pattern: str) -> str:
    pool = [c for c in pattern if c not in "()|*+?{}^$\\[]"] or ["a"]
    pool += list("aAbB \n\xe9\xc9_-0")
    chars = []
    for _ in range(rng.randint(0, 12)):
        c = rng.choice(pool)
        if rng.random() < 0.2 and c.isascii():
            c = c.swapcase()
        chars.append(c)
    return "".join(chars)


def structured_case(rng: random.Random, inner_anchors: bool = True) -> Case:
    pattern = _Builder(rng, inner_anchors).alternation(0)
    if not inner_anchors:
        pattern = "^" * (rng.random() < 0.2) + pattern + "$" * (rng.random() < 0.2)
    subject = _subject(rng, pattern)
    nmatch = rng.choice((0, 1, 2, 3, 5, 10))
    return Case(encode(pattern), encode(subject), rng.random() < 0.35, rng.random() < 0.35,
                nmatch, rng.random() < 0.15)


def any_case(rng: random.Random, inner_anchors: bool = True) -> Case:
    """The token soup (only with inner_anchors, it has them everywhere) or a tree."""
    if inner_anchors and rng.random() < 0.35:
        return random_case(rng)
    return structured_case(rng, inner_anchors)


def difference(case: Case, oracle: glibc_regex.Oracle) -> Optional[str]:
    """None when cfgscript agrees with glibc on the compile error, on the nmatch
    registers and on whether it matches under REG_NOSUB (as `=~` asks), or when glibc hangs
    (counted by the oracle); else what differs."""
    pattern, subject, icase, newline, nmatch, notbol = (
        case.pattern, case.subject, case.icase, case.newline, case.nmatch, case.notbol)
    expected = oracle.regex(pattern, subject, icase, newline, nmatch, notbol)
    if expected == glibc_regex.HANG:
        return None
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
            if exists != (oracle.regex(pattern, subject, icase, newline, None) == []):
                got = ("matches() says", exists)
    if got == expected:
        return None
    return "%r on %r icase=%s newline=%s nmatch=%d notbol=%s: glibc %r, cfgscript %r" % (
        pattern, subject, icase, newline, nmatch, notbol, expected, got)


def _replacement(groups: int) -> tuple:
    """"<\\1|\\2>" cut to the groups the pattern has (subst_parser() refuses more)."""
    return ((b"<>",), (b"<", 1, b">"), (b"<", 1, b"|", 2, b">"))[min(groups, 2)]


def glibc_subst(case: Case, refs: int, every: bool, oracle: glibc_regex.Oracle
                ) -> Union[bytes, str, None]:
    """subst_run() and replace_build() of OpenSIPS on glibc's regexec, with the
    replacement of _replacement(refs): the new bytes, None when nothing matched,
    b"!" for an empty match (an error in OpenSIPS), HANG when glibc hangs."""
    subject, pieces, notbol, pos = case.subject.split(b"\0", 1)[0], [], False, 0
    while True:
        rest = subject[pos:]
        regs = oracle.regex(case.pattern, rest, case.icase, case.newline, refs + 1, notbol)
        if regs is None:
            break
        if regs == glibc_regex.HANG:
            return regs
        assert isinstance(regs, list)
        start, end = regs[0]
        if start == end:
            return b"!"
        texts = [rest[so:eo] if so != -1 else b"" for so, eo in regs[1:]]
        pieces += [rest[:start], b"<", b"|".join(texts), b">"]
        pos += end
        notbol = subject[pos - 1:pos] not in (b"\n", b"\r")
        if not every:
            break
    if not pieces:
        return None
    return b"".join(pieces + [subject[pos:]])


def subst_difference(case: Case, every: bool, oracle: glibc_regex.Oracle) -> Optional[str]:
    """None when re.subst with "<\\1|\\2>" gives what OpenSIPS on glibc gives."""
    try:
        regex = compile_regex(from_bytes(case.pattern), case.icase, case.newline)
    except RegexError:
        return None                     # refusals are compared by difference()
    refs = min(regex.groups, 2)
    expected = glibc_subst(case, refs, every, oracle)
    if expected == glibc_regex.HANG:
        return None
    result = Subst(regex, _replacement(refs), every).apply(case.subject, None)
    got = None if result is False else (b"!" if result is None else result)
    if got == expected:
        return None
    return "re.subst %r on %r icase=%s newline=%s g=%s: glibc %r, cfgscript %r" % (
        case.pattern, case.subject, case.icase, case.newline, every, expected, got)
