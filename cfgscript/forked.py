"""Run a function in a forked child process and collect its pickled result.

Used to spread CPU-bound work (parsing a large script) over the machine's
cores: the child starts with the parent's memory (the parser tables, the
catalog) at no cost, and only the result crosses back, through a pipe.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from typing import Any


def can_fork() -> bool:
    return hasattr(os, "fork")


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:          # not on Linux
        return os.cpu_count() or 1


class ForkedCall:
    """fn(*args) running in a child; result() waits for it and returns its
    value or raises ChildProcessError."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:                       # the child
            os.close(read_end)
            _child(write_end, fn, args)         # never returns
        os.close(write_end)
        self._read_end = read_end

    def result(self) -> Any:
        with os.fdopen(self._read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        if not data:
            raise ChildProcessError("worker process ended with status %d"
                                    % os.waitstatus_to_exitcode(status))
        ok, value = pickle.loads(data)
        if not ok:
            raise ChildProcessError("worker process failed: %s" % value)
        return value


def _child(write_end: int, fn: Callable[..., Any], args: tuple) -> None:
    status = 0
    try:
        try:
            data = pickle.dumps((True, fn(*args)), pickle.HIGHEST_PROTOCOL)
        except BaseException as err:         # reported by the parent
            data = pickle.dumps((False, "%s: %s" % (type(err).__name__, err)))
            status = 1
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(status)                    # no atexit handlers, no buffers flushed twice
