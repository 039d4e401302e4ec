"""Command line: cfgscript check | lint | rule | run | mi | listen

Exit codes: 0 ok, 1 findings or a failed script, 2 usage or I/O error.
Errors about input are one clear line (file:line:col when there is a position)
and never a Python traceback, unless --debug is given.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, Optional, Union

from . import __version__
from .catalog import DEFAULT_RELEASE, RELEASES
from .deep import run_deep
from .diagnostics import ERROR, Diagnostic, DiagnosticError, render

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


MAX_SECONDS = 1e9      # about 31 years: longer waits overflow the clocks' arithmetic
MAX_QUEUE = 100_000_000
MAX_EXPIRE = 2**31 - 1  # MI expire values are C ints


class UsageError(Exception):
    """Bad command-line input: reported on one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (no usage block)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, "cfgscript: error: %s (see %s --help)\n" % (message, self.prog))


def _bounded(kind: Callable[[str], Union[int, float]], low: float, high: float, what: str,
             low_included: bool = True) -> Callable[[str], Union[int, float]]:
    """An argparse type: a finite number of `kind` from low to high."""
    def parse(text: str) -> Union[int, float]:
        try:
            value = kind(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value <= high
                and (value >= low if low_included else value > low)):
            raise argparse.ArgumentTypeError("expected %s, got %r" % (what, text))
        return value
    return parse


SECONDS = _bounded(float, 0, MAX_SECONDS, "seconds from 0 to %g" % MAX_SECONDS)
POSITIVE_SECONDS = _bounded(float, 0, MAX_SECONDS, "seconds over 0, at most %g" % MAX_SECONDS,
                            low_included=False)
QUEUE_SIZE = _bounded(int, 1, MAX_QUEUE, "a whole number from 1 to %d" % MAX_QUEUE)
COUNT = _bounded(int, 1, 2**63 - 1, "a whole number of events, at least 1")
EXPIRE = _bounded(int, 1, MAX_EXPIRE, "whole seconds from 1 to %d (0 would unsubscribe)"
                  % MAX_EXPIRE)


def _print_diagnostics(diagnostics: Sequence[Diagnostic], line_text, stream=None) -> None:
    stream = stream or sys.stderr
    for diag in diagnostics:
        print(render(diag, line_text), file=stream)


def cmd_check(args: argparse.Namespace) -> int:
    import gc

    gc.disable()        # a short run that makes next to no cycles: collecting only costs time
    from .catalog import load_catalog
    from .check import check_source
    from .syntax.source import load

    catalog = load_catalog(args.target_version)
    status = EXIT_OK
    for path in args.scripts:
        try:
            source = load(path)
        except OSError as err:
            print("%s: error: %s" % (path, err.strerror or err), file=sys.stderr)
            status = max(status, EXIT_USAGE)
            continue
        except DiagnosticError as err:
            _print_diagnostics(err.diagnostics, None)
            status = max(status, EXIT_FINDINGS)
            continue
        diagnostics = run_deep(check_source, source, catalog)
        _print_diagnostics(diagnostics, source.line_text)
        if any(d.severity == ERROR for d in diagnostics):
            status = max(status, EXIT_FINDINGS)
    return status


def _parse_overrides(items: Sequence[str]) -> dict[str, str]:
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError("-o expects NAME=VALUE, got %r" % item)
        values[name] = value
    return values


def load_engine(path: str, options, stream=None) -> object:
    """Parse, check and load a script; print diagnostics and return None on errors."""
    import gc

    enabled = gc.isenabled()
    gc.disable()        # loading builds a large, long-lived graph: collecting only rescans it
    try:
        return _load_engine(path, options, stream)
    finally:
        if enabled:
            gc.enable()


