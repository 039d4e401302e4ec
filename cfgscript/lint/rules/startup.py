"""The start-up verdict: what OpenSIPS refuses when it loads a script. The checks
themselves live in cfgscript.check (one pipeline for `check` and `lint`); these
rules give their codes a name and an explanation."""

from __future__ import annotations

from typing import Optional

from ...check import codes
from ..finding import ERROR
from ..rule import Rule


class StartupRule(Rule):
    """Found by the checker; the linter reports what it found under this code."""
    severity = ERROR
    why = "OpenSIPS refuses to start with this script."


def _rule(code: str, name: str, summary: str, what: str, why: Optional[str], bad: str,
          good: str) -> type[Rule]:
    """The rule class of one code the checker reports (`why` None: StartupRule's)."""
    class_name = "".join(word.title() for word in name.split("-"))
    return type(class_name, (StartupRule,), {
        "code": code, "name": name, "summary": summary, "what": what,
        "why": why or StartupRule.why, "bad": bad, "good": good})


# code, name, summary, what it finds, why it matters (None: StartupRule.why), bad, good
RULES: tuple[type[Rule], ...] = tuple(_rule(*row) for row in (
    ("E100", "syntax-error",
     "The script does not parse, or an included file cannot be read",
     "Reports text that OpenSIPS's parser rejects, and include_file targets that are missing.",
     "OpenSIPS stops at start-up with a parse error; nothing of the script runs.",
     'startup_route {\n    $var(x) = 1\n}\n',
     'startup_route {\n    $var(x) = 1;\n}\n'),
    (codes.E_GLOBAL, "unknown-global",
     "A global parameter that does not exist, or a value of the wrong type",
     "Reports global parameters OpenSIPS does not know (including those removed from "
     "the language, with their replacement) and values of the wrong type.",
     None,
     'log_lvl = 3\nstartup_route { exit; }\n',
     'log_level = 3\nstartup_route { exit; }\n'),
    (codes.E_RELEASE_FORM, "form-not-in-release",
     "A statement or socket form the target release's grammar does not have",
     "Reports forms OpenSIPS added after the target release: return() with values and "
     "assert() without a message (3.6), socket port ranges (3.5), bond: sockets and "
     "mpath lists (4.0), socket and alias keywords such as tos or accept_subdomain.",
     "The target release stops at start-up with a parse error.",
     '# --target-version 3.5\nstartup_route { assert($var(a) == 1); }\n',
     '# --target-version 3.5\nstartup_route { assert($var(a) == 1, "a is 1"); }\n'),
    (codes.E_MODULE, "bad-loadmodule",
     "A loadmodule of a module that does not exist, was renamed, or is loaded twice",
     "Reports loadmodule lines naming no OpenSIPS module, renamed modules and repeated loads.",
     None,
     'loadmodule "event_udp.so"\nstartup_route { exit; }\n',
     'loadmodule "event_datagram.so"\nstartup_route { exit; }\n'),
    (codes.E_MODPARAM, "bad-modparam",
     "A modparam for a module not loaded (before it), or an unknown parameter",
     "Reports modparam lines whose module is not loaded before them, parameters the "
     "module does not have, and values of the wrong type.",
     None,
     'modparam("event_datagram", "timeout", 5)\nstartup_route { exit; }\n',
     'startup_route { exit; }\n'),
    (codes.E_ROUTE_DEFINED, "route-redefined",
     "A route block defined twice",
     "Reports a second route block with the name (and kind) of an earlier one.",
     None,
     'route[r] { exit; }\nroute[r] { exit; }\nstartup_route { route(r); }\n',
     'route[r] { exit; }\nstartup_route { route(r); }\n'),
    (codes.E_ROUTE_LIMIT, "too-many-routes",
     "More route blocks of a kind than OpenSIPS has slots for",
     "Reports route blocks past OpenSIPS's compiled-in limits: 99 named routes "
     "besides the main one, 98 event routes, 100 timer routes.",
     None,
     "".join("route[r%d] { exit; }\n" % i for i in range(100)) + "startup_route { exit; }\n",
     "".join("route[r%d] { exit; }\n" % i for i in range(99)) + "startup_route { exit; }\n"),
    (codes.E_ROUTE_HEADER, "bad-route-header",
     "A route name that is a reserved word, or a timer interval below one second",
     "Reports route headers OpenSIPS refuses: unquoted reserved words, bad timer intervals.",
     None,
     'route[exit] { exit; }\nstartup_route { exit; }\n',
     'route["exit"] { exit; }\nstartup_route { exit; }\n'),
    (codes.E_ROUTE_UNDEFINED, "undefined-route",
     "route() calls a route that is not defined",
     "Reports route(NAME) calls whose target has no route[NAME] block.",
     None,
     'startup_route { route(missing); }\n',
     'route[missing] { exit; }\nstartup_route { route(missing); }\n'),
    (codes.E_FUNCTION, "unknown-function",
     "A function no loaded module exports",
     "Reports calls of functions that are not in the core or in a module loaded before them.",
     None,
     'startup_route { json_link($var(a), $var(b)); }\n',
     'loadmodule "json.so"\n'
     'startup_route { $json(a) := "{}"; json_link($json(b), $json(a)); }\n'),
    (codes.E_ROUTE_TYPE, "function-not-allowed-here",
     "A function called in a route type it does not allow (through route() too)",
     "Reports functions called from a route type their module does not allow, "
     "following route() calls into sub-routes.",
     None,
     'loadmodule "tm.so"\nroute[r] { t_relay(); }\nstartup_route { route(r); }\n',
     'loadmodule "tm.so"\nroute[r] { t_relay(); }\nroute { route(r); }\n'),
    (codes.E_ARGUMENTS, "bad-arguments",
     "Wrong number or kind of function arguments",
     "Reports calls with too few or too many arguments, and arguments of the wrong "
     "kind: a string where an integer is required, a non-AVP where an AVP is.",
     None,
     'event_route[E_X] { exit; }\n'
     'startup_route { raise_event("E_X", $var(names), $var(values)); }\n',
     'event_route[E_X] { exit; }\n'
     'startup_route {\n    $avp(names) = "a"; $avp(values) = 1;\n'
     '    raise_event("E_X", $avp(names), $avp(values));\n}\n'),
    (codes.E_VARIABLE, "bad-variable",
     "An unknown pseudo-variable, or a name or index it does not take",
     "Reports pseudo-variables no loaded module provides, malformed ones, and "
     "assignments to read-only variables.",
     None,
     'startup_route { $Ts = 1; }\n',
     'startup_route { $var(t) = $Ts; }\n'),
    (codes.E_TRANSFORMATION, "unknown-transformation",
     "A transformation that does not exist",
     "Reports {class.name} transformations OpenSIPS does not have.",
     None,
     'startup_route { $var(s) = "abc"; $var(n) = $(var(s){s.length2}); }\n',
     'startup_route { $var(s) = "abc"; $var(n) = $(var(s){s.len}); }\n'),
    (codes.E_EVENT_NAME, "event-name-too-long",
     "An event name over 64 characters",
     "Reports event names longer than the Event Interface accepts.",
     None,
     'startup_route { raise_event("E_%s"); }\n' % ("X" * 70),
     'event_route[E_SHORT_NAME] { exit; }\n'
     'startup_route { raise_event("E_SHORT_NAME"); }\n'),
    (codes.E_XLOG_LEVEL, "bad-xlog-level",
     "An xlog level OpenSIPS cannot read",
     "Reports xlog() levels whose third character names no log level.",
     None,
     'startup_route { xlog("L_X", "hello\\n"); }\n',
     'startup_route { xlog("L_INFO", "hello\\n"); }\n'),
    (codes.E_REGEX, "bad-regex",
     "A constant regular expression glibc's regcomp() refuses",
     "Reports constant patterns of `=~`, `!~` and of functions' regex arguments that "
     "are not valid POSIX extended regular expressions.",
     None,
     'startup_route {\n    $var(s) = "abc";\n    if ($var(s) =~ "a(b") exit;\n}\n',
     'startup_route {\n    $var(s) = "abc";\n    if ($var(s) =~ "a\\(b") exit;\n}\n'),
))
SYNTAX_ERROR = RULES[0]
