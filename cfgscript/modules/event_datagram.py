"""event_datagram: the `udp:` and `unix:` transports.

One JSON-RPC notification per datagram, no trailing newline, sent with
sendto() on one socket per family. `udp:host:port` (the host is resolved when
subscribing, IPv6 literals are not supported: the text is split at the first
':'), `unix:/path/to/dgram.sock`. A datagram larger than 65457 bytes is refused.
"""

from __future__ import annotations

import errno
import os
import socket
from dataclasses import dataclass

from ..events.core import Occurrence, SocketError, Subscriber, TransportBase, syntax_check
from ..runtime.module import Module

MAX_DATAGRAM = 65457
SEND_TIMEOUT = 0.05     # a full socket buffer: wait this long, then count a failure...
# ...and until a send to that receiver succeeds again, do not wait at all: a
# unix receiver that stopped reading costs one wait, not one per event


@dataclass(frozen=True)
class DatagramEndpoint:
    family: str                         # "udp" or "unix"
    address: str                        # as written (the host text, or the path)
    port: int = 0
    target: object = None               # resolved (ip, port) or the path

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, DatagramEndpoint) and self.family == other.family
                and self.address == other.address and self.port == other.port)

    def __hash__(self) -> int:
        return hash((self.family, self.address, self.port))


def split_udp(rest: str) -> tuple[str, int]:
    """host and port of "host:port" (SocketError); nothing resolved yet."""
    if not rest:
        raise SocketError("no socket specified", "event_datagram", "datagram_parse")
    host, sep, port_text = rest.partition(":")
    if not sep or not host:
        raise SocketError("port not specified <%s>" % rest, "event_datagram", "datagram_parse")
    if not port_text.isdigit() or not 0 < int(port_text) <= 65535:
        raise SocketError("malformed port: %s" % port_text, "event_datagram", "datagram_parse")
    return host, int(port_text)


def parse_udp(rest: str) -> DatagramEndpoint:
    host, port = split_udp(rest)
    try:
        info = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_DGRAM)
    except (OSError, UnicodeError):
        raise SocketError("cannot resolve host %s" % host, "event_datagram",
                          "datagram_parse") from None
    return DatagramEndpoint("udp", host, port, info[0][4])


def parse_unix(rest: str) -> DatagramEndpoint:
    if not rest:
        raise SocketError("no socket specified", "event_datagram", "datagram_parse")
    return DatagramEndpoint("unix", rest, 0, rest)


class _DatagramTransport(TransportBase):
    owner: EventDatagram
    module = "event_datagram"

    def describe(self, endpoint: DatagramEndpoint) -> str:
        suffix = ":%d" % endpoint.port if endpoint.port else ""
        return "%s:%s%s" % (endpoint.family, endpoint.address, suffix)

    def deliver(self, occurrence: Occurrence, endpoint: DatagramEndpoint,
                subscriber: Subscriber) -> int:
        return self.owner.send(occurrence.payload_bytes(), endpoint)


class UdpTransport(_DatagramTransport):
    proto = "udp"
    check_syntax = syntax_check(split_udp)
    parse = staticmethod(parse_udp)


class UnixTransport(_DatagramTransport):
    proto = "unix"
    check_syntax = syntax_check(parse_unix)
    parse = staticmethod(parse_unix)


class EventDatagram(Module):
    name = "event_datagram"
    transport_classes = (UdpTransport, UnixTransport)

    def __init__(self, engine) -> None:
        super().__init__(engine)
        self._sockets: dict[str, socket.socket] = {}        # waiting SEND_TIMEOUT
        self._hasty: dict[str, socket.socket] = {}          # never waiting
        self._stalled: set = set()          # targets whose buffer was full at the last send

    def _socket(self, family: str, wait: bool) -> socket.socket:
        sockets = self._sockets if wait else self._hasty
        sock = sockets.get(family)
        if sock is None:
            sock = socket.socket(socket.AF_INET if family == "udp" else socket.AF_UNIX,
                                 socket.SOCK_DGRAM)
            sock.settimeout(SEND_TIMEOUT if wait else 0.0)
            sockets[family] = sock
        return sock

    def send(self, data: bytes, endpoint: DatagramEndpoint) -> int:
        log = self.engine.logger
        if len(data) > MAX_DATAGRAM:
            log.error("event_datagram", "datagram_raise", "event payload of %d bytes is over the "
                      "%d-byte datagram limit; not sent" % (len(data), MAX_DATAGRAM))
            return -1
        stalled = bool(self._stalled) and endpoint.target in self._stalled
        try:
            # a socket with a timeout polls before every send: try without first
            try:
                sock = self._hasty.get(endpoint.family) or self._socket(endpoint.family, False)
                sock.sendto(data, endpoint.target)
            except BlockingIOError:
                if stalled:
                    raise
                self._socket(endpoint.family, True).sendto(data, endpoint.target)
        except OSError as err:
            if isinstance(err, (TimeoutError, BlockingIOError)):
                self._stalled.add(endpoint.target)
            code = err.errno if err.errno is not None else errno.EAGAIN
            log.error("event_datagram", "datagram_raise", "Cannot raise datagram event due to "
                      "%d:%s" % (code, os.strerror(code)))
            return -1
        if stalled:
            self._stalled.discard(endpoint.target)
        return 0

    def shutdown(self) -> None:
        for sockets in (self._sockets, self._hasty):
            for sock in sockets.values():
                sock.close()
            sockets.clear()

