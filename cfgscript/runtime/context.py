"""State of one top-level run (startup, timer or event route), as OpenSIPS keeps it.

The action flags and the return code work as in OpenSIPS's action.c: every
action returns a code; 0 sets EXIT (the whole run stops); `return` sets RETURN
(the current route stops); `break` sets BREAK. `rc` is $rc / $retcode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .request import ErrorInfo, MessageState
from .values import Value

FL_RETURN = 1
FL_EXIT = 2
FL_BREAK = 4
FL_DROP = 8
FL_STOP = FL_RETURN | FL_EXIT | FL_BREAK
FL_ENDED = FL_RETURN | FL_EXIT        # the route is over: conditions are not tested

E_UNSPEC = -1
E_BUG = -5
E_SCRIPT = -10         # a script programming error found at run time
EXPR_DROP = -127
MAX_ROUTE_DEPTH = 100


@dataclass(slots=True)
class ParamFrame:
    """What $param reads: route() arguments, or the parameters of an event."""
    kind: str                                   # "route" or "event"
    values: tuple[Value, ...] = ()
    names: Optional[tuple[Optional[str], ...]] = None   # event parameter names
    event: str = ""


@dataclass(slots=True)
class RouteFrame:
    """One entry of the route stack ($route)."""
    kind: str                   # "startup_route", "route", "event_route", ...
    name: Optional[str]


# error_route runs as a frame of its own, printed as its name ($route), with
# no route parameters; it is no route of the stack's top ($route.type "route")
ERROR_ROUTE_FRAME = RouteFrame("route", "!error_route")
NO_PARAMS = ParamFrame("route", ())


@dataclass(slots=True)
class AvpStore:
    """AVP stacks: per name, values oldest first (the top is the last one)."""
    stacks: dict[str, list] = field(default_factory=dict)

    def clear(self) -> None:
        self.stacks.clear()


@dataclass(slots=True, eq=False)
class RunContext:
    engine: object
    avps: AvpStore
    flags: int = 0
    rc: int = 0
    routes: list[RouteFrame] = field(default_factory=list)
    params: list[ParamFrame] = field(default_factory=list)
    returns: list[list[Value]] = field(default_factory=list)   # per route level
    last_returns: list[Value] = field(default_factory=list)    # $return(i)
    line: int = 0               # $cfg_line
    file: str = ""              # $cfg_file
    error_info: Optional[ErrorInfo] = None      # $err.*
    depth_base: int = 0         # routes of the runs this nested event route runs inside
    request: MessageState = field(default_factory=MessageState)    # the dummy request's changes


class StrictStop(Exception):
    """--strict: the script called something cfgscript cannot run."""


class ScriptAbort(Exception):
    """abort_on_assert, or a fatal problem while running."""


class StopRequested(Exception):
    """A stop (SIGINT, SIGTERM) came while script code ran: the run is cut
    short at the next loop iteration, route call or sleep."""
