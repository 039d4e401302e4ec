"""The interpreter thread of the REPL: the engine serves in the background
(timer routes, queued event routes, MI requests) and runs the prompt's work
one job at a time, between the other jobs, as `cfgscript run` would."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Optional, TypeVar

from ..deep import RECURSION_LIMIT, STACK_BYTES
from ..engine import Engine
from ..runtime.context import ScriptAbort, StopRequested, StrictStop

T = TypeVar("T")
JOIN_TIMEOUT = 10.0


class Interrupted(Exception):
    """Ctrl-C ended the work of the prompt early."""

    def __init__(self, where: str):
        super().__init__("interrupted in %s" % where)


class Interpreter:
    """start(), call() from the prompt's thread, interrupt() from anywhere, close()."""

    def __init__(self, engine: Engine, report: Callable[[str], None]):
        self.engine = engine
        self.report = report            # a problem met in background work
        self.closing = False
        self._running = False           # the prompt's work is running
        self._awaited = 0               # inputs of the prompt begun and not yet ended
        self._cancelled = False         # Ctrl-C came before the input's work began
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        previous = threading.stack_size(STACK_BYTES)
        sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
        try:
            self._thread = threading.Thread(target=self._serve, name="cfgscript-interpreter",
                                            daemon=True)
            self._thread.start()
        finally:
            threading.stack_size(previous)

    def _serve(self) -> None:
        engine = self.engine
        while not self.closing:
            try:
                engine.serve()
            except (StrictStop, ScriptAbort) as err:
                self.report("cfgscript: %s" % err)
            except StopRequested as err:
                self.report("cfgscript: stopped in %s" % err)
            except Exception as err:    # a bug of ours must not leave the prompt waiting
                self.report("cfgscript: internal error: %s: %s" % (type(err).__name__, err))
            if not self.closing:
                engine.resume()

    def call(self, work: Callable[[], T]) -> T:
        """work() on the interpreter thread, then the jobs it queued (the event
        routes it raised); its result, or the exception it raised."""
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def job() -> None:
            with self._lock:
                self._running = True
                cancelled, self._cancelled = self._cancelled, False
            try:
                if cancelled:
                    raise StopRequested("the input")
                outcome["value"] = work()
                self.engine.drain()
            except StopRequested as err:
                outcome["error"] = Interrupted(str(err))
            except BaseException as err:        # noqa: BLE001 - handed to the caller
                outcome["error"] = err
            finally:
                with self._lock:
                    self._running = False
                    if self.engine.stopping and not self.closing:
                        self.engine.resume()
                done.set()
        self.engine.post(job)
        done.wait()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    @contextmanager
    def awaiting(self) -> Iterator[None]:
        """An input of the prompt is on its way: a Ctrl-C before its work
        reaches this thread stops that work before it begins."""
        with self._lock:
            self._awaited += 1
        try:
            yield
        finally:
            with self._lock:
                self._awaited -= 1
                if not self._awaited:
                    self._cancelled = False

    def interrupt(self) -> bool:
        """Stop the prompt's work at its next loop iteration, route call or
        sleep; False when no input is on its way."""
        with self._lock:
            if self._running:
                self.engine.stop()
                return True
            if self._awaited:
                self._cancelled = True
                return True
            return False

    def close(self) -> None:
        self.closing = True
        self.engine.stop()
        if self._thread is not None:
            self._thread.join(JOIN_TIMEOUT)
        self.engine.shutdown()
