"""Runtime modules: one file (or package, like json/) per OpenSIPS module
cfgscript runs.

Each declares its exports the way an OpenSIPS module does (script
functions, pseudo-variables, module parameters, transports, MI commands).
Modules that are not here are known from the catalog only: they load, and
calling one of their functions logs that it is not available in cfgscript.
"""

from __future__ import annotations

import importlib
from typing import Optional

from ..runtime.module import Module

# OpenSIPS module name -> "python_module:ClassName"
IMPLEMENTED = {
    "cfgutils": "cfgutils:Cfgutils",
    "json": "json:Json",
    "event_datagram": "event_datagram:EventDatagram",
    "event_flatstore": "event_flatstore:EventFlatstore",
    "event_virtual": "event_virtual:EventVirtual",
    "event_rabbitmq": "event_rabbitmq:EventRabbitMQ",
    "event_xmlrpc": "event_xmlrpc:EventXmlRpc",
    "event_stream": "event_stream:EventStream",
    "mi_datagram": "mi_datagram:MiDatagram",
    "httpd": "httpd:Httpd",
    "mi_http": "mi_http:MiHttp",
    "mi_fifo": "mi_fifo:MiFifo",
    "statistics": "statistics:StatisticsModule",
    "mathops": "mathops:Mathops",
    "cachedb_local": "cachedb_local:CachedbLocal",
    "rest_client": "rest_client:RestClient",
    "exec": "exec:Exec",
    "tm": "tm:Tm",
}

CORE = ("cfgscript.runtime.pvars:CoreVariables", "cfgscript.runtime.msgvars:MessageVariables",
        "cfgscript.modules.core:CoreFunctions")


def _load(path: str) -> type[Module]:
    module_name, _, class_name = path.partition(":")
    if "." not in module_name:
        module_name = __name__ + "." + module_name
    return getattr(importlib.import_module(module_name), class_name)


def core_modules() -> list[type[Module]]:
    """The parts of the core, always loaded."""
    return [_load(path) for path in CORE]


def implemented_module(name: str) -> Optional[type[Module]]:
    """The runtime class of an OpenSIPS module cfgscript implements (imported on use)."""
    path = IMPLEMENTED.get(name)
    return _load(path) if path else None
