"""The arguments of `cfgscript lint` and `cfgscript rule`. Kept apart from the
command itself so that building the command line imports no rule."""

from __future__ import annotations

import argparse

from ..catalog import RELEASES
from .finding import FAIL_LEVELS
from .reporters import COLOR_CHOICES, FORMATS


def add_parsers(subparsers) -> None:
    add_lint_parser(subparsers)
    add_rule_parser(subparsers)


def add_lint_parser(subparsers) -> None:
    lint = subparsers.add_parser("lint", help="find problems in scripts, for CI",
                                 description="Lint opensips.cfg scripts: the start-up verdict "
                                             "plus event, transport, trap and legacy rules. "
                                             "Exit 0 clean, 1 findings, 2 usage errors.")
    lint.add_argument("paths", nargs="*", metavar="PATH",
                      help="files or directories (every *.cfg below); - for standard input")
    for flag, help_text in (("--select", "only these rules (codes, prefixes or names, "
                                         "comma-separated)"),
                            ("--ignore", "not these rules"),
                            ("--extend-select", "these rules too")):
        lint.add_argument(flag, default=None, metavar="CODES", help=help_text)
    lint.add_argument("--per-file-ignores", action="append", default=[],
                      metavar="PATTERN:CODES", help="ignore rules in matching files")
    lint.add_argument("--output-format", choices=FORMATS, default=None)
    lint.add_argument("--color", choices=COLOR_CHOICES, default="auto")
    lint.add_argument("--fail-on", choices=FAIL_LEVELS, default=None,
                      help="lowest severity that makes the exit status 1 (default: warning)")
    lint.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    lint.add_argument("--statistics", action="store_true", help="count findings per rule")
    lint.add_argument("--fix", action="store_true", help="apply the safe fixes in place")
    lint.add_argument("--diff", action="store_true",
                      help="print the safe fixes as a diff; change nothing")
    lint.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    lint.add_argument("--stdin-filename", metavar="PATH", help="the name of standard input")
    lint.add_argument("--target-version", choices=RELEASES, default=None,
                      help="the OpenSIPS release the scripts are for (default: %s)"
                           % RELEASES[-1])
    lint.add_argument("--upgrade-to", choices=RELEASES, default=None, metavar="VERSION",
                      help="also report what VERSION removes, renames or changes (rule L410); "
                           "with --fix, apply the renames that work on both releases")
    lint.set_defaults(handler=_lint)


def add_rule_parser(subparsers) -> None:
    rule = subparsers.add_parser("rule", help="explain a lint rule")
    rule.add_argument("code", nargs="?", help="a rule code or name, e.g. V201; or a function, "
                      "$variable, event or MI command to describe, e.g. t_relay")
    rule.add_argument("--all", action="store_true", help="every rule, as Markdown")
    rule.set_defaults(handler=_rule)


def _lint(args: argparse.Namespace) -> int:
    from .command import cmd_lint
    return cmd_lint(args)


def _rule(args: argparse.Namespace) -> int:
    from .command import cmd_rule
    return cmd_rule(args)
