"""Command line: cfgscript check | run | ...

Exit codes: 0 ok, 1 findings or a failed script, 2 usage or I/O error.
Errors about input are one clear line (file:line:col when there is a position)
and never a Python traceback, unless --debug is given.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Optional, Sequence

from . import __version__
from .diagnostics import ERROR, Diagnostic, DiagnosticError, render

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command-line input: reported on one line, exit status 2."""


def _print_diagnostics(diagnostics: Sequence[Diagnostic], line_text, stream=None) -> None:
    stream = stream or sys.stderr
    for diag in diagnostics:
        print(render(diag, line_text), file=stream)


def cmd_check(args: argparse.Namespace) -> int:
    from .check import check
    from .parser import parse_file

    status = EXIT_OK
    for path in args.scripts:
        try:
            result = parse_file(path)
        except OSError as err:
            print("%s: error: %s" % (path, err.strerror or err), file=sys.stderr)
            status = max(status, EXIT_USAGE)
            continue
        except DiagnosticError as err:
            _print_diagnostics(err.diagnostics, None)
            status = max(status, EXIT_FINDINGS)
            continue
        diagnostics = check(result)
        _print_diagnostics(diagnostics, result.source.line_text)
        if any(d.severity == ERROR for d in diagnostics):
            status = max(status, EXIT_FINDINGS)
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cfgscript",
        description="Run, explore and lint OpenSIPS event scripts without OpenSIPS.")
    parser.add_argument("--version", action="version", version="cfgscript " + __version__)
    parser.add_argument("--debug", action="store_true",
                        help="show Python tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="report what OpenSIPS would refuse at start-up",
                           description="Report the errors real OpenSIPS 4.x gives when it loads "
                                       "the script (stricter than opensips -C). Exit 0 when "
                                       "clean, 1 on errors, 2 on usage or I/O problems.")
    check.add_argument("scripts", nargs="+", metavar="SCRIPT", help="script file, or - for stdin")
    check.set_defaults(handler=cmd_check)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:        # argparse already printed a usage line
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    handler: Optional[Callable[[argparse.Namespace], int]] = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handler(args)
    except UsageError as err:
        print("cfgscript: error: %s" % err, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as err:         # an internal error: one line unless --debug
        if args.debug:
            raise
        print("cfgscript: internal error: %s: %s (run with --debug for details)"
              % (type(err).__name__, err), file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
