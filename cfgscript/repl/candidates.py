"""What may be typed where: candidate words from the catalog (as lint reads
it) and from the running script. Terminal-free; completion.py wraps them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from ..catalog import CORE, signature
from ..syntax import ast
from .commands import COMMANDS
from .session import Session

# One sample per transport, as a subscriber socket is written.
SOCKET_SAMPLES = {
    "udp": "udp:127.0.0.1:9999",
    "unix": "unix:/tmp/cfgscript-events.sock",
    "tcp": "tcp:127.0.0.1:9998",
    "stream": "tcp:127.0.0.1:9998",
    "rabbitmq": "rabbitmq:guest:guest@127.0.0.1:5672/events",
    "xmlrpc": "xmlrpc:127.0.0.1:8080:event_method",
    "flatstore": "flatstore:/tmp/cfgscript-events.log",
    "route": "route:EVENT_ROUTE_NAME",
    "virtual": "virtual:PARALLEL udp:127.0.0.1:9999",
}
_VARIABLE = re.compile(r"\$\(?(var|avp)\((\w+)")


@dataclass(frozen=True)
class Candidate:
    text: str                   # what goes in
    meta: str = ""              # shown beside it


def meta_commands() -> list[Candidate]:
    return [Candidate(c.name, c.summary) for c in COMMANDS.values()]


def help_topics(session: Session) -> list[Candidate]:
    """What :help explains: the meta-commands, then the catalog's functions,
    pseudo-variables and events that completion offers in script code."""
    topics = [Candidate(c.name[1:], c.summary) for c in COMMANDS.values()]
    named = catalog_functions(session) + pseudo_variables(session) + events(session)
    return topics + [Candidate(c.text.rstrip("("), c.meta) for c in named]


def events(session: Session) -> list[Candidate]:
    """Published by the script and its modules, then the catalog's."""
    found = {}
    for event in list(session.engine.events.by_id):
        found[event.name] = Candidate(event.name, "published by %s" % event.origin)
    for name, (module, params) in session.catalog.events.items():
        found.setdefault(name, Candidate(name, "%s event: %s" % (module,
                                                                ", ".join(params) or "no params")))
    return list(found.values())


def event_params(session: Session, event: str) -> list[Candidate]:
    module, params = session.catalog.events.get(event, ("", []))
    return [Candidate(name + "=", "parameter of %s" % event) for name in params]


def sockets(session: Session) -> list[Candidate]:
    listened = [Candidate(s, "listening here") for s in session.listening.sockets()]
    samples = []
    for proto, module in sorted(session.catalog.transports.items()):
        sample = SOCKET_SAMPLES.get(proto, proto + ":")
        samples.append(Candidate(sample, "%s transport (%s)" % (proto, module)))
    return listened + samples


def subscribers(session: Session, event: str) -> list[Candidate]:
    """The sockets subscribed to the event now."""
    found = session.engine.events.get(event)
    return [Candidate(sub.socket, "subscribed") for sub in list(found.subscribers)] if found else []


def routes(session: Session) -> list[Candidate]:
    return [Candidate(name, "route[%s]" % name) for name in sorted(session.engine.routes)]


def functions(session: Session) -> list[Candidate]:
    from ..highlight import BUILTIN_STATEMENTS  # the lexer's module: not needed before a Tab

    statements = [Candidate(name + "(", "core statement") for name in BUILTIN_STATEMENTS]
    return statements + catalog_functions(session)


def catalog_functions(session: Session) -> list[Candidate]:
    """The functions of the core and of the loaded modules, with their signatures."""
    catalog = session.catalog
    found = []
    for module in [CORE] + loaded_modules(session):
        for name in catalog.module_functions(module):
            fn = catalog.module_function(module, name)
            if fn is not None:
                found.append(Candidate(name + "(", signature(fn)))
    return found


def pseudo_variables(session: Session) -> list[Candidate]:
    catalog = session.catalog
    found = []
    for name in catalog.pvar_names(loaded_modules(session)):
        pvar = catalog.pvar(name)
        takes = pvar is not None and pvar.takes_name
        found.append(Candidate("$" + name + ("(" if takes else ""),
                               "pseudo-variable (%s)" % (pvar.module if pvar else CORE)))
    return found


def transformations(session: Session) -> list[Candidate]:
    return [Candidate(name, "transformation") for name in sorted(session.catalog.transformations)]


def script_variables(session: Session, kind: str) -> list[Candidate]:
    """$var or $avp names: those the script writes, then those set now."""
    names = set(_names_in_script(session, kind))
    if kind == "var":
        names.update(session.engine.script_vars)
    else:
        names.update(session.context.avps.stacks)
    return [Candidate(name, "$%s" % kind) for name in sorted(names)]


def loaded_modules(session: Session) -> list[str]:
    return [item.module for item in session.engine.script.items
            if isinstance(item, ast.LoadModule)]


def _names_in_script(session: Session, kind: str) -> list[str]:
    path = session.script_path
    if path is None:
        return []
    try:
        changed = os.stat(path).st_mtime_ns
    except OSError:
        return []
    return [name for found, name in _written_variables(path, changed) if found == kind]


@lru_cache(maxsize=4)
def _written_variables(path: str, changed: int) -> list[tuple[str, str]]:
    """(kind, name) of the $var and $avp names in the file (read once per change)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            return sorted(set(_VARIABLE.findall(stream.read())))
    except OSError:
        return []
