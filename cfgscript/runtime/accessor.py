"""A compiled pseudo-variable: how to read it, and how to write, delete or
index it where it can be. Every pseudo-variable export compiles a spec to one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional


@dataclass(slots=True)
class Accessor:
    """A compiled pseudo-variable: how to read it, and how to write it if it can be."""
    read: Callable[[Any], Any]
    write: Optional[Callable[[Any, str, Any], bool]] = None     # (ctx, op, value) -> ok
    delete: Optional[Callable[[Any, str], bool]] = None         # (ctx, op) -> ok ("= NULL")
    item: Optional[Callable[[Any, int], Any]] = None            # for-each: value at an index
    per_occurrence: bool = False    # keeps state of its own: not shared by equal specs
    sets_error: bool = False        # a read may set the error info (a parse error)
