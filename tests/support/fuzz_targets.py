"""The fuzz targets: each turns a random.Random into one input, feeds it to one
entry point of cfgscript, and says what went wrong (None: nothing did).

    parse, check, lint, run   scripts (hand-written and grammar-derived ones,
                              token and byte mutations of those and of the
                              conformance scripts) through the parser, the
                              start-up checks, every lint rule, and
                              `run --once` in-process, stopped after RUN_BOUND
    sockets                   socket strings of every transport through the
                              syntax check and the subscribe path
    cli                       argument lists through cfgscript.cli.main

"Wrong" is: an exception the entry point does not document, a diagnostic
without a position, a traceback or "internal error" in what was printed, a
password in what was printed, a usage error that is not one line, or a hang
(the runner's watchdog). tests/test_fuzz_*.py run a few thousand inputs per
target; tests/perf/fuzz_targets.py runs as many as asked."""

from __future__ import annotations

import contextlib
import io
import os
import random
import re
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional
from unittest import mock

from cfgscript import cli
from cfgscript.catalog import load_catalog
from cfgscript.check import check, check_source
from cfgscript.deep import run_deep
from cfgscript.diagnostics import ERROR, DiagnosticError, render
from cfgscript.engine import Engine
from cfgscript.lint import codes
from cfgscript.lint.runner import lint_text
from cfgscript.runtime.context import ScriptAbort, StopRequested, StrictStop
from cfgscript.runtime.logger import Logger
from cfgscript.runtime.settings import RunOptions
from cfgscript.syntax import ast
from cfgscript.syntax.parser import parse_text
from cfgscript.syntax.source import load_text

from .cli_fuzz import arguments, cli_files
from .grammar_fuzz import GrammarGenerator
from .script_fuzz import CORPUS, ScriptGenerator, include_files, mutate, random_mutations
from .socket_fuzz import PASSWORD, socket_string

RUN_BOUND = 1.0                 # seconds a fuzzed script may run before it is stopped
SCRIPT_NAME = "fuzz.cfg"
Problem = Optional[str]

_GRAMMAR = GrammarGenerator()


# ---------------------------------------------------------------- script inputs

def byte_mutation(text: str, rnd: random.Random) -> str:
    """A few bytes of the UTF-8 text flipped, inserted, deleted or repeated."""
    data = bytearray(text.encode("utf-8", "surrogateescape"))
    for _ in range(rnd.randint(1, 8)):
        at = rnd.randrange(len(data) + 1)
        kind = rnd.randrange(4)
        if kind == 0 and at < len(data):
            data[at] ^= 1 << rnd.randrange(8)
        elif kind == 1:
            data[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4)))
        elif kind == 2:
            del data[at:at + rnd.randint(1, 16)]
        else:
            data[at:at] = data[at:at + rnd.randint(1, 32)]
    return data.decode("utf-8", "surrogateescape")


def script_text(rnd: random.Random) -> str:
    kind = rnd.randrange(6)
    if kind == 0:
        return ScriptGenerator(rnd).script()
    if kind == 1:
        return _GRAMMAR.script(rnd)
    if kind == 2:
        return mutate(rnd.choice(CORPUS), random_mutations(rnd))
    if kind == 3:
        return byte_mutation(rnd.choice(CORPUS), rnd)
    if kind == 4:
        return byte_mutation(_GRAMMAR.script(rnd), rnd)
    return mutate(ScriptGenerator(rnd).script(), random_mutations(rnd))


def runnable_text(rnd: random.Random) -> str:
    """Scripts that mostly pass the checks, for the run target: generated ones,
    and conformance scripts as they are or with one token mutation."""
    kind = rnd.randrange(6)
    if kind < 2:
        return ScriptGenerator(rnd).script()
    if kind == 2:
        return _GRAMMAR.script(rnd)
    if kind == 3:
        return rnd.choice(CORPUS)
    return mutate(rnd.choice(CORPUS), random_mutations(rnd)[:1])


def _positioned(diagnostics, line_text) -> Problem:
    for diag in diagnostics:
        if not diag.file or diag.line < 1 or diag.col < 1:
            return "diagnostic without a position: %r" % diag.headline()
        if diag.headline() not in render(diag, line_text):
            return "diagnostic renders without its headline: %r" % diag.headline()
    return None


