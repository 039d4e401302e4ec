"""POSIX extended regular expressions exactly as OpenSIPS gets them from glibc
(regcomp/regexec in the C locale): one home for `=~`/`!~`, {re.subst} and the
regex parameters of functions.

The flags are those OpenSIPS passes at each site: `=~` uses REG_ICASE (and
REG_NOSUB), the regex parameters of functions REG_ICASE and REG_NEWLINE, and
re.subst REG_NEWLINE unless its `s` flag, REG_ICASE with its `i` flag.
Strings are matched as their C bytes (UTF-8), each byte one character; case
folds for ASCII letters only; a subject ends at its first NUL.

syntax.py reads a pattern as glibc does (or refuses it with glibc's message);
pyre.py translates it to a Python regex, used to decide whether it matches and
where the leftmost match starts; nfa.py and match.py rebuild glibc's automaton
and walk for the longest match and its submatches.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Optional

from ..values import to_bytes
from .match import Matcher, Spans, WalkFailed
from .nfa import build
from .pyre import (
    anchor_in_copy,
    has_backref,
    line_anchors_inside,
    nested_repetition,
    single_path,
    translate,
)
from .syntax import RegexError, parse

__all__ = ["Regex", "RegexError", "Spans", "compile_regex"]


class Regex:
    """A compiled pattern. `matches()` answers `=~` (regcomp with REG_NOSUB);
    `spans()` gives regexec's registers for re.subst."""

    def __init__(self, pattern: bytes, icase: bool, newline: bool):
        parsed = parse(pattern, icase, newline)
        self.groups = parsed.groups
        self._parsed = parsed
        self._tree = parsed.tree
        self._icase = icase
        self._newline = newline
        self._search = translate(parsed.tree, newline).search
        self._notbol_search = None
        self._single_path = single_path(parsed.tree)
        self._superset = not newline and line_anchors_inside(parsed.tree)
        # Python's regex is no guide where glibc's automaton is its own: nested
        # variable repetitions (exponential there), anchors in copies, and
        # back-references (glibc resolves them by its own bookkeeping)
        self._automaton_only = (nested_repetition(parsed.tree) or anchor_in_copy(parsed.tree)
                                or has_backref(parsed.tree))
        self._matcher: Optional[Matcher] = None
        self._nosub_matcher: Optional[Matcher] = None
        self._too_big = False

    def matches(self, subject: str) -> bool:
        if "\0" in subject:
            subject = subject[:subject.index("\0")]
        data = to_bytes(subject)
        if self._icase:
            data = data.upper()
        exact = self._nosub() if self._automaton_only or self._superset else None
        if exact is not None:
            return next(self._starts(data, self._search, False, exact), None) is not None
        return self._search(data) is not None

    def spans(self, data: bytes, nmatch: int = 1, notbol: bool = False) -> Optional[Spans]:
        """regexec(data, nmatch, REG_NOTBOL if notbol): the (start, end) of the
        match and of groups 1..nmatch-1 ((-1, -1) when unset), or None."""
        data = data.split(b"\0", 1)[0]
        if self._icase:
            data = data.upper()
        registers = max(nmatch, 1)
        wanted = min(registers, self.groups + 1)     # regexec() ignores the registers past them
        search = self._searcher(notbol)
        exact = None
        if not self._single_path or self._automaton_only or self._superset:
            exact = self._exact()
        if exact is None:
            found = search(data)
            if found is None:
                return None
            return [found.span(k) if k < wanted else (-1, -1) for k in range(registers)]
        try:
            for start in self._starts(data, search, notbol, exact):
                regs = exact.match_at(data, start, wanted, notbol)
                if regs is not None:
                    return regs + [(-1, -1)] * (registers - wanted)
        except WalkFailed:
            pass
        return None

    def _starts(self, data: bytes, search, notbol: bool, exact: Matcher) -> Iterator[int]:
        """The starts where glibc's forward pass finds a match, leftmost first."""
        if self._automaton_only:
            yield from (start for start in range(len(data) + 1)
                        if exact.matches_at(data, start, notbol))
            return
        pos = 0
        while pos <= len(data):
            found = search(data, pos)
            if found is None:
                return
            if not self._superset or exact.matches_at(data, found.start(), notbol):
                yield found.start()
            pos = found.start() + 1

    def _exact(self) -> Optional[Matcher]:
        """glibc's automaton, or None past the size cfgscript builds (then
        Python's regex answers, with its own choice of submatches)."""
        if self._matcher is None and not self._too_big:
            try:
                self._matcher = Matcher(build(self._parsed), self._newline)
            except RegexError:
                self._too_big = True
        return self._matcher

    def _nosub(self) -> Optional[Matcher]:
        """The automaton of REG_NOSUB, which has no nodes for the groups no
        back-reference names: `=~` and the regex parameters of functions."""
        if self._nosub_matcher is None and not self._too_big:
            try:
                self._nosub_matcher = Matcher(build(self._parsed, nosub=True), self._newline)
            except RegexError:
                self._too_big = True
        return self._nosub_matcher

    def _searcher(self, notbol: bool):
        if not notbol:
            return self._search
        if self._notbol_search is None:
            self._notbol_search = translate(self._tree, self._newline, notbol=True).search
        return self._notbol_search


@lru_cache(maxsize=1024)
def compile_regex(pattern: str, icase: bool = False, newline: bool = False) -> Regex:
    """Raises RegexError for a pattern regcomp() refuses."""
    return Regex(to_bytes(pattern), icase, newline)
