"""Reduction callbacks of the LALR parser: they build the AST directly.

Each method is named after a grammar rule and receives that rule's children:
tokens (tuples from lexer.py) and nodes already built, in source order, with
the children of inlined `_rules` spliced in. Problems that the grammar cannot
express (a `break` outside a loop, a malformed variable, a misplaced modifier)
are recorded as diagnostics and a best-effort node is returned, so parsing
goes on and reports them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Optional, Union

from ..diagnostics import ERROR, Diagnostic
from . import ast
from .ints import wrap32
from .pvspec import PVSpec, SpecError, parse_spec

LONG_MAX = (1 << 63) - 1

_ESCAPE_RE = re.compile(r"\\(?:([nrat\"\\])|x([0-9a-fA-F]{1,2})|([0-7]{2,3})|(\r?\n))")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "a": "\a", "t": "\t", '"': '"', "\\": "\\"}
_BOOL_WORDS = {"yes": 1, "true": 1, "on": 1, "enable": 1,
               "no": 0, "false": 0, "off": 0, "disable": 0}
_ADDRESS_TYPES = ("IPV4", "IPV6", "IPNET")
_PLACEHOLDER_SPEC = PVSpec("$var(_)", "var", "_")


def parse_int_literal(text: str) -> int:
    """A NUMBER token as OpenSIPS reads it: strtol (clamped to long) cast to int."""
    if len(text) < 10 and text[0] != "0":
        return int(text)
    if text.startswith("0x"):
        value = int(text[2:], 16)
    elif len(text) > 1 and text[0] == "0":
        value = int(text, 8)
    else:
        value = int(text)
    return wrap32(min(value, LONG_MAX))


def _byte_char(code: int) -> str:
    # a byte >= 0x80 on its own is not UTF-8: keep it as the byte it is
    return chr(code) if code < 0x80 else chr(0xDC00 + code)


def _escape(m: re.Match) -> str:
    simple, hexa, octal, newline = m.groups()
    if simple:
        return _SIMPLE_ESCAPES[simple]
    if hexa:
        return _byte_char(int(hexa, 16))
    if octal:
        return _byte_char(int(octal, 8) & 0xFF)
    return ""   # backslash-newline: a continuation inside the string


def unquote(token_text: str) -> str:
    """The value of a STRING token: double quotes take escapes, single quotes are raw."""
    body = token_text[1:-1]
    if token_text[0] == "'" or "\\" not in body:
        return body
    return _ESCAPE_RE.sub(_escape, body)


class Splice(list):
    """The children of an inlined rule, to be spliced into the parent's."""
    __slots__ = ()


def _is_token(item) -> bool:
    return type(item) is tuple