# ---------------------------------------------------------------- script targets

def fuzz_parse(text: str) -> Problem:
    try:
        result = parse_text(text, SCRIPT_NAME)
    except DiagnosticError as err:
        return _positioned(err.diagnostics, None) if err.diagnostics else "empty DiagnosticError"
    for node in ast.walk(result.script):
        if not node.file or node.line < 1 or node.col < 1:
            return "node without a position: %r" % (node,)
    return _positioned(result.diagnostics, result.source.line_text)


def fuzz_check(text: str) -> Problem:
    try:
        source = load_text(text, SCRIPT_NAME)
    except DiagnosticError as err:
        return _positioned(err.diagnostics, None)
    return _positioned(check_source(source, jobs=1), source.line_text)


_CATALOG = load_catalog()


def fuzz_lint(text: str) -> Problem:
    result = lint_text(text, SCRIPT_NAME, _CATALOG, codes.RULES, jobs=1)
    for finding in result.findings:
        if not finding.path or finding.line < 0 or finding.column < 1:
            return "finding without a position: %r" % (finding,)
    return None


class _Bounded:
    """Stops an engine after `seconds` unless cancelled first."""

    def __init__(self, engine: Engine, seconds: float) -> None:
        self._timer = threading.Timer(seconds, engine.stop)
        self._timer.daemon = True

    def __enter__(self) -> _Bounded:
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._timer.cancel()


def _run_once(engine: Engine) -> None:
    engine.run_startup()
    engine.drain()


# The conformance scripts send to (and bind) fixed loopback ports and paths,
# where a conformance run may be listening at the same time: a fuzzed run
# uses port 9 (nothing listens there) and the working directory instead.
FIXED_PORT = re.compile(r"(127\.0\.0\.1|localhost|\[::1\]|::1):[0-9]{2,5}")
FIXED_FOLDER = "/tmp/cfgscript-conformance/"


def private_addresses(text: str) -> str:
    return FIXED_PORT.sub(r"\1:9", text).replace(FIXED_FOLDER, "")


def fuzz_run(text: str) -> Problem:
    """`cfgscript run --once`, in this process: parse, check, load, startup_route
    and the events it raised, stopped after RUN_BOUND; then shut down."""
    text = private_addresses(text)
    try:
        result = parse_text(text, SCRIPT_NAME)
    except DiagnosticError:
        return None
    if any(d.severity == ERROR for d in run_deep(check, result)):
        return None
    log = io.StringIO()
    engine = Engine(result.script, RunOptions(plain_log=True, flush_timeout=0.2),
                    logger=Logger(stream=log, plain=True))
    if run_deep(engine.load):
        return None
    try:
        with _Bounded(engine, RUN_BOUND):
            run_deep(_run_once, engine)
    except (StrictStop, ScriptAbort, StopRequested):
        pass
    finally:
        engine.shutdown()
    return _printed_problem(log.getvalue())


def _printed_problem(printed: str) -> Problem:
    for marker in ("Traceback", "internal error", PASSWORD):
        if marker in printed:
            line = next(x for x in printed.splitlines() if marker in x)
            return "printed %r: %s" % (marker, line[:300])
    return None


# ---------------------------------------------------------------- sockets

SOCKET_SCRIPT = "".join('loadmodule "%s.so"\n' % name for name in (
    "event_datagram", "event_flatstore", "event_virtual", "event_rabbitmq", "event_xmlrpc",
    "event_stream")) + "startup_route {\n    exit;\n}\n"
SOCKET_EVENT = "E_FUZZ"


