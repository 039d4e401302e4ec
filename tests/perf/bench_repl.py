"""Start-up of `cfgscript repl` to its first prompt, in a real terminal (tmux).

    python tests/perf/bench_repl.py [--runs N] [--probe output|screen] [--empty]

Generates a script of about 2,000 lines with gen_config.py (modules,
subscriptions in startup_route, named routes, event routes, a timer), starts
the REPL on it in a fresh process, and measures the time until the prompt
reaches the terminal. Target: <= 0.5 s (the best of the runs; the median is
shown too). --empty starts the REPL with no script.

Two figures per run: the wall time, and the CPU time the REPL process had used
by then. On a busy machine the wall time mostly says how long the process
waited for a core; the CPU time is the start-up's own work, and the wall time
of an idle machine.

The default probe reads the pane's output as tmux copies it to a file
(pipe-pane) and looks for the prompt there; --probe screen asks tmux for the
screen every 5 ms instead, as the first version of this benchmark did. On a
machine with two cores each of those asks (a new tmux client) takes CPU time
from the REPL being measured.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from gen_config import Shape, generate  # noqa: E402

SHAPE = Shape(subscriptions=100, routes=40, ifs_per_route=6, event_routes=20,
              stmts_per_event_route=5)
TARGET = 0.5
PROMPT = "cfgscript>"
POLL = 0.005            # seconds between two looks at the screen (--probe screen)
READ_POLL = 0.001       # seconds between two reads of the output file (--probe output)
WAIT = 60.0
ESCAPE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system time of a process so far."""
    with open("/proc/%d/stat" % pid) as stream:
        fields = stream.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def screen_shows_prompt(tmux: list[str]) -> Callable[[], bool]:
    def look() -> bool:
        screen = subprocess.run(tmux + ["capture-pane", "-p"], capture_output=True,
                                text=True).stdout
        return PROMPT in screen
    return look


def output_shows_prompt(path: Path) -> Callable[[], bool]:
    seen = bytearray()

    def look() -> bool:
        if not path.exists():
            return False
        with open(path, "rb") as stream:
            stream.seek(len(seen))
            seen.extend(stream.read())
        return PROMPT.encode() in ESCAPE.sub(b"", bytes(seen))
    return look


def first_prompt(script: list[str], folder: Path, probe: str) -> tuple[float, float]:
    """Wall and CPU seconds from starting the REPL in a tmux pane to its prompt."""
    server = "cfgscript-bench-%s" % uuid.uuid4().hex[:8]
    tmux = ["tmux", "-L", server]
    pid_file, output = folder / ("pid-" + server), folder / ("out-" + server)
    # an installed package has its bytecode compiled; let the first run write it
    repl = " ".join(shlex.quote(str(x)) for x in [
        "env", "-u", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH=%s" % ROOT,
        "XDG_DATA_HOME=%s" % folder, sys.executable, "-m", "cfgscript", "repl", *script])
    command = "sh -c %s; sleep 60" % shlex.quote("echo $$ > %s; exec %s"
                                                 % (shlex.quote(str(pid_file)), repl))
    subprocess.run(tmux + ["new-session", "-d", "-x", "120", "-y", "40", "sleep 60"], check=True)
    try:
        if probe == "output":
            subprocess.run(tmux + ["pipe-pane", "-o", "cat >> %s" % shlex.quote(str(output))],
                           check=True)
            look, pause = output_shows_prompt(output), READ_POLL
        else:
            look, pause = screen_shows_prompt(tmux), POLL
        start = time.perf_counter()
        subprocess.run(tmux + ["respawn-pane", "-k", command], check=True)
        while time.perf_counter() - start < WAIT:
            if look():
                wall = time.perf_counter() - start
                return wall, cpu_seconds(int(pid_file.read_text()))
            time.sleep(pause)
        raise RuntimeError("no prompt within %.0f s" % WAIT)
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--probe", choices=("output", "screen"), default="output")
    parser.add_argument("--empty", action="store_true", help="start with no script")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        script: list[str] = []
        lines = 0
        if not args.empty:
            text = generate(SHAPE)
            (folder / "repl-2k.cfg").write_text(text)
            script, lines = [str(folder / "repl-2k.cfg")], text.count("\n")
        first_prompt(script, folder, args.probe)    # writes the bytecode, warms the caches
        runs = [first_prompt(script, folder, args.probe) for _ in range(args.runs)]
    walls = sorted(wall for wall, _ in runs)
    cpu = statistics.mean(cpu for _, cpu in runs)     # the kernel counts it in ticks: a mean
    what = "%d-line script" % lines if lines else "no script"
    print("repl start-up, %s, %s probe: wall best %.3f s, median %.3f s; CPU mean %.3f s; "
          "over %d runs (target <= %.1f s, load average %.1f)"
          % (what, args.probe, walls[0], statistics.median(walls), cpu, args.runs, TARGET,
             os.getloadavg()[0]))
    return 0 if walls[0] <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