class Builder:
    def __init__(self, file_path: str, locate: Optional[Callable[[int], tuple[str, int]]] = None,
                 included_from: Callable[[str], tuple] = lambda path: ()):
        self.file = file_path
        self._locate = locate               # flattened line -> (file, line), when includes exist
        self._included_from = included_from
        self.diagnostics: list[Diagnostic] = []
        self._breaks: list[ast.Break] = []
        self._claimed: set[int] = set()

    # ------------------------------------------------------------ positions

    def _pos(self, first, last) -> tuple[str, int, int, int, int]:
        """(file, line, col, end_line, end_col) spanning two tokens or nodes."""
        locate = self._locate
        if type(first) is tuple:
            path, line, col = self.file, first[2], first[3]
            if locate is not None:
                path, line = locate(line)
        else:
            path, line, col = first.file, first.line, first.col
        if type(last) is tuple:
            text = last[1]
            if "\n" in text:
                end_line = last[2] + text.count("\n")
                end_col = len(text) - text.rfind("\n")
            else:
                end_line, end_col = last[2], last[3] + len(text)
            if locate is not None:
                end_line = locate(end_line)[1]
        else:
            end_line, end_col = last.end_line, last.end_col
        return path, line, col, end_line, end_col

    def error(self, message: str, first, last=None) -> None:
        path, line, col, end_line, end_col = self._pos(first, last if last is not None else first)
        self.diagnostics.append(Diagnostic(ERROR, message, path, line, col,
                                           end_col if end_line == line else 0,
                                           included_from=self._included_from(path)))

    # ------------------------------------------------------------ leaves

    def _token_pos(self, tok) -> tuple[str, int, int, int, int]:
        """The span of one token (the common case of _pos, made cheap)."""
        text = tok[1]
        if self._locate is None and "\n" not in text:
            return self.file, tok[2], tok[3], tok[2], tok[3] + len(text)
        return self._pos(tok, tok)

    def leaf(self, item) -> ast.Node:
        """A literal or variable node for a token; nodes pass through."""
        if type(item) is not tuple:
            return item
        kind = item[0]
        pos = self._token_pos(item)
        if kind == "SCRIPTVAR":
            return ast.Var(*pos, self._spec(item))
        if kind == "STRING":
            return ast.Str(*pos, unquote(item[1]), item[1][0])
        if kind == "NUMBER":
            return ast.Num(*pos, parse_int_literal(item[1]))
        if kind in _ADDRESS_TYPES:
            return ast.Net(*pos, item[1])
        if item[1] in ("null", "NULL"):
            return ast.Null(*pos)
        if item[1] in _BOOL_WORDS:
            return ast.Num(*pos, _BOOL_WORDS[item[1]])
        return ast.Str(*pos, item[1], "")     # an identifier used as a name

    def _spec(self, token) -> PVSpec:
        try:
            return parse_spec(token[1])
        except SpecError as err:
            self.error("invalid script variable %s: %s" % (token[1], err), token)
            return _PLACEHOLDER_SPEC

    def var(self, token) -> ast.Var:
        return ast.Var(*self._token_pos(token), self._spec(token))

    @staticmethod
    def _name_text(item) -> str:
        """Route names: identifiers and strings as written, numbers in decimal."""
        kind, text = item[0], item[1]
        if kind == "STRING":
            return unquote(text)
        if kind == "NUMBER":
            return str(parse_int_literal(text))
        if text in _BOOL_WORDS:
            return str(_BOOL_WORDS[text])
        return text

    # ------------------------------------------------------------ statement lists

    @staticmethod
    def _statements(items) -> list[ast.Node]:
        """The statement nodes among a body's children."""
        return [item for item in items if type(item) is not tuple]

    @staticmethod
    def _body(item) -> list[ast.Node]:
        """The statements of an if/while/for body (a block, one statement, or none)."""
        if item is None:
            return []
        if isinstance(item, ast.Block):
            return item.body
        return [item]

    def _claim_breaks(self, body: list[ast.Node]) -> None:
        """Mark the `break`s that belong to a loop or switch with this body."""
        stack = list(body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Break):
                self._claimed.add(id(node))
            elif isinstance(node, ast.If):
                stack.extend(node.body)
                stack.extend(node.orelse or ())
            elif isinstance(node, ast.Block):
                stack.extend(node.body)

    def _report_stray_breaks(self) -> None:
        """At the end of a route block: its `break`s that no loop or switch claimed."""
        for node in self._breaks:
            if id(node) not in self._claimed:
                self.diagnostics.append(Diagnostic(
                    ERROR, "'break' outside of a while, for or switch statement",
                    node.file, node.line, node.col, node.end_col,
                    included_from=self._included_from(node.file)))
        self.abandon()

    def abandon(self) -> None:
        """Forget the `break`s of a route block that failed to parse."""
        self._breaks.clear()
        self._claimed.clear()

    # ------------------------------------------------------------ top level

    def start(self, c):
        """The top-level items; the parser places the Script node itself."""
        return ast.Script(self.file, 1, 1, 1, 1, c, [])

    def global_param(self, c):
        name_tok, atoms = c[0], c[2:]
        if len(atoms) == 1 and atoms[0][0] in ("NUMBER", "STRING"):
            value = self.leaf(atoms[0]).value
            kind = "int" if atoms[0][0] == "NUMBER" else "str"
        elif len(atoms) == 1 and atoms[0][1] in _BOOL_WORDS:
            value, kind = _BOOL_WORDS[atoms[0][1]], "int"
        elif len(atoms) == 2 and atoms[0][1] in "+-" and atoms[1][0] == "NUMBER":
            value = parse_int_literal(atoms[1][1])
            value, kind = (wrap32(-value) if atoms[0][1] == "-" else value), "int"
        elif len(atoms) == 1 and atoms[0][0] == "ID":
            value, kind = atoms[0][1], "id"
        else:
            value, kind = None, "compound"
        return ast.GlobalParam(*self._pos(name_tok, atoms[-1]), name_tok[1], value, kind,
                               self._source_span(atoms))

    def _source_span(self, atoms) -> str:
        parts = [atoms[0][1]]
        for prev, tok in zip(atoms, atoms[1:]):
            gap = tok[4] - (prev[4] + len(prev[1]))
            parts.append(" " if gap > 0 else "")
            parts.append(tok[1])
        return "".join(parts)

    def loadmodule(self, c):
        return ast.LoadModule(*self._pos(c[0], c[1]), unquote(c[1][1]))

    def modparam(self, c):
        value_items = c[6:-1]
        if type(value_items[0]) is tuple:
            value = "".join(unquote(tok[1]) for tok in value_items)
        else:
            value = value_items[0].value
        return ast.ModParam(*self._pos(c[0], c[-1]), unquote(c[2][1]), unquote(c[4][1]), value)

    def route_block(self, c):
        kind_tok, body = c[0], c[-1]
        kind = kind_tok[1]
        name = interval = modifier = None
        quoted = len(c) >= 5 and c[2][0] == "STRING"
        if len(c) >= 5:
            name = self._name_text(c[2])
        if len(c) == 7:
            name = self._name_text(c[2])
            extra = c[4]
            if kind == "timer_route" and extra[0] == "NUMBER":
                interval = parse_int_literal(extra[1])
            elif kind == "event_route" and extra[1] in ("sync", "async"):
                modifier = extra[1]
                self.error("event_route[%s, %s]: the sync/async modifier was removed in "
                           "OpenSIPS 3.0; write event_route[%s]" % (name, extra[1], name), extra)
            else:
                self.error("invalid %s statement: unexpected '%s'" % (kind, extra[1]), extra)
        self._check_route_header(kind, name, interval, c)
        self._report_stray_breaks()
        return ast.Route(*self._pos(kind_tok, body), kind, name, quoted, interval, modifier,
                         body.body)

    def _check_route_header(self, kind, name, interval, c) -> None:
        named_only = ("failure_route", "branch_route", "timer_route", "event_route")
        unnamed_only = ("error_route", "local_route", "startup_route")
        if kind in named_only and name is None:
            self.error("invalid %s statement: a name in [ ] is required" % kind, c[0], c[1])
        elif kind in unnamed_only and name is not None:
            self.error("invalid %s statement: it takes no name" % kind, c[0], c[3])
        elif kind == "timer_route" and interval is None and len(c) != 7:
            self.error("invalid timer_route statement: the interval is missing "
                       "(timer_route[name, seconds])", c[0], c[3])

    def route_body(self, c):
        return ast.Block(*self._pos(c[0], c[-1]), self._statements(c[1:-1]))

    # ------------------------------------------------------------ statements

    def break_stmt(self, c):
        node = ast.Break(*self._pos(c[0], c[0]))
        self._breaks.append(node)
        return node

    def block(self, c):
        return ast.Block(*self._pos(c[0], c[-1]), self._statements(c[1:-1]))

    def if_stmt(self, c):
        # "if" "(" cond ")" [body] ["else" [body]]: an empty statement leaves no child
        rest = c[4:]
        then_item = else_item = None
        if rest and not (_is_token(rest[0]) and rest[0][1] == "else"):
            then_item, rest = rest[0], rest[1:]
        orelse = None
        if rest:
            else_item = rest[1] if len(rest) > 1 else None
            orelse = self._body(else_item)
        return ast.If(*self._pos(c[0], c[-1]), self.leaf(c[2]), self._body(then_item), orelse)

    def while_stmt(self, c):
        body = self._body(c[4] if len(c) > 4 else None)
        self._claim_breaks(body)
        return ast.While(*self._pos(c[0], c[-1]), self.leaf(c[2]), body)

    def foreach_stmt(self, c):
        body = self._body(c[6] if len(c) > 6 else None)
        self._claim_breaks(body)
        var, source = self.var(c[2]), self.var(c[4])
        if var.spec.name not in ("var", "avp", "json"):
            self.error("for-each statement: only $var, $avp and $json iterators are supported",
                       c[2])
        return ast.ForEach(*self._pos(c[0], c[-1]), var, source, body)

    def switch_stmt(self, c):
        cases = [item for item in c[5:-1] if isinstance(item, ast.Case)]
        default = next((item.body for item in c[5:-1] if isinstance(item, ast.Block)), None)
        for case in cases:
            self._claim_breaks(case.body)
        self._claim_breaks(default or [])
        return ast.Switch(*self._pos(c[0], c[-1]), self.var(c[2]), cases, default)

    def case_clause(self, c):
        label = self.leaf(c[1]).value
        body = self._statements(c[3:])
        return ast.Case(*self._pos(c[0], c[-1]), label, body)

    def default_clause(self, c):
        """The default branch, as a Block so that switch_stmt tells it from the cases."""
        return ast.Block(*self._pos(c[0], c[-1]), self._statements(c[2:]))

    def assign(self, c):
        target = self.var(c[0])
        if target.spec.transforms:
            self.error("transformations are not accepted on the left side of an assignment", c[0])
        return ast.Assign(*self._pos(c[0], c[2]), target, c[1][1], self.leaf(c[2]))

    def call(self, c):
        args: list = []
        slot_open = True        # an argument may still fill the current slot
        for item in c[2:-1]:
            if _is_token(item) and item[1] == ",":
                if slot_open:
                    args.append(None)
                slot_open = True
            else:
                args.append(self.leaf(item))
                slot_open = False
        if len(c) > 3 and slot_open:
            args.append(None)
        return ast.Call(*self._pos(c[0], c[-1]), c[0][1], args)

    def route_call(self, c):
        target_tok = c[2]
        if target_tok[0] == "SCRIPTVAR":
            target = self.var(target_tok)
        else:
            target = ast.Str(*self._pos(target_tok, target_tok), self._name_text(target_tok),
                             target_tok[1][0] if target_tok[0] == "STRING" else "")
        args = [self.leaf(item) for item in c[3:-1] if not (_is_token(item) and item[1] == ",")]
        return ast.RouteCall(*self._pos(c[0], c[-1]), target, args)

    def _joined(self, tokens: list) -> ast.Str:
        value = "".join(unquote(tok[1]) for tok in tokens)
        return ast.Str(*self._pos(tokens[0], tokens[-1]), value, tokens[0][1][0])

    def xlog_stmt(self, c):
        debug = c[0][1] == "xdbg"
        args = c[2:-1]
        comma = next((i for i, tok in enumerate(args) if tok[0] != "STRING"), None)
        if comma is None:
            level, fmt = None, self._joined(args)
        else:
            if debug:
                self.error("xdbg() takes a single format argument", c[0], c[-1])
            if comma > 1:
                self.error("the xlog level must be a single string", args[0], args[comma - 1])
            level, fmt = self._joined(args[:comma]), self._joined(args[comma + 1:])
        if not fmt.value:
            self.error("%s() with an empty format" % c[0][1], fmt)
        return ast.Xlog(*self._pos(c[0], c[-1]), level, fmt, debug)

    def log_stmt(self, c):
        if len(c) == 4:
            level, text = None, unquote(c[2][1])
        else:
            level, text = c[2].value, unquote(c[4][1])
        return ast.Log(*self._pos(c[0], c[-1]), level, text)

    def error_stmt(self, c):
        return ast.ErrorStmt(*self._pos(c[0], c[-1]), unquote(c[2][1]), unquote(c[4][1]))

    def assert_stmt(self, c):
        description = unquote(c[4][1]) if len(c) == 6 else None
        return ast.Assert(*self._pos(c[0], c[-1]), self.leaf(c[2]), description)

    def return_stmt(self, c):
        code: Union[ast.Node, None] = None
        values = []
        if len(c) == 2:
            code = self.leaf(c[1])
        elif len(c) > 3:
            inner = c[2:-1]
            if not (_is_token(inner[0]) and inner[0][1] == ","):
                code = self.leaf(inner[0])
                inner = inner[1:]
            values = [self.leaf(item) for item in inner if not (_is_token(item) and item[1] == ",")]
        return ast.Return(*self._pos(c[0], c[-1]), code, values)

    def exit_stmt(self, c):
        return ast.Exit(*self._pos(c[0], c[-1]))

    def drop_stmt(self, c):
        return ast.Drop(*self._pos(c[0], c[-1]))

    def async_stmt(self, c):
        timeout = parse_int_literal(c[6][1]) if len(c) == 8 else None
        return ast.Async(*self._pos(c[0], c[-1]), c[2], self._name_text(c[4]), timeout)

    def launch_stmt(self, c):
        route = self._name_text(c[4]) if len(c) >= 6 else None
        param = unquote(c[6][1]) if len(c) == 8 else None
        return ast.Launch(*self._pos(c[0], c[-1]), c[2], route, param)

    # ------------------------------------------------------------ conditions

    def logic_op(self, c):
        op = "and" if c[1][1] in ("&&", "and") else "or"
        return ast.Logic(*self._pos(c[0], c[2]), op, self.leaf(c[0]), self.leaf(c[2]))

    def not_cond(self, c):
        return ast.Not(*self._pos(c[0], c[1]), self.leaf(c[1]))

    def paren_cond(self, c):
        return self.leaf(c[1])

    def test_expr(self, c):
        return ast.Test(*self._pos(c[0], c[2]), self.leaf(c[1]))

    def comparison(self, c):
        return ast.Compare(*self._pos(c[0], c[2]), c[1][1], self.var(c[0]), self.leaf(c[2]))

    # ------------------------------------------------------------ value expressions

    def bits_op(self, c):
        return ast.BinOp(*self._pos(c[0], c[2]), c[1][1], self.leaf(c[0]), self.leaf(c[2]))

    arith_op = bits_op

    def bit_not(self, c):
        return ast.BitNot(*self._pos(c[0], c[1]), self.leaf(c[1]))

    def paren_value(self, c):
        return self.leaf(c[1])

    def snumber(self, c):
        tok = c[-1]
        value = parse_int_literal(tok[1]) if tok[0] == "NUMBER" else _BOOL_WORDS[tok[1]]
        if len(c) == 1:
            return ast.Num(*self._token_pos(tok), value)
        if c[0][1] == "-":
            value = wrap32(-value)
        return ast.Num(*self._pos(c[0], tok), value)
