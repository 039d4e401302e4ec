"""`cfgscript run` as a child process whose log lines a test can wait for.

    with RunningScript(script, "--flush-timeout", "1") as child:
        child.wait_for("NOTICE:started", 10)
        child.send_signal(signal.SIGTERM)
        assert child.wait(5) == 0
    child.lines                # every line it wrote to stderr

The script goes in on standard input (so positions read "-:LINE:COL"); the
log is plain. A reader thread collects stderr; every wait is bounded. A child
still running at the end is killed.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Optional

CFGSCRIPT = [sys.executable, "-m", "cfgscript"]


class RunningScript:
    def __init__(self, script: str, *options: str,
                 preexec_fn: Optional[Callable[[], None]] = None,
                 env: Optional[dict[str, str]] = None) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            [*CFGSCRIPT, "run", "--log-format", "plain", *options, "-"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, preexec_fn=preexec_fn, env=env)
        self.process.stdin.write(script)
        self.process.stdin.close()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def __enter__(self) -> RunningScript:
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(5)
        self._reader.join(5)

    def _read(self) -> None:
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> str:
        """The first line holding text; AssertionError when none came in time."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((line for line in self.lines if text in line), None)
                left = deadline - time.monotonic()
                if found is not None or left <= 0 or self.process.poll() is not None:
                    break
                self._changed.wait(min(left, 0.05))
        found = found or next((line for line in self.lines if text in line), None)
        assert found is not None, "no line with %r in %.1f s: %s" % (text, timeout, self.lines)
        return found

    def send_signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        """The exit status (TimeoutExpired when still running after timeout)."""
        status = self.process.wait(timeout)
        self._reader.join(5)
        return status

    @property
    def text(self) -> str:
        return "\n".join(self.lines)
