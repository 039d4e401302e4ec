"""The REPL in a real terminal: tmux runs it, send-keys types, capture-pane reads
the screen. Every wait is bounded."""

from __future__ import annotations

import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "repl.cfg"
PROMPT = "cfgscript> "
EMPTY_PROMPT = PROMPT.rstrip()          # capture-pane drops trailing spaces
WAIT = 30.0
POLL = 0.1

pytestmark = pytest.mark.slow

if shutil.which("tmux") is None:        # .ci/run installs it
    raise RuntimeError("tmux is needed to drive the REPL in a terminal")


class Terminal:
    """One REPL in a tmux pane of its own tmux server."""

    def __init__(self, tmp_path: Path, script: Path):
        self.server = "cfgscript-test-%s" % uuid.uuid4().hex[:8]
        self.data_home = tmp_path / "data"
        self.script = script

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.server, *args], capture_output=True,
                              text=True, timeout=WAIT, check=True).stdout

    def start(self) -> None:
        command = ("env PYTHONPATH=%s XDG_DATA_HOME=%s NO_COLOR=1 %s -m cfgscript repl %s "
                   "--log-format plain; echo EXITED $?; sleep 600"
                   % tuple(shlex.quote(str(x)) for x in (ROOT, self.data_home, sys.executable,
                                                         self.script)))
        self.tmux("new-session", "-d", "-x", "120", "-y", "40", "-s", "repl", command)
        self.wait_for(lambda screen: self.prompt_line(screen) is not None)

    def type(self, text: str) -> None:
        # tmux reads a ';' ending an argument as the end of its command
        literal = text[:-1] + "\\;" if text.endswith(";") else text
        self.tmux("send-keys", "-t", "repl", "-l", literal)

    def press(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "repl", *keys)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "repl")

    def wait_for(self, ready: Callable[[str], object], timeout: float = WAIT) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if ready(screen):
                return screen
            time.sleep(POLL)
        raise AssertionError("the screen never got there:\n" + screen)

    def wait_for_text(self, text: str, timeout: float = WAIT) -> str:
        return self.wait_for(lambda screen: text in screen, timeout)

    @staticmethod
    def prompt_line(screen: str):
        """The last line that starts with the prompt (the one being typed)."""
        lines = [line for line in screen.splitlines() if line.startswith(PROMPT.rstrip())]
        return lines[-1] if lines else None

    def run(self, text: str, expect: str) -> str:
        """Type an input, then wait for its output and the next (empty) prompt."""
        self.type(text)
        self.press("Enter")
        return self.wait_for(lambda screen: expect in screen
                             and self.prompt_line(screen) == EMPTY_PROMPT)

    def stop(self) -> None:
        subprocess.run(["tmux", "-L", self.server, "kill-server"], capture_output=True,
                       timeout=WAIT)


@pytest.fixture
def terminal(tmp_path):
    opened = Terminal(tmp_path, EXAMPLE)
    opened.start()
    yield opened
    opened.stop()


def test_raise_with_tab_completion_of_the_event_and_a_parameter(terminal) -> None:
    terminal.type(":ra")
    terminal.press("Tab")
    terminal.wait_for(lambda s: terminal.prompt_line(s) == PROMPT + ":raise")
    terminal.type(" E_DLG_STATE_CH")
    terminal.press("Tab")
    terminal.wait_for(lambda s: terminal.prompt_line(s) == PROMPT + ":raise E_DLG_STATE_CHANGED")
    terminal.type(" call")
    terminal.press("Tab")
    terminal.wait_for(lambda s: terminal.prompt_line(s)
                      == PROMPT + ":raise E_DLG_STATE_CHANGED callid=")
    terminal.type('"tab-1" new_state=5')
    terminal.press("Enter")
    screen = terminal.wait_for_text("raised E_DLG_STATE_CHANGED to 1 subscriber(s)")
    assert "NOTICE:dialog tab-1: <null> -> 5" in screen
    assert "NOTICE:call tab-1 counted, 1 so far" in screen


