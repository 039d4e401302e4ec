"""The one table of rule codes: every rule the linter knows, by code, and how
--select/--ignore selectors (a code, a code prefix, a rule name, or ALL) pick them.

RULES, BY_CODE, BY_NAME and SYNTAX_ERROR are made when first read (the module's
__getattr__): importing the rules costs more than a lint answered from the cache."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .rule import Rule

ALL = "ALL"
_TABLES = ("RULES", "BY_CODE", "BY_NAME", "SYNTAX_ERROR")


def _load_tables() -> None:
    from .rules import events, legacy, params, startup, suppressions, traps, upgrade

    rules: tuple[type[Rule], ...] = (*startup.RULES, *events.RULES, *params.RULES,
                                     *traps.RULES, *legacy.RULES, *upgrade.RULES,
                                     *suppressions.RULES)
    globals().update(RULES=rules, BY_CODE={rule.code: rule for rule in rules},
                     BY_NAME={rule.name: rule for rule in rules},
                     SYNTAX_ERROR=startup.SYNTAX_ERROR)


def __getattr__(name: str) -> Any:
    if name not in _TABLES:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    _load_tables()
    return globals()[name]


def _rules() -> tuple[type[Rule], ...]:
    if "RULES" not in globals():
        _load_tables()
    return globals()["RULES"]


def matches(rule: type[Rule], selector: str) -> bool:
    return (selector == ALL or rule.name == selector
            or (selector[:1].isupper() and rule.code.startswith(selector)))


def is_known_selector(selector: str) -> bool:
    return selector == ALL or any(matches(rule, selector) for rule in _rules())


def unknown_selectors(selectors: Iterable[str]) -> list[str]:
    return [s for s in selectors if not is_known_selector(s)]


def select(selected: Sequence[str], ignored: Sequence[str]) -> list[type[Rule]]:
    """The rules that `selected` picks and `ignored` does not; the more specific
    selector wins when both match (ruff's rule: `--select E --ignore E1` keeps E2xx)."""
    chosen = []
    for rule in _rules():
        pick = _best(rule, selected)
        drop = _best(rule, ignored)
        if pick >= 0 and pick > drop:
            chosen.append(rule)
    return chosen


def _best(rule: type[Rule], selectors: Sequence[str]) -> int:
    """How specific the most specific matching selector is (-1: none matches)."""
    best = -1
    for selector in selectors:
        if matches(rule, selector):
            best = max(best, 0 if selector == ALL else 99 if selector == rule.name
                       else len(selector))
    return best


def rule_info():
    return {rule.code: rule.info() for rule in _rules()}
