"""A route block once compiled: its kind, name, body and how it shows in $route."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

from ..syntax import ast
from .context import RouteFrame, RunContext


@dataclass(eq=False)
class CompiledRoute:
    kind: str
    name: Optional[str]
    node: ast.Route
    body: Optional[Callable[[RunContext], int]] = None
    interval: Optional[int] = None
    top_frame: Optional[RouteFrame] = None
    call_frame: Optional[RouteFrame] = None     # how it shows in $route when route() calls it

    @property
    def frame(self) -> RouteFrame:
        """How the route shows in $route when it runs at the top."""
        unnamed = self.kind in ("startup_route", "error_route", "local_route") or (
            self.kind == "route" and self.name in (None, "0"))
        return RouteFrame(self.kind, None if unnamed else self.name)
