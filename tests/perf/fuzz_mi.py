"""The MI fuzz at full size: N malformed requests per transport (10,000 by
default) against one `cfgscript run`; prints what was answered, how long it
took, and any problem. Run from the repository: python tests/perf/fuzz_mi.py"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from support.mi_fuzz import FUZZERS, FuzzServer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        server = FuzzServer.start(Path(folder))
        try:
            print("%-9s %8s %9s %7s %8s %9s" % ("transport", "sent", "answered", "resent",
                                                "seconds", "problems"))
            for name, fuzz in sorted(FUZZERS.items()):
                tally = fuzz(server, args.count, args.seed)
                print("%-9s %8d %9d %7d %8.1f %9d" % (name, tally.sent, tally.answered,
                                                      tally.resent, tally.seconds,
                                                      len(tally.problems)))
                for problem in tally.problems:
                    print("    " + problem)
                failed = failed or bool(tally.problems)
        finally:
            stderr = server.stop()
    tracebacks = stderr.count("Traceback") + stderr.count("internal error")
    print("server stderr: %d lines, %d tracebacks" % (stderr.count("\n"), tracebacks))
    return 1 if failed or tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
