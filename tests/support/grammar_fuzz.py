"""Scripts derived at random from the grammar itself (grammar/opensips.lark):
each rule is expanded by one of its alternatives, chosen at random until a
depth budget runs out and then by the alternative closest to a terminal; each
terminal is its literal text, or for a pattern one of a few samples (valid
and borderline). The text is what the grammar allows, so most of it parses;
what the lexer or the builder refuses is a finding for them to report."""

from __future__ import annotations

import random
from dataclasses import dataclass

from lark import Lark
from lark.grammar import NonTerminal, Rule

from cfgscript.syntax.tables import grammar_path

SAMPLES = {
    "NUMBER": ["0", "1", "7", "010", "0x1F", "2147483647", "2147483648", "4294967296", "09"],
    "ID": ["f", "xlog", "raise_event", "route", "if", "a_b", "sleep", "subscribe_event"],
    "PARAM_NAME": ["log_level", "udp_workers", "debug_mode", "max_while_loops", "x-y"],
    "STRING": ['"text"', '""', "'raw'", '"$var(a) \\n"', '"\\x41\\q"', '"E_X"', '"1"',
               '"udp:127.0.0.1:9"', '"%d"'],
    "IPV4": ["10.0.0.1", "0.0.0.0", "255.255.255.255", "999.1.1.1"],
    "IPV6": ["::1", "::", "fe80::1", "1:2:3:4:5:6:7:8"],
    "IPNET": ["10.0.0.0/8", "1.2.3.4/255.255.0.0", "::1/128", "10.0.0.0/33"],
    "SCRIPTVAR": ["$var(a)", "$avp(b)", "$(avp(c)[*])", "$(var(d){s.len})", "$rc", "$Ts",
                  "$param(1)", "$json(j/k)", "$shv(s)", "$(avp(x)[-1]{s.int})", "$var($var(n))",
                  "$retcode", "$ru", "$x", "$(x"],
    "COMMENT": ["# comment", "#"],
    "WS": [" ", "\n"],
    "SKIPPED": ["\x01", "_"],
}
NEWLINE_AFTER = {";", "{", "}"}
REPEAT = 0.7        # how often a repetition (x*, x+) takes one more item


@dataclass(frozen=True)
class _Alternative:
    symbols: tuple[tuple[bool, str], ...]    # (is a rule, name)


class GrammarGenerator:
    """Random derivations of the script grammar."""

    def __init__(self, max_depth: int = 12) -> None:
        with open(grammar_path()) as f:
            parser = Lark(f.read(), parser="lalr", lexer="basic", keep_all_tokens=True)
        self.max_depth = max_depth
        self.alternatives: dict[str, list[_Alternative]] = {}
        for rule in parser.rules:
            self.alternatives.setdefault(rule.origin.name, []).append(_alternative(rule))
        self.literals = {t.name: t.pattern.value for t in parser.terminals
                         if t.pattern.type == "str"}
        self.cost = self._costs()

    def _costs(self) -> dict[str, int]:
        """How deep each rule must go at least to reach terminals only."""
        cost: dict[str, int] = {}
        for _ in range(len(self.alternatives)):
            changed = False
            for name, alternatives in self.alternatives.items():
                best = min((self._alternative_cost(a, cost) for a in alternatives),
                           default=10**9)
                if best < cost.get(name, 10**9):
                    cost[name], changed = best, True
            if not changed:
                break
        return cost

    @staticmethod
    def _alternative_cost(alternative: _Alternative, cost: dict[str, int]) -> int:
        return 1 + max((cost.get(name, 10**9) for is_rule, name in alternative.symbols
                        if is_rule), default=0)

    def script(self, rnd: random.Random) -> str:
        tokens: list[str] = []
        self._expand("start", self.max_depth, rnd, tokens)
        return "".join(tokens)

    def _expand(self, name: str, depth: int, rnd: random.Random, out: list[str]) -> None:
        alternatives = self.alternatives[name]
        if depth > 0 and name.startswith("__") and rnd.random() < REPEAT:
            chosen = max(alternatives, key=lambda a: len(a.symbols))    # one more item
        elif depth > 0:
            chosen = rnd.choice(alternatives)
        else:
            chosen = min(alternatives, key=lambda a: self._alternative_cost(a, self.cost))
        for is_rule, symbol in chosen.symbols:
            if is_rule:
                self._expand(symbol, depth - 1, rnd, out)
            else:
                text = self.literals.get(symbol) or rnd.choice(SAMPLES.get(symbol, [" "]))
                out.append(text)
                out.append("\n" if text in NEWLINE_AFTER else " ")


def _alternative(rule: Rule) -> _Alternative:
    return _Alternative(tuple((isinstance(s, NonTerminal), s.name) for s in rule.expansion))
