"""How cfgscript does on a directory of real opensips.cfg files.

    python -m tools.corpus DIR [--index TSV] [--target-version REL|own] [--jobs N]
                               [--command check] [--timeout S] [--examples N] [--list]
                               [--opensips PREFIX]

Runs a command (for now `check`) in-process on every file under DIR, one process of a
pool per file with a time bound, and prints per group (release guess, fragment, template)
the clean rate (no error), the crashes (a Python exception or a timeout: cfgscript must
never do either) and the most frequent error codes with examples as file:line.

The index is a TSV with the columns repo, path, commit, opensips_version_guess,
is_fragment, templated; a file DIR/OWNER__NAME/PATH is the row (OWNER/NAME, PATH).
Without an index every file counts as release "unknown", neither fragment nor template.

`--target-version own` checks each file under its own release (see own_release): the
release a comment declares ("OpenSIPS 3.2"), else, for a file the index guesses to be
3.x, the newest 3.x catalog that has every module it loads; files of other releases
are checked under the default release.

With `--opensips PREFIX` (an OpenSIPS install: PREFIX/sbin/opensips and its modules)
each file also gets real OpenSIPS's verdict (tools/corpus_opensips.py), and the report
adds the files OpenSIPS accepts that still get an error: each of those is a false error.

Another command is one more entry in COMMANDS: a function from a loaded Source and a
release to the diagnostics it gives.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import re
import signal
import sys
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Optional

from cfgscript.catalog import DEFAULT_RELEASE, RELEASES, load_catalog
from cfgscript.check import check_source
from cfgscript.diagnostics import ERROR, Diagnostic, DiagnosticError
from cfgscript.lint import codes
from cfgscript.lint.runner import lint_source
from cfgscript.syntax.source import Source, load
from tools.corpus_opensips import (
    ACCEPTED,
    Verdict,
    binary_release,
    module_directory,
    opensips_verdict,
)

SYNTAX = "syntax"               # the code shown for an error that has none (parse errors)
DEFAULT_TIMEOUT = 30.0
OWN = "own"                     # --target-version: each file's own release

DECLARED_RELEASE = re.compile(r"opensips[ \t:v(-]*(\d+\.\d+)", re.IGNORECASE)
LOADMODULE = re.compile(r"^[ \t]*loadmodule[ \t]+\"(?:[^\"]*/)?([\w-]+?)(?:\.so)?\"", re.MULTILINE)
OLDER_3X = tuple(r for r in RELEASES if r.startswith("3."))


def own_release(text: str, guess: str) -> str:
    """The release a file was written for, clamped to the catalogs there are: one a
    comment declares, else for a 3.x guess the newest 3.x release whose catalog has
    every loaded module (none: the oldest), else the default release."""
    declared = DECLARED_RELEASE.search(text)
    if declared and declared.group(1).split(".")[0] == "3":
        return max(min(declared.group(1), OLDER_3X[-1]), OLDER_3X[0])
    if guess != "3.x":
        return DEFAULT_RELEASE
    loaded = set(LOADMODULE.findall(text))
    fitting = [r for r in OLDER_3X if all(load_catalog(r).has_module(m) for m in loaded)]
    return fitting[-1] if fitting else OLDER_3X[0]


def run_check(source: Source, release: str) -> list[Diagnostic]:
    return check_source(source, load_catalog(release), jobs=1)


def run_lint(source: Source, release: str) -> list[Diagnostic]:
    """Every rule's findings, as diagnostics (the errors are what the rate counts)."""
    findings = lint_source(source, load_catalog(release), codes.RULES, jobs=1)
    return [Diagnostic(f.severity, f.message, f.path, f.line, f.column, f.end_column, f.code)
            for f in findings]


COMMANDS: dict[str, Callable[[Source, str], list[Diagnostic]]] = {"check": run_check,
                                                                   "lint": run_lint}


