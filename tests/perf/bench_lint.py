"""`cfgscript lint` against `cfgscript check`, each in a fresh process, in one run:

    python tests/perf/bench_lint.py [--runs N]

  * cold lint (no cache) of the ~22k- and ~215k-line synthetic configurations
    (gen_config.py), with `check` of the same file measured alongside;
  * warm lint: the same file again, answered from the cache (target <= 0.1 s
    beyond the interpreter's start);
  * 1,000 small files in one directory, cold and warm.

Prints best and median wall times, the median CPU time (user + system, with the
children; on a shared machine it moves less than the wall time) and the lint/check
ratio of both (target: <= 1.0).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_config import SHAPES, generate  # noqa: E402

SMALL = ('loadmodule "event_datagram.so"\n'
         'event_route[E_N%d] {\n    xlog("L_INFO", "got $param(x)\\n");\n}\n'
         'startup_route {\n    subscribe_event("E_N%d", "udp:127.0.0.1:9%03d");\n'
         '    $avp(n) = "x"; $avp(v) = %d;\n    raise_event("E_N%d", $avp(n), $avp(v));\n}\n')
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `cfgscript ARGS` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cfgscript", *args], cwd=cwd, env=CHILD_ENV,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best_median(samples: list[tuple[float, float]]) -> str:
    walls = [wall for wall, _ in samples]
    return "best %.3f s  median %.3f s  cpu %.3f s" % (min(walls), statistics.median(walls),
                                                      cpu_median(samples))


def wall_median(samples: list[tuple[float, float]]) -> float:
    return statistics.median(wall for wall, _ in samples)


def cpu_median(samples: list[tuple[float, float]]) -> float:
    return statistics.median(cpu for _, cpu in samples)


def bench_file(name: str, directory: Path, runs: int) -> None:
    path = directory / ("%s.cfg" % name)
    path.write_text(generate(SHAPES[name]), encoding="utf-8")
    timed(["check", path.name], directory)                      # warms bytecode and tables
    check = [timed(["check", path.name], directory) for _ in range(runs)]
    cold = [timed(["lint", "--no-cache", path.name], directory) for _ in range(runs)]
    timed(["lint", path.name], directory)                       # fills the cache
    warm = [timed(["lint", path.name], directory) for _ in range(runs)]
    start = [timed(["--version"], directory) for _ in range(runs)]
    print("%-6s check      %s" % (name, best_median(check)))
    print("%-6s lint cold  %s   lint/check %.2f, cpu %.2f (target <= 1.0)"
          % (name, best_median(cold), wall_median(cold) / wall_median(check),
             cpu_median(cold) / cpu_median(check)))
    print("%-6s lint warm  %s   beyond start-up %.3f s, cpu %.3f s (target <= 0.1)"
          % (name, best_median(warm), wall_median(warm) - wall_median(start),
             cpu_median(warm) - cpu_median(start)))


def bench_small_files(directory: Path, runs: int) -> None:
    tree = directory / "many"
    tree.mkdir()
    for i in range(1000):
        (tree / ("s%04d.cfg" % i)).write_text(SMALL % (i, i, i % 1000, i, i))
    cold = [timed(["lint", "--no-cache", "many"], directory) for _ in range(runs)]
    timed(["lint", "many"], directory)
    warm = [timed(["lint", "many"], directory) for _ in range(runs)]
    print("1000 small files  cold %s" % best_median(cold))
    print("1000 small files  warm %s" % best_median(warm))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in SHAPES:
            bench_file(name, Path(tmp), args.runs)
        bench_small_files(Path(tmp), args.runs)
    print("python %s, load average %.2f" % (sys.version.split()[0], os.getloadavg()[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
