"""Piped mode: plain lines in, results out, no prompt and no escape codes."""

from __future__ import annotations

from typing import TextIO

from .session import Session


def run_piped(session: Session, lines: TextIO) -> int:
    """Each input in turn (a block gathers lines while its braces are open);
    1 when any failed."""
    pending = ""
    for line in lines:
        text = pending + line.rstrip("\n")
        if session.needs_more(text):
            pending = text + "\n"
            continue
        pending = ""
        session.execute(text)
        if session.done:
            break
    if pending:
        session.execute(pending.rstrip("\n"))
    return 1 if session.failures else 0
