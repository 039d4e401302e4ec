"""Socket strings of subscribe_event() judged without touching the world: the
transport must exist and be loaded, and the text after "proto:" must be what
the transport's own parser accepts (each runtime transport's `check_syntax`;
host names are not resolved, paths are not looked at)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Optional

from ...catalog import CORE, Catalog
from ...events.core import SocketError
from ...modules import implemented_module

ROUTE_TRANSPORT = "route"
NEVER_EXPIRE = frozenset(("rabbitmq", ROUTE_TRANSPORT))   # transports that ignore an expire


@dataclass(frozen=True, slots=True)
class SocketProblem:
    message: str
    not_loaded: bool = False            # the transport exists but its module is not loaded


def transport_of(socket: str) -> str:
    return socket.partition(":")[0]


def socket_problem(socket: str, catalog: Catalog, loaded: Collection[str],
                   event_routes: Collection[str]) -> Optional[SocketProblem]:
    proto, sep, rest = socket.partition(":")
    module = catalog.transports.get(proto) if sep else None
    if module is None:
        known = ", ".join(sorted(catalog.transports))
        return SocketProblem("no Event Interface transport handles '%s' (sockets start with "
                             "one of: %s)" % (socket, known))
    if module != CORE and module not in loaded:
        return SocketProblem("the '%s' transport needs loadmodule \"%s.so\"" % (proto, module),
                             not_loaded=True)
    if proto == ROUTE_TRANSPORT:
        if rest not in event_routes:
            return SocketProblem("route:%s names no event_route[%s] block" % (rest, rest))
        return None
    return _syntax_problem(module, proto, rest, catalog, loaded, event_routes)


def _syntax_problem(module: str, proto: str, rest: str, catalog: Catalog,
                    loaded: Collection[str], event_routes: Collection[str],
                    ) -> Optional[SocketProblem]:
    check = _syntax_checker(module, proto)
    if check is None:
        return None                     # a transport cfgscript does not run: not judged
    try:
        members = check(rest)
    except SocketError as err:
        return SocketProblem("%s socket '%s:%s' is refused: %s" % (proto, proto, rest, err))
    for member in members or ():        # event_virtual: every member is a socket too
        problem = socket_problem(member, catalog, loaded, event_routes)
        if problem is not None:
            return SocketProblem("virtual member: " + problem.message, problem.not_loaded)
    return None


def _syntax_checker(module: str, proto: str):
    runtime = implemented_module(module)
    for transport in getattr(runtime, "transport_classes", ()):
        if transport.proto == proto:
            return getattr(transport, "check_syntax", None)
    return None
