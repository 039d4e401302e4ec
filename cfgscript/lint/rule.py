"""What a lint rule is: one class with its code, name, severity and explanation
beside the code that finds it, and the `Scope` it reports through.

A rule looks at the tree in up to three ways, each a hook the walker calls:

  * `nodes` and `check_node(node, scope)`: every node of those types, inside routes
    and at the top level (GlobalParam, LoadModule, ModParam);
  * `check_body(statements, scope)`: every statement list (route body, if/else
    branches, loop and case bodies);
  * `check_script(facts, scope)`: once, with the facts gathered about the whole
    script (lint/facts.py), for rules that need to see all of it.

Rules never print: they report Findings, and reporters decide how they look.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Optional

from ..catalog import Catalog
from ..syntax import ast
from .facts import Place, ScriptFacts
from .finding import Edit, Finding, Fix, RuleInfo


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]                 # kebab-case
    severity: ClassVar[str]
    summary: ClassVar[str]              # one line
    what: ClassVar[str]                 # what it finds
    why: ClassVar[str]                  # what happens at run time
    bad: ClassVar[str]                  # a script that triggers it
    good: ClassVar[str]                 # the same script written as meant
    fixable: ClassVar[bool] = False
    nodes: ClassVar[tuple[type[ast.Node], ...]] = ()

    def check_node(self, node: ast.Node, scope: Scope) -> None:
        """Called for each node of a type in `nodes`."""

    def check_body(self, statements: Sequence[ast.Node], scope: Scope) -> None:
        """Called for each statement list, when the rule defines it."""

    def check_script(self, facts: ScriptFacts, scope: Scope) -> None:
        """Called once per script, when the rule defines it."""

    @classmethod
    def info(cls) -> RuleInfo:
        return RuleInfo(cls.code, cls.name, cls.severity, cls.summary, cls.explanation())

    @classmethod
    def explanation(cls, heading: str = "#") -> str:
        """Markdown, as `cfgscript rule CODE` prints it; `heading` is the title's level."""
        sub = heading + "#"
        parts = ["%s %s (%s)" % (heading, cls.name, cls.code), "",
                 "Default severity: %s.%s" % (cls.severity,
                                              " Fixable with `--fix`." if cls.fixable else ""),
                 "", sub + " What it does", "", cls.what, "", sub + " Why is this bad?", "",
                 cls.why]
        if cls.bad:
            parts += ["", sub + " Example", "", "```", cls.bad.strip("\n"), "```"]
        if cls.good:
            parts += ["", "Use instead:", "", "```", cls.good.strip("\n"), "```"]
        return "\n".join(parts) + "\n"

    @classmethod
    def overrides(cls, hook: str) -> bool:
        return getattr(cls, hook) is not getattr(Rule, hook)


class Scope:
    """What a rule sees around the node it looks at, and where it reports."""

    def __init__(self, catalog: Catalog, chains: dict[str, tuple[tuple[str, int], ...]],
                 line_text, upgrade: Optional[Catalog] = None) -> None:
        self.catalog = catalog
        self.upgrade = upgrade          # the release of --upgrade-to, if given
        self.findings: list[Finding] = []
        self.route: Optional[ast.Route] = None
        self.route_type = ""
        self.loaded: frozenset[str] = frozenset()
        self._chains = chains
        self._line_text = line_text

    @property
    def release(self) -> str:
        """The release the script targets ("4.1", ...)."""
        return self.catalog.release

    def report(self, rule: type[Rule] | Rule, at: ast.Node | Place, message: str,
               fix: Optional[Fix] = None, severity: Optional[str] = None) -> None:
        """`severity` overrides the rule's where the release only warns about a form."""
        place = at if isinstance(at, Place) else Place.of(at)
        self.findings.append(Finding(place.file, place.line, place.col, place.end_line,
                                     place.end_col, rule.code, rule.name,
                                     severity or rule.severity, message, fix,
                                     self._chains.get(place.file, ())))

    def text(self, node: ast.Node | Place) -> str:
        """The source text of a node that sits on one line ('' otherwise)."""
        if node.line != node.end_line:
            return ""
        line = self._line_text(node.file, node.line) or ""
        return line[node.col - 1:node.end_col - 1]

    def parenthesized(self, node: ast.Node) -> bool:
        """Whether the node is written inside its own parentheses (positions exclude them)."""
        before = self._line_text(node.file, node.line) or ""
        after = self._line_text(node.file, node.end_line) or ""
        return (before[:node.col - 1].rstrip().endswith("(")
                and after[node.end_col - 1:].lstrip().startswith(")"))

    @property
    def in_event_route(self) -> bool:
        return self.route is not None and self.route.kind == "event_route"


def replace(node: ast.Node | Place, content: str, message: str) -> Fix:
    """A fix that rewrites the node's whole text."""
    return Fix(message, (Edit(node.line, node.col, node.end_line, node.end_col, content),))
