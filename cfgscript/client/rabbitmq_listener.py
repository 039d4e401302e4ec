"""The `rabbitmq:` listener: a pika consumer for what event_rabbitmq publishes.

event_rabbitmq publishes to an exchange (the default one unless `exchange=X`)
with the routing key of the socket. We declare a queue named after the routing
key (kept after we leave, so what is published meanwhile waits in it), and for a
named exchange also the exchange (direct, unless it exists) and the binding; then
we consume from the queue. The socket is read as event_rabbitmq reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pika
import pika.exceptions

from ..events.redaction import redact_socket
from ..modules.event_rabbitmq import DEFAULT_PORT, DEFAULT_USER, scan_socket
from .errors import AddressError, TransportError
from .listener import Event, Listener, decode_json

CONNECT_TIMEOUT = 5.0


@dataclass
class _CollectedLog:
    """Takes the parser's log lines, to report the first one as the reason."""
    lines: list[str] = field(default_factory=list)

    def error(self, function: str, message: str) -> None:
        self.lines.append(message)

    warning = error


class RabbitListener(Listener):
    transport = "rabbitmq"

    def __init__(self, text: str):
        super().__init__()
        self.text = text
        log = _CollectedLog()
        try:
            parsed = scan_socket(text[len("rabbitmq:"):], log)
        except Exception:           # the parser's own failure, its reason is logged
            reason = log.lines[0] if log.lines else "cannot parse it"
            raise AddressError("%s: %s" % (redact_socket(text), reason)) from None
        if parsed.tls_domain:
            raise AddressError("%s: tls_domain is not supported by the listener"
                               % redact_socket(text))
        if not parsed.routing_key:
            raise AddressError("%s: no routing key" % redact_socket(text))
        self.parsed = parsed
        self.queue = parsed.routing_key
        self.events_in: list[Event] = []
        self.connection: Optional[pika.BlockingConnection] = None
        self.channel = None

    @property
    def socket(self) -> str:
        return self.text

    def start(self) -> None:
        parsed = self.parsed
        credentials = pika.PlainCredentials(parsed.user or DEFAULT_USER,
                                            parsed.password or DEFAULT_USER)
        parameters = pika.ConnectionParameters(parsed.address, parsed.port or DEFAULT_PORT, "/",
                                               credentials, socket_timeout=CONNECT_TIMEOUT,
                                               stack_timeout=CONNECT_TIMEOUT)
        try:
            self.connection = pika.BlockingConnection(parameters)
            self.channel = self._declare(self.connection.channel())
            self.channel.basic_consume(self.queue, self._on_message, auto_ack=True)
        except (pika.exceptions.AMQPError, OSError) as err:
            self._close()
            raise TransportError("cannot listen on %s: %s" % (self._shown(), _reason(err))) \
                from None

    def _declare(self, channel):
        """The queue (and exchange, binding); an existing one is taken as it is."""
        try:
            channel.queue_declare(self.queue)
        except pika.exceptions.ChannelClosedByBroker:      # exists with other arguments
            channel = self.connection.channel()
            channel.queue_declare(self.queue, passive=True)
        exchange = self.parsed.exchange
        if exchange:
            try:
                channel.exchange_declare(exchange, passive=True)
            except pika.exceptions.ChannelClosedByBroker:  # not there: make one
                channel = self.connection.channel()
                channel.exchange_declare(exchange, "direct")
            channel.queue_bind(self.queue, exchange, self.parsed.routing_key)
        return channel

    def _on_message(self, channel, method, properties, body: bytes) -> None:
        peer = "%s/%s" % (method.exchange or "(default)", method.routing_key)
        self.events_in.append(Event("rabbitmq", peer, decode_json(body), body))

    def _wait(self, timeout: float) -> list[Event]:
        try:
            self.connection.process_data_events(time_limit=timeout)
        except (pika.exceptions.AMQPError, OSError) as err:
            raise TransportError("%s: %s" % (self._shown(), _reason(err))) from None
        events, self.events_in = self.events_in, []
        return events

    def _shown(self) -> str:
        return redact_socket("rabbitmq:%s@%s/%s" % (self.parsed.user or DEFAULT_USER,
                                                     self.parsed.address, self.queue))

    def _close(self) -> None:
        if self.connection is not None and self.connection.is_open:
            try:
                self.connection.close()
            except (pika.exceptions.AMQPError, OSError):
                pass
        self.connection = None


def _reason(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    return text if len(text) < 200 else text[:200] + "..."
