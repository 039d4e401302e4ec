"""Syntax tree of an opensips.cfg script.

Nodes are plain dataclasses. Every node records where it comes from: the file
(after include_file/import_file resolution), the 1-based line and column of its
first character and the line and column just past its last character.

`NodeVisitor` walks a tree the way `ast.NodeVisitor` does in the standard
library: `visit_<ClassName>` methods, `generic_visit` for the children.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Union

from .pvspec import PVSpec


@dataclass(slots=True, eq=False)
class Node:
    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    # the fields that hold child nodes (a node, a list of nodes, or None)
    _fields: ClassVar[tuple[str, ...]] = ()

    def children(self) -> Iterator[Node]:
        """Direct child nodes, in source order."""
        for name in self._fields:
            value = getattr(self, name)
            if type(value) is list:
                for item in value:
                    if item is not None:
                        yield item
            elif value is not None:
                yield value

    @property
    def where(self) -> tuple[str, int, int]:
        return self.file, self.line, self.col


# ---------------------------------------------------------------- literals and variables

@dataclass(slots=True, eq=False)
class Num(Node):
    value: int


@dataclass(slots=True, eq=False)
class Str(Node):
    value: str          # after escape processing
    quote: str          # '"' or "'"


@dataclass(slots=True, eq=False)
class Null(Node):
    pass


@dataclass(slots=True, eq=False)
class Net(Node):
    """An IP address or network on the right side of == / != ."""
    text: str


@dataclass(slots=True, eq=False)
class Var(Node):
    """A script variable ($var(x), $(avp(y)[1]{s.len}), $Ts, ...)."""
    spec: PVSpec


Literal = Union[Num, Str, Null]
Arg = Union[Num, Str, Var]


# ---------------------------------------------------------------- expressions

@dataclass(slots=True, eq=False)
class Compare(Node):
    """VAR op RHS: the only comparison form of the language."""
    _fields = ('left', 'right')
    op: str                     # == != > < >= <= =~ !~
    left: Var
    right: Union[Var, Str, Num, Null, Net]


@dataclass(slots=True, eq=False)
class Binary(Node):
    """The shape of the two-operand operators below (never built itself)."""
    _fields = ('left', 'right')
    op: str
    left: Node
    right: Node


@dataclass(slots=True, eq=False)
class Unary(Node):
    """The shape of the one-operand operators below (never built itself)."""
    _fields = ('operand',)
    operand: Node


class BinOp(Binary):
    """Arithmetic (+ - * / %) or bitwise (| & ^ << >>) value operator."""
    __slots__ = ()


class BitNot(Unary):
    __slots__ = ()


class Logic(Binary):
    """Condition operator: op is "and" or "or"."""
    __slots__ = ()


class Not(Unary):
    __slots__ = ()


@dataclass(slots=True, eq=False)
class Test(Node):
    """The [ value-expression ] test operator inside a condition."""
    _fields = ('expr',)
    expr: Node


# ---------------------------------------------------------------- statements

@dataclass(slots=True, eq=False)
class Call(Node):
    """A core or module function call. Omitted arguments are None."""
    _fields = ('args',)
    name: str
    args: list[Union[Arg, None]]


@dataclass(slots=True, eq=False)
class RouteCall(Node):
    _fields = ('target', 'args')
    target: Union[Str, Var]     # a literal name is a Str (ID and NUMBER names too)
    args: list[Union[Num, Str, Var, Null]]


@dataclass(slots=True, eq=False)
class Xlog(Node):
    _fields = ('level', 'format')
    level: Union[Str, None]     # None: the one-argument form
    format: Str
    debug: bool                 # xdbg()


@dataclass(slots=True, eq=False)
class Log(Node):
    level: Union[int, None]     # None: log("text") logs at L_DBG
    text: str


@dataclass(slots=True, eq=False)
class ErrorStmt(Node):
    error_class: str
    reason: str


@dataclass(slots=True, eq=False)
class Assert(Node):
    _fields = ('cond',)
    cond: Node
    description: Union[str, None]


@dataclass(slots=True, eq=False)
class Return(Node):
    _fields = ('code', 'values')
    code: Union[Var, Num, None]     # None: return / return() (code 1)
    values: list[Union[Var, Num, Str, Null]]


@dataclass(slots=True, eq=False)
class Exit(Node):
    pass


@dataclass(slots=True, eq=False)
class Drop(Node):
    pass


@dataclass(slots=True, eq=False)
class Async(Node):
    _fields = ('call',)
    call: Call
    resume_route: str
    timeout: Union[int, None]


@dataclass(slots=True, eq=False)
class Launch(Node):
    _fields = ('call',)
    call: Call
    report_route: Union[str, None]
    report_param: Union[str, None]


@dataclass(slots=True, eq=False)
class Assign(Node):
    _fields = ('target', 'value')
    target: Var
    op: str                     # = := += -= *= /= %= &= |= ^=
    value: Node                 # a value expression, or Null


@dataclass(slots=True, eq=False)
class If(Node):
    _fields = ('cond', 'body', 'orelse')
    cond: Node
    body: list[Node]
    orelse: Union[list[Node], None]


@dataclass(slots=True, eq=False)
class While(Node):
    _fields = ('cond', 'body')
    cond: Node
    body: list[Node]


@dataclass(slots=True, eq=False)
class ForEach(Node):
    _fields = ('var', 'source', 'body')
    var: Var
    source: Var
    body: list[Node]


@dataclass(slots=True, eq=False)
class Case(Node):
    _fields = ('body',)
    label: Union[int, str]
    body: list[Node]


@dataclass(slots=True, eq=False)
class Switch(Node):
    _fields = ('subject', 'cases', 'default')
    subject: Var
    cases: list[Case]
    default: Union[list[Node], None]


@dataclass(slots=True, eq=False)
class Break(Node):
    pass


@dataclass(slots=True, eq=False)
class Block(Node):
    """{ ... } used where a condition expects a statement."""
    _fields = ('body',)
    body: list[Node]


# ---------------------------------------------------------------- top level

@dataclass(slots=True, eq=False)
class GlobalParam(Node):
    name: str
    value: Union[int, str, None]    # a single number or string; None when compound
    kind: str                       # "int", "str", "id" or "compound"
    text: str                       # the value as written


@dataclass(slots=True, eq=False)
class LoadModule(Node):
    path: str

    @property
    def module(self) -> str:
        """'event_datagram' for "event_datagram.so" or "/usr/lib/x/event_datagram.so"."""
        name = self.path.rsplit("/", 1)[-1]
        return name[:-3] if name.endswith(".so") else name


@dataclass(slots=True, eq=False)
class ModParam(Node):
    module: str                 # a regular expression over module names
    param: str
    value: Union[int, str]


ROUTE_KINDS = ("route", "failure_route", "onreply_route", "branch_route", "error_route",
               "local_route", "startup_route", "timer_route", "event_route")


@dataclass(slots=True, eq=False)
class Route(Node):
    _fields = ('body',)
    kind: str                   # one of ROUTE_KINDS
    name: Union[str, None]      # None for the unnamed main/onreply/error/... routes
    name_quoted: bool           # route["name"]: reserved words may be used only so
    interval: Union[int, None]  # timer_route seconds
    modifier: Union[str, None]  # legacy event_route[E, sync|async]
    body: list[Node]


@dataclass(slots=True, eq=False)
class Script(Node):
    _fields = ('items',)
    items: list[Node]
    files: list[str]            # the main file, then every included file

    def routes(self) -> Iterator[Route]:
        return (item for item in self.items if isinstance(item, Route))


# ---------------------------------------------------------------- walking

class NodeVisitor:
    """Calls visit_<ClassName>(node) for each node; generic_visit walks children."""

    def visit(self, node: Node):
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            return self.generic_visit(node)
        return method(node)

    def generic_visit(self, node: Node) -> None:
        for child in node.children():
            self.visit(child)


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(current.children())))
