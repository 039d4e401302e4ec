"""The REPL's session, independent of any terminal: one input (a line, or
the lines of a block) is either script code, run as in an event_route on
the interpreter thread, or a meta-command (`:raise`, `:listen`, ...)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional, TypeVar

from ..catalog import Catalog, load_catalog
from ..client.errors import ClientError
from ..diagnostics import ERROR, Diagnostic, render
from ..engine import Engine
from ..mi.errors import MIError, ServerError
from ..runtime.context import ParamFrame, ScriptAbort, StrictStop
from ..runtime.settings import RunOptions
from ..syntax.parser import parse_text
from .commands import PREFIX, CommandError, find
from .host import Output
from .interpreter import Interpreter, Interrupted
from .listening import Listening
from .snippet import FILE_NAME, ROUTE_NAME, compile_snippet, is_blank, needs_more
from .words import WordError, split_words

T = TypeVar("T")
MAX_INPUT = 64 * 1024          # characters in one input (a line, or a block's lines)

# path -> a loaded engine, or None once the reasons it did not load are printed
Loader = Callable[[str], Optional[Engine]]


class CurrentStdout:
    """A stream writing to whatever sys.stdout is at the time (above the
    prompt while the terminal front end has it patched)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@dataclass
class PlainOutput:
    """Results and errors, one after the other, on the current stdout."""
    pretty: bool = False

    def show(self, text: str) -> None:
        print(text, file=sys.stdout, flush=True)

    def error(self, text: str) -> None:
        print(text, file=sys.stdout, flush=True)


@dataclass
class SessionOptions:
    script: Optional[str] = None
    mi: Sequence[str] = ()
    run: RunOptions = field(default_factory=RunOptions)


class SessionError(Exception):
    """The session cannot start (an MI address that cannot be served)."""


