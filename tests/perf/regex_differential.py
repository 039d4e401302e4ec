"""cfgscript's POSIX regex against glibc's regcomp()/regexec() on generated
(pattern, subject, flags) triples.

    python tests/perf/regex_differential.py [--count 100000] [--seed 1] [--show 20]
                                            [--outer-anchors-only]

Each triple is compared on the compile error, on whether it matches, on the
whole match and every submatch span, and on re.subst's result (one global or
single substitution with a "<\\1|\\2>" replacement). Prints the number of
differences (the goal is 0), the calls glibc never returned from (excluded:
OpenSIPS would hang there), the time, and the first differences found, shortest
first.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.glibc_regex import Oracle  # noqa: E402
from tests.support.regex_cases import any_case, difference, subst_difference  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=20)
    parser.add_argument(
        "--outer-anchors-only", action="store_true", help="^ and $ only at the ends of the pattern"
    )
    options = parser.parse_args()
    rng = random.Random(options.seed)
    found: list[str] = []
    started = time.perf_counter()
    with Oracle() as oracle:
        for _ in range(options.count):
            case = any_case(rng, not options.outer_anchors_only)
            for outcome in (
                difference(case, oracle),
                subst_difference(case, rng.random() < 0.5, oracle),
            ):
                if outcome is not None:
                    found.append(outcome)
        hangs = oracle.hangs
    elapsed = time.perf_counter() - started
    print(
        "%d triples, seed %d: %d differences, %d glibc calls that never returned, %.1f s"
        % (options.count, options.seed, len(found), hangs, elapsed)
    )
    for line in sorted(found, key=len)[: options.show]:
        print("  " + line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
