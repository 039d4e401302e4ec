"""The start-up checks' codes (E1xx, stable: output and suppressions name them).
The limits OpenSIPS enforces, and what differs between releases, are in releases.py."""

from __future__ import annotations

PARALLEL_MIN_CHARS = 256 * 1024  # smaller scripts are checked in one process
XLOG_LEVEL_CHARS = "ACEWNID"     # OpenSIPS reads only the 3rd character of "L_xxx"

RESERVED_WORDS = frozenset((
    "if", "else", "switch", "case", "default", "break", "while", "for", "in", "return", "exit",
    "drop", "route", "assert", "xlog", "xdbg", "log", "error", "async", "launch", "sync",
    "expire", "readonly", "and", "or", "not", "loadmodule", "modparam", "failure_route",
    "onreply_route", "branch_route", "error_route", "local_route", "startup_route",
    "timer_route", "event_route"))

# codes
E_GLOBAL = "E101"
E_RELEASE_FORM = "E102"
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
