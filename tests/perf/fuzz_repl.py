"""The REPL fuzz at full size: N random inputs (100,000 by default) through one
session, as the prompt runs them; prints how many, how long, the slowest one,
and any sign of a bug (an internal error, a traceback, an input that hangs).
Run from the repository: python tests/perf/fuzz_repl.py"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from support.repl_fuzz import feed, open_session, random_input  # noqa: E402

SLOWEST_INPUT = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    problems: list[str] = []
    slowest = (0.0, "")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        session = open_session(folder)
        try:
            for _ in range(args.count):
                text = random_input(rng, rng.randint(1, 12))
                seconds, found = feed(session, text)
                problems += ["%r: %s" % (text, line) for line in found]
                if seconds > SLOWEST_INPUT:
                    problems.append("%r took %.1f s" % (text, seconds))
                slowest = max(slowest, (seconds, text))
        finally:
            session.close()
    took = time.monotonic() - started
    print("inputs %d  seconds %.1f  per input %.2f ms  slowest %.3f s (%r)"
          % (args.count, took, took / args.count * 1000, slowest[0], slowest[1]))
    print("problems %d" % len(problems))
    for problem in problems[:20]:
        print("    " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
