"""The start-up verdict: what OpenSIPS refuses when it loads a script. The checks
themselves live in cfgscript.check (one pipeline for `check` and `lint`); these
rules give their codes a name and an explanation."""

from __future__ import annotations

from ...check import codes
from ..finding import ERROR
from ..rule import Rule


class StartupRule(Rule):
    """Found by the checker; the linter reports what it found under this code."""
    severity = ERROR
    why = "OpenSIPS refuses to start with this script."


class SyntaxError_(StartupRule):
    code = "E100"
    name = "syntax-error"
    summary = "The script does not parse, or an included file cannot be read"
    what = "Reports text that OpenSIPS's parser rejects, and include_file targets that are missing."
    why = "OpenSIPS stops at start-up with a parse error; nothing of the script runs."
    bad = 'startup_route {\n    $var(x) = 1\n}\n'
    good = 'startup_route {\n    $var(x) = 1;\n}\n'


class UnknownGlobal(StartupRule):
    code = codes.E_GLOBAL
    name = "unknown-global"
    summary = "A global parameter that does not exist, or a value of the wrong type"
    what = ("Reports global parameters OpenSIPS does not know (including those removed from "
            "the language, with their replacement) and values of the wrong type.")
    bad = 'log_lvl = 3\nstartup_route { exit; }\n'
    good = 'log_level = 3\nstartup_route { exit; }\n'


class ReleaseForm(StartupRule):
    code = codes.E_RELEASE_FORM
    name = "form-not-in-release"
    summary = "A statement or socket form the target release's grammar does not have"
    what = ("Reports forms OpenSIPS added after the target release: return() with values and "
            "assert() without a message (3.6), socket port ranges (3.5), bond: sockets and "
            "mpath lists (4.0), socket and alias keywords such as tos or accept_subdomain.")
    why = "The target release stops at start-up with a parse error."
    bad = '# --target-version 3.5\nstartup_route { assert($var(a) == 1); }\n'
    good = '# --target-version 3.5\nstartup_route { assert($var(a) == 1, "a is 1"); }\n'


class BadLoadModule(StartupRule):
    code = codes.E_MODULE
    name = "bad-loadmodule"
    summary = "A loadmodule of a module that does not exist, was renamed, or is loaded twice"
    what = "Reports loadmodule lines naming no OpenSIPS module, renamed modules and repeated loads."
    bad = 'loadmodule "event_udp.so"\nstartup_route { exit; }\n'
    good = 'loadmodule "event_datagram.so"\nstartup_route { exit; }\n'


class BadModParam(StartupRule):
    code = codes.E_MODPARAM
    name = "bad-modparam"
    summary = "A modparam for a module not loaded (before it), or an unknown parameter"
    what = ("Reports modparam lines whose module is not loaded before them, parameters the "
            "module does not have, and values of the wrong type.")
    bad = 'modparam("event_datagram", "timeout", 5)\nstartup_route { exit; }\n'
    good = 'startup_route { exit; }\n'


class RouteRedefined(StartupRule):
    code = codes.E_ROUTE_DEFINED
    name = "route-redefined"
    summary = "A route block defined twice"
    what = "Reports a second route block with the name (and kind) of an earlier one."
    bad = 'route[r] { exit; }\nroute[r] { exit; }\nstartup_route { route(r); }\n'
    good = 'route[r] { exit; }\nstartup_route { route(r); }\n'


class TooManyRoutes(StartupRule):
    code = codes.E_ROUTE_LIMIT
    name = "too-many-routes"
    summary = "More route blocks of a kind than OpenSIPS has slots for"
    what = ("Reports route blocks past OpenSIPS's compiled-in limits: 99 named routes "
            "besides the main one, 98 event routes, 100 timer routes.")
    bad = "".join("route[r%d] { exit; }\n" % i for i in range(100)) + "startup_route { exit; }\n"
    good = "".join("route[r%d] { exit; }\n" % i for i in range(99)) + "startup_route { exit; }\n"


class BadRouteHeader(StartupRule):
    code = codes.E_ROUTE_HEADER
    name = "bad-route-header"
    summary = "A route name that is a reserved word, or a timer interval below one second"
    what = "Reports route headers OpenSIPS refuses: unquoted reserved words, bad timer intervals."
    bad = 'route[exit] { exit; }\nstartup_route { exit; }\n'
    good = 'route["exit"] { exit; }\nstartup_route { exit; }\n'


