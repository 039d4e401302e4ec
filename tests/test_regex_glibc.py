"""cfgscript's POSIX regex against glibc's own regcomp()/regexec() (ctypes, C
locale): generated triples, and the smallest examples of every difference the
generators found, kept as regressions. tests/perf/regex_differential.py runs
the long version."""

from __future__ import annotations

import random
import time

import pytest

from cfgscript.runtime.regex import compile_regex
from tests.support.glibc_regex import Oracle
from tests.support.regex_cases import (
    Case,
    difference,
    random_case,
    structured_case,
    subst_difference,
)

SOUP_COUNT = 1200
TREE_COUNT = 1200


@pytest.fixture(scope="module")
def oracle():
    with Oracle(timeout=1.0) as running:
        yield running


def _differences(cases: list[Case], rng: random.Random, oracle: Oracle) -> list[str]:
    found = []
    for case in cases:
        for outcome in (
            difference(case, oracle),
            subst_difference(case, rng.random() < 0.5, oracle),
        ):
            if outcome is not None:
                found.append(outcome)
    return found


def test_token_soup_agrees_with_glibc(oracle):
    """Often malformed patterns: the same refusals, matches and registers."""
    rng = random.Random(20261203)
    cases = [random_case(rng) for _ in range(SOUP_COUNT)]
    assert _differences(cases, rng, oracle) == []


def test_pattern_trees_agree_with_glibc(oracle):
    """Well-formed trees of groups, alternations, brackets and intervals
    (^ and $ at the ends of the pattern)."""
    rng = random.Random(4)
    cases = [structured_case(rng, inner_anchors=False) for _ in range(TREE_COUNT)]
    assert _differences(cases, rng, oracle) == []


# the smallest example of each difference found, as (pattern, subject, nmatch)
REGRESSIONS = [
    (b"(a){0}", b"a", 2),  # x{0}: the group keeps its number, unset
    (b"(a){0}\\1", b"a", 2),  # ... and a back-reference to it is valid
    (b"([^a]\\n\n){1,2}{0}$", b"bba\n", 2),
    (b"(a?){0,2}", b"a", 2),  # the second copy is not optional: (1,1)
    (b"(.*|a?){0,2}", b".20aB.-a", 2),
    (b"([^:]+(){0,1}){2}", b"0:-a:_:-", 3),
    (b"^()|b?", b" -aAb", 2),  # the end reached without an anchor wins
    (b"|()$", b"", 2),
    (b"^(c|)|x", b"\xc9", 2),
    (b"$.a|b", b"\nab", 3),  # registers past the groups are ignored: no sifting
    (b"($.a)*", b"\nab", 2),  # the sifting refuses what $ let through: the next start
    (b"(^.)+", b"\nab", 1),  # an anchor in a copy of + holds everywhere ...
    (b"(^.)+", b".ab", 2),  # ... but the walk needs it: no match at all
    (b"(\\<.)+", b".ab", 2),
    (b"(^a?){2}", b"ab", 2),  # a match may end through an anchor of a copy: the walk fails
    (b"(a$){2}", b"aa", 1),  # REG_NOSUB has no group nodes: =~ matches, regexec not
    (b"(b*a$){2}", b"bababa", 2),
    # a back-reference repeats a span of its group found apart from the path:
    # the first close node of the group where the span ends, and no open node
    # of it on the way from there to the back-reference
    (b"(a*){2}x\\1", b"aaxa", 2),  # glibc never matches this
    (b"(a*)*x\\1", b"x", 2),  # an empty turn of the loop sets the group
    (b"(a*)x\\1", b"aaxaa", 2),
]


@pytest.mark.parametrize("pattern, subject, nmatch", REGRESSIONS)
def test_regression_agrees_with_glibc(oracle, pattern, subject, nmatch):
    for icase in (False, True):
        case = Case(pattern, subject, icase, False, nmatch, False)
        assert difference(case, oracle) is None
        assert subst_difference(case, True, oracle) is None


def test_perl_classes_are_not_special():
    """\\d is the letter d, a backslash in brackets is a member: both as glibc."""
    assert compile_regex("^\\d$").matches("d")
    assert not compile_regex("^\\d$").matches("7")
    assert compile_regex("^[\\d]$").matches("\\")


def test_a_pattern_glibc_loops_on_costs_a_bounded_wait():
    """glibc never returns from "(|^.)+" on "ab" with two registers; the oracle
    gives up on it and answers the next call from a fresh child."""
    with Oracle(timeout=0.5) as slow:
        assert slow.regex(b"(|^.)+", b"ab", nmatch=2) == "glibc did not return"
        assert slow.hangs == 1
        assert slow.regex(b"a", b"ba", nmatch=1) == [(1, 2)]
    assert compile_regex("(|^.)+").spans(b"ab", 2) is not None


def test_an_automaton_too_big_to_build_leaves_python_to_answer():
    """b{1,40}{1,40}{1,40} unrolls into 64,000 nodes: glibc builds them,
    cfgscript lets Python's regex answer."""
    regex = compile_regex("b{1,40}{1,40}{1,40}")
    assert regex.spans(b"abbc", 2) == [(1, 3), (-1, -1)]
    assert regex.matches("abbc") and not regex.matches("aaa")
    assert compile_regex("b{1,40}{1,40}{1,40}\\<").spans(b"bb a", 1) is None


def test_nested_repetition_takes_polynomial_time():
    """(.*){3}{2,} makes Python's backtracking explode; such patterns are
    matched on glibc's automaton instead, as fast as glibc answers."""
    started = time.perf_counter()
    regex = compile_regex("((.*){3,3}){2,}x", icase=True, newline=True)
    assert regex.spans(b"aBea.a2abb" * 3, 3) is None
    assert regex.matches("abcx")
    assert time.perf_counter() - started < 5
