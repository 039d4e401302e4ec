"""The upgrade rule (L410): with `--upgrade-to VERSION`, what in a script written for
the target release is removed, renamed or changes meaning on VERSION: globals,
modules, module parameters, functions (and the kinds and number of their
parameters), the events event_route blocks wait for and subscribe_event() and
raise_event() name, and the MI commands mi() calls. Renames are fixed only
when the new name works on the target release too, so that a fixed script still
runs where it runs now."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Optional, cast

from ...catalog import Catalog, Function
from ...releases import FUNCTION, GLOBAL, MODPARAM, MODULE, release_value
from ...syntax import ast
from ..finding import ERROR, WARNING, Fix
from ..history import EVENT, Verdict, exists, verdict
from ..mi_names import counterpart, reached, successor
from ..rule import Rule, Scope
from .legacy import function_fix, global_fix, modparam_fix, module_fix

_ARG_KINDS = {ast.Num: "int", ast.Str: "str"}
MI_CALLERS = frozenset({"mi"})                  # mi_script: mi(command, ...)
# what a call naming an event that the release does not publish comes to
EVENT_CALLERS = {"subscribe_event": "; the subscription never receives anything",
                 "raise_event": "; raise_event() raises a script event of that name instead"}


def _usable(found: Verdict, scope: Scope, kind: str, module: str = "") -> Verdict:
    """The verdict, without its rename when the target release lacks the new name."""
    if found.rename and not exists(scope.catalog, kind, found.rename, module):
        return Verdict(found.message, None, found.successor)
    return found


def _upgrade_verdict(kind: str, name: str, scope: Scope, upgrade: Catalog) -> Optional[Verdict]:
    """What the upgrade release says of a name (usable in the target release), if anything."""
    found = verdict(kind, name, upgrade.release)
    return None if found is None else _usable(found, scope, kind)


class UpgradeBreaks(Rule):
    code = "L410"
    name = "upgrade-breaks"
    severity = ERROR
    fixable = True
    summary = "Something the release of --upgrade-to removes, renames or changes"
    what = ("With `--upgrade-to VERSION`, reports what works on the target release but not on "
            "VERSION: globals, modules, module parameters and functions that are gone or "
            "renamed there, function calls whose arguments VERSION takes differently, "
            "event_route blocks and subscribe_event()/raise_event() calls for events VERSION "
            "does not publish, and mi() calls of MI commands VERSION does not have or cannot "
            "tell apart; each names what to use instead.")
    why = "The script stops starting, or starts and behaves differently, after the upgrade."
    bad = "# --target-version 3.6 --upgrade-to 4.1\nlisten = udp:127.0.0.1:5060\n"
    good = "socket = udp:127.0.0.1:5060\n"
    nodes = (ast.GlobalParam, ast.LoadModule, ast.ModParam, ast.Call, ast.Route)

    def check_node(self, node: ast.Node, scope: Scope) -> None:
        if scope.upgrade is None or scope.upgrade.release == scope.release:
            return
        handler = getattr(self, "_" + type(node).__name__)
        handler(node, scope, scope.upgrade)

    def _report(self, scope: Scope, node: ast.Node, message: str, fix: Optional[Fix],
                severity: Optional[str] = None) -> None:
        scope.report(self, node, "on OpenSIPS %s: %s" % (scope.upgrade.release, message), fix,
                     severity)

    def _GlobalParam(self, node: ast.GlobalParam, scope: Scope, upgrade: Catalog) -> None:
        if not exists(scope.catalog, GLOBAL, node.name):
            return
        found = _upgrade_verdict(GLOBAL, node.name, scope, upgrade)
        if found is not None:
            self._report(scope, node, found.message, global_fix(node, found))
            return
        deprecated = cast(dict, release_value("global.deprecated", upgrade.release))
        if node.name in deprecated and node.name not in cast(
                dict, release_value("global.deprecated", scope.release)):
            self._report(scope, node, "global '%s' is deprecated (accepted with a warning); "
                         "use %s" % (node.name, " and ".join(deprecated[node.name])), None,
                         WARNING)

    def _LoadModule(self, node: ast.LoadModule, scope: Scope, upgrade: Catalog) -> None:
        if not exists(scope.catalog, MODULE, node.module):
            return
        found = _upgrade_verdict(MODULE, node.module, scope, upgrade)
        if found is not None:
            self._report(scope, node, found.message, module_fix(node, scope, found))

    def _ModParam(self, node: ast.ModParam, scope: Scope, upgrade: Catalog) -> None:
        if not exists(scope.catalog, MODPARAM, node.param, node.module):
            return      # a pattern, or a module or parameter the target lacks already
        found = verdict(MODULE, node.module, upgrade.release)
        if found is None:
            found = verdict(MODPARAM, node.param, upgrade.release, node.module)
            old = node.param
        else:
            old = node.module
        if found is not None:
            found = _usable(found, scope, MODULE if old == node.module else MODPARAM,
                            "" if old == node.module else node.module)
            self._report(scope, node, found.message, modparam_fix(node, scope, old,
                                                                  found.rename))

    def _Call(self, node: ast.Call, scope: Scope, upgrade: Catalog) -> None:
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Str) and "$" not in first.value:
            if node.name in MI_CALLERS:
                self._mi_command(node, first.value, scope, upgrade)
            elif node.name in EVENT_CALLERS:
                self._event(node, first.value, scope, EVENT_CALLERS[node.name])
        self._function(node, scope, upgrade)

    def _mi_command(self, node: ast.Call, name: str, scope: Scope, upgrade: Catalog) -> None:
        now = reached(scope.catalog, name, scope.loaded)
        later = reached(upgrade, name, scope.loaded)
        if len(now) != 1 or len(later) == 1:
            return
        use = successor(name, upgrade.release) or counterpart(now[0], upgrade, scope.loaded)
        instead = "; use '%s'" % use if use else ""
        if later:
            self._report(scope, node, "MI command '%s' is ambiguous there (%s)%s" % (
                name, ", ".join(c.full_name for c in later), instead), None)
        else:
            self._report(scope, node, "MI command '%s' does not exist%s" % (name, instead), None)

    def _function(self, node: ast.Call, scope: Scope, upgrade: Catalog) -> None:
        now = scope.catalog.function(node.name, scope.loaded)
        if now is None:
            return
        found = _upgrade_verdict(FUNCTION, node.name, scope, upgrade)
        if found is not None:
            self._report(scope, node, found.message, function_fix(node, found.rename))
            return
        later = upgrade.module_function(now.module, node.name)
        if later is None:
            owners = sorted({fn.module for fn in upgrade.functions_named(node.name)})
            self._report(scope, node, "function %s() moves to module %s"
                         % (node.name, " / ".join(owners)), None)
            return
        for problem in _argument_changes(node, now, later):
            self._report(scope, node, problem, None)

    def _Route(self, node: ast.Route, scope: Scope, upgrade: Catalog) -> None:
        if node.kind == "event_route" and node.name:
            self._event(node, node.name, scope, "; the event_route never runs")

    def _event(self, node: ast.Node, name: str, scope: Scope, consequence: str) -> None:
        if not exists(scope.catalog, EVENT, name):
            return
        found = verdict(EVENT, name, scope.upgrade.release)
        if found is not None:
            self._report(scope, node, found.message + consequence, None, WARNING)


def _argument_changes(node: ast.Call, now: Function, later: Function) -> Iterator[str]:
    given = len(node.args)
    if not later.min_args <= given <= later.max_args:
        wanted = ("%d" % later.min_args if later.min_args == later.max_args
                  else "%d to %d" % (later.min_args, later.max_args))
        yield "%s() takes %s arguments, not %d" % (node.name, wanted, given)
        return
    for index, (arg, before, after) in enumerate(zip(node.args, now.params, later.params), 1):
        kind = _ARG_KINDS.get(type(arg)) if arg is not None else None
        if kind and before.main_kind != after.main_kind and after.main_kind not in ("", kind):
            yield ("parameter %d of %s() is a %s, no longer a %s"
                   % (index, node.name, after.main_kind, before.main_kind))


RULES = (UpgradeBreaks,)
