"""How the OpenSIPS releases differ where the module catalog cannot say it.

The catalog (catalog.py) lists what each release exports: globals, functions, modules,
variables, events. This table holds the rest, one entry per fact, each with its value in
every release of catalog.RELEASES and the place in the OpenSIPS source it was read from:
statement and socket forms the grammar (cfg.y) accepts, route block kinds, compiled-in
limits and defaults; and SUCCESSORS, the one table of what replaced a removed global,
module, module parameter or function. Data only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

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
GLOBAL, MODULE, MODPARAM, FUNCTION = "global", "module", "modparam", "function"


@dataclass(frozen=True)
class Successor:
    """What took the place of a global, module, module parameter or function that a
    release no longer has. `gone_in` is the first release without it (releases before
    3.4 are named too: old scripts use what 3.x already dropped)."""
    kind: str                       # GLOBAL, MODULE, MODPARAM or FUNCTION
    name: str
    gone_in: str
    use: tuple[str, ...] = ()       # what to use instead; empty: nothing does the same
    renamed: bool = False           # use[0] takes the same values and does the same
    module: str = ""                # a MODPARAM's module
    note: str = ""                  # how to move on when no name says it
    # a global that is no plain rename but has an exact equivalent: the lines that set
    # the same, with {value} (as written) and {negated} (the boolean opposite)
    equivalent: str = ""


SUCCESSORS: tuple[Successor, ...] = (
    # globals (cfg.lex / cfg.y)
    Successor(GLOBAL, "listen", "4.0", ("socket",), renamed=True),
    Successor(GLOBAL, "log_stderror", "4.0", ("stderror_enabled", "syslog_enabled"),
              equivalent="stderror_enabled = {value}\nsyslog_enabled = {negated}"),
    Successor(GLOBAL, "log_facility", "4.0", ("syslog_facility",), renamed=True),
    Successor(GLOBAL, "log_name", "4.0", ("syslog_name",), renamed=True),
    Successor(GLOBAL, "tcp_parallel_read_on_workers", "4.0", ("tcp_threads",),
              note="TCP reading moved to a pool of threads: tcp_threads sets its size"),
    Successor(GLOBAL, "children", "3.1", ("udp_workers",), renamed=True),
    Successor(GLOBAL, "tcp_children", "3.1", ("tcp_workers",), renamed=True),
    Successor(GLOBAL, "debug", "3.1", ("log_level",), renamed=True),
    Successor(GLOBAL, "fork", "3.1", ("debug_mode",),
              note="fork = no ran OpenSIPS in the foreground; debug_mode does that and more"),
    Successor(GLOBAL, "disable_tcp", "2.1",
              note="TCP is on only when proto_tcp is loaded"),
    # modules (modules/ of each branch; sr_module.c module_warnings[])
    Successor(MODULE, "avpops", "3.5", ("sqlops",),
              note="the database half moved to sqlops; the rest is done with script "
                   "assignments and conditions on $avp()"),
    Successor(MODULE, "event_route", "3.6",
              note="its route transport is part of the core: drop the loadmodule"),
    Successor(MODULE, "rabbitmq", "3.6", ("event_rabbitmq",),
              note="event_rabbitmq exports rabbitmq_publish() and the server_id parameter"),
    Successor(MODULE, "mi_xmlrpc_ng", "4.0", ("mi_xmlrpc",), renamed=True),
    Successor(MODULE, "uri", "3.0", ("auth_aaa", "sipmsgops"),
              note="the aaa_* checks moved to auth_aaa, the URI tests to sipmsgops"),
    Successor(MODULE, "mi_json", "3.0", ("mi_http",)),
    # module parameters (each module's exports)
    Successor(MODPARAM, "db_mode", "4.0", ("working_mode_preset",), module="usrloc"),
    Successor(MODPARAM, "th_contact_encode_passwd", "4.1",
              ("th_contact_encode_param_password",), module="topology_hiding",
              note="one value now holds the parameter name and the password: \"param:password\""),
    Successor(MODPARAM, "th_contact_encode_param", "4.1",
              ("th_contact_encode_param_password",), module="topology_hiding",
              note="one value now holds the parameter name and the password: \"param:password\""),
    Successor(MODPARAM, "framework", "4.1", ("pi_framework",), module="pi_http",
              note="the framework file is the core global pi_framework"),
    # functions (each module's exports, core_cmds.c)
    Successor(FUNCTION, "avp_db_load", "3.5", ("sql_avp_load",)),
    Successor(FUNCTION, "avp_db_store", "3.5", ("sql_avp_store",)),
    Successor(FUNCTION, "avp_db_delete", "3.5", ("sql_avp_delete",)),
    Successor(FUNCTION, "avp_db_query", "3.5", ("sql_query",)),
    Successor(FUNCTION, "avp_shuffle", "3.5", ("shuffle_avps",)),
    Successor(FUNCTION, "avp_delete", "3.5", note="assign null: $avp(name) = NULL"),
    Successor(FUNCTION, "avp_copy", "3.5", note="assign: $avp(dst) = $avp(src)"),
    Successor(FUNCTION, "avp_pushto", "3.5", note="assign: $ru = $avp(name)"),
    Successor(FUNCTION, "avp_check", "3.5", note="compare in a condition: if ($avp(name) == ...)"),
    Successor(FUNCTION, "is_avp_set", "3.5", note="test in a condition: if ($avp(name) != NULL)"),
    Successor(FUNCTION, "avp_op", "3.5", note="compute in an assignment: $avp(x) = $avp(x) + 1"),
    Successor(FUNCTION, "avp_subst", "3.5", note="use the {re.subst} transformation"),
    Successor(FUNCTION, "append_branch", "3.6", ("append_msg_branch",)),
    Successor(FUNCTION, "move_branch", "3.6", ("move_msg_branch",), renamed=True),
    Successor(FUNCTION, "remove_branch", "3.6", ("remove_msg_branch",), renamed=True),
    Successor(FUNCTION, "swap_branches", "3.6", ("swap_msg_branches",), renamed=True),
)

_SUCCESSOR = {(s.kind, s.module, s.name): s for s in SUCCESSORS}
_PREDECESSOR = {(s.kind, s.module, s.use[0]): s for s in SUCCESSORS if s.renamed}


def successor(kind: str, name: str, module: str = "") -> Optional[Successor]:
    """What replaced a global, module, function or (module's) parameter, if known."""
    return _SUCCESSOR.get((kind, module, name))


def predecessor(kind: str, name: str, module: str = "") -> Optional[Successor]:
    """The entry of the older name that `name` is a plain rename of, if any."""
    return _PREDECESSOR.get((kind, module, name))


_DEPRECATED_LOG_GLOBALS = {name: _SUCCESSOR[(GLOBAL, "", name)].use
                           for name in ("log_stderror", "log_facility", "log_name", "listen")}

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
    # ------------------------------------------------------------ loadmodule
    ReleaseFact(
        "module.skipped",
        _since("3.6", {"event_route": "event_route is part of the core since OpenSIPS 3.6; "
                                      "the loadmodule is ignored"}, {}),
        "sr_module.c (3.6 on): module_warnings[], event_route with MOD_WARN_SKIP",
        "modules whose loadmodule a release skips with a warning -> the warning"),
    ReleaseFact(
        "module.refused",
        _since("3.6", {"rabbitmq": "module 'rabbitmq' was dropped in OpenSIPS 3.6; load "
                                   "'event_rabbitmq'"}, {}),
        "sr_module.c (3.6 on): module_warnings[], rabbitmq with MOD_WARN_EXIT",
        "modules whose loadmodule a release refuses by name -> the error"),
    # ------------------------------------------------------------ deprecations
    ReleaseFact(
        "global.deprecated",
        {r: (_DEPRECATED_LOG_GLOBALS if RELEASES.index(r) < RELEASES.index("4.0") else {})
         for r in RELEASES},
        "cfg.y (3.4 to 3.6): warn(\"'log_stderror' is deprecated, use 'stderror_enabled' "
        "and/or 'syslog_enabled' instead\") and the like for log_facility, log_name and "
        "listen; the four are gone from cfg.y/cfg.lex in 4.0",
        "globals a release still accepts with a warning -> what replaces them"),
)

_BY_KEY = {fact.key: fact for fact in FACTS}


def release_fact(key: str) -> ReleaseFact:
    return _BY_KEY[key]


def release_value(key: str, release: str) -> object:
    """The value of one fact in one release ("3.6", ...)."""
    return _BY_KEY[key].values[release]