class UndefinedRoute(StartupRule):
    code = codes.E_ROUTE_UNDEFINED
    name = "undefined-route"
    summary = "route() calls a route that is not defined"
    what = "Reports route(NAME) calls whose target has no route[NAME] block."
    bad = 'startup_route { route(missing); }\n'
    good = 'route[missing] { exit; }\nstartup_route { route(missing); }\n'


class UnknownFunction(StartupRule):
    code = codes.E_FUNCTION
    name = "unknown-function"
    summary = "A function no loaded module exports"
    what = "Reports calls of functions that are not in the core or in a module loaded before them."
    bad = 'startup_route { json_link($var(a), $var(b)); }\n'
    good = ('loadmodule "json.so"\n'
            'startup_route { $json(a) := "{}"; json_link($json(b), $json(a)); }\n')


class FunctionNotAllowedHere(StartupRule):
    code = codes.E_ROUTE_TYPE
    name = "function-not-allowed-here"
    summary = "A function called in a route type it does not allow (through route() too)"
    what = ("Reports functions called from a route type their module does not allow, "
            "following route() calls into sub-routes.")
    bad = 'loadmodule "tm.so"\nroute[r] { t_relay(); }\nstartup_route { route(r); }\n'
    good = 'loadmodule "tm.so"\nroute[r] { t_relay(); }\nroute { route(r); }\n'


class BadArguments(StartupRule):
    code = codes.E_ARGUMENTS
    name = "bad-arguments"
    summary = "Wrong number or kind of function arguments"
    what = ("Reports calls with too few or too many arguments, and arguments of the wrong "
            "kind: a string where an integer is required, a non-AVP where an AVP is.")
    bad = ('event_route[E_X] { exit; }\n'
           'startup_route { raise_event("E_X", $var(names), $var(values)); }\n')
    good = ('event_route[E_X] { exit; }\n'
            'startup_route {\n    $avp(names) = "a"; $avp(values) = 1;\n'
            '    raise_event("E_X", $avp(names), $avp(values));\n}\n')


class BadVariable(StartupRule):
    code = codes.E_VARIABLE
    name = "bad-variable"
    summary = "An unknown pseudo-variable, or a name or index it does not take"
    what = ("Reports pseudo-variables no loaded module provides, malformed ones, and "
            "assignments to read-only variables.")
    bad = 'startup_route { $Ts = 1; }\n'
    good = 'startup_route { $var(t) = $Ts; }\n'


class UnknownTransformation(StartupRule):
    code = codes.E_TRANSFORMATION
    name = "unknown-transformation"
    summary = "A transformation that does not exist"
    what = "Reports {class.name} transformations OpenSIPS does not have."
    bad = 'startup_route { $var(s) = "abc"; $var(n) = $(var(s){s.length2}); }\n'
    good = 'startup_route { $var(s) = "abc"; $var(n) = $(var(s){s.len}); }\n'


class EventNameTooLong(StartupRule):
    code = codes.E_EVENT_NAME
    name = "event-name-too-long"
    summary = "An event name over 64 characters"
    what = "Reports event names longer than the Event Interface accepts."
    bad = 'startup_route { raise_event("E_%s"); }\n' % ("X" * 70)
    good = ('event_route[E_SHORT_NAME] { exit; }\n'
            'startup_route { raise_event("E_SHORT_NAME"); }\n')


class BadXlogLevel(StartupRule):
    code = codes.E_XLOG_LEVEL
    name = "bad-xlog-level"
    summary = "An xlog level OpenSIPS cannot read"
    what = "Reports xlog() levels whose third character names no log level."
    bad = 'startup_route { xlog("L_X", "hello\\n"); }\n'
    good = 'startup_route { xlog("L_INFO", "hello\\n"); }\n'


class BadRegex(StartupRule):
    code = codes.E_REGEX
    name = "bad-regex"
    summary = "A constant regular expression glibc's regcomp() refuses"
    what = ("Reports constant patterns of `=~`, `!~` and of functions' regex arguments that "
            "are not valid POSIX extended regular expressions.")
    bad = 'startup_route {\n    $var(s) = "abc";\n    if ($var(s) =~ "a(b") exit;\n}\n'
    good = 'startup_route {\n    $var(s) = "abc";\n    if ($var(s) =~ "a\\(b") exit;\n}\n'


RULES = (SyntaxError_, UnknownGlobal, ReleaseForm, BadLoadModule, BadModParam, RouteRedefined,
         TooManyRoutes, BadRouteHeader, UndefinedRoute, UnknownFunction,
         FunctionNotAllowedHere, BadArguments, BadVariable, UnknownTransformation,
         EventNameTooLong, BadXlogLevel, BadRegex)
