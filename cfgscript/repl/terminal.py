"""The terminal front end: prompt_toolkit's asyncio prompt, with output from
the background (event routes, xlog lines, arriving events) printed above it
without breaking the line being typed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.filters import Condition
from prompt_toolkit.history import FileHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.patch_stdout import patch_stdout
from prompt_toolkit.styles import Style

from .completion import ReplCompleter
from .highlighting import InputLexer
from .session import Session
from .toolbar import toolbar_text

PROMPT = "cfgscript> "
CONTINUATION = "       ... "
RED, RESET = "\033[31m", "\033[0m"
STYLE = Style.from_dict({
    "meta-command": "bold #5fafff",
    "bottom-toolbar": "noreverse bg:#303030 #d0d0d0",
    "toolbar.script": "bold #ffffff",
    "toolbar.failed": "bold #ff5f5f",
    "toolbar.hint": "#8a8a8a",
})


@dataclass
class TerminalOutput:
    """Results as they are, errors in red (unless NO_COLOR), JSON indented."""
    pretty: bool = True

    def show(self, text: str) -> None:
        print(text, flush=True)

    def error(self, text: str) -> None:
        if "NO_COLOR" in os.environ:
            print(text, flush=True)
        else:
            print(RED + text + RESET, flush=True)


def history_path() -> str:
    """$XDG_DATA_HOME/cfgscript/history (~/.local/share by default)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                            "share")
    return os.path.join(base, "cfgscript", "history")


def run_terminal(session: Session) -> int:
    return asyncio.run(_prompt_loop(session))


def _prompt_session(session: Session) -> PromptSession:
    path = history_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    keys = KeyBindings()

    @keys.add("enter", filter=Condition(lambda: True))
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.complete_state is not None and buffer.complete_state.current_completion:
            buffer.apply_completion(buffer.complete_state.current_completion)
            return
        if session.needs_more(buffer.text):
            buffer.insert_text("\n")
        else:
            buffer.validate_and_handle()
    return PromptSession(
        history=FileHistory(path), auto_suggest=AutoSuggestFromHistory(),
        completer=ReplCompleter(session), complete_while_typing=False,
        multiline=True, key_bindings=keys, prompt_continuation=CONTINUATION,
        bottom_toolbar=lambda: toolbar_text(session), style=STYLE, refresh_interval=0.5,
        lexer=InputLexer())


async def _prompt_loop(session: Session) -> int:
    prompt = _prompt_session(session)
    loop = asyncio.get_running_loop()
    terminal = sys.stdout
    with patch_stdout(raw=True):
        above_prompt = sys.stdout
        while not session.done:
            try:
                text = await prompt.prompt_async(PROMPT)
            except KeyboardInterrupt:
                continue            # Ctrl-C: the line is cleared
            except EOFError:
                break               # Ctrl-D
            # No prompt is drawn while the input runs: its output goes straight
            # out, so none of it can land after the next prompt is drawn.
            above_prompt.flush()
            sys.stdout = terminal
            loop.add_signal_handler(signal.SIGINT, session.interrupt)
            try:
                await loop.run_in_executor(None, session.execute, text)
            finally:
                loop.remove_signal_handler(signal.SIGINT)
                sys.stdout = above_prompt
    return 0
