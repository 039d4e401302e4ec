"""Helpers to run small scripts in-process and look at what they logged."""

from __future__ import annotations

import io

from cfgscript.check import check
from cfgscript.parser import parse_text
from cfgscript.runtime.engine import Engine, RunOptions
from cfgscript.runtime.logger import Logger


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
