"""Subscriptions made over MI: evi:subscribe, renewed before they expire, and
evi:subscribe with expire 0 (unsubscribe) when they end.

A background thread renews every subscription once two thirds of its expire
have passed; close() stops it and unsubscribes, also after a failed renewal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

from ..events.redaction import redact_socket
from .errors import ClientError
from .mi_client import MIClient

RENEW_FRACTION = 2 / 3
MIN_RENEW_INTERVAL = 0.5


@dataclass
class Subscription:
    client: MIClient
    events: list[str]
    socket: str
    expire: int
    on_problem: Callable[[str], None] = print
    subscribed: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _renewer: Optional[threading.Thread] = None

    @property
    def renew_interval(self) -> float:
        return max(self.expire * RENEW_FRACTION, MIN_RENEW_INTERVAL)

    def open(self) -> None:
        """Subscribe every event (raises ClientError, after undoing what
        succeeded), then start renewing."""
        try:
            for event in self.events:
                self._subscribe(event, self.expire)
                self.subscribed.append(event)
        except ClientError:
            self.close()
            raise
        self._renewer = threading.Thread(target=self._renew, name="mi-renew", daemon=True)
        self._renewer.start()

    def _subscribe(self, event: str, expire: int) -> None:
        self.client.call("evi:subscribe", [event, self.socket, expire])

    def _renew(self) -> None:
        while not self._stop.wait(self.renew_interval):
            for event in self.subscribed:
                try:
                    self._subscribe(event, self.expire)
                except ClientError as err:
                    self.on_problem("cannot renew %s for %s: %s"
                                    % (event, redact_socket(self.socket), err))

    def close(self) -> None:
        """Stop renewing and unsubscribe (expire 0); problems are reported, not raised."""
        self._stop.set()
        if self._renewer is not None and self._renewer is not threading.current_thread():
            self._renewer.join(self.client.timeout * max(len(self.subscribed), 1) + 1)
        for event in self.subscribed:
            try:
                self._subscribe(event, 0)
            except ClientError as err:
                self.on_problem("cannot unsubscribe %s from %s: %s"
                                % (event, redact_socket(self.socket), err))
        self.subscribed = []

    def __enter__(self) -> Subscription:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()
