"""`cfgscript repl`: the terminal front end on a terminal, plain lines otherwise."""

from __future__ import annotations

import gc
import signal
import sys

from ..engine import tune_collector
from .piped import run_piped
from .session import Loader, PlainOutput, Session, SessionOptions


def run_repl(loader: Loader, options: SessionOptions) -> int:
    """The session's exit status: 1 when the script did not load or (piped)
    any input failed. Raises SessionError when it cannot start."""
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if interactive:
        from .terminal import TerminalOutput, run_terminal
        out = TerminalOutput()
    else:
        out = PlainOutput()
    session = Session(loader, options, out)
    if not session.open():
        return 1
    tune_collector()
    gc.enable()
    try:
        if interactive:
            return run_terminal(session)
        previous = signal.signal(signal.SIGINT, _interrupting(session))
        try:
            return run_piped(session, sys.stdin)
        finally:
            signal.signal(signal.SIGINT, previous)
    finally:
        session.close()


def _interrupting(session: Session):
    """SIGINT: interrupt the running input; between inputs, stop reading."""
    def on_signal(signum: int, frame: object) -> None:
        if not session.interrupt():
            raise KeyboardInterrupt
    return on_signal
