"""Receive events where a subscriber socket points:

    udp:HOST:PORT          event_datagram: one JSON-RPC notification per datagram
                           (port 0: any free port, shown by `socket`)
    unix:PATH              event_datagram over a unix datagram socket, mode 0600
                           (removed at stop; a file that is not a stale socket of
                           ours is never replaced)
    tcp:HOST:PORT[/METHOD] event_stream: JSON-RPC written back to back on connections
                           we accept; a request with an id (reliable_mode) is answered
    rabbitmq:[user[:password]@]host[:port]/[exchange=X?]routing_key
                           event_rabbitmq: a consumer on the queue named after the
                           routing key, which we declare (and bind to the exchange)

A listener (session.open_listener) is started, then read with events() (bounded by a count, a time
limit, or stop() from another thread or a signal handler), or with run() and a
callback per event; stop() releases the socket or connection.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Optional

from ..mi.files import OwnedFile, bind_unix
from .errors import AddressError, TransportError

POLL_INTERVAL = 0.2
UNIX_MODE = 0o600               # only our own user may send to it
MAX_DATAGRAM = 65535
READ_SIZE = 65536
MAX_STREAM_BUFFER = 1 << 20


@dataclass
class Event:
    """One event as it arrived: its JSON-RPC message, or the raw text."""
    transport: str
    peer: str
    message: Any                # the decoded JSON, or None when it is not JSON
    raw: bytes
    received: float = field(default_factory=time.time)

    @property
    def name(self) -> Optional[str]:
        return self.message.get("method") if isinstance(self.message, dict) else None

    @property
    def params(self) -> Any:
        return self.message.get("params") if isinstance(self.message, dict) else None

    def record(self) -> Any:
        """What `cfgscript listen` prints: the message, or the text in an object."""
        if self.message is not None:
            return self.message
        return {"body": self.raw.decode("utf-8", "replace")}


def decode_json(raw: bytes) -> Any:
    """The JSON in raw, or None."""
    try:
        return json.loads(raw)
    except ValueError:
        return None


class Listener:
    """The loop shared by every transport; subclasses implement _wait()."""
    transport = ""

    def __init__(self) -> None:
        self._stop = threading.Event()

    @property
    def socket(self) -> str:
        """The subscriber socket that points here (for evi:subscribe)."""
        raise NotImplementedError

    def start(self) -> None:
        """Bind or connect (raises TransportError)."""

    def _wait(self, timeout: float) -> list[Event]:
        """The events that arrived within timeout seconds (maybe none)."""
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def events(self, count: Optional[int] = None,
               timeout: Optional[float] = None) -> Iterator[Event]:
        """Events until `count` came, `timeout` seconds passed, or stop()."""
        deadline = None if timeout is None else time.monotonic() + timeout
        seen = 0
        while not self._stop.is_set() and (count is None or seen < count):
            left = POLL_INTERVAL if deadline is None else deadline - time.monotonic()
            if left <= 0:
                return
            for event in self._wait(min(left, POLL_INTERVAL)):
                yield event
                seen += 1
                if count is not None and seen >= count:
                    return

    def run(self, callback: Callable[[Event], None], count: Optional[int] = None,
            timeout: Optional[float] = None) -> int:
        """Call back for each event (as events()); how many there were."""
        seen = 0
        for event in self.events(count, timeout):
            callback(event)
            seen += 1
        return seen

    def stop(self) -> None:
        """End events() (safe from a signal handler or another thread)."""
        self._stop.set()

    def close(self) -> None:
        self.stop()
        self._close()

    def __enter__(self) -> Listener:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _split_host_port(rest: str, text: str) -> tuple[str, int]:
    host, sep, port = rest.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise AddressError("%s: expected HOST:PORT" % text)
    return host or "127.0.0.1", int(port)


def _bind_error(text: str, err: Exception) -> TransportError:
    """OSError, or TypeError for a host name that cannot be encoded."""
    return TransportError("cannot listen on %s: %s" % (text, getattr(err, "strerror", None) or err))


def _shown_host(host: str) -> str:
    """A wildcard bind is subscribed as loopback."""
    return "127.0.0.1" if host in ("0.0.0.0", "") else host


class DatagramListener(Listener):
    def __init__(self, text: str):
        super().__init__()
        self.text = text
        self.transport, _, rest = text.partition(":")
        self.path = rest if self.transport == "unix" else ""
        if self.transport == "udp":
            self.host, self.port = _split_host_port(rest, text)
        elif not self.path:
            raise AddressError("%s: expected unix:PATH" % text)
        self.sock: Optional[socket.socket] = None
        self._owned: Optional[OwnedFile] = None      # the unix socket file we made

    @property
    def socket(self) -> str:
        if self.transport == "unix":
            return "unix:" + self.path
        return "udp:%s:%d" % (_shown_host(self.host), self.port)

    def start(self) -> None:
        try:
            if self.transport == "udp":
                self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self.sock.bind((self.host, self.port))
                self.port = self.sock.getsockname()[1]
            else:       # a stale socket of ours is replaced; anything else is refused
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._owned = bind_unix(self.sock, self.path, UNIX_MODE)
        except (OSError, TypeError) as err:
            self._close()
            raise _bind_error(self.text, err) from None

    def _wait(self, timeout: float) -> list[Event]:
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return []
        data, sender = self.sock.recvfrom(MAX_DATAGRAM)
        peer = "%s:%d" % sender if isinstance(sender, tuple) else (sender or "")
        return [Event(self.transport, peer, decode_json(data), data)]

    def _close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self._owned is not None:
            self._owned.remove()
            self._owned = None


@dataclass(eq=False)
class _Connection:
    sock: socket.socket
    peer: str
    pending: bytes = b""


class StreamListener(Listener):
    """event_stream's peer: accepts connections, splits the JSON objects."""
    transport = "tcp"

    def __init__(self, text: str):
        super().__init__()
        self.text = text
        rest, _, self.method = text[len("tcp:"):].partition("/")
        self.host, self.port = _split_host_port(rest, text)
        self.server: Optional[socket.socket] = None
        self.connections: list[_Connection] = []
        self.decoder = json.JSONDecoder()

    @property
    def socket(self) -> str:
        method = "/" + self.method if self.method else ""
        return "tcp:%s:%d%s" % (_shown_host(self.host), self.port, method)

    def start(self) -> None:
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.server.bind((self.host, self.port))
            self.server.listen(16)
        except (OSError, TypeError) as err:
            self.server.close()
            raise _bind_error(self.text, err) from None
        self.port = self.server.getsockname()[1]

    def _wait(self, timeout: float) -> list[Event]:
        socks = [self.server] + [c.sock for c in self.connections]
        ready, _, _ = select.select(socks, [], [], timeout)
        events: list[Event] = []
        for sock in ready:
            if sock is self.server:
                client, address = self.server.accept()
                self.connections.append(_Connection(client, "%s:%d" % address[:2]))
            else:
                connection = next(c for c in self.connections if c.sock is sock)
                events.extend(self._read(connection))
        return events

    def _read(self, connection: _Connection) -> list[Event]:
        try:
            data = connection.sock.recv(READ_SIZE)
        except OSError:
            data = b""
        if not data:
            self._drop(connection)
            return []
        connection.pending += data
        events = self._split(connection)
        if len(connection.pending) > MAX_STREAM_BUFFER:     # not JSON: give up on it
            self._drop(connection)
        return events

    def _split(self, connection: _Connection) -> list[Event]:
        text = connection.pending.decode("utf-8", "surrogateescape")
        events, position = [], 0
        while True:
            while position < len(text) and text[position].isspace():
                position += 1
            try:
                message, end = self.decoder.raw_decode(text, position)
            except ValueError:
                break               # incomplete: wait for the rest
            raw = text[position:end].encode("utf-8", "surrogateescape")
            events.append(Event("tcp", connection.peer, message, raw))
            self._answer(connection, message)
            position = end
        connection.pending = text[position:].encode("utf-8", "surrogateescape")
        return events

    def _answer(self, connection: _Connection, message: Any) -> None:
        """reliable_mode: the sender waits for a reply with the request's id."""
        if not isinstance(message, dict) or message.get("id") is None:
            return
        reply = {"jsonrpc": "2.0", "result": "OK", "id": message["id"]}
        try:
            connection.sock.sendall(json.dumps(reply, separators=(",", ":")).encode())
        except OSError:
            self._drop(connection)

    def _drop(self, connection: _Connection) -> None:
        if connection in self.connections:
            self.connections.remove(connection)
        connection.sock.close()

    def _close(self) -> None:
        for connection in list(self.connections):
            self._drop(connection)
        if self.server is not None:
            self.server.close()
            self.server = None