class SocketTarget:
    """One engine with every event transport, for the subscribe path."""

    def __init__(self) -> None:
        self.log = io.StringIO()
        script = parse_text(SOCKET_SCRIPT, SCRIPT_NAME).script
        self.engine = Engine(script, RunOptions(plain_log=True, flush_timeout=0.2),
                             logger=Logger(stream=self.log, plain=True))
        problems = self.engine.load()
        assert not problems, [p.headline() for p in problems]
        self.event = self.engine.events.publish(SOCKET_EVENT)

    def __call__(self, case: tuple[str, bool]) -> Problem:
        text, secret = case
        self.log.seek(0)
        self.log.truncate()
        proto, _, rest = text.partition(":")
        transport = self.engine.events.transports.get(proto)
        checker = getattr(transport, "check_syntax", None)
        if checker is not None:
            try:
                checker(rest)
            except ValueError as err:       # SocketError
                if secret and PASSWORD in str(err):
                    return "password in the syntax error: %s" % err
        for expire, from_mi in ((0, False), (120, True)):
            answer = self.engine.events.subscribe(SOCKET_EVENT, text, expire, from_mi)
            if answer not in (1, -1):
                return "subscribe answered %r" % (answer,)
        shown = "\n".join(sub.socket for sub in self.event.subscribers)
        del self.event.subscribers[:]
        printed = self.log.getvalue() + "\n" + shown
        problem = _printed_problem(printed.replace(PASSWORD, "") if not secret else printed)
        return problem

    def close(self) -> None:
        self.engine.shutdown()


# ---------------------------------------------------------------- command line

CLI_ENVIRONMENT = {"CFGSCRIPT_MI": "udp:127.0.0.1:9"}     # nothing answers there
USAGE_LINE = re.compile(r"(cfgscript( lint)?: error: |.*: error: )")


def fuzz_cli(argv: list[str]) -> Problem:
    """cli.main(argv) in this process, what it prints on stderr (also through
    the file descriptor, where the run log goes) captured."""
    with _captured_stderr() as captured, contextlib.redirect_stdout(io.StringIO()), \
            _stdin(), mock.patch.dict(os.environ, CLI_ENVIRONMENT):
        status = cli.main(argv)
    printed = captured.getvalue()
    if status not in (0, 1, 2, 130):
        return "exit status %r" % (status,)
    problem = _printed_problem(printed.replace(PASSWORD, ""))
    if problem:
        return problem
    if status == 2:
        lines = printed.splitlines()
        if not any(USAGE_LINE.match(line) for line in lines):
            return "exit 2 without an error line: %r" % printed[:500]
    return None


@contextlib.contextmanager
def _captured_stderr():
    """Everything written to file descriptor 2 (and sys.stderr) meanwhile, in
    the yielded StringIO once the block is over."""
    sys.stderr.flush()
    saved = os.dup(2)
    printed = io.StringIO()
    with tempfile.TemporaryFile("w+", errors="replace") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            with contextlib.redirect_stderr(capture):
                yield printed
        finally:
            capture.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            printed.write(capture.read())


@contextlib.contextmanager
def _stdin():
    """An empty standard input, with the binary buffer the script reader uses."""
    previous = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(b""))
    try:
        yield
    finally:
        sys.stdin = previous


# ---------------------------------------------------------------- the table

@dataclass(frozen=True)
class Target:
    name: str
    generate: Callable[[random.Random], object]
    feed: Callable[[object], Problem]


def targets(folder: str) -> dict[str, Target]:
    """Every target, working in `folder` (the caller's cwd for relative paths)."""
    include_files(folder)
    cli_files(folder)
    sockets = SocketTarget()
    return {
        "parse": Target("parse", script_text, fuzz_parse),
        "check": Target("check", script_text, fuzz_check),
        "lint": Target("lint", script_text, fuzz_lint),
        "run": Target("run", runnable_text, fuzz_run),
        "sockets": Target("sockets", lambda rnd: socket_string(rnd, folder), sockets),
        "cli": Target("cli", lambda rnd: arguments(rnd, folder), fuzz_cli),
    }




def sandboxed_targets(tmp_path_factory):
    """For a module-scoped fixture: the targets, the working directory a
    fresh one while they are in use."""
    import pytest

    folder = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("CFGSCRIPT_CACHE_DIR", str(folder / "cache"))
        table = targets(str(folder))
        yield table
        table["sockets"].feed.close()


def fuzz_examples(target: Target, examples: int) -> None:
    """Feed `examples` hypothesis-drawn inputs to the target; fail on a problem."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.randoms(use_true_random=False))
    def fuzz(rnd: random.Random) -> None:
        case = target.generate(rnd)
        problem = target.feed(case)
        assert problem is None, "%s\n%r" % (problem, case)

    fuzz()
