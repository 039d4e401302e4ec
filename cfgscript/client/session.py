"""A listening session: a listener, optionally subscribed over MI, printing
each event. Shared by `cfgscript listen` and the REPL's `:listen`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

from ..diagnostics import printable
from ..events.redaction import redact_socket
from .errors import AddressError
from .listener import DatagramListener, Listener, StreamListener
from .mi_client import DEFAULT_TIMEOUT, MIClient
from .output import format_event
from .rabbitmq_listener import RabbitListener
from .subscription import Subscription

DEFAULT_EXPIRE = 120


def open_listener(text: str) -> Listener:
    """A listener for a subscriber socket (not started yet); AddressError if
    the text is not one."""
    if not text.isprintable():      # it would be subscribed and shown as it is
        raise AddressError("%s: a socket cannot hold control characters or bytes that "
                           "are not UTF-8" % redact_socket(printable(text)))
    kind, sep, rest = text.partition(":")
    if not sep or not rest:
        raise AddressError("%s: expected udp:HOST:PORT, unix:PATH, tcp:HOST:PORT or "
                           "rabbitmq:[user[:password]@]host[:port]/[params?]routing_key"
                           % redact_socket(text))
    if kind in ("udp", "unix"):
        return DatagramListener(text)
    if kind == "tcp":
        return StreamListener(text)
    if kind == "rabbitmq":
        return RabbitListener(text)
    raise AddressError("%s: cannot listen on %r sockets (udp, unix, tcp or rabbitmq)"
                       % (redact_socket(text), kind))


@dataclass
class ListenOptions:
    socket: str
    subscribe: list[str] = field(default_factory=list)
    mi: Optional[str] = None                # needed with subscribe
    expire: int = DEFAULT_EXPIRE
    count: Optional[int] = None
    timeout: Optional[float] = None
    pretty: bool = False
    colour: bool = False
    mi_timeout: float = DEFAULT_TIMEOUT
    reply_dir: Optional[str] = None         # fifo: the server's reply directory


class ListenSession:
    """open(), run(), close(); stop() may come from a signal handler."""

    def __init__(self, options: ListenOptions, problem: Callable[[str], None]):
        self.options = options
        self.problem = problem
        self.listener: Listener = open_listener(options.socket)
        self.client: Optional[MIClient] = None
        self.subscription: Optional[Subscription] = None

    def open(self) -> None:
        """Listen, then subscribe (raises ClientError, leaving nothing open)."""
        self.listener.start()
        if not self.options.subscribe:
            return
        try:
            self.client = MIClient(self.options.mi or "", self.options.mi_timeout,
                                   self.options.reply_dir)
            self.subscription = Subscription(self.client, list(self.options.subscribe),
                                             self.listener.socket, self.options.expire,
                                             self.problem)
            self.subscription.open()
        except BaseException:
            self.close()
            raise
        if self.listener.transport == "rabbitmq":
            self.problem("note: OpenSIPS never expires rabbitmq subscriptions, so this one "
                         "stays after the listener ends")

    def run(self, out: Callable[[str], None]) -> int:
        """Print events until the count, the time limit or stop(); how many came."""
        options = self.options
        return self.listener.run(lambda event: out(format_event(event, options.pretty,
                                                                options.colour)),
                                 options.count, options.timeout)

    def stop(self) -> None:
        self.listener.stop()

    def close(self) -> None:
        if self.subscription is not None:
            self.subscription.close()
            self.subscription = None
        if self.client is not None:
            self.client.close()
            self.client = None
        self.listener.close()
