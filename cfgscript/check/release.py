"""What the checked release allows: its compiled-in limits, and the statement and
socket forms its grammar accepts (cfg.y grew some of them in 3.5, 3.6 and 4.0).
Read from releases.py, so that `check --target-version 3.4` judges a script as
OpenSIPS 3.4 would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Optional, cast

from ..catalog import RELEASES
from ..releases import release_fact, release_value
from ..syntax import ast

_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_PORT_RANGE = re.compile(r":\d+-\d+$")


@dataclass(frozen=True)
class ReleaseLimits:
    release: str
    named_routes: int
    event_routes: int
    timer_routes: int
    route_args: int
    function_args: int
    event_name: int

    @classmethod
    def of(cls, release: str) -> ReleaseLimits:
        def value(key: str) -> int:
            return cast(int, release_value(key, release))
        return cls(release, value("route.max_named_routes"), value("route.max_event_routes"),
                   value("route.max_timer_routes"), value("statement.route_max_args"),
                   value("statement.function_max_args"), value("event.max_name_length"))


def first_release(key: str, value: object = True) -> str:
    """The first release where a fact has `value` ("" when none has)."""
    values = release_fact(key).values
    return next((r for r in RELEASES if values[r] == value), "")


def _too_new(key: str, release: str, what: str) -> Optional[str]:
    if release_value(key, release):
        return None
    return "%s is first in OpenSIPS %s (the script targets %s)" % (what, first_release(key),
                                                                   release)


def module_refusal(module: str, release: str) -> Optional[tuple[str, bool]]:
    """What the release says when it refuses (True) or skips (False) a loadmodule by name."""
    for key, fatal in (("module.refused", True), ("module.skipped", False)):
        messages = cast(dict[str, str], release_value(key, release))
        if module in messages:
            return messages[module], fatal
    return None


# Modules compiled into the core (sr_module.c, static_modules[]): "proto_udp" loads
# with or without ".so"; every other module is a file that must be named in full.
BUILT_IN_MODULES = frozenset({"proto_udp", "proto_tcp"})


def module_file_problem(node: ast.LoadModule) -> Optional[str]:
    """Why load_module() cannot find the file a loadmodule names, if it cannot."""
    if node.path.endswith(".so") or node.module in BUILT_IN_MODULES:
        return None
    return "failed to load module '%s': not found (the file is '%s.so')" % (node.path, node.path)


def statement_problem(node: ast.Node, release: str) -> Optional[str]:
    """Why the target's grammar refuses a return() or assert() form, if it does."""
    if isinstance(node, ast.Return) and node.values:
        return _too_new("statement.return_values", release, "return() with values")
    if isinstance(node, ast.Assert) and node.description is None:
        return _too_new("statement.assert_without_message", release,
                        "assert() without a message")
    return None


def global_problems(node: ast.GlobalParam, release: str) -> Iterator[str]:
    """Why the target's grammar refuses the value of socket, listen or mpath."""
    if node.kind != "compound":
        return
    words = _QUOTED.sub('""', node.text).split()
    if node.name in ("socket", "listen") and words:
        yield from _socket_problems(words, release)
    elif node.name == "mpath" and len(_QUOTED.findall(node.text)) > 1:
        found = _too_new("mpath.list", release, "an mpath list (\"a\":\"b\")")
        if found:
            yield found


def alias_misreading(node: ast.GlobalParam, release: str) -> Optional[str]:
    """An alias with accept_subdomain, for a release whose lexer has no such keyword:
    the word is taken as one more alias host name (OpenSIPS 3.4 starts and lists
    "accept_subdomain" among its aliases)."""
    if node.name != "alias" or node.kind != "compound" or release_value(
            "alias.accept_subdomain", release):
        return None
    if "accept_subdomain" not in _QUOTED.sub('""', node.text).split()[1:]:
        return None
    return ("alias ... accept_subdomain is first in OpenSIPS %s; %s reads 'accept_subdomain' "
            "as one more alias host name" % (first_release("alias.accept_subdomain"), release))


# The single-token value forms of cfg.y's global assignments. yes/no/on/off lex as
# NUMBER (cfg.lex), a minus sign only fits snumber.
_SINGLE_FORMS = {"NUMBER": "a number of 0 or more", "snumber": "a number",
                 "STRING": "a quoted string", "ID": "a bare word"}


def _fits(node: ast.GlobalParam, form: str) -> bool:
    if form == "NUMBER":
        return node.kind == "int" and not node.text.lstrip().startswith("-")
    return node.kind == {"snumber": "int", "STRING": "str", "ID": "id"}[form]


def value_form_problem(node: ast.GlobalParam, forms: list[str]) -> Optional[str]:
    """What the global's forms want, when its single value fits none of them. A form
    of several tokens cannot take a single value; a compound rule (socket_def, id_lst,
    ...) is not judged here."""
    if node.kind == "compound" or not forms:
        return None
    heads = [form for form in forms if " " not in form]
    if any(form not in _SINGLE_FORMS for form in heads):
        return None
    if any(_fits(node, form) for form in heads):
        return None
    return " or ".join(dict.fromkeys(_SINGLE_FORMS[form] for form in heads)) or None


def _socket_problems(words: list[str], release: str) -> Iterator[str]:
    checks = [("socket.bond", words[0].startswith("bond:"), "a bond: socket"),
              ("socket.port_ranges", bool(_PORT_RANGE.search(words[0])), "a port range")]
    for key, present, what in checks:
        found = _too_new(key, release, what) if present else None
        if found:
            yield found
    for word in words[1:]:
        first = next((r for r in RELEASES if word in _socket_params(r)), release)
        if word not in _socket_params(release) and first != release:
            yield ("socket parameter '%s' is first in OpenSIPS %s (the script targets %s)"
                   % (word, first, release))


def _socket_params(release: str) -> tuple[str, ...]:
    return cast(tuple[str, ...], release_value("socket.params", release))
