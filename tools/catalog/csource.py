"""Just enough C to read OpenSIPS export tables.

Comments are dropped, preprocessor conditionals are resolved against a set of
symbols known to be defined (an unknown `#ifdef X` counts as enabled and its
condition is kept on every token inside), object-like string macros are
expanded, and brace initialisers are turned into nested Python lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r'''
    (?P<str>"(?:\\.|[^"\\])*")
  | (?P<chr>'(?:\\.|[^'\\])*')
  | (?P<id>[A-Za-z_]\w*)
  | (?P<num>\d[\w.]*)
  | (?P<op>->|<<|>>|\|\||&&|[{}()\[\],;=&|*.+\-<>!?:~^%/#])
''', re.VERBOSE)
_COMMENT = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.DOTALL)
_DIRECTIVE = re.compile(r'^\s*#\s*(\w+)\s*(.*)$')
_DEFINE = re.compile(r'^\s*#\s*define\s+(\w+)(\([^)]*\))?\s*(.*)$')


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    kind: str                       # str, chr, id, num, op
    conditions: tuple[str, ...] = ()


def strip_comments(text: str) -> str:
    def keep_strings(match: re.Match) -> str:
        s = match.group(0)
        if s.startswith(("//", "/*")):
            return "\n" * s.count("\n") if s.startswith("/*") else ""
        return s
    return _COMMENT.sub(keep_strings, text)


def logical_lines(text: str) -> list[str]:
    """Source lines with backslash continuations joined (line count kept)."""
    out: list[str] = []
    pending = ""
    for line in text.split("\n"):
        if line.endswith("\\"):
            pending += line[:-1] + " "
            out.append("")
            continue
        out.append(pending + line)
        pending = ""
    return out


def collect_defines(text: str) -> dict[str, str]:
    """Object-like macros of one file: name -> replacement text."""
    defines: dict[str, str] = {}
    for line in logical_lines(strip_comments(text)):
        m = _DEFINE.match(line)
        if m and not m.group(2):
            defines[m.group(1)] = m.group(3).strip()
    return defines


def defined_symbols(text: str) -> set[str]:
    return {m.group(1) for line in logical_lines(strip_comments(text))
            if (m := _DEFINE.match(line))}


@dataclass
class _Branch:
    active: bool
    condition: str | None           # kept on tokens when the branch is assumed on
    taken: bool                     # some branch of this #if chain was active
    assumed: bool = False


def _guards(lines: list[str], number: int, symbol: str) -> bool:
    """`#ifndef X` followed by `#define X`: an include guard."""
    for line in lines[number + 1:]:
        if line.strip():
            m = _DEFINE.match(line)
            return bool(m and m.group(1) == symbol)
    return False


@dataclass
class Preprocessor:
    """Resolves #if chains; `known` are the symbols taken as defined."""
    known: set[str] = field(default_factory=set)

    def _evaluate(self, expr: str) -> tuple[bool, str | None]:
        """(active, condition kept on the tokens) for one #if expression.

        A test on a symbol nobody defines counts as true and is kept as the
        condition; a negated test on one is simply true."""
        expr = expr.strip()
        simple = re.fullmatch(r'(!?)\s*defined\s*\(?\s*(\w+)\s*\)?', expr)
        if simple:
            negated, symbol = simple.group(1) == "!", simple.group(2)
            if symbol in self.known:
                return not negated, None
            return (True, None) if negated else (True, "defined(%s)" % symbol)
        unknown = False

        def known_test(match: re.Match) -> str:
            nonlocal unknown
            if match.group(1) in self.known:
                return " True "
            unknown = True
            return " True "
        python = re.sub(r'defined\s*\(?\s*(\w+)\s*\)?', known_test, expr)
        python = python.replace("&&", " and ").replace("||", " or ")
        python = re.sub(r'!(?!=)', " not ", python)
        if unknown or not re.fullmatch(r'[\sTrueFalsnotadr()0-9<>=]*', python):
            return True, expr
        try:
            return bool(eval(python, {"__builtins__": {}})), None  # booleans and digits only
        except SyntaxError:
            return True, expr

    def tokens(self, text: str) -> list[Token]:
        stack: list[_Branch] = []
        out: list[Token] = []
        lines = logical_lines(strip_comments(text))
        for number, line in enumerate(lines):
            m = _DIRECTIVE.match(line)
            if m and m.group(1) == "ifndef" and _guards(lines, number, m.group(2).strip()):
                stack.append(_Branch(True, None, True))
                continue
            if m:
                self._directive(m.group(1), m.group(2), stack)
                continue
            if not all(b.active for b in stack):
                continue
            conds = tuple(b.condition for b in stack if b.condition)
            out.extend(Token(t.group(0), t.lastgroup, conds) for t in _TOKEN.finditer(line))
        return out

    def _directive(self, name: str, rest: str, stack: list[_Branch]) -> None:
        if name in ("ifdef", "ifndef", "if"):
            expr = {"ifdef": "defined(%s)", "ifndef": "!defined(%s)"}.get(name, "%s") % rest.strip()
            active, cond = self._evaluate(expr)
            stack.append(_Branch(active, cond, active, assumed=cond is not None))
        elif name == "elif" and stack:
            top = stack[-1]
            active, cond = self._evaluate(rest)
            active = active and not top.taken
            stack[-1] = _Branch(active, cond if active else None, top.taken or active)
        elif name == "else" and stack:
            top = stack[-1]
            stack[-1] = _Branch(not top.taken, None, True)
        elif name == "endif" and stack:
            stack.pop()


