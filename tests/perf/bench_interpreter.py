"""Interpreter speed: script loops against the same work in plain Python.

    python tests/perf/bench_interpreter.py [--runs N]

Measures, in one process and one run: a while loop of 100,000 iterations that
only counts, the same loop also concatenating a string and testing an `if`,
and a bare Python loop doing that work. Prints the best of N runs in ms and
the ratios. Target: the counting loop in <= 500 ms on a 2-core machine (real
OpenSIPS: about 100 ms).
"""

from __future__ import annotations

import argparse
import io
import sys
import time

from cfgscript.engine import Engine, tune_collector
from cfgscript.runtime.logger import Logger
from cfgscript.runtime.settings import RunOptions
from cfgscript.syntax.parser import parse_text

ITERATIONS = 100_000

COUNTING = """
max_while_loops = 1000000
startup_route {
    $var(i) = 0;
    while ($var(i) < %d) {
        $var(i) = $var(i) + 1;
    }
}
""" % ITERATIONS

WORKING = """
max_while_loops = 1000000
startup_route {
    $var(i) = 0;
    while ($var(i) < %d) {
        $var(i) = $var(i) + 1;
        $var(s) = "item-" + $var(i);
        if ($var(i) == 50000) {
            $var(half) = $var(s);
        }
    }
}
""" % ITERATIONS


def bare_python() -> None:
    i = 0
    half = None
    while i < ITERATIONS:
        i = i + 1
        s = "item-" + str(i)
        if i == 50000:
            half = s
    assert half == "item-50000"


def script_runner(text: str):
    engine = Engine(parse_text(text, "<bench>").script, RunOptions(plain_log=True),
                    logger=Logger(stream=io.StringIO(), plain=True))
    problems = engine.load()
    assert not problems, problems
    tune_collector()                    # as `cfgscript run` does
    return engine.run_startup


def best_ms(run, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    counting = best_ms(script_runner(COUNTING), args.runs)
    working = best_ms(script_runner(WORKING), args.runs)
    bare = best_ms(bare_python, args.runs)
    print("%d iterations, best of %d runs" % (ITERATIONS, args.runs))
    print("  script, counting only          %8.1f ms   (target <= 500 ms)" % counting)
    print("  script, + concatenation and if %8.1f ms" % working)
    print("  bare Python, same work         %8.1f ms" % bare)
    print("  ratio script/bare (same work)  %8.1fx" % (working / bare))
    return 0


if __name__ == "__main__":
    sys.exit(main())
