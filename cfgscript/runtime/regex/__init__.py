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

from functools import lru_cache
from typing import Optional

from ..values import to_bytes
from .match import Matcher, Spans
from .nfa import build
from .pyre import line_anchors_inside, nested_repetition, single_path, translate
from .syntax import RegexError, parse

__all__ = ["Regex", "RegexError", "Spans", "compile_regex"]


class Regex:
    """A compiled pattern. `matches()` answers `=~`; `spans()` gives regexec's
    registers for re.subst."""

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
        self._automaton_only = nested_repetition(parsed.tree)
        self._matcher: Optional[Matcher] = None

    def matches(self, subject: str) -> bool:
        if "\0" in subject:
            subject = subject[:subject.index("\0")]
        data = to_bytes(subject)
        if self._icase:
            data = data.upper()
        if self._automaton_only:
            return self._leftmost_exact(data, False) is not None
        if self._superset:
            return self._leftmost(data, self._search, False) is not None
        return self._search(data) is not None

    def spans(self, data: bytes, nmatch: int = 1, notbol: bool = False) -> Optional[Spans]:
        """regexec(data, nmatch, REG_NOTBOL if notbol): the (start, end) of the
        match and of groups 1..nmatch-1 ((-1, -1) when unset), or None."""
        data = data.split(b"\0", 1)[0]
        if self._icase:
            data = data.upper()
        search = self._searcher(notbol)
        if self._automaton_only:
            start = self._leftmost_exact(data, notbol)
        elif self._superset:
            start = self._leftmost(data, search, notbol)
        else:
            found = search(data)
            if found is not None and self._single_path:
                return [found.span(k) if k <= self.groups else (-1, -1)
                        for k in range(max(nmatch, 1))]
            start = None if found is None else found.start()
        if start is None:
            return None
        return self._exact().match_at(data, start, max(nmatch, 1), notbol)

    def _exact(self) -> Matcher:
        if self._matcher is None:
            self._matcher = Matcher(build(self._parsed), self._newline)
        return self._matcher

    def _leftmost(self, data: bytes, search, notbol: bool) -> Optional[int]:
        """The first start where the superset translation matches and glibc does."""
        pos = 0
        while pos <= len(data):
            found = search(data, pos)
            if found is None:
                return None
            if self._exact().matches_at(data, found.start(), notbol):
                return found.start()
            pos = found.start() + 1
        return None

    def _leftmost_exact(self, data: bytes, notbol: bool) -> Optional[int]:
        """The first start where glibc's automaton matches, without Python's
        regex (patterns it would take exponential time on)."""
        exact = self._exact()
        return next((start for start in range(len(data) + 1)
                     if exact.matches_at(data, start, notbol)), None)

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