@dataclass(frozen=True)
class Entry:
    path: str                   # relative to the corpus directory
    release: str = "unknown"
    fragment: bool = False
    template: bool = False

    @property
    def group(self) -> str:
        kind = "fragment" if self.fragment else "template" if self.template else "whole"
        if self.fragment and self.template:
            kind = "fragment+template"
        return "%s %s" % (self.release, kind)


@dataclass(frozen=True)
class Finding:
    code: str
    where: str                  # file:line
    message: str


@dataclass
class Outcome:
    entry: Entry
    errors: list[Finding] = field(default_factory=list)
    crash: Optional[str] = None     # the last traceback line, or "timeout"
    release: str = "-"              # the release it was checked under
    opensips: Optional[Verdict] = None

    @property
    def clean(self) -> bool:
        return self.crash is None and not self.errors


class Timeout(Exception):
    pass


def _alarm(signum, frame) -> None:
    raise Timeout()


@dataclass(frozen=True)
class OpenSIPS:
    binary: str
    modules: str
    release: str
    release_modules: frozenset[str]

    @classmethod
    def installed_at(cls, prefix: str) -> OpenSIPS:
        binary = os.path.join(prefix, "sbin", "opensips")
        release = binary_release(binary)
        known = load_catalog(release).module_names if release in RELEASES else ()
        return cls(binary, module_directory(prefix), release, frozenset(known))


def examine(directory: str, entry: Entry, command: str, release: str,
            timeout: float, opensips: Optional[OpenSIPS] = None) -> Outcome:
    """One file through one command, in a pool worker; a crash is caught and kept."""
    outcome = Outcome(entry)
    if opensips:
        outcome.opensips = opensips_verdict(opensips.binary, opensips.modules,
                                            os.path.join(directory, entry.path), timeout,
                                            opensips.release_modules)
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        try:
            source = load(os.path.join(directory, entry.path))
            if release == OWN:
                release = own_release(source.text, entry.release)
            outcome.release = release
            diagnostics = COMMANDS[command](source, release)
        except DiagnosticError as err:      # an include that cannot be read, and the like
            diagnostics = list(err.diagnostics)
        outcome.errors = [_finding(directory, d) for d in diagnostics if d.severity == ERROR]
    except Timeout:
        outcome.crash = "timeout after %gs" % timeout
    except Exception:                       # noqa: BLE001 - a crash is what we count
        outcome.crash = traceback.format_exc().strip().splitlines()[-1]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return outcome


def _finding(directory: str, diag: Diagnostic) -> Finding:
    where = os.path.relpath(diag.file, directory) if os.path.isabs(diag.file) else diag.file
    return Finding(diag.code or SYNTAX, "%s:%d" % (where, diag.line), diag.message)


def read_index(path: str, directory: str) -> list[Entry]:
    """The index rows whose file exists under `directory`."""
    entries = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            relative = os.path.join(row["repo"].replace("/", "__", 1), row["path"])
            if os.path.isfile(os.path.join(directory, relative)):
                entries.append(Entry(relative, row["opensips_version_guess"],
                                     row["is_fragment"] == "1", row["templated"] == "1"))
    return entries


def walk(directory: str) -> list[Entry]:
    return [Entry(os.path.relpath(os.path.join(root, name), directory))
            for root, _, names in os.walk(directory) for name in sorted(names)]


def run_all(directory: str, entries: Sequence[Entry], command: str, release: str,
            jobs: int, timeout: float, opensips: Optional[OpenSIPS] = None) -> list[Outcome]:
    # a fresh worker every few files, so that one file's leftovers (memory, a raised
    # recursion limit) do not weigh on the next
    work = [(directory, entry, command, release, timeout, opensips) for entry in entries]
    with multiprocessing.get_context("fork").Pool(jobs, maxtasksperchild=16) as pool:
        return pool.starmap(examine, work, chunksize=1)


def percent(part: int, whole: int) -> str:
    return "%5.1f%%" % (100.0 * part / whole) if whole else "    -"


