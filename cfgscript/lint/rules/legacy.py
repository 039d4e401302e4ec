"""Release rules (L4xx): globals, modules, module parameters and functions that the
target release does not have but another release has: removed, renamed, or newer
than the target. Each names what to write instead, and plain renames are fixed.
They replace the start-up finding (E101, E110, E111, E130) at the same place."""

from __future__ import annotations

import re
from typing import Optional

from ...check.codes import E_FUNCTION, E_GLOBAL, E_MODPARAM, E_MODULE
from ...check.release import module_refusal
from ...releases import FUNCTION, GLOBAL, MODPARAM, MODULE
from ...syntax import ast
from ..finding import ERROR, WARNING, Edit, Fix
from ..history import Verdict, verdict
from ..rule import Rule, Scope, replace

_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_.]+$")     # a modparam module that is no pattern
_TRUE_WORDS = ("yes", "on", "true", "1")


def rename_in(text: str, old: str, new: str) -> str:
    """The text with its last `old` (a quoted name, a path's file name) replaced."""
    head, found, tail = text.rpartition(old)
    return head + new + tail if found else text


def negated(text: str) -> str:
    """The boolean opposite of a global's value, in the same spelling style."""
    truth = text.lower() in _TRUE_WORDS
    if text.isdigit():
        return "0" if truth else "1"
    return "no" if truth else "yes"


def global_fix(node: ast.GlobalParam, found: Verdict) -> Optional[Fix]:
    entry = found.successor
    if found.rename:
        return replace(node, "%s = %s" % (found.rename, node.text), "Rename to %s" % found.rename)
    if entry is not None and entry.equivalent and node.kind == "int":
        lines = entry.equivalent.format(value=node.text, negated=negated(node.text))
        return replace(node, lines, "Replace by %s" % " and ".join(entry.use))
    return None


def module_fix(node: ast.LoadModule, scope: Scope, found: Verdict) -> Optional[Fix]:
    if not found.rename:
        return None
    return replace(node, rename_in(scope.text(node), node.module, found.rename),
                   "Load %s" % found.rename)


def modparam_fix(node: ast.ModParam, scope: Scope, old: str, new: Optional[str]) -> Optional[Fix]:
    """Rename the quoted module or parameter name `old` of a modparam line."""
    text = scope.text(node)
    for quote in "\"'":
        quoted = quote + old + quote
        if new and quoted in text:
            return replace(node, text.replace(quoted, quote + new + quote, 1),
                           "Rename to %s" % new)
    return None


def function_fix(node: ast.Call, new: Optional[str]) -> Optional[Fix]:
    if not new:
        return None
    edit = Edit(node.line, node.col, node.line, node.col + len(node.name), new)
    return Fix("Rename to %s()" % new, (edit,))


class ReleaseRule(Rule):
    severity = ERROR
    fixable = True
    why = ("The target release refuses the script at start-up: it does not know the name. "
           "Scripts moved between releases hit this first.")


class RemovedGlobal(ReleaseRule):
    code = "L401"
    name = "global-not-in-release"
    summary = "A global parameter the target release does not have"
    what = ("Reports globals removed or renamed before the target release (listen, "
            "log_stderror, children, debug, ...) and globals newer than it, with the "
            "replacement; renames with an exact equivalent are fixed.")
    bad = "log_stderror = yes\nstartup_route { exit; }\n"
    good = "stderror_enabled = yes\nsyslog_enabled = no\nstartup_route { exit; }\n"
    nodes = (ast.GlobalParam,)
    supersedes = (E_GLOBAL,)

    def check_node(self, node: ast.GlobalParam, scope: Scope) -> None:
        found = verdict(GLOBAL, node.name, scope.release)
        if found is not None:
            scope.report(self, node, found.message, global_fix(node, found))


class RemovedModule(ReleaseRule):
    code = "L402"
    name = "module-not-in-release"
    summary = "A loadmodule of a module the target release does not have"
    what = ("Reports modules removed, renamed or merged into the core before the target "
            "release (avpops, rabbitmq, event_route, mi_xmlrpc_ng, uri, ...) and modules "
            "newer than it; renamed modules are fixed, a skipped event_route load removed.")
    bad = 'loadmodule "mi_xmlrpc_ng.so"\nstartup_route { exit; }\n'
    good = 'loadmodule "mi_xmlrpc.so"\nstartup_route { exit; }\n'
    nodes = (ast.LoadModule,)
    supersedes = (E_MODULE,)

    def check_node(self, node: ast.LoadModule, scope: Scope) -> None:
        found = verdict(MODULE, node.module, scope.release)
        if found is None:
            return
        refusal = module_refusal(node.module, scope.release)
        skipped = refusal is not None and not refusal[1]
        fix = replace(node, "", "Remove the loadmodule") if skipped else module_fix(
            node, scope, found)
        scope.report(self, node, found.message, fix, WARNING if skipped else None)


class RemovedModParam(ReleaseRule):
    code = "L403"
    name = "modparam-not-in-release"
    summary = "A modparam of a module or parameter the target release does not have"
    what = ("Reports modparam lines for modules the target release does not have, and "
            "parameters removed, renamed or newer than it, with the replacement.")
    bad = 'loadmodule "usrloc.so"\nmodparam("usrloc", "db_mode", 2)\nstartup_route { exit; }\n'
    good = ('loadmodule "usrloc.so"\nmodparam("usrloc", "working_mode_preset", '
            '"single-instance-sql-write-back")\nstartup_route { exit; }\n')
    nodes = (ast.ModParam,)
    supersedes = (E_MODPARAM,)

    def check_node(self, node: ast.ModParam, scope: Scope) -> None:
        if not _PLAIN_NAME.match(node.module):
            return
        module = verdict(MODULE, node.module, scope.release)
        if module is not None:
            scope.report(self, node, "modparam: " + module.message,
                         modparam_fix(node, scope, node.module, module.rename))
            return
        found = verdict(MODPARAM, node.param, scope.release, node.module)
        if found is not None:
            scope.report(self, node, found.message,
                         modparam_fix(node, scope, node.param, found.rename))


class RemovedFunction(ReleaseRule):
    code = "L404"
    name = "function-not-in-release"
    summary = "A function that no module of the target release exports"
    what = ("Reports functions removed or renamed before the target release (the avpops "
            "functions, move_branch(), ...) and functions newer than it, with the "
            "replacement; plain renames are fixed.")
    bad = "startup_route { remove_branch(1); }\n"
    good = "startup_route { remove_msg_branch(1); }\n"
    nodes = (ast.Call,)
    supersedes = (E_FUNCTION,)

    def check_node(self, node: ast.Call, scope: Scope) -> None:
        found = verdict(FUNCTION, node.name, scope.release)
        if found is not None:
            scope.report(self, node, found.message, function_fix(node, found.rename))


RULES = (RemovedGlobal, RemovedModule, RemovedModParam, RemovedFunction)
