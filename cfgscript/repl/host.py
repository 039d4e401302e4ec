"""What meta-commands see of the session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional, Protocol, TypeVar

from ..catalog import Catalog
from ..engine import Engine
from ..runtime.context import RunContext
from .listening import Listening

T = TypeVar("T")


class Output(Protocol):
    pretty: bool                # a person reads it: JSON indented

    def show(self, text: str) -> None:
        """A result, or a line printed while the prompt is open."""

    def error(self, text: str) -> None:
        """A failure of the command being run."""


class Host(Protocol):
    engine: Engine
    context: RunContext         # the prompt's run: $avp values stay between lines
    catalog: Catalog
    out: Output
    listening: Listening
    script_path: Optional[str]

    def on_interpreter(self, work: Callable[[], T]) -> T:
        """work() on the interpreter thread (raises Interrupted on Ctrl-C)."""

    def mi(self, command: str, params: dict[str, Any]) -> Any:
        """An MI command of the engine (raises MIError)."""

    def run_code(self, text: str) -> bool:
        """Script code, as typed at the prompt."""

    def replace_script(self, path: Optional[str]) -> bool:
        """Load another script (None: the one loaded); the old one stays when it fails."""

    def quit(self) -> None:
        """End the session after this command."""