def _load_engine(path: str, options, stream=None) -> object:
    from .check import check
    from .engine import Engine
    from .syntax.parser import parse_file

    try:
        result = parse_file(path)
    except OSError as err:
        raise UsageError("%s: %s" % (path, err.strerror or err)) from None
    except DiagnosticError as err:
        _print_diagnostics(err.diagnostics, None, stream)
        return None
    diagnostics = check(result)
    _print_diagnostics(diagnostics, result.source.line_text, stream)
    if any(d.severity == ERROR for d in diagnostics):
        return None
    engine = Engine(result.script, options)
    problems = engine.load()
    if problems:
        _print_diagnostics(problems, result.source.line_text, stream)
        return None
    return engine


RUNTIME_NOTE = "note: cfgscript runs OpenSIPS 4.x semantics; this script targets %s"


def targeted_release(args: argparse.Namespace) -> str:
    """--target-version, else the lint configuration's target-version for the script."""
    from .lint.config import ConfigError, discover

    if args.target_version:
        return args.target_version
    try:
        return discover(args.script if args.script != "-" else ".").release
    except ConfigError as err:
        raise UsageError(str(err)) from None


def cmd_run(args: argparse.Namespace) -> int:
    import signal

    from .engine import tune_collector
    from .runtime.context import ScriptAbort, StopRequested, StrictStop

    options = _run_options(args)
    engine = run_deep(load_engine, args.script, options)
    if engine is None:
        return EXIT_FINDINGS
    tune_collector()
    on_signal = _stop_on_signal(engine)
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    # over a file size limit a write fails (EFBIG, counted) instead of killing the process
    previous[signal.SIGXFSZ] = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    status = EXIT_OK
    servers = []
    try:
        servers = _open_mi_servers(args.mi, engine)
        run_deep(_run_engine, engine, args.once, args.duration)
    except (StrictStop, ScriptAbort) as err:
        print("cfgscript: %s" % err, file=sys.stderr)
        status = EXIT_FINDINGS
    except StopRequested as err:
        print("cfgscript: stopped in %s" % err, file=sys.stderr)
    finally:
        for server in servers:
            server.stop()
        engine.shutdown()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def _run_options(args: argparse.Namespace):
    """The RunOptions of run and repl (and the note on an older target release)."""
    from .runtime.settings import RunOptions

    senders = {}
    if args.queue_size is not None:
        senders["queue_size"] = args.queue_size
    if args.flush_timeout is not None:
        senders["flush_timeout"] = args.flush_timeout
    release = targeted_release(args) if args.script else args.target_version or DEFAULT_RELEASE
    if not release.startswith("4."):
        print(RUNTIME_NOTE % release, file=sys.stderr)
    return RunOptions(plain_log=args.log_format == "plain", strict=args.strict,
                      argv=_parse_overrides(args.option), allow_exec=args.allow_exec, **senders)


def repl_loader(options) -> Callable[[str], object]:
    """How the REPL loads a script: as run does, the reasons it did not load
    printed on stdout (where the REPL prints everything)."""
    def load(path: str) -> object:
        try:
            return run_deep(load_engine, path, options, sys.stdout)
        except UsageError as err:
            print("error: %s" % err, flush=True)
            return None
    return load


def cmd_repl(args: argparse.Namespace) -> int:
    import gc

    gc.disable()        # until the prompt is up (run_repl): start-up makes next to no cycles
    from .repl.main import run_repl
    from .repl.session import SessionError, SessionOptions

    options = SessionOptions(args.script, args.mi, _run_options(args))
    try:
        return run_repl(repl_loader(options.run), options)
    except SessionError as err:
        raise UsageError(str(err)) from None


def _run_engine(engine, once: bool, duration: Optional[float]) -> None:
    engine.run_startup()
    engine.drain()
    if not once:
        engine.serve(duration)


def _stop_on_signal(engine) -> Callable[[int, object], None]:
    """SIGINT/SIGTERM: the first asks the engine to stop (running script code
    ends early, the transports are flushed); the next one exits at once."""
    import os
    import signal

    def on_signal(signum: int, frame: object) -> None:
        if not engine.stopping:
            engine.stop()
            return
        # os.write: the signal may have come while the main thread was printing
        os.write(2, b"cfgscript: %s again: exiting without flushing\n"
                 % signal.Signals(signum).name.encode())
        os._exit(128 + signum)
    return on_signal


