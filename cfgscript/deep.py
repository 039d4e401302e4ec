"""Run a function on a thread with a large stack and a raised recursion limit.

The checker, the compiler and the interpreter walk the syntax tree recursively,
and a tree is as deep as the script nests (blocks in blocks, a long chain of
operators). The parser refuses trees deeper than syntax.parser.MAX_DEPTH; what it
accepts needs more Python frames than the default recursion limit allows, and more
C stack than a main thread has, so that work runs here.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

STACK_BYTES = 512 * 1024 * 1024     # reserved address space; only the pages used count
RECURSION_LIMIT = 400_000

T = TypeVar("T")


def run_deep(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) on a deep-stack thread; its result, or the exception it raised.
    The calling thread waits (signal handlers still run on the main thread)."""
    outcome: dict[str, Any] = {}

    def body() -> None:
        try:
            outcome["value"] = fn(*args)
        except BaseException as err:        # noqa: BLE001 - handed to the caller as is
            outcome["error"] = err

    previous_stack = threading.stack_size(STACK_BYTES)
    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, RECURSION_LIMIT))
    try:
        worker = threading.Thread(target=body, name="cfgscript-deep", daemon=True)
        worker.start()
    finally:
        threading.stack_size(previous_stack)
    try:
        worker.join()
    finally:
        sys.setrecursionlimit(previous_limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