def summary_line(label: str, outcomes: Sequence[Outcome]) -> str:
    clean = sum(o.clean for o in outcomes)
    crashes = sum(o.crash is not None for o in outcomes)
    return "%-28s %4d files  clean %4d %s  crashes %d" % (
        label, len(outcomes), clean, percent(clean, len(outcomes)), crashes)


def code_table(outcomes: Iterable[Outcome], examples: int) -> list[str]:
    """The error codes by the number of files showing them, with example places."""
    files: Counter[str] = Counter()
    places: dict[str, list[Finding]] = defaultdict(list)
    for outcome in outcomes:
        for code in {f.code for f in outcome.errors}:
            files[code] += 1
        for finding in outcome.errors:
            places[finding.code].append(finding)
    lines = []
    for code, count in files.most_common():
        lines.append("  %-7s %4d files %5d errors" % (code, count, len(places[code])))
        lines += ["      %s: %s" % (f.where, f.message) for f in places[code][:examples]]
    return lines


def report(outcomes: Sequence[Outcome], examples: int, listing: bool) -> str:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.entry.group].append(outcome)
    lines = [summary_line(name, groups[name]) for name in sorted(groups)]
    lines += ["", summary_line("all", outcomes), ""]
    lines += ["crash %s: %s" % (o.entry.path, o.crash) for o in outcomes if o.crash]
    lines += ["error codes (whole files):"]
    lines += code_table((o for o in outcomes if o.entry.group.endswith("whole")), examples)
    lines += ["error codes (all files):"]
    lines += code_table(outcomes, examples)
    if any(o.opensips for o in outcomes):
        lines += [""] + opensips_report(outcomes, examples)
    if listing:
        lines += [""] + ["%-6s %-4s %-14s %s" % (
            "clean" if o.clean else "error", o.release,
            o.opensips.status if o.opensips else "", o.entry.path) for o in outcomes]
    return "\n".join(lines)


def opensips_report(outcomes: Sequence[Outcome], examples: int) -> list[str]:
    """Real OpenSIPS's verdicts, and our errors on the files it accepts (false errors)."""
    verdicts = Counter(o.opensips.status for o in outcomes if o.opensips)
    accepted = [o for o in outcomes if o.opensips and o.opensips.status == ACCEPTED]
    lines = ["opensips -C: " + ", ".join("%s %d" % kv for kv in sorted(verdicts.items())),
             summary_line("accepted by opensips", accepted),
             "false errors (files opensips accepts):"]
    lines += code_table(accepted, examples)
    lines += ["  %s" % o.entry.path for o in accepted if not o.clean]
    return lines


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.corpus",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("directory", metavar="DIR")
    parser.add_argument("--index", metavar="TSV", help="repo/path/release/fragment/template table")
    parser.add_argument("--target-version", default=DEFAULT_RELEASE, choices=RELEASES + (OWN,),
                        help="the OpenSIPS release to check against, or 'own': each "
                             "file's own release (%(default)s)")
    parser.add_argument("--command", default="check", choices=sorted(COMMANDS))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help="seconds one file may take (%(default)s)")
    parser.add_argument("--examples", type=int, default=3, help="example places per error code")
    parser.add_argument("--list", action="store_true", help="also list every file's verdict")
    parser.add_argument("--opensips", metavar="PREFIX",
                        help="an OpenSIPS install whose `opensips -C` verdict to compare with")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    directory = os.path.abspath(args.directory)
    entries = read_index(args.index, directory) if args.index else walk(directory)
    if not entries:
        print("no files under %s" % directory, file=sys.stderr)
        return 2
    opensips = OpenSIPS.installed_at(args.opensips) if args.opensips else None
    if opensips and args.target_version != opensips.release:
        print("note: OpenSIPS %s gives the verdicts; the files are checked under %s"
              % (opensips.release, args.target_version), file=sys.stderr)
    outcomes = run_all(directory, entries, args.command, args.target_version,
                       max(1, args.jobs), args.timeout, opensips)
    print(report(outcomes, args.examples, args.list))
    return 0


if __name__ == "__main__":
    sys.exit(main())
