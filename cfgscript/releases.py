"""How the OpenSIPS releases differ where the module catalog cannot say it.

The catalog (catalog.py) lists what each release exports: globals, functions, modules,
variables, events. This table holds the rest, one entry per fact, each with its value in
every release of catalog.RELEASES and the place in the OpenSIPS source it was read from:
statement and socket forms the grammar (cfg.y) accepts, route block kinds, compiled-in
limits, defaults, and what replaced a removed global or module. Data only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .catalog import RELEASES


@dataclass(frozen=True)
class ReleaseFact:
    key: str
    values: Mapping[str, object]    # release -> value, for every release
    source: str                     # where in the OpenSIPS source the values were read
    summary: str


def _all(value: object) -> dict[str, object]:
    return {release: value for release in RELEASES}


def _since(release: str, value: object = True, before: object = False) -> dict[str, object]:
    first = RELEASES.index(release)
    return {r: (value if i >= first else before) for i, r in enumerate(RELEASES)}


_SOCKET_PARAMS_3_4 = ("anycast", "frag", "reuse_port", "use_workers", "as",
                      "use_auto_scaling_profile", "tag")
_SOCKET_PARAMS_3_6 = _SOCKET_PARAMS_3_4 + ("accept_subdomain", "tos")
_SOCKET_PARAMS_4_0 = _SOCKET_PARAMS_3_6 + ("allow_proxy_protocol", "send_proxy_protocol",
                                           "proxy_protocol")
_DEPRECATED_LOG_GLOBALS = {
    "log_stderror": ("stderror_enabled", "syslog_enabled"),
    "log_facility": ("syslog_facility",),
    "log_name": ("syslog_name",),
    "listen": ("socket",),
}

FACTS: tuple[ReleaseFact, ...] = (
    # ------------------------------------------------------------ statement forms
    ReleaseFact(
        "statement.return_values", _since("3.6"),
        "cfg.y, rule cmd: RETURN LPAREN (script_var|snumber|) COMMA return_params RPAREN "
        "(first in 3.6)",
        "return() takes values after the return code: return(1, $var(a), \"s\", null)"),
    ReleaseFact(
        "statement.assert_without_message", _since("3.6"),
        "cfg.y, rule cmd: ASSERT LPAREN exp RPAREN (first in 3.6; before, only "
        "ASSERT LPAREN exp COMMA STRING RPAREN)",
        "assert(condition) without the message argument"),
    ReleaseFact(
        "statement.route_max_args", _all(8),
        "cfg.y, rule route_param: more than MAX_ACTION_ELEMS-1 arguments is 'too many "
        "arguments' (route_struct.h: MAX_ACTION_ELEMS 9)",
        "most parameters a route(name, ...) call passes"),
    ReleaseFact(
        "statement.function_max_args", _all(8),
        "cmds.h: MAX_CMD_PARAMS (MAX_ACTION_ELEMS-1), route_struct.h: MAX_ACTION_ELEMS 9",
        "most arguments of a module or core function call"),
    # ------------------------------------------------------------ route blocks
    ReleaseFact(
        "route.kinds", _all(("route", "failure_route", "onreply_route", "branch_route",
                             "error_route", "local_route", "startup_route", "timer_route",
                             "event_route")),
        "cfg.y, rule route_stm and its *_route_stm siblings (unchanged 3.4 to 4.1)",
        "route block kinds a script may define"),
    ReleaseFact(
        "route.max_named_routes", _all(99),
        "config.h: RT_NO 100; slot 0 of the route table is the main route",
        "route[name] blocks besides the main route"),
    ReleaseFact(
        "route.max_event_routes", _all(98),
        "config.h: EVENT_RT_NO = RT_NO (100); 99 are accepted by 4.1 but crash it at start-up "
        "(observed on 4.1, the table size is the same in every release)",
        "event_route blocks a script may define"),
    ReleaseFact(
        "route.max_timer_routes", _all(100),
        "config.h: TIMER_RT_NO = RT_NO (100)",
        "timer_route blocks a script may define"),
    ReleaseFact(
        "route.max_recursion", _all(100),
        "config.h: ROUTE_MAX_REC_LEV 100 (route() nesting), MAX_REC_LEV 100",
        "deepest nesting of route() calls"),
    ReleaseFact(
        "event.max_name_length", _all(64),
        "evi/evi.h: MAX_EVENT_NAME 64",
        "longest Event Interface event name"),
    # ------------------------------------------------------------ defaults
    ReleaseFact(
        "default.max_while_loops", _all(10000),
        "action.c: int max_while_loops = 10000",
        "iterations of a while loop before OpenSIPS breaks it"),
    ReleaseFact(
        "default.logging", _all({"log_level": 2, "stderror_enabled": 1, "syslog_enabled": 0,
                                 "log_stdout": 0}),
        "dprint.c: log_level_holder = L_NOTICE (dprint.h: 2); globals.c: stderr_enabled = 1, "
        "syslog_enabled = 0, log_stdout = 0",
        "where and how much OpenSIPS logs when the script does not say"),
    # ------------------------------------------------------------ sockets and paths
    ReleaseFact(
        "socket.params",
        {"3.4": _SOCKET_PARAMS_3_4, "3.5": _SOCKET_PARAMS_3_4, "3.6": _SOCKET_PARAMS_3_6,
         "4.0": _SOCKET_PARAMS_4_0, "4.1": _SOCKET_PARAMS_4_0},
        "cfg.y, rule socket_def_param, with the keywords of cfg.lex (accept_subdomain and "
        "tos first in 3.6; allow/send_proxy_protocol and proxy_protocol first in 4.0)",
        "keywords a socket= definition may carry after the address"),
    ReleaseFact(
        "socket.port_ranges", _since("3.5"),
        "cfg.y, rules phostportrange and portrange: NUMBER MINUS NUMBER (first in 3.5)",
        "socket = udp:10.0.0.1:5060-5070 opens one socket per port"),
    ReleaseFact(
        "socket.bond", _since("4.0"),
        "cfg.y, rule socket_def: BOND COLON ID LBRACE socket_bond_elems RBRACE (first in 4.0)",
        "socket = bond:NAME {\"udp:...\", \"tcp:...\"} groups sockets under one name"),
    ReleaseFact(
        "alias.accept_subdomain", _since("3.6"),
        "cfg.y, rule alias_def: any_alias ACCEPT_SUBDOMAIN (first in 3.6)",
        "alias = example.com accept_subdomain"),
    ReleaseFact(
        "mpath.list", _since("4.0"),
        "cfg.y, rule mpath_def_list: mpath_def_list COLON STRING (first in 4.0; before, "
        "MPATH EQUAL STRING takes a single directory)",
        "mpath = \"/a/\":\"/b/\" searches several module directories"),
    # ------------------------------------------------------------ replacements
    ReleaseFact(
        "global.deprecated",
        {r: (_DEPRECATED_LOG_GLOBALS if RELEASES.index(r) < RELEASES.index("4.0") else {})
         for r in RELEASES},
        "cfg.y (3.4 to 3.6): warn(\"'log_stderror' is deprecated, use 'stderror_enabled' "
        "and/or 'syslog_enabled' instead\") and the like for log_facility, log_name and "
        "listen; the four are gone from cfg.y/cfg.lex in 4.0",
        "globals a release still accepts with a warning -> what replaces them"),
    ReleaseFact(
        "global.replacements", _all({**_DEPRECATED_LOG_GLOBALS,
                                     "tcp_parallel_read_on_workers": ("tcp_threads",)}),
        "cfg.y of 3.6 (deprecation warnings) and 4.0 (TCP_PARALLEL_READ_ON_WORKERS gone, "
        "TCP_THREADS new)",
        "a global missing from a release -> the globals to use instead"),
    ReleaseFact(
        "module.replacements", _all({
            "avpops": ("sqlops",),          # removed in 3.5; sqlops (new in 3.5) has its DB half
            "event_route": ("core",),       # removed in 3.6; the "route" transport is core's
            "rabbitmq": ("event_rabbitmq",),    # removed in 3.6; rabbitmq_publish() moved
            "mi_xmlrpc_ng": ("mi_xmlrpc",),     # renamed in 4.0
        }),
        "modules/ of each branch: avpops gone in 3.5 (sqlops new, with avpops' db_* params); "
        "event_route gone in 3.6 (evi/ registers the route transport); rabbitmq gone in 3.6 "
        "(event_rabbitmq exports rabbitmq_publish); mi_xmlrpc_ng renamed mi_xmlrpc in 4.0",
        "a module missing from a release -> the modules that took its place"),
    ReleaseFact(
        "function.replacements", _all({
            "avp_db_load": "sql_avp_load", "avp_db_store": "sql_avp_store",
            "avp_db_delete": "sql_avp_delete", "avp_db_query": "sql_query",
        }),
        "modules/avpops/README.md (3.4) and modules/sqlops/README.md (3.5): the same "
        "database operations under new names",
        "a function of a removed module -> its successor"),
)

_BY_KEY = {fact.key: fact for fact in FACTS}


def release_fact(key: str) -> ReleaseFact:
    return _BY_KEY[key]


def release_value(key: str, release: str) -> object:
    """The value of one fact in one release ("3.6", ...)."""
    return _BY_KEY[key].values[release]