def _open_mi_servers(addresses: Sequence[str], engine) -> list:
    from .mi.servers import ServerError, open_server

    servers = []
    try:
        for address in addresses:
            servers.append(open_server(address, engine.mi_request))
    except ServerError as err:
        for server in servers:
            server.stop()
        raise UsageError("--mi %s" % err) from None
    return servers



REPLY_DIR_HELP = ("fifo: where to make the reply FIFO: the server's reply directory (mi_fifo's "
                  "reply_dir, /tmp/ unless set; default: the FIFO's directory)")

def cmd_mi(args: argparse.Namespace) -> int:
    from .client.arguments import build_params
    from .client.config import default_mi_address
    from .client.errors import AddressError, ArgumentError, ClientError, RPCError
    from .client.mi_client import MIClient
    from .client.output import dump_json, is_terminal

    words = [word for word in args.args if word != "-j"]
    decode = args.json or len(words) < len(args.args)
    try:
        params = build_params(args.name, words, decode)
        with MIClient(args.mi or default_mi_address(), args.timeout,
                      args.reply_dir) as client:
            result = client.call(args.name, params)
    except RPCError as err:
        print("cfgscript: error: %s: %s" % (args.name, err), file=sys.stderr)
        return EXIT_FINDINGS
    except (AddressError, ArgumentError) as err:
        raise UsageError(str(err)) from None
    except ClientError as err:
        print("cfgscript: error: %s" % err, file=sys.stderr)
        return EXIT_USAGE
    print(dump_json(result, is_terminal(sys.stdout)))
    return EXIT_OK


