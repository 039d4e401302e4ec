"""Trap rules (T3xx): scripts that OpenSIPS runs, but not the way they read:
flat operator precedence, typed comparisons, return codes that stop the script,
verbatim route() arguments, log levels, unset variables, dead code, octal numbers."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from ...check.codes import XLOG_LEVEL_CHARS
from ...syntax import ast
from ..facts import ScriptFacts
from ..finding import INFO, WARNING, Edit, Fix
from ..kinds import string_only_vars
from ..rule import Rule, Scope, replace

ARITHMETIC_ADDITIVE = ("+", "-")
ARITHMETIC_MULTIPLICATIVE = ("*", "/", "%")
XLOG_LEVEL_NAMES = {"A": "L_ALERT", "C": "L_CRIT", "E": "L_ERR", "W": "L_WARN",
                    "N": "L_NOTICE", "I": "L_INFO", "D": "L_DBG"}
ENDS_THE_RUN = (ast.Exit, ast.Drop, ast.Return)
_VARIABLE = re.compile(r"\$[A-Za-z_(]")     # "$$" is a literal dollar, "a$" a regex anchor


def parenthesize(node: ast.Node, message: str) -> Fix:
    """A fix that wraps the node in parentheses."""
    return Fix(message, (Edit(node.line, node.col, node.line, node.col, "("),
                         Edit(node.end_line, node.end_col, node.end_line, node.end_col, ")")))


class MixedArithmetic(Rule):
    code = "T301"
    name = "mixed-arithmetic"
    severity = WARNING
    summary = "`+` or `-` followed by `*`, `/` or `%` without parentheses"
    what = ("Reports `a + b * c` (and `-` with `/` or `%`): an addition or subtraction on the "
            "left of a multiplication, division or modulo, without parentheses.")
    why = ("`* / % + -` share one precedence level and are evaluated left to right: "
           "`10 + 3 * 2` is `(10 + 3) * 2`, 26, not 16. The fix adds the parentheses that "
           "say what the script already does; write `10 + (3 * 2)` if 16 was meant.")
    bad = 'startup_route {\n    $var(total) = 10 + 3 * 2;\n}\n'
    good = 'startup_route {\n    $var(total) = 10 + (3 * 2);\n}\n'
    fixable = True
    nodes = (ast.BinOp,)

    def check_node(self, node: ast.BinOp, scope: Scope) -> None:
        if _bare_left_operand(node, ARITHMETIC_MULTIPLICATIVE, ARITHMETIC_ADDITIVE, scope):
            scope.report(self, node, _arithmetic_message(node, node.left, scope),
                         parenthesize(node.left,
                                      "Parenthesize the left operand as it is evaluated"))


def _bare_left_operand(node: ast.BinOp | ast.Logic, ops: Sequence[str],
                       left_ops: Sequence[str], scope: Scope) -> bool:
    """Whether `node` (an operator of `ops`) has on its left, without parentheses, an
    operation of the same kind with an operator of `left_ops`: one that a reader
    may take to bind less tightly, though both share one precedence level."""
    left = node.left
    return (node.op in ops and isinstance(left, type(node)) and left.op in left_ops
            and not scope.parenthesized(left))


def _arithmetic_message(node: ast.BinOp, left: ast.BinOp, scope: Scope) -> str:
    whole, first, second, third = (scope.text(n) for n in (node, left.left, left.right,
                                                          node.right))
    if not all((whole, first, second, third)):
        return ("`%s` runs before `%s`: they share one precedence level, left to right; add "
                "parentheses" % (left.op, node.op))
    return ("`%s` is `(%s %s %s) %s %s`: one precedence level, left to right; add the "
            "parentheses, or write `%s %s (%s %s %s)` if that was meant"
            % (whole, first, left.op, second, node.op, third,
               first, left.op, second, node.op, third))


class MixedLogic(Rule):
    code = "T302"
    name = "mixed-logic"
    severity = WARNING
    summary = "`||` followed by `&&` without parentheses"
    what = "Reports `a || b && c` in conditions: an `||` on the left of an `&&`, unparenthesized."
    why = ("`&&` and `||` share one precedence level, evaluated left to right: `a || b && c` "
           "is `(a || b) && c`, so `c` is required even when `a` holds. The fix adds the "
           "parentheses that say what the script already does; write `a || (b && c)` if "
           "that was meant.")
    bad = ('startup_route {\n    $var(a) = 1; $var(b) = 0; $var(c) = 0;\n'
           '    if ($var(a) == 1 || $var(b) == 1 && $var(c) == 1) xlog("yes\\n");\n}\n')
    good = ('startup_route {\n    $var(a) = 1; $var(b) = 0; $var(c) = 0;\n'
            '    if ($var(a) == 1 || ($var(b) == 1 && $var(c) == 1)) xlog("yes\\n");\n}\n')
    fixable = True
    nodes = (ast.Logic,)

    def check_node(self, node: ast.Logic, scope: Scope) -> None:
        if _bare_left_operand(node, ("and",), ("or",), scope):
            scope.report(self, node, "this is `(... || ...) && ...`: `&&` does not bind "
                         "tighter than `||`; add parentheses to say which is meant",
                         parenthesize(node.left, "Parenthesize the `||` as it is evaluated"))


class StringComparedToInt(Rule):
    code = "T303"
    name = "string-compared-to-int"
    severity = WARNING
    summary = "A variable that only ever holds a string compared with a number"
    what = ("Reports comparisons with a number literal of SIP variables that are strings "
            "($ru, $fU, $ci, $hdr(...), ...) and of $vars that the script only ever sets "
            "to strings.")
    why = ("A comparison with a number needs an int on the left: a string there is an "
           "error, logged at run time, and the condition is false, for `==` and `!=` alike. "
           "Convert first: `$(var(x){s.int}) == 5`.")
    bad = ('startup_route {\n    $var(n) = "5";\n'
           '    if ($var(n) == 5) xlog("five\\n");\n}\n')
    good = ('startup_route {\n    $var(n) = "5";\n'
            '    if ($(var(n){s.int}) == 5) xlog("five\\n");\n}\n')

    def check_script(self, facts: ScriptFacts, scope: Scope) -> None:
        # a $var is known only from every assignment in the script
        strings = set() if facts.dynamic_var_writes else string_only_vars(facts.var_kinds)
        for comparison in facts.int_comparisons:
            if comparison.var_name is None or comparison.var_name in strings:
                shown = comparison.variable
                scope.report(self, comparison.place, "%s holds a string: comparing it with a "
                             "number is an error at run time and the condition is false; "
                             "convert it: $(%s{s.int})" % (shown, shown[1:]))


class ReturnZeroInSubroute(Rule):
    code = "T304"
    name = "return-zero-in-subroute"
    severity = WARNING
    summary = "`return(0)` in a route[] called as a sub-route"
    what = "Reports `return(0)` and `return 0` inside `route[NAME]` blocks."
    why = ("A return code of 0 does not return to the caller: it stops the whole run, like "
           "`exit`. Return a negative code (`return(-1)`) for \"false\", or write `exit` "
           "if stopping was meant.")
    bad = ('route[check] {\n    return(0);\n}\n'
           'startup_route {\n    if (!route(check)) xlog("refused\\n");\n}\n')
    good = ('route[check] {\n    return(-1);\n}\n'
            'startup_route {\n    if (!route(check)) xlog("refused\\n");\n}\n')
    nodes = (ast.Return,)

    def check_node(self, node: ast.Return, scope: Scope) -> None:
        if (isinstance(node.code, ast.Num) and node.code.value == 0
                and scope.route.kind == "route" and scope.route.name is not None):
            scope.report(self, node, "return(0) in route[%s] stops the whole run, not just "
                         "this route; use return(-1) for false, or exit" % scope.route.name)


class DollarInRouteArgument(Rule):
    code = "T305"
    name = "dollar-in-route-argument"
    severity = WARNING
    summary = "A `$` variable written inside a string argument of route()"
    what = 'Reports route(NAME, "...$var(x)...") string arguments that contain `$`.'
    why = ("route() passes string literals verbatim, without expanding variables: the route "
           "gets the text `$var(x)`, not its value. Pass the variable itself: "
           "`route(NAME, $var(x))`.")
    bad = ('route[show] {\n    xlog("got $param(1)\\n");\n}\n'
           'startup_route {\n    $var(who) = "alice";\n    route(show, "$var(who)");\n}\n')
    good = ('route[show] {\n    xlog("got $param(1)\\n");\n}\n'
            'startup_route {\n    $var(who) = "alice";\n    route(show, $var(who));\n}\n')
    nodes = (ast.RouteCall,)

    def check_node(self, node: ast.RouteCall, scope: Scope) -> None:
        for arg in node.args:
            if isinstance(arg, ast.Str) and _VARIABLE.search(arg.value.replace("$$", "")):
                scope.report(self, arg, "route() passes %s as this very text, variables "
                             "unexpanded; pass the variable itself (no quotes)"
                             % scope.text(arg))


class LogWithoutLevel(Rule):
    code = "T306"
    name = "log-without-level"
    severity = INFO
    summary = "log(\"text\") without a level"
    what = "Reports one-argument log() calls."
    why = ("Without a level, log() logs at L_DBG, which the default log_level hides: the "
           "line is not seen. Use `xlog(\"L_INFO\", \"...\")` or `log(level, \"...\")`.")
    bad = 'startup_route {\n    log("started\\n");\n}\n'
    good = 'startup_route {\n    xlog("L_INFO", "started\\n");\n}\n'
    nodes = (ast.Log,)

    def check_node(self, node: ast.Log, scope: Scope) -> None:
        if node.level is None:
            scope.report(self, node, "log() without a level logs at L_DBG, hidden by default; "
                         "use xlog(\"L_INFO\", ...) or log(level, ...)")


class XlogLevelName(Rule):
    code = "T307"
    name = "xlog-level-name"
    severity = WARNING
    summary = "An xlog level that works only because OpenSIPS reads its third letter"
    what = ('Reports xlog() levels such as "L_ERROR" or "L_DEBUG" that are not level names '
            "but that OpenSIPS accepts because it looks at the third character only.")
    why = ("It works, by accident: \"L_EXTRA\" is L_ERR too, and readers and tools that "
           "look for L_ERR miss it. The fix writes the real name of the same level.")
    bad = 'startup_route {\n    xlog("L_ERROR", "failed\\n");\n}\n'
    good = 'startup_route {\n    xlog("L_ERR", "failed\\n");\n}\n'
    fixable = True
    nodes = (ast.Xlog,)

    def check_node(self, node: ast.Xlog, scope: Scope) -> None:
        level = node.level
        if level is None or "$" in level.value or len(level.value) < 3:
            return
        real = XLOG_LEVEL_NAMES.get(level.value[2]) if level.value[2] in XLOG_LEVEL_CHARS else None
        if real is not None and real != level.value:
            scope.report(self, level, "\"%s\" is not a log level name; OpenSIPS reads it as "
                         "%s from its third letter: write %s" % (level.value, real, real),
                         replace(level, level.quote + real + level.quote, "Write " + real))


class UndefinedVariable(Rule):
    code = "T308"
    name = "undefined-variable"
    severity = WARNING
    summary = "A $var() read that nothing in the script writes"
    what = ("Reports $var(NAME) read where no statement of the script assigns $var(NAME), "
            "gives it to a function, or loops over it.")
    why = ("It is always NULL (an empty string in text): usually the name is misspelt, or the "
           "assignment was lost.")
    bad = 'startup_route {\n    $var(count) = 1;\n    xlog("count=$var(cuont)\\n");\n}\n'
    good = 'startup_route {\n    $var(count) = 1;\n    xlog("count=$var(count)\\n");\n}\n'

    def check_script(self, facts: ScriptFacts, scope: Scope) -> None:
        if facts.dynamic_var_writes:
            return                  # $var($var(n)) = ... may write any of them
        written = sorted(facts.var_writes)
        messages: dict[str, str] = {}           # a name is often read many times
        for use in dict.fromkeys(facts.var_reads):      # a format may read it twice
            if use.name in facts.var_writes:
                continue
            if use.name not in messages:
                messages[use.name] = _never_set(use.name, written)
            scope.report(self, use.place, messages[use.name])


def _never_set(name: str, written: list[str]) -> str:
    message = "$var(%s) is read but never set anywhere: it is always NULL" % name
    guess = difflib.get_close_matches(name, written, n=1, cutoff=0.75)
    return message + (" (did you mean $var(%s)?)" % guess[0] if guess else "")


class UnreachableCode(Rule):
    code = "T309"
    name = "unreachable-code"
    severity = WARNING
    summary = "Statements after exit, return or drop"
    what = "Reports the first statement that follows `exit`, `return` or `drop` in a block."
    why = "It never runs: the statement before it has already left the route or the run."
    bad = 'startup_route {\n    exit;\n    xlog("never\\n");\n}\n'
    good = 'startup_route {\n    xlog("now\\n");\n    exit;\n}\n'

    def check_body(self, statements: Sequence[ast.Node], scope: Scope) -> None:
        for before, after in zip(statements, statements[1:]):
            # a `break` after `exit` in a switch case is a harmless habit
            if isinstance(before, ENDS_THE_RUN) and not isinstance(after, ast.Break):
                scope.report(self, after, "this never runs: the %s before it %s"
                             % _ending(before))
                return


def _ending(node: ast.Node) -> tuple[str, str]:
    if isinstance(node, ast.Return):
        return "return", "leaves the route"
    return type(node).__name__.lower(), "ends the run"


class OctalLiteral(Rule):
    code = "T310"
    name = "octal-literal"
    severity = WARNING
    summary = "A number written with a leading zero, which is octal"
    what = "Reports number literals such as `010` that start with 0."
    why = ("A leading 0 makes the number octal: `010` is 8 and `09` does not parse. The fix "
           "writes the same value in decimal; if ten was meant, write 10.")
    bad = 'startup_route {\n    $var(n) = 010;\n}\n'
    good = 'startup_route {\n    $var(n) = 8;\n}\n'
    fixable = True
    nodes = (ast.Num,)

    def check_node(self, node: ast.Num, scope: Scope) -> None:
        written = scope.text(node)
        digits = written.lstrip("+-")
        if len(digits) > 1 and digits[0] == "0" and digits.isdigit():
            scope.report(self, node, "%s is octal: its value is %d" % (written, node.value),
                         replace(node, str(node.value), "Write %d" % node.value))


RULES = (MixedArithmetic, MixedLogic, StringComparedToInt, ReturnZeroInSubroute,
         DollarInRouteArgument, LogWithoutLevel, XlogLevelName, UndefinedVariable,
         UnreachableCode, OctalLiteral)
