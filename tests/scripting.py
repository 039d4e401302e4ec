"""Helpers to parse small scripts, and to run them in-process and look at what they logged."""

from __future__ import annotations

import io

from cfgscript.check import check
from cfgscript.engine import Engine
from cfgscript.runtime.logger import Logger
from cfgscript.runtime.settings import RunOptions
from cfgscript.syntax import ast
from cfgscript.syntax.parser import parse_text


def parse_ok(text: str) -> ast.Script:
    """The tree of a script that must parse cleanly (as t.cfg)."""
    result = parse_text(text, "t.cfg")
    assert result.diagnostics == [], [d.headline() for d in result.diagnostics]
    return result.script


def errors(text: str) -> list[str]:
    """The headlines of the diagnostics of a script that must not parse cleanly."""
    result = parse_text(text, "t.cfg")
    assert result.diagnostics, "expected an error"
    return [d.headline() for d in result.diagnostics]


def body(statements: str) -> list[ast.Node]:
    """The statements of `route { statements }`."""
    (route,) = parse_ok("route {\n%s\n}\n" % statements).items
    return route.body


def value(expr: str) -> ast.Node:
    """The right side of `$var(x) = expr;`."""
    (assign,) = body("$var(x) = %s;" % expr)
    assert isinstance(assign, ast.Assign)
    return assign.value


def load_engine(text: str, **options) -> Engine:
    """Parse, check and load a script; assert that it has no errors."""
    result = parse_text(text, "test.cfg")
    problems = [d for d in check(result) if d.severity == "error"]
    assert not problems, [d.headline() for d in problems]
    engine = Engine(result.script, RunOptions(plain_log=True, **options),
                    logger=Logger(stream=io.StringIO(), plain=True))
    problems = engine.load()
    assert not problems, [d.headline() for d in problems]
    return engine


def run_script(text: str, **options) -> Engine:
    """A script loaded, its startup_route run and the engine shut down (what was
    queued delivered or reported): the engine, to look at what it logged and counted."""
    engine = load_engine(text, **options)
    engine.run_startup()
    engine.shutdown()
    return engine


def log_lines(engine: Engine) -> list[str]:
    return engine.logger.stream.getvalue().splitlines()


def run_startup(body: str, head: str = "", tail: str = "", **options) -> list[str]:
    """Run `startup_route { body }` (plus any routes in tail) and return the log lines."""
    engine = load_engine("%s\nstartup_route {\n%s\n}\n%s" % (head, body, tail), **options)
    try:
        engine.run_startup()
        engine.drain()
    finally:
        engine.shutdown()
    return log_lines(engine)


def values(body: str, head: str = "", tail: str = "") -> list[str]:
    """The text of the "@ " marker lines a script printed, without level and marker."""
    return [line.split("@ ", 1)[1] for line in run_startup(body, head, tail) if "@ " in line]