class Session:
    """open(), then execute() each input; close() at the end."""

    def __init__(self, loader: Loader, options: SessionOptions, out: Optional[Output] = None,
                 catalog: Optional[Catalog] = None):
        self.loader = loader
        self.options = options
        self.out: Output = out or PlainOutput()
        self.catalog = catalog or load_catalog()
        self.script_path = options.script
        self.listening = Listening(self.out.show, self.out.pretty,
                                   colour=self.out.pretty and "NO_COLOR" not in os.environ)
        self.failures = 0
        self.done = False
        self.engine: Engine
        self.interpreter: Optional[Interpreter] = None
        self._servers: list = []

    # ------------------------------------------------------------ life

    def open(self) -> bool:
        """Load the script (or none) and run its startup_route; False when it did not load."""
        engine = self.loader(self.script_path) if self.script_path else self._empty_engine()
        if engine is None:
            return False
        self._start(engine)
        if self.options.mi:
            self._open_mi_servers()
        return True

    def _open_mi_servers(self) -> None:
        from ..mi.servers import open_server  # not imported when none is asked for

        try:
            self._servers = [open_server(address, self._answer_mi) for address in self.options.mi]
        except ServerError as err:
            self.close()
            raise SessionError("--mi %s" % err) from None

    def _empty_engine(self) -> Engine:
        engine = Engine(parse_text("", FILE_NAME).script, self.options.run, catalog=self.catalog)
        engine.load()
        return engine

    def _start(self, engine: Engine) -> None:
        engine.logger.stream = CurrentStdout()
        self.engine = engine
        self.context = engine.new_context()
        self.interpreter = Interpreter(engine, self.out.error)
        self.interpreter.start()
        self._guarded(lambda: self.on_interpreter(self._startup))

    def _startup(self) -> None:
        self._publish_known_module_events()
        self.engine.run_startup()

    def _publish_known_module_events(self) -> None:
        """Loaded modules cfgscript does not run still publish their events in
        OpenSIPS (dialog's E_DLG_STATE_CHANGED): here they do too, so that the
        prompt can raise them."""
        for module in self.engine.known_modules:
            for name, (owner, _) in self.catalog.events.items():
                if owner == module:
                    self.engine.events.publish(name, module)

    def _answer_mi(self, data: bytes) -> Optional[bytes]:
        return self.engine.mi_request(data)

    def close(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers = []
        self.listening.close()
        if self.interpreter is not None:
            self.interpreter.close()
            self.interpreter = None

    # ------------------------------------------------------------ input

    def needs_more(self, text: str) -> bool:
        """Script code with a block still open."""
        return (not text.lstrip().startswith(PREFIX) and len(text) <= MAX_INPUT
                and needs_more(text))

    def execute(self, text: str) -> bool:
        """Run one input; False (and counted) when it failed."""
        assert self.interpreter is not None
        with self.interpreter.awaiting():
            ok = self._guarded(lambda: self._execute(text))
        if not ok:
            self.failures += 1
        return ok

    def _execute(self, text: str) -> bool:
        if len(text) > MAX_INPUT:
            raise CommandError("input too long: %d characters (at most %d)"
                               % (len(text), MAX_INPUT))
        stripped = text.strip()
        if not stripped.startswith(PREFIX):
            return is_blank(text) or self.run_code(text)
        self._current = text
        words = split_words(text, len(text) - len(text.lstrip()))
        return find(words[0].text).run(self, words[1:])

    def _guarded(self, work: Callable[[], Any]) -> bool:
        """work(), its failures printed as one error each."""
        self._current = ""
        try:
            return work() is not False
        except (CommandError, WordError) as err:
            self._positioned(str(err), err.column)
        except MIError as err:
            self.out.error("error: %d %s%s" % (err.code, err.message,
                                               ": %s" % err.data if err.data else ""))
        except (Interrupted, StrictStop, ScriptAbort, ClientError) as err:
            self.out.error("cfgscript: %s" % err)
        except Exception as err:        # a bug of ours: one line, and the session goes on
            self.out.error("cfgscript: internal error: %s: %s" % (type(err).__name__, err))
        return False

    def _positioned(self, message: str, column: int) -> None:
        if not column or "\n" in self._current:
            self.out.error("error: %s" % message)
            return
        diag = Diagnostic(ERROR, message, FILE_NAME, 1, column)
        self.out.error(render(diag, lambda path, line: self._current))

    # ------------------------------------------------------------ what commands use

    def on_interpreter(self, work: Callable[[], T]) -> T:
        assert self.interpreter is not None
        return self.interpreter.call(work)

    def mi(self, command: str, params: dict[str, Any]) -> Any:
        handler = self.engine.mi.resolve(command).handler
        return self.on_interpreter(lambda: self.engine.run_as_event_job(lambda: handler(params)))

    def run_code(self, text: str) -> bool:
        snippet = compile_snippet(text, self.engine, self.catalog)
        if snippet.route is None:
            self.out.error(snippet.rendered_errors())
            return False
        route = snippet.route
        frame = ParamFrame("event", (), (), ROUTE_NAME)
        self.on_interpreter(lambda: self.engine.run_as_event_job(
            lambda: self.engine.run_top(route, frame, self.context)))
        return True

    def replace_script(self, path: Optional[str]) -> bool:
        path = path or self.script_path
        assert path is not None
        engine = self.loader(path)
        if engine is None:
            self.out.error("error: %s did not load; %s runs on"
                           % (path, self.script_path or "the empty script"))
            return False
        assert self.interpreter is not None
        self.interpreter.close()
        self.script_path = path
        self._start(engine)
        self.out.show("loaded %s" % path)
        return True

    def interrupt(self) -> bool:
        """Ctrl-C while an input is on its way or runs: stop it (False between inputs)."""
        return self.interpreter is not None and self.interpreter.interrupt()

    def quit(self) -> None:
        self.done = True

    # ------------------------------------------------------------ the toolbar's figures

    def delivery_counts(self) -> tuple[int, int]:
        """Events sent and failed, over every current subscriber."""
        sent = failed = 0
        for event in list(self.engine.events.by_id):
            for sub in list(event.subscribers):
                sent += sub.sent
                failed += sub.failed
        return sent, failed
