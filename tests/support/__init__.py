"""Helpers for the transport tests: bounded waits, loopback ports, timed routes."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    """Poll predicate until it is true or the time is up; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def free_port() -> int:
    """A loopback TCP port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed_route(engine, name: str) -> float:
    """Run route[name] as a top-level run; the seconds it took."""
    start = time.perf_counter()
    engine.run_top(engine.routes[name])
    return time.perf_counter() - start
