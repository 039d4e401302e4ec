"""`cfgscript lint` and `cfgscript rule`: files, settings, cache, fixes, output
and exit status (their arguments are in lint/arguments.py)."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from ..catalog import data_digest, load_catalog
from ..forked import ForkedCall, can_fork, usable_cpus
from ..syntax.source import STDIN_NAME, read_script
from . import codes, reporters
from .cache import LintCache
from .config import ConfigError, LintSettings, Overrides, discover, validate
from .finding import FileResult, Finding, severity_rank

# The linting itself (the parser, the checker, the rules) is imported when a file
# is not in the cache: a run answered from the cache does not pay for it.

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
MAX_FIX_PASSES = 10
PARALLEL_MIN_FILES = 8


class LintUsageError(Exception):
    """Bad arguments or settings: one line on stderr, exit status 2."""


def _selectors(text: Optional[str], option: str) -> Optional[tuple[str, ...]]:
    if text is None:
        return None
    items = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = codes.unknown_selectors(items)
    if unknown:
        raise LintUsageError("%s: unknown rule selector %s" % (option, ", ".join(unknown)))
    return items


def overrides_from(args: argparse.Namespace) -> Overrides:
    per_file = []
    for item in args.per_file_ignores:
        pattern, sep, selectors = item.rpartition(":")
        if not sep or not pattern:
            raise LintUsageError("--per-file-ignores expects PATTERN:CODES, got %r" % item)
        per_file.append((pattern, _selectors(selectors, "--per-file-ignores")))
    return Overrides(_selectors(args.select, "--select"),
                     _selectors(args.ignore, "--ignore") or (),
                     _selectors(args.extend_select, "--extend-select") or (), tuple(per_file),
                     args.target_version, args.fail_on, args.upgrade_to)


# ---------------------------------------------------------------- files

@dataclass
class Job:
    path: str                   # as shown
    settings: LintSettings
    text: Optional[str] = None  # standard input, already read


def collect(paths: Sequence[str], overrides: Overrides, stdin_name: Optional[str]) -> list[Job]:
    jobs: list[Job] = []
    for path in paths or ["."]:
        if path == STDIN_NAME:
            shown = stdin_name or STDIN_NAME
            settings = overrides.apply(discover(shown if stdin_name else "."))
            jobs.append(Job(shown, settings, read_script(STDIN_NAME)))
        elif os.path.isdir(path):
            jobs += _directory(path, overrides)
        elif os.path.exists(path):
            jobs.append(Job(path, overrides.apply(discover(path))))
        else:
            raise LintUsageError("%s: no such file or directory" % path)
    return jobs


def _directory(top: str, overrides: Overrides) -> list[Job]:
    found = []
    for directory, subdirs, files in os.walk(top):
        settings = overrides.apply(discover(directory))
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".")
                            and not settings.excluded(os.path.join(directory, d)))
        for name in sorted(files):
            path = os.path.join(directory, name)
            if name.endswith(".cfg") and not settings.excluded(path):
                found.append(Job(path, settings))
    return found


# ---------------------------------------------------------------- linting

def lint_jobs(jobs: list[Job], use_cache: bool) -> list[FileResult]:
    """Each job's result, in job order; many files are spread over processes."""
    workers = min(usable_cpus(), len(jobs) // PARALLEL_MIN_FILES) if can_fork() else 1
    if workers <= 1:
        return [lint_job(job, use_cache) for job in jobs]
    groups = [jobs[i::workers] for i in range(workers)]
    children = [ForkedCall(_lint_group, group, use_cache) for group in groups[1:]]
    results = [_lint_group(groups[0], use_cache)] + [child.result() for child in children]
    ordered: list[FileResult] = [None] * len(jobs)   # type: ignore[list-item]
    for offset, group_results in enumerate(results):
        ordered[offset::workers] = group_results
    return ordered


def _lint_group(group: list[Job], use_cache: bool) -> list[FileResult]:
    return [lint_job(job, use_cache, jobs=1) for job in group]


def lint_job(job: Job, use_cache: bool, jobs: Optional[int] = None) -> FileResult:
    settings = job.settings
    text = job.text if job.text is not None else read_script(job.path)
    cache = None
    if use_cache and job.text is None:
        cache = LintCache(settings.root or os.getcwd(),
                          "%s@%s" % (settings.release, data_digest(settings.release)),
                          settings.key())
        hit = cache.get(job.path, text)
        if hit is not None:
            return hit
    result = _lint(job, text, jobs)
    if cache is not None:
        cache.put(job.path, text, result)
    return result


def _lint(job: Job, text: str, jobs: Optional[int] = None) -> FileResult:
    from ..deep import run_deep
    from .runner import lint_text

    settings = job.settings
    upgrade = load_catalog(settings.upgrade_to) if settings.upgrade_to else None
    return run_deep(lint_text, text, job.path, load_catalog(settings.release),
                    settings.rules_for(job.path), jobs, upgrade)


def without_fragments(results: list[FileResult]) -> list[FileResult]:
    """A file that another linted file includes is linted as part of its includer only."""
    included = {os.path.realpath(p) for r in results for p in r.files[1:]}
    return [r for r in results if os.path.realpath(r.path) not in included]


def fix_files(jobs: list[Job], results: list[FileResult], show_diff: bool) -> list[FileResult]:
    """Apply (or show) the fixes, linting again until nothing more is fixable."""
    from .fix import apply_fixes, fixable, unified_diff

    fixed = []
    for job, result in zip(jobs, results):
        original = result.source_text or ""
        text, current = original, result
        for _ in range(MAX_FIX_PASSES):
            changes = fixable(current.findings, job.path)
            if not changes:
                break
            text, applied = apply_fixes(text, changes)
            if not applied:
                break
            current = _lint(job, text)
        if text != original:
            if show_diff:
                sys.stdout.write(unified_diff(job.path, original, text))
            elif job.text is not None:
                sys.stdout.write(text)
            else:
                with open(job.path, "w", encoding="utf-8", errors="surrogateescape") as out:
                    out.write(text)
        fixed.append(result if show_diff else current)
    return fixed


# ---------------------------------------------------------------- the commands

def cmd_lint(args: argparse.Namespace) -> int:
    try:
        jobs = collect(args.paths, overrides_from(args), args.stdin_filename)
        for job in jobs:
            validate(job.settings, job.settings.origin or "command line")
    except (LintUsageError, ConfigError) as err:
        print("cfgscript lint: error: %s" % err, file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:
        print("cfgscript lint: error: %s: %s" % (err.filename, err.strerror), file=sys.stderr)
        return EXIT_USAGE
    results = lint_jobs(jobs, use_cache=not args.no_cache and not (args.fix or args.diff))
    if args.fix or args.diff:
        results = fix_files(jobs, results, args.diff)
        if args.diff or any(job.text is not None for job in jobs):
            return EXIT_OK
    results = without_fragments(results)
    findings = [f for r in results for f in r.findings]
    lines = {key: text for r in results for key, text in r.lines.items()}
    output_format = args.output_format or _configured_format(jobs) or reporters.DEFAULT_FORMAT
    color = reporters.use_color(args.color, sys.stdout, os.environ)
    if args.statistics:
        sys.stdout.write(statistics(findings))
    else:
        sys.stdout.write(reporters.render(
            output_format, findings, paths=[r.path for r in results],
            rules=codes.rule_info() if output_format in reporters.RULE_TABLE_FORMATS else {},
            line_text=lambda path, line: lines.get((path, line)), color=color))
    print(reporters.summary(findings), file=sys.stderr)
    return _status(findings, jobs, args.exit_zero)


def _configured_format(jobs: list[Job]) -> Optional[str]:
    formats = {job.settings.output_format for job in jobs} - {None}
    return formats.pop() if len(formats) == 1 else None


def _status(findings: list[Finding], jobs: list[Job], exit_zero: bool) -> int:
    if exit_zero:
        return EXIT_OK
    fail_on = jobs[0].settings.fail_on if jobs else "warning"
    threshold = severity_rank(fail_on)
    failing = any(severity_rank(f.severity) >= threshold for f in findings)
    return EXIT_FINDINGS if failing else EXIT_OK


def statistics(findings: list[Finding]) -> str:
    counts = Counter((f.code, f.name) for f in findings)
    fixable_codes = {f.code for f in findings if f.fix is not None}
    rows = ["%5d\t%s\t%s%s" % (n, code, name, "\t[*]" if code in fixable_codes else "")
            for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return "".join(row + "\n" for row in rows)


def cmd_rule(args: argparse.Namespace) -> int:
    if args.all:
        sys.stdout.write(all_rules_markdown())
        return EXIT_OK
    if not args.code:
        print("cfgscript rule: error: give a rule code or --all", file=sys.stderr)
        return EXIT_USAGE
    rule = codes.BY_CODE.get(args.code.upper()) or codes.BY_NAME.get(args.code)
    if rule is None:
        return _describe_name(args.code)
    sys.stdout.write(rule.explanation())
    return EXIT_OK


def _describe_name(name: str) -> int:
    """`cfgscript rule NAME` for a function, variable, event or MI command."""
    from ..catalog import load_catalog
    from .explain import explain_name

    text = explain_name(load_catalog(), name)
    if text is None:
        print("cfgscript rule: error: no rule, function, variable, event or MI command %s"
              % name, file=sys.stderr)
        return EXIT_USAGE
    print(text)
    return EXIT_OK


def all_rules_markdown() -> str:
    """docs/rules.md: the table of codes, then every rule's explanation."""
    out = ["# Lint rules", "", "Generated by `cfgscript rule --all`; do not edit by hand.", "",
           "| Code | Name | Severity | Summary |", "| --- | --- | --- | --- |"]
    out += ["| %s | %s | %s | %s |" % (r.code, r.name, r.severity, r.summary) for r in codes.RULES]
    text = "\n".join(out) + "\n"
    for rule in codes.RULES:
        text += "\n" + rule.explanation("##")
    return text
