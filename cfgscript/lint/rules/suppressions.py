"""Suppression rules (S5xx): `# noqa` comments that suppress nothing or name no rule.
They are found by lint/noqa.py, after every other rule has run."""

from __future__ import annotations

from ..finding import WARNING
from ..rule import Rule


class UnusedNoqa(Rule):
    code = "S501"
    name = "unused-noqa"
    severity = WARNING
    summary = "A `# noqa` comment that suppresses nothing"
    what = "Reports `# noqa` comments (or codes in them) that match no finding on their line."
    why = ("A stale suppression hides the next real finding on that line; it is noise "
           "left from code that has changed.")
    bad = 'startup_route {\n    $var(x) = 1;  # noqa: T308\n}\n'
    good = 'startup_route {\n    $var(x) = 1;\n}\n'
    fixable = True


class UnknownNoqaCode(Rule):
    code = "S502"
    name = "unknown-noqa-code"
    severity = WARNING
    summary = "A `# noqa` comment naming a code no rule has"
    what = "Reports codes in `# noqa: CODE` comments that are not rule codes."
    why = "It suppresses nothing; usually the code is misspelt and the finding still shows."
    bad = 'startup_route {\n    $var(x) = 1;  # noqa: X999\n}\n'
    good = 'startup_route {\n    $var(x) = 1;\n}\n'


RULES = (UnusedNoqa, UnknownNoqaCode)
