"""Cold-process `cfgscript check` on large synthetic configurations.

    python tests/perf/bench_check.py [--runs N]

Generates the medium (~22k lines) and big (~215k lines) configurations of
gen_config.py, and a one-line script, and runs `cfgscript check` on each in a
fresh process, several times, reporting the best and median wall time, the
median CPU time (user + system, the children included: on a shared machine it
moves less than the wall time) and the peak memory (RSS of the child). Targets
on a 2-core machine: one line <= 50 ms; 22k lines <= 0.5 s; 215k lines <= 4 s
and <= 500 MB. Nothing is cached between runs except the parser tables, which
a first, unmeasured run builds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_config import SHAPES, generate  # noqa: E402

TARGETS = {"one-line": (0.05, None), "medium": (0.5, None), "big": (4.0, 500)}
ONE_LINE = 'startup_route { xlog("L_INFO", "up\\n"); }\n'


# an installed package has its bytecode compiled; let the first run write it
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(path: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one cold `cfgscript check`;
    the CPU time and RSS include the child's own children (parts checked in parallel)."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "cfgscript", "check", str(path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=CHILD_ENV)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit("check failed on %s: %s" % (path, child.stderr.read().decode()[:500]))
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("one-line", *SHAPES):
            path = Path(tmp) / ("%s.cfg" % name)
            path.write_text(ONE_LINE if name == "one-line" else generate(SHAPES[name]),
                            encoding="utf-8")
            lines = sum(1 for _ in path.open(encoding="utf-8"))
            run_once(path)      # builds the parser tables cache
            results = [run_once(path) for _ in range(args.runs)]
            walls = [w for w, _, _ in results]
            cpu = statistics.median(c for _, c, _ in results)
            peak = max(m for _, _, m in results)
            wall_target, mem_target = TARGETS[name]
            print("%-8s %7d lines  best %.3f s  median %.3f s  cpu %.3f s  peak %.0f MB   "
                  "(target <= %.2f s%s)"
                  % (name, lines, min(walls), statistics.median(walls), cpu, peak, wall_target,
                     ", <= %d MB" % mem_target if mem_target else ""))
    print("python %s, load average %.2f" % (sys.version.split()[0], os.getloadavg()[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
