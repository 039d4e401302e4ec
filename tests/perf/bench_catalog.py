"""Cold load of each release's module catalog.

    python tests/perf/bench_catalog.py [--runs N]

For every release in cfgscript.catalog.RELEASES, starts a fresh Python process
several times; each imports cfgscript.catalog and times load_catalog(release)
with time.perf_counter (the import itself is not counted). Reports the best and
median milliseconds and the size of the data files read. Target: <= 20 ms for
every release on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from cfgscript.catalog import DEFAULT_RELEASE, RELEASES, catalog_path  # noqa: E402

TARGET_MS = 20.0
CHILD = """
import sys, time
from cfgscript.catalog import load_catalog
start = time.perf_counter()
load_catalog(sys.argv[1])
print((time.perf_counter() - start) * 1000)
"""


def load_ms(release: str) -> float:
    out = subprocess.run([sys.executable, "-c", CHILD, release], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return float(out)


def data_kb(release: str) -> float:
    paths = {catalog_path(DEFAULT_RELEASE), catalog_path(release)}
    return sum(os.path.getsize(p) for p in paths) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    worst = 0.0
    for release in RELEASES:
        times = [load_ms(release) for _ in range(args.runs)]
        median = statistics.median(times)
        worst = max(worst, median)
        print("%-4s best %5.1f ms  median %5.1f ms  data read %6.1f kB  (file %6.1f kB)"
              % (release, min(times), median, data_kb(release),
                 os.path.getsize(catalog_path(release)) / 1024))
    verdict = "ok" if worst <= TARGET_MS else "OVER TARGET"
    print("worst median %.1f ms, target %.0f ms: %s" % (worst, TARGET_MS, verdict))
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