def test_an_event_prints_above_the_prompt_and_keeps_the_half_typed_line(terminal) -> None:
    screen = terminal.run(":listen udp:127.0.0.1:0", "listening on udp:127.0.0.1:")
    port = int(re.search(r"listening on udp:127\.0\.0\.1:(\d+)", screen).group(1))
    terminal.type("$var(half")
    terminal.wait_for(lambda s: terminal.prompt_line(s) == PROMPT + "$var(half")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b'{"jsonrpc":"2.0","method":"E_ARRIVED","params":{"n":7}}',
                      ("127.0.0.1", port))
    screen = terminal.wait_for(lambda s: "E_ARRIVED" in s
                               and terminal.prompt_line(s) == PROMPT + "$var(half")
    lines = screen.splitlines()
    event_at = next(i for i, line in enumerate(lines) if "E_ARRIVED" in line)
    prompt_at = max(i for i, line in enumerate(lines) if line.startswith(PROMPT.rstrip()))
    assert event_at < prompt_at
    assert '"n": 7' in screen
    assert lines[prompt_at] == PROMPT + "$var(half"
    terminal.wait_for_text("listening udp:127.0.0.1:%d (1 received)" % port)    # the toolbar
    terminal.type(") = 1;")
    terminal.press("Enter")
    terminal.run(":vars", "$var(half) = 1")


def test_a_multi_line_if_block(terminal) -> None:
    terminal.type("if ($var(calls) == 0) {")
    terminal.press("Enter")
    terminal.wait_for_text("       ...")
    terminal.type('    xlog("L_NOTICE", "no calls yet\\n");')
    terminal.press("Enter")
    terminal.type("}")
    terminal.press("Enter")
    screen = terminal.wait_for_text("NOTICE:no calls yet")
    assert "       ...     xlog(" in screen
    assert terminal.prompt_line(screen) == EMPTY_PROMPT


def test_history_is_recalled_after_a_restart(tmp_path) -> None:
    first = Terminal(tmp_path, EXAMPLE)
    first.start()
    try:
        first.run("$var(remember) = 42;", PROMPT + "$var(remember) = 42;")
        first.run(":vars", "$var(remember) = 42")
        first.press("C-d")
        first.wait_for_text("EXITED 0")
    finally:
        first.stop()
    assert "$var(remember) = 42;" in (tmp_path / "data" / "cfgscript" / "history").read_text()
    second = Terminal(tmp_path, EXAMPLE)
    second.start()
    try:
        second.press("Up")
        second.wait_for(lambda s: second.prompt_line(s) == PROMPT + ":vars")
        second.press("Up")
        second.wait_for(lambda s: second.prompt_line(s) == PROMPT + "$var(remember) = 42;")
    finally:
        second.stop()


def test_ctrl_c_interrupts_a_long_loop_then_ctrl_d_quits(tmp_path) -> None:
    script = tmp_path / "spin.cfg"
    script.write_text("max_while_loops = 2000000000\n")
    terminal = Terminal(tmp_path, script)
    terminal.start()
    try:
        terminal.type("$var(i) = 0; while (1) { $var(i) = $var(i) + 1; }")
        terminal.press("Enter")
        time.sleep(1.0)
        terminal.press("C-c")
        screen = terminal.wait_for_text("cfgscript: interrupted in ")
        terminal.wait_for(lambda s: terminal.prompt_line(s) == EMPTY_PROMPT)
        terminal.type(":vars")
        terminal.press("Enter")
        counted = re.compile(r"^\$var\(i\) = (\d+)$", re.M)
        screen = terminal.wait_for(counted.search)
        assert int(counted.search(screen).group(1)) > 0
        terminal.type("typed, then cleared")
        terminal.press("C-c")
        terminal.wait_for(lambda s: terminal.prompt_line(s) == EMPTY_PROMPT
                          and "typed, then cleared" not in s.splitlines()[-3:])
        terminal.press("C-d")
        terminal.wait_for_text("EXITED 0")
    finally:
        terminal.stop()
