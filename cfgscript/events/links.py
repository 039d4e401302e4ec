"""Blocking-style links: a `LinkWorker` drives one `Link` (the connection of
event_stream or event_xmlrpc to one address) from its own select loop.

Besides what every sender worker does (sender.py), a LinkWorker retires: once
no live subscriber uses its destination, it keeps delivering (reconnecting as
usual) what was queued before, for at most the flush time, then drops the
connection and ends.
"""

from __future__ import annotations

import selectors
import socket
import time
from collections.abc import Callable
from typing import Optional, Protocol

from .sender import (
    BATCH,
    USE_CHECK_INTERVAL,
    Job,
    LinkDown,
    ModuleLog,
    SenderSettings,
    Worker,
)


class Link(Protocol):
    """The connection side of a LinkWorker; only its worker thread calls it.
    Confirmed jobs go to worker.delivered(), given-up ones to worker.failed()."""

    def accepting(self) -> bool:
        """Whether send() may be called now (no output backlog)."""

    def send(self, jobs: list[Job]) -> None:
        """Connect if needed and send; raises LinkDown with the unconfirmed jobs."""

    def watch(self) -> tuple[Optional[socket.socket], bool]:
        """The socket to watch (if any) and whether output is pending on it."""

    def ready(self, readable: bool, writable: bool) -> None:
        """Handle socket readiness; may raise LinkDown."""

    def tick(self, now: float) -> Optional[float]:
        """Expire what waited too long; the next deadline, if any."""

    def in_flight(self) -> list[Job]:
        """Jobs sent, or being sent, and not confirmed yet."""

    def close(self) -> None:
        """Drop the connection (the link may connect again later)."""


class LinkWorker(Worker):
    """A worker thread running a select loop around one Link."""

    IDLE_WAIT = 1.0

    def __init__(self, label: str, log: ModuleLog, settings: SenderSettings,
                 make_link: Callable[[LinkWorker], Link]) -> None:
        super().__init__(label, log, settings)
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._retired = False
        self.link = make_link(self)

    def wake(self) -> None:
        try:
            self._wake_w.send(b"w")
        except OSError:         # full (a wake-up is pending anyway) or closed
            pass

    def in_flight(self) -> list[Job]:
        return self.link.in_flight()

    def finish(self) -> None:
        super().finish()
        self._wake_w.close()

    def run(self) -> None:
        try:
            self._serve()
        except Exception as err:        # a bug: say so, the engine carries on
            self.log.error("sender", "sender for %s stopped: %r" % (self.label, err))
        finally:
            if not self._retired:
                self.outbox.push_front(self.link.in_flight())   # left for the shutdown report
            self.link.close()
            self._selector.close()
            self._wake_r.close()
            if self._retired:           # nobody calls finish() on a retired worker
                self._wake_w.close()

    def _serve(self) -> None:
        while not self.expired():
            self.check_use()
            if self.may_retire():
                self._retired = True
                return
            try:
                limit = None                # wait for the socket or a wake-up
                if self.link.accepting():
                    jobs = self.take(BATCH)
                    if jobs:
                        self.link.send(jobs)
                        continue
                    limit = self.idle_wait()
                    if limit == 0.0:
                        continue
                if self.stopping.is_set() and not self.in_flight() and not len(self.outbox):
                    return
                self._wait(limit)
            except LinkDown as down:
                if not self._recover(down):
                    return

    def _wait(self, limit: Optional[float]) -> None:
        """Sleep until a wake-up, socket readiness, the link's next deadline or
        the limit, if any."""
        sock, pending_output = self.link.watch()
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if pending_output else 0)
        if sock is not None:
            self._selector.register(sock, events)
        try:
            ready = self._selector.select(self._timeout(self.link.tick(time.monotonic()), limit))
        finally:
            if sock is not None:
                self._selector.unregister(sock)
        readable = writable = False
        for key, mask in ready:
            if key.fileobj is self._wake_r:
                self._clear_wake()
            else:
                readable, writable = bool(mask & selectors.EVENT_READ), bool(
                    mask & selectors.EVENT_WRITE)
        if readable or writable:
            self.link.ready(readable, writable)

    def _timeout(self, link_deadline: Optional[float], limit: Optional[float]) -> float:
        now = time.monotonic()
        ends = [self.deadline, now + (self.IDLE_WAIT if limit is None else limit)]
        if link_deadline is not None:
            ends.append(link_deadline)
        return max(0.0, min(ends) - now)

    def _clear_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    def _recover(self, down: LinkDown) -> bool:
        """After a failure: requeue, then wait out the backoff (False: give up)."""
        self.link.close()
        delay = 0.0 if self.stopping.is_set() else self.backoff.next()
        self.requeue(down.jobs, delay)
        if self.stopping.is_set():
            return False
        end = time.monotonic() + delay
        while not self.stopping.is_set():
            left = min(end, self.retire_by or end) - time.monotonic()
            if left <= 0:
                break
            self._selector.select(min(left, USE_CHECK_INTERVAL))
            self._clear_wake()
            self.check_use()
        return True
