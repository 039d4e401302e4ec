"""Syntax tree of an opensips.cfg script.

Nodes are plain dataclasses. Every node records where it comes from: the file
(after include_file/import_file resolution), the 1-based line and column of its
first character and the line and column just past its last character.

`NodeVisitor` walks a tree the way `ast.NodeVisitor` does in the standard
library: `visit_<ClassName>` methods, `generic_visit` for the children.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Iterator, Union

from .pvspec import PVSpec


@dataclass(slots=True, eq=False)
class Node:
    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def children(self) -> Iterator[Node]:
        """Direct child nodes, in source order."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, Node):
                        yield item

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
    op: str                     # == != > < >= <= =~ !~
    left: Var
    right: Union[Var, Str, Num, Null, Net]


@dataclass(slots=True, eq=False)
class BinOp(Node):
    """Arithmetic (+ - * / %) or bitwise (| & ^ << >>) value operator."""
    op: str
    left: Node
    right: Node


@dataclass(slots=True, eq=False)
class BitNot(Node):
    operand: Node


@dataclass(slots=True, eq=False)
class Logic(Node):
    op: str                     # "and" | "or"
    left: Node
    right: Node


@dataclass(slots=True, eq=False)
class Not(Node):
    operand: Node


@dataclass(slots=True, eq=False)
class Test(Node):
    """The [ value-expression ] test operator inside a condition."""
    expr: Node


# ---------------------------------------------------------------- statements

@dataclass(slots=True, eq=False)
class Call(Node):
    """A core or module function call. Omitted arguments are None."""
    name: str
    args: list[Union[Arg, None]]


@dataclass(slots=True, eq=False)
class RouteCall(Node):
    target: Union[Str, Var]     # a literal name is a Str (ID and NUMBER names too)
    args: list[Union[Num, Str, Var, Null]]


@dataclass(slots=True, eq=False)
class Xlog(Node):
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
    cond: Node
    description: Union[str, None]


@dataclass(slots=True, eq=False)
class Return(Node):
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
    call: Call
    resume_route: str
    timeout: Union[int, None]


@dataclass(slots=True, eq=False)
class Launch(Node):
    call: Call
    report_route: Union[str, None]
    report_param: Union[str, None]


@dataclass(slots=True, eq=False)
class Assign(Node):
    target: Var
    op: str                     # = := += -= *= /= %= &= |= ^=
    value: Node                 # a value expression, or Null


@dataclass(slots=True, eq=False)
class If(Node):
    cond: Node
    body: list[Node]
    orelse: Union[list[Node], None]


@dataclass(slots=True, eq=False)
class While(Node):
    cond: Node
    body: list[Node]


@dataclass(slots=True, eq=False)
class ForEach(Node):
    var: Var
    source: Var
    body: list[Node]


@dataclass(slots=True, eq=False)
class Case(Node):
    label: Union[int, str]
    body: list[Node]


@dataclass(slots=True, eq=False)
class Switch(Node):
    subject: Var
    cases: list[Case]
    default: Union[list[Node], None]


@dataclass(slots=True, eq=False)
class Break(Node):
    pass


@dataclass(slots=True, eq=False)
class Block(Node):
    """{ ... } used where a condition expects a statement."""
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
    kind: str                   # one of ROUTE_KINDS
    name: Union[str, None]      # None for the unnamed main/onreply/error/... routes
    name_quoted: bool           # route["name"]: reserved words may be used only so
    interval: Union[int, None]  # timer_route seconds
    modifier: Union[str, None]  # legacy event_route[E, sync|async]
    body: list[Node]


@dataclass(slots=True, eq=False)
class Script(Node):
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