def expand(tokens: list[Token], macros: dict[str, list[Token]], depth: int = 0) -> list[Token]:
    """Replace object-like macros (recursively, bounded)."""
    if depth > 8:
        return tokens
    out: list[Token] = []
    changed = False
    for tok in tokens:
        body = macros.get(tok.text) if tok.kind == "id" else None
        if body is not None:
            out.extend(Token(b.text, b.kind, tok.conditions) for b in body)
            changed = True
        else:
            out.append(tok)
    return expand(out, macros, depth + 1) if changed else out


def macro_tokens(defines: dict[str, str], keep: set[str]) -> dict[str, list[Token]]:
    """Macros worth expanding: those naming strings, braces or other symbols.

    Purely numeric macros and the symbols in `keep` (flag names read as such)
    stay as they are."""
    table = {}
    for name, body in defines.items():
        if name in keep:
            continue
        toks = [Token(t.group(0), t.lastgroup) for t in _TOKEN.finditer(body)]
        if any(t.kind in ("str", "id") or t.text == "{" for t in toks) \
                and not (len(toks) == 1 and toks[0].text == name):
            table[name] = toks
    return table


@dataclass
class Node:
    """One initialiser element: a brace group (items) or an expression (tokens)."""
    items: list[Node] | None = None
    tokens: list[Token] = field(default_factory=list)

    @property
    def conditions(self) -> tuple[str, ...]:
        first = self.tokens[0] if self.tokens else (self.items[0].first_token()
                                                    if self.items else None)
        return first.conditions if first else ()

    def first_token(self) -> Token | None:
        if self.tokens:
            return self.tokens[0]
        for item in self.items or ():
            tok = item.first_token()
            if tok:
                return tok
        return None

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)

    def string(self) -> str | None:
        """The value of a string-literal element (adjacent literals joined)."""
        toks = [t for t in self.tokens if t.text not in ("(", ")")]
        if toks and toks[0].kind == "id" and toks[0].text in _STRING_WRAPPERS:
            toks = toks[1:]
        if toks and all(t.kind == "str" for t in toks):
            return "".join(_unquote(t.text) for t in toks)
        return None

    def ident(self) -> str | None:
        """The identifier an element names, casts and & dropped; None for 0/NULL."""
        names = [t.text for t in self.tokens if t.kind == "id"]
        if self.tokens and self.tokens[0].text == "(" and len(names) >= 2:
            names = names[1:]                       # (cast_type) name
        names = [n for n in names if n not in ("NULL", "const", "struct", "void")]
        return names[-1] if names else None

    def is_null(self) -> bool:
        if self.items is not None:
            return all(i.is_null() for i in self.items)
        return all(t.text in ("0", "NULL", "(", ")", "void", "*") for t in self.tokens)


_STRING_WRAPPERS = {"str_const_init", "str_init", "STR_STATIC_INIT", "const_str"}


def _unquote(literal: str) -> str:
    return bytes(literal[1:-1], "utf-8").decode("unicode_escape")


def parse_initializer(tokens: list[Token], start: int) -> tuple[Node, int]:
    """Parse the brace group opening at tokens[start]; return it and the index after."""
    assert tokens[start].text == "{"
    items: list[Node] = []
    current: list[Token] = []
    i = start + 1
    while i < len(tokens):
        tok = tokens[i]
        if tok.text == "{":
            node, i = parse_initializer(tokens, i)
            items.append(node)
            continue
        if tok.text in (",", "}"):
            if current:
                items.append(Node(tokens=current))
                current = []
            i += 1
            if tok.text == "}":
                return Node(items=items), i
            continue
        current.append(tok)
        i += 1
    return Node(items=items), i


def find_tables(tokens: list[Token]) -> dict[str, tuple[str, Node]]:
    """Every `TYPE NAME[] = {...}` / `TYPE NAME = {...}`: name -> (type, initialiser)."""
    tables: dict[str, tuple[str, Node]] = {}
    for i, tok in enumerate(tokens):
        if tok.text != "=" or i + 1 >= len(tokens) or tokens[i + 1].text != "{":
            continue
        j = i - 1
        if tokens[j].text == "]":
            while j > 0 and tokens[j].text != "[":
                j -= 1
            j -= 1
        if j < 1 or tokens[j].kind != "id" or tokens[j - 1].kind != "id":
            continue
        node, _ = parse_initializer(tokens, i + 1)
        type_name = tokens[j - 1].text
        if tokens[j - 2].text == "struct" if j >= 2 else False:
            type_name = "struct " + type_name
        tables.setdefault(tokens[j].text, (type_name, node))
    return tables
