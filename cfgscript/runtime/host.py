"""What compiled script code, the core variables and modules see of whoever runs
them: the `Interpreter` protocol. The engine satisfies it; nothing in the
runtime imports the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, Optional, Protocol

from ..catalog import Catalog
from ..syntax import ast
from .accessor import Accessor
from .context import RunContext
from .logger import Logger
from .request import Flags
from .routes import CompiledRoute
from .settings import RunOptions, Settings
from .values import Value


class Interpreter(Protocol):
    logger: Logger
    settings: Settings
    options: RunOptions
    catalog: Catalog
    script_vars: dict[str, Value]       # $var, kept across runs
    flags: Flags                        # the names of message and branch flags
    argv: dict[str, str]                # $argv (cfgscript run -o NAME=VALUE)
    started: float                      # time.time() of the start
    stopping: bool                      # a stop was asked for: running code ends early

    # ---- compiling (called by the compiler while routes are loaded)
    def pvar_factory(self, name: str) -> Optional[Callable[..., Accessor]]:
        """The export that compiles pseudo-variable `name`, or None."""

    def named_route(self, name: str) -> Optional[CompiledRoute]:
        """route[name] (its body may still be compiling)."""

    def compile_call(self, node: ast.Call) -> Callable[[RunContext], int]:
        """A call of a module or core function."""

    def compile_async(self, node: ast.Async | ast.Launch) -> Callable[[RunContext], int]:
        """async()/launch() of a call."""

    def compile_format(self, text: str) -> Callable[[RunContext], str]:
        """A format string for module use (e.g. a file name suffix)."""

    # ---- running (called by compiled code)
    def call_route(self, ctx: RunContext, route: CompiledRoute, params: tuple) -> int:
        """route(name, params...)."""

    def run_error_route(self, ctx: RunContext) -> None:
        """error_route, after a script error."""

    def abort(self, reason: str) -> NoReturn:
        """Stop the whole run (abort_on_assert)."""

    def new_context(self) -> RunContext:
        """A fresh top-level run context."""

    def post(self, job: Callable[[], Any]) -> None:
        """Queue work for the interpreter thread; safe from any thread."""

    def pause(self, seconds: float) -> None:
        """Sleep, cut short by a stop request (raises StopRequested)."""
