"""The fuzz targets at full size: N inputs for one target (100,000 by default),
printing inputs/s and every crash (an exception, or a problem the target
reports: tests/support/fuzz_targets.py). Input i of seed S is made by
random.Random(S * 1_000_003 + i), so `--seed S --first I --count 1 --show`
replays it. An input that runs over --hang seconds dumps the stacks and
exits 3. The MI targets (mi-datagram, mi-http, mi-fifo) run
tests/support/mi_fuzz.py against one `cfgscript run`.

    nice python tests/perf/fuzz_targets.py --target run --count 100000
"""

from __future__ import annotations

import argparse
import faulthandler
import os
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from support.fuzz_targets import targets  # noqa: E402
from support.mi_fuzz import FUZZERS, FuzzServer  # noqa: E402

MI_TARGETS = {"mi-" + name: fuzz for name, fuzz in FUZZERS.items()}
NAMES = ["parse", "check", "lint", "run", "sockets", "cli", *sorted(MI_TARGETS)]
SHOWN_CRASHES = 20
WATCHDOG_OUT = os.fdopen(os.dup(2), "w")    # stays the terminal while a target captures fd 2


def input_random(seed: int, index: int) -> random.Random:
    return random.Random(seed * 1_000_003 + index)


def run_target(name: str, count: int, seed: int, first: int, hang: float, show: bool,
               folder: str) -> int:
    target = targets(folder)[name]
    crashes = 0
    started = last = time.monotonic()
    for index in range(first, first + count):
        case = target.generate(input_random(seed, index))
        if show:
            print(repr(case))
        faulthandler.dump_traceback_later(hang, exit=True, file=WATCHDOG_OUT)
        try:
            problem = target.feed(case)
        except Exception:       # noqa: BLE001 - a crash is what we are looking for
            problem = traceback.format_exc()
        faulthandler.cancel_dump_traceback_later()
        if problem:
            crashes += 1
            if crashes <= SHOWN_CRASHES:
                print("CRASH at --seed %d --first %d: %s\n    input: %r"
                      % (seed, index, problem.strip()[-2000:], case)[:6000], flush=True)
        now = time.monotonic()
        if now - last > 60:
            done = index - first + 1
            print("  %d inputs, %.1f/s, %d crash(es)" % (done, done / (now - started), crashes),
                  flush=True)
            last = now
    seconds = time.monotonic() - started
    print("%s: %d inputs in %.0f s, %.1f inputs/s, %d crash(es)"
          % (name, count, seconds, count / seconds, crashes), flush=True)
    return crashes


def run_mi(name: str, count: int, seed: int, folder: str) -> int:
    server = FuzzServer.start(Path(folder))
    try:
        tally = MI_TARGETS[name](server, count, seed)
    finally:
        stderr = server.stop()
    tracebacks = stderr.count("Traceback") + stderr.count("internal error")
    for problem in tally.problems[:SHOWN_CRASHES]:
        print("CRASH: " + problem)
    crashes = len(tally.problems) + tracebacks
    print("%s: %d inputs in %.0f s, %.1f inputs/s, %d answered, %d resent, %d crash(es)"
          % (name, tally.sent, tally.seconds, tally.sent / max(tally.seconds, 1e-9),
             tally.answered, tally.resent, crashes), flush=True)
    return crashes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=NAMES, required=True)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--first", type=int, default=0, help="index of the first input")
    parser.add_argument("--hang", type=float, default=60.0,
                        help="seconds one input may take before it counts as a hang")
    parser.add_argument("--show", action="store_true", help="print each input")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        os.environ["CFGSCRIPT_CACHE_DIR"] = os.path.join(folder, "cache")
        if args.target in MI_TARGETS:
            crashes = run_mi(args.target, args.count, args.seed, folder)
        else:
            crashes = run_target(args.target, args.count, args.seed, args.first, args.hang,
                                 args.show, folder)
        os.chdir("/")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