def cmd_listen(args: argparse.Namespace) -> int:
    import signal

    from .client.config import default_mi_address
    from .client.errors import AddressError, ClientError
    from .client.output import is_terminal, wants_colour
    from .client.session import ListenOptions, ListenSession

    if args.mi and not args.subscribe:
        raise UsageError("--mi is only used with --subscribe")
    pretty = args.format == "pretty" or (args.format is None and is_terminal(sys.stdout))
    options = ListenOptions(args.socket, args.subscribe,
                            (args.mi or default_mi_address()) if args.subscribe else None,
                            args.expire, args.count, args.timeout, pretty,
                            pretty and wants_colour(sys.stdout), reply_dir=args.reply_dir)
    problem = lambda text: print("cfgscript: %s" % text, file=sys.stderr)  # noqa: E731
    try:
        session = ListenSession(options, problem)
    except AddressError as err:
        raise UsageError(str(err)) from None
    previous = {sig: signal.signal(sig, lambda *_: session.stop())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        session.open()
        seen = session.run(lambda line: print(line, flush=True))
    except ClientError as err:
        print("cfgscript: error: %s" % err, file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:             # the reader went away (| head)
        sys.stderr.close()
        return EXIT_OK
    finally:
        session.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if args.count is not None and seen < args.count:
        print("cfgscript: %d of %d event(s) arrived" % (seen, args.count), file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def cmd_lsp(args: argparse.Namespace) -> int:
    try:
        from .lsp.server import serve
    except ImportError as err:
        if err.name not in ("pygls", "lsprotocol") and not str(err.name).startswith("pygls."):
            raise
        print("cfgscript lsp: error: the language server needs pygls: "
              "pip install 'cfgscript[lsp]'", file=sys.stderr)
        return EXIT_USAGE
    return serve()


def _add_run_options(run: argparse.ArgumentParser) -> None:
    """The options of a running script, shared by run and repl."""
    run.add_argument("--target-version", choices=RELEASES, default=None,
                     help="the OpenSIPS release the script is for (default: target-version of "
                          "the lint configuration, else %s); cfgscript always runs 4.x "
                          "semantics and notes an older target" % DEFAULT_RELEASE)
    run.add_argument("--mi", action="append", default=[], metavar="ADDRESS",
                     help="serve MI requests on udp:HOST:PORT, unix:PATH, http:HOST:PORT[/ROOT] "
                          "or fifo:PATH, besides the script's own MI modules; may be repeated")
    run.add_argument("-o", dest="option", action="append", default=[], metavar="NAME=VALUE",
                     help="a value for $argv(NAME); may be repeated")
    run.add_argument("--log-format", choices=("full", "plain"), default="full",
                     help="plain drops the '<date> [pid] ' prefix of log lines")
    run.add_argument("--strict", action="store_true",
                     help="stop (exit 1) when the script calls a function cfgscript cannot run")
    run.add_argument("--allow-exec", action="store_true",
                     help="let the script run shell commands with exec() (off by default)")
    # the defaults live in cfgscript.events.sender, which is not imported here (start-up time)
    run.add_argument("--queue-size", type=QUEUE_SIZE, metavar="N",
                     help="events buffered per rabbitmq/xmlrpc/tcp destination while it is "
                          "unreachable (default 10000)")
    run.add_argument("--flush-timeout", type=SECONDS, metavar="S",
                     help="seconds to deliver what is still queued at exit (default 5)")


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The command line; with the name of a command, only that command's parser
    is built (each costs start-up time: argparse translates its texts)."""
    parser = _Parser(
        prog="cfgscript",
        description="Run, explore and lint OpenSIPS event scripts without OpenSIPS.")
    parser.add_argument("--version", action="version", version="cfgscript " + __version__)
    parser.add_argument("--debug", action="store_true",
                        help="show Python tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, add in COMMANDS.items():
        if command in (None, name):
            add(sub)
    return parser


def command_named(argv: Sequence[str]) -> Optional[str]:
    """The command an argument list names (the first word that is not an
    option), or None when it names none that exists."""
    word = next((word for word in argv if not word.startswith("-")), None)
    return word if word in COMMANDS else None


def _add_check(sub) -> None:
    check = sub.add_parser("check", help="report what OpenSIPS would refuse at start-up",
                           description="Report the errors real OpenSIPS (the --target-version "
                                       "release) gives when it loads the script (stricter "
                                       "than opensips -C). Exit 0 when "
                                       "clean, 1 on errors, 2 on usage or I/O problems.")
    check.add_argument("scripts", nargs="+", metavar="SCRIPT", help="script file, or - for stdin")
    check.add_argument("--target-version", choices=RELEASES, default=DEFAULT_RELEASE,
                       help="judge the scripts as this OpenSIPS release would (default: %s)"
                            % DEFAULT_RELEASE)
    check.set_defaults(handler=cmd_check)


def _add_lint(sub) -> None:
    from .lint.arguments import add_lint_parser
    add_lint_parser(sub)


def _add_rule(sub) -> None:
    from .lint.arguments import add_rule_parser
    add_rule_parser(sub)


def _add_run(sub) -> None:
    run = sub.add_parser("run", help="run a script: startup_route, timers, events",
                         description="Run startup_route, then timer routes, queued event routes "
                                     "and MI requests until SIGINT/SIGTERM.")
    run.add_argument("script", metavar="SCRIPT", help="script file, or - for stdin")
    run.add_argument("--once", action="store_true",
                     help="run startup_route and the events it raises, then exit")
    run.add_argument("--duration", type=SECONDS, metavar="S", help="stop after S seconds")
    _add_run_options(run)
    run.set_defaults(handler=cmd_run)


def _add_repl(sub) -> None:
    repl = sub.add_parser("repl", help="an interactive prompt over a running script",
                          description="Load the script (or none), run its startup_route, and "
                                      "read script code and meta-commands (:help) while its "
                                      "timers, MI servers and transports run. Piped input: "
                                      "plain lines in, results out, exit 1 if any failed.")
    repl.add_argument("script", metavar="SCRIPT", nargs="?", help="script file")
    _add_run_options(repl)
    repl.set_defaults(handler=cmd_repl)


def _add_mi(sub) -> None:
    mi = sub.add_parser("mi", help="send one MI command to cfgscript or OpenSIPS",
                        description="Send an MI command (JSON-RPC 2.0) and print its result: "
                                    "indented on a terminal, one line otherwise. A JSON-RPC "
                                    "error is one line on stderr and exit 1.")
    mi.add_argument("--mi", metavar="ADDRESS",
                    help="udp:HOST:PORT, unix:PATH, http://HOST:PORT/ROOT or fifo:PATH "
                         "(default: $CFGSCRIPT_MI, else mi in [tool.cfgscript] of "
                         "pyproject.toml, else fifo:/tmp/opensips_fifo)")
    mi.add_argument("--reply-dir", metavar="DIR", help=REPLY_DIR_HELP)
    mi.add_argument("-j", dest="json", action="store_true",
                    help="JSON-decode each argument (and fold nothing into arrays)")
    mi.add_argument("--timeout", type=POSITIVE_SECONDS, default=5.0, metavar="S",
                    help="seconds to wait for the answer (default 5)")
    mi.add_argument("name", metavar="COMMAND", help="e.g. evi:subscribers, which, version")
    mi.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                    help="positional values or NAME=VALUE pairs; evi:raise folds the values "
                         "after the event into its params array")
    mi.set_defaults(handler=cmd_mi)


def _add_listen(sub) -> None:
    listen = sub.add_parser("listen", help="print the events arriving on a socket",
                            description="Print events arriving on udp:HOST:PORT, unix:PATH, "
                                        "tcp:HOST:PORT[/METHOD] (event_stream) or "
                                        "rabbitmq:[user[:password]@]host[:port]/[params?]key "
                                        "(a queue it declares), one JSON per line when "
                                        "piped, pretty on a terminal.")
    listen.add_argument("socket", metavar="SOCKET", help="where the events come in")
    listen.add_argument("--subscribe", action="extend", nargs="+", default=[], metavar="EVENT",
                        help="subscribe SOCKET to EVENT over MI, renew it, and unsubscribe "
                             "at exit")
    listen.add_argument("--mi", metavar="ADDRESS", help="the MI address for --subscribe "
                                                        "(default as for cfgscript mi)")
    listen.add_argument("--reply-dir", metavar="DIR", help=REPLY_DIR_HELP)
    listen.add_argument("--expire", type=EXPIRE, default=120, metavar="S",
                        help="expire of the subscriptions, renewed before it runs out "
                             "(default 120)")
    listen.add_argument("--count", type=COUNT, metavar="N", help="stop after N events")
    listen.add_argument("--timeout", type=POSITIVE_SECONDS, metavar="S",
                        help="stop after S seconds")
    listen.add_argument("--format", choices=("jsonl", "pretty"),
                        help="jsonl (default when piped) or pretty (default on a terminal)")
    listen.set_defaults(handler=cmd_listen)


def _add_lsp(sub) -> None:
    lsp = sub.add_parser("lsp", help="serve the Language Server Protocol on stdin/stdout",
                         description="A language server for editors: lint findings as you "
                                     "type, their fixes, completion, hover and navigation.")
    lsp.add_argument("--stdio", action="store_true",
                     help="talk over standard input and output (the default and only way)")
    lsp.set_defaults(handler=cmd_lsp)


# the commands in the order --help lists them
COMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "check": _add_check, "lint": _add_lint, "rule": _add_rule, "run": _add_run,
    "repl": _add_repl, "mi": _add_mi, "listen": _add_listen, "lsp": _add_lsp}


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if any("\0" in word for word in argv):     # no path or address can hold one
        print("cfgscript: error: an argument holds a NUL character", file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser(command_named(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:        # argparse already printed a usage line
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    handler: Optional[Callable[[argparse.Namespace], int]] = getattr(args, "handler", None)
    if handler is None:
        print("cfgscript: error: a command is needed: check, run, mi or listen "
              "(see cfgscript --help)", file=sys.stderr)
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
