"""Random REPL inputs, shared by tests/test_repl.py (hypothesis) and
tests/perf/fuzz_repl.py (100,000 of them): pieces of meta-commands, script
code and punctuation, glued together, with the odd random character."""

from __future__ import annotations

import contextlib
import io
import random
import time
from dataclasses import dataclass, field

from cfgscript.repl.commands import COMMANDS
from cfgscript.repl.session import Session, SessionOptions
from cfgscript.runtime.settings import RunOptions

# Nothing here sleeps or loops without end (max_while_loops bounds the loops),
# and no socket points off the machine or at the broker.
PIECES = sorted(COMMANDS) + [
    ":", " ", "  ", "E_FUZZ", "E_CORE_LOG", "a=", "b=1", "=", "1", "-7", "99999999999999999999",
    '"', '"text"', '"\\u00e9"', "[1, 2]", '{"k": [null]}', "true", "null", "udp:127.0.0.1:9",
    "udp:127.0.0.1:0", "unix:/nonexistent/x.sock", "route:E_FUZZ", "tcp:127.0.0.1:9",
    "$var(x)", "$avp(a)", "$param(1)", "$(var(x){s.len})", "$shv(n)", " = ", ";", "{", "}",
    "(", ")", "if (", "while (", "else", "xlog(", 'xlog("$var(x)\\n");', "route(", "f", "echo",
    "raise_event(", "subscribe_event(", "return(", "exit;", "+", "==", "!", "#", "/*", "*/",
    "\\", "\n", "\t", "é", "\x00", "\x1b[31m",
]
EXAMPLE_SCRIPT = ('loadmodule "event_datagram.so"\n'
                  'route[echo] { xlog("echo $param(1)\\n"); }\n'
                  'event_route[E_FUZZ] { $var(seen) = $param(a); }\n')


def random_input(rng: random.Random, pieces: int = 8) -> str:
    parts = [rng.choice(PIECES) for _ in range(rng.randint(1, pieces))]
    if rng.random() < 0.2:
        parts.insert(rng.randrange(len(parts) + 1), chr(rng.randint(1, 0x2FFF)))
    return "".join(parts)


@dataclass
class Quiet:
    """An Output that keeps only the lines that show a bug of ours."""
    pretty: bool = False
    problems: list[str] = field(default_factory=list)

    def show(self, text: str) -> None:
        self._look(text)

    def error(self, text: str) -> None:
        self._look(text)

    def _look(self, text: str) -> None:
        if "internal error" in text or "Traceback" in text:
            self.problems.append(text)


def open_session(folder: str) -> Session:
    from cfgscript.cli import repl_loader

    path = "%s/fuzz.cfg" % folder
    with open(path, "w", encoding="utf-8") as out:
        out.write(EXAMPLE_SCRIPT)
    options = RunOptions(plain_log=True)
    session = Session(repl_loader(options), SessionOptions(path, run=options), Quiet())
    with contextlib.redirect_stdout(io.StringIO()):
        assert session.open()
    return session


def feed(session: Session, text: str) -> tuple[float, list[str]]:
    """Run one input as the prompt would (asking first whether a block is
    open): the seconds it took and the signs of a bug it left."""
    start = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()):
        session.needs_more(text)
        session.execute(text)
    session.done = False
    problems, session.out.problems = session.out.problems, []
    return time.monotonic() - start, problems
