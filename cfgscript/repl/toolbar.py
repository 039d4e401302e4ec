"""The bottom toolbar: the script, events sent and failed, the listeners."""

from __future__ import annotations

import os

from .session import Session


def toolbar_text(session: Session) -> list[tuple[str, str]]:
    """prompt_toolkit formatted text, one segment per fact."""
    script = os.path.basename(session.script_path) if session.script_path else "no script"
    sent, failed = session.delivery_counts()
    parts = [("class:toolbar.script", " %s " % script),
             ("class:toolbar", " sent %d " % sent),
             ("class:toolbar.failed" if failed else "class:toolbar", " failed %d " % failed)]
    sockets = session.listening.sockets()
    if sockets:
        parts.append(("class:toolbar", " listening %s (%d received) "
                      % (", ".join(sockets), session.listening.received)))
    else:
        parts.append(("class:toolbar", " not listening "))
    parts.append(("class:toolbar.hint", " :help  Ctrl-D quits "))
    return parts
