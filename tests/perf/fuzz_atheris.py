"""Coverage-guided fuzzing with atheris (pip install atheris; not a dependency
of the project), on the targets of tests/support/fuzz_targets.py: the input
bytes are a script (parse, check, lint, run: the conformance scripts are the
seed corpus), a socket string (sockets: the first byte picks the protocol) or
a command line (cli: one argument per line). A problem the target reports is
raised as an exception, which atheris records as a crash.

    python tests/perf/fuzz_atheris.py --target check -- -runs=100000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports(include=["cfgscript"]):
    from support.fuzz_targets import targets  # noqa: E402
    from support.script_fuzz import CORPUS  # noqa: E402
    from support.socket_fuzz import PROTOS  # noqa: E402

SCRIPT_TARGETS = ("parse", "check", "lint", "run")


class Reported(Exception):
    """A problem a target reported."""


def decoder(name: str):
    """How the input bytes become the target's input."""
    if name in SCRIPT_TARGETS:
        return lambda data: data.decode("utf-8", "surrogateescape")
    if name == "sockets":
        def socket_case(data: bytes) -> tuple[str, bool]:
            proto = PROTOS[data[0] % len(PROTOS)] if data else "udp"
            return proto + ":" + data[1:].decode("utf-8", "surrogateescape"), False
        return socket_case
    return lambda data: data.decode("utf-8", "replace").split("\n")


def seed_corpus(name: str, folder: str) -> str:
    seeds = os.path.join(folder, "seeds")
    os.makedirs(seeds)
    texts = CORPUS if name in SCRIPT_TARGETS else [
        "\x00127.0.0.1:9", "\x03guest:pw@127.0.0.1:5672/exchange=x?q", "\x06PARALLEL udp:1:2",
        "check\nok.cfg", "run\n--once\n--duration\nnan\nok.cfg", "mi\n--timeout\n0.05\nwhich"]
    for index, text in enumerate(texts):
        with open(os.path.join(seeds, "%d" % index), "wb") as f:
            f.write(text.encode("utf-8", "surrogateescape"))
    return seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=[*SCRIPT_TARGETS, "sockets", "cli"], required=True)
    args, libfuzzer = parser.parse_known_args()
    folder = tempfile.mkdtemp(prefix="cfgscript-atheris-")
    os.chdir(folder)
    os.environ["CFGSCRIPT_CACHE_DIR"] = os.path.join(folder, "cache")
    target = targets(folder)[args.target]
    decode = decoder(args.target)

    def one_input(data: bytes) -> None:
        problem = target.feed(decode(data))
        if problem:
            raise Reported(problem)

    atheris.Setup([sys.argv[0], *[a for a in libfuzzer if a != "--"],
                   seed_corpus(args.target, folder)], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
