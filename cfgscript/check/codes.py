"""The start-up checks' codes (E1xx, stable: output and suppressions name them)
and the limits OpenSIPS enforces when it loads a script."""

from __future__ import annotations

MAX_EVENT_NAME = 64
PARALLEL_MIN_CHARS = 256 * 1024  # smaller scripts are checked in one process
MAX_NAMED_ROUTES = 99           # route[...] blocks besides the main route
MAX_EVENT_ROUTES = 98           # OpenSIPS 4.1 accepts 99 but crashes at start-up with them
MAX_TIMER_ROUTES = 100
MAX_ROUTE_ARGS = 8
MAX_FUNCTION_ARGS = 8
XLOG_LEVEL_CHARS = "ACEWNID"     # OpenSIPS reads only the 3rd character of "L_xxx"

# globals removed from the language, with what replaced them
LEGACY_GLOBALS = {
    "listen": "socket", "children": "udp_workers", "log_stderror": "stderror_enabled",
    "log_facility": "syslog_facility", "log_name": "syslog_name", "debug": "log_level",
    "fork": None, "disable_tcp": None,
}
# modules whose loadmodule is skipped or refused by OpenSIPS itself
SKIPPED_MODULES = {"event_route": "event_route is part of the core since OpenSIPS 3.6; "
                                  "the loadmodule is ignored"}
REFUSED_MODULES = {"rabbitmq": "module 'rabbitmq' was renamed; load 'event_rabbitmq'"}

RESERVED_WORDS = frozenset((
    "if", "else", "switch", "case", "default", "break", "while", "for", "in", "return", "exit",
    "drop", "route", "assert", "xlog", "xdbg", "log", "error", "async", "launch", "sync",
    "expire", "readonly", "and", "or", "not", "loadmodule", "modparam", "failure_route",
    "onreply_route", "branch_route", "error_route", "local_route", "startup_route",
    "timer_route", "event_route"))

# codes
E_GLOBAL = "E101"
E_MODULE = "E110"
E_MODPARAM = "E111"
E_ROUTE_DEFINED = "E120"
E_ROUTE_LIMIT = "E121"
E_ROUTE_HEADER = "E122"
E_ROUTE_UNDEFINED = "E123"
E_FUNCTION = "E130"
E_ROUTE_TYPE = "E131"
E_ARGUMENTS = "E132"
E_VARIABLE = "E140"
E_TRANSFORMATION = "E141"
E_EVENT_NAME = "E150"
E_XLOG_LEVEL = "E151"
E_REGEX = "E152"
