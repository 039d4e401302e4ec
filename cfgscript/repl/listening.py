"""`:listen` sockets: the listener of `cfgscript listen`, each on its own
thread, printing the events as they arrive (above the prompt)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from ..client.session import ListenSession

JOIN_TIMEOUT = 5.0


@dataclass(eq=False)
class _Active:
    session: ListenSession
    thread: Optional[threading.Thread] = None
    seen: int = 0


@dataclass
class Listening:
    show: Callable[[str], None]
    pretty: bool = False
    colour: bool = False
    active: dict[str, _Active] = field(default_factory=dict)   # by the socket listened on
    received: int = 0

    def listen(self, socket: str) -> str:
        """Start listening; the socket subscribers point to (raises ClientError)."""
        from ..client.session import ListenOptions, ListenSession  # pika: only when used

        session = ListenSession(ListenOptions(socket, pretty=self.pretty, colour=self.colour),
                                self.show)
        session.open()
        where = session.listener.socket
        if where in self.active:
            session.close()
            return where
        active = _Active(session)
        active.thread = threading.Thread(target=self._read, args=(active,), daemon=True,
                                         name="cfgscript-listen")
        self.active[where] = active
        active.thread.start()
        return where

    def _read(self, active: _Active) -> None:
        def arrived(line: str) -> None:
            active.seen += 1
            self.received += 1
            self.show(line)
        active.session.run(arrived)

    def unlisten(self, socket: Optional[str] = None) -> list[str]:
        """Stop one listener (all when socket is None); the sockets closed."""
        chosen = [s for s in self.active if socket is None or s == socket]
        for where in chosen:
            active = self.active.pop(where)
            active.session.stop()
            if active.thread is not None:
                active.thread.join(JOIN_TIMEOUT)
            active.session.close()
        return chosen

    def sockets(self) -> list[str]:
        return list(self.active)

    def close(self) -> None:
        self.unlisten()
