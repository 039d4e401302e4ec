"""Helpers for the transport tests: bounded waits, loopback ports, timed routes, and
`cfgscript run` as a server logging to a file."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# The MI servers of a test script: mi_datagram on UDP port %(udp)d, mi_fifo at
# %(fifo)s answering in %(folder)s, mi_http on TCP port %(http)d.
MI_SERVERS = '''loadmodule "mi_datagram.so"
loadmodule "mi_fifo.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("mi_datagram", "socket_name", "udp:127.0.0.1:%(udp)d")
modparam("mi_fifo", "fifo_name", "%(fifo)s")
modparam("mi_fifo", "reply_dir", "%(folder)s/")
modparam("httpd", "port", %(http)d)
'''


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    """Poll predicate until it is true or the time is up; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A loopback TCP (or `kind`) port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_udp_port() -> int:
    return free_port(socket.SOCK_DGRAM)


def start_run(script: Path, log: Path, *options: str) -> subprocess.Popen:
    """`cfgscript run OPTIONS SCRIPT`, its plain log written to `log`."""
    with log.open("w") as stream:
        return subprocess.Popen([sys.executable, "-m", "cfgscript", "run", "--log-format",
                                 "plain", *options, str(script)], stderr=stream)


def stop(process: subprocess.Popen, signum: int = signal.SIGTERM) -> None:
    """Signal the process and wait for it; kill it if it is still running 15 s later."""
    process.send_signal(signum)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@contextmanager
def serving(script: Path, log: Path, *options: str) -> Iterator[subprocess.Popen]:
    """start_run, once its startup_route has logged "started"; stopped at the end."""
    child = start_run(script, log, *options)
    try:
        assert wait_until(lambda: "NOTICE:started" in log.read_text(), 15), log.read_text()
        yield child
    finally:
        stop(child)


def timed_route(engine, name: str) -> float:
    """Run route[name] as a top-level run; the seconds it took."""
    start = time.perf_counter()
    engine.run_top(engine.routes[name])
    return time.perf_counter() - start
