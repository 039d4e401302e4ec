"""The thread an MI server reads its requests on: it waits for its file
descriptor to be readable, at most POLL_INTERVAL at a time so that stop() is
noticed, and hands each readable moment to the server."""

from __future__ import annotations

import select
import threading

POLL_INTERVAL = 0.2


class PollingServer:
    """Base of the datagram and FIFO servers: subclasses set `name`, give
    `fileno()` and `on_readable()`, and release their resources in `close()`."""
    name = "mi"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, name=self.name, daemon=True)

    def fileno(self) -> int:
        raise NotImplementedError

    def on_readable(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release the socket or FIFO (after the thread stopped)."""

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fileno()], [], [], POLL_INTERVAL)
            if ready:
                self.on_readable()
