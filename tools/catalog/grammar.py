"""The script grammar of the OpenSIPS core, read from cfg.lex and cfg.y.

cfg.lex names every keyword (`ROUTE route`, `YES "yes"|"true"|...`) and says
which grammar token each lexer definition returns; cfg.y's rules give the
forms of global assignments, statements, route blocks and module statements.
Action code is dropped; a rule's alternatives are kept as symbol lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LEX_DEFINITION = re.compile(r'^([A-Za-z_]\w*)\s+(\S.*?)\s*$')
_LEX_RETURN = re.compile(r'\{(\w+)\}\s*\{[^\n]*?return\s+(\w+)\s*;')


def _split_alternatives(definition: str) -> list[str] | None:
    """The literal spellings of a flex definition, or None if it is a pattern.

    `"or"|"||"` gives ["or", "||"]; `!|"not"` gives ["!", "not"]; `\\(` gives ["("]."""
    out: list[str] = []
    i = 0
    current = ""
    while i < len(definition):
        ch = definition[i]
        if ch == '"':
            end = definition.index('"', i + 1)
            current += definition[i + 1:end]
            i = end + 1
        elif ch == "\\" and i + 1 < len(definition):
            current += definition[i + 1]
            i += 2
        elif ch == "|":
            out.append(current)
            current = ""
            i += 1
        elif ch in "{}[]()*+?" or ch.isspace():
            return None
        else:
            current += ch
            i += 1
    out.append(current)
    return out if all(out) else None


@dataclass
class Lexicon:
    """cfg.lex: definition name -> spellings, and grammar token -> definitions."""
    spellings: dict[str, list[str]]
    returns: dict[str, list[str]]
    order: list[str]                    # definition names in file order

    @classmethod
    def parse(cls, text: str) -> Lexicon:
        head, _, rules = text.partition("\n%%")
        spellings: dict[str, list[str]] = {}
        order: list[str] = []
        in_code = False
        for line in head.splitlines():
            if line.startswith("%{"):
                in_code = True
            elif line.startswith("%}"):
                in_code = False
            elif not in_code and not line.startswith((" ", "\t", "/*", "%")):
                m = _LEX_DEFINITION.match(line)
                if m:
                    words = _split_alternatives(m.group(2))
                    order.append(m.group(1))
                    if words:
                        spellings[m.group(1)] = words
        returns: dict[str, list[str]] = {}
        for definition, token in _LEX_RETURN.findall(rules):
            if definition not in returns.setdefault(token, []):
                returns[token].append(definition)
        return cls(spellings, returns, order)

    def words(self, token: str) -> list[str]:
        """The spellings that make the lexer return `token`."""
        out: list[str] = []
        for definition in self.returns.get(token, [token]):
            for word in self.spellings.get(definition, []):
                if word not in out:
                    out.append(word)
        return out

    def is_literal(self, token: str) -> bool:
        """Every lexer definition returning `token` is a fixed spelling (not a pattern)."""
        definitions = self.returns.get(token, [token])
        return all(d in self.spellings for d in definitions)

    def display(self, symbol: str) -> str:
        """How a grammar symbol is written in a form: punctuation as itself, the rest by name."""
        words = self.words(symbol) if symbol.isupper() else []
        if len(words) == 1 and not re.search(r'\w', words[0]):
            return words[0]
        return symbol


def _strip_actions(text: str) -> str:
    """cfg.y rules without comments, strings and { action } blocks."""
    out = []
    depth = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if text.startswith("/*", i):
            i = text.index("*/", i + 2) + 2
            continue
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        if ch in "\"'" and (depth or ch == "'"):
            j = i + 1
            while j < n and text[j] != ch:
                j += 2 if text[j] == "\\" else 1
            if depth == 0:
                out.append(text[i:j + 1])
            i = j + 1
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            out.append(ch)
        i += 1
    return "".join(out)


@dataclass
class Grammar:
    """cfg.y: rule name -> alternatives (symbol lists), in file order."""
    rules: dict[str, list[list[str]]]

    @classmethod
    def parse(cls, text: str) -> Grammar:
        parts = text.split("\n%%")
        body = _strip_actions(parts[1] if len(parts) > 1 else "")
        rules: dict[str, list[list[str]]] = {}
        for m in re.finditer(r'([A-Za-z_]\w*)\s*:(.*?)(?:;|(?=\n[A-Za-z_]\w*\s*:))', body, re.S):
            alternatives = [a.split() for a in m.group(2).split("|")]
            alternatives = [[s for s in alt if not s.startswith("%")] for alt in alternatives]
            rules.setdefault(m.group(1), []).extend(alternatives)
        return cls(rules)

    def alternatives(self, rule: str) -> list[list[str]]:
        """The alternatives of a rule, error-recovery ones left out."""
        return [alt for alt in self.rules.get(rule, []) if "error" not in alt]
