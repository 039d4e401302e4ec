"""event_rabbitmq's syntax: the `rabbitmq:` socket string (OpenSIPS's rmq_parse()
state machine and un_escape()), the server_id modparam, and what they name: the
server a connection is for and the route (exchange, routing key, properties) a
message takes, with the AMQP frames of that route."""

from __future__ import annotations

import string
import struct
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import unquote, urlsplit

from pika import spec

from ..events.redaction import redact_socket
from ..events.sender import ModuleLog, parse_port
from ..runtime.values import to_bytes

DEFAULT_PORT, DEFAULT_TLS_PORT = 5672, 5671
DEFAULT_USER = "guest"
DEFAULT_FRAMES = 131072
MIN_FRAMES = 4096
SHORTSTR_MAX = 255

_FRAME_END = b"\xce"
_HEADER = struct.Struct(">BHIHxxQ")  # content header frame, up to the body size
_FRAME = struct.Struct(">BHI")  # frame type, channel, payload size
_SERVER_OPTIONS = ("uri", "tls_domain", "frames", "retries", "exchange", "heartbeat")
_SERVER_FLAGS = ("mandatory", "immediate", "non-persistent")


# ---------------------------------------------------------------- servers and routes


@dataclass(frozen=True)
class AmqpServer:
    """What one connection is for; the password never shows (repr, label)."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    vhost: str = "/"
    tls: bool = False
    heartbeat: int = 0
    frame_max: int = DEFAULT_FRAMES

    @property
    def label(self) -> str:
        return redact_socket("rabbitmq:%s@%s:%d" % (self.user, self.host, self.port))

    @property
    def shown_host(self) -> str:
        """The host for logs; an '@' in it means it holds the tail of a password
        (shown as ***@host)."""
        shown = redact_socket("%s@%s" % (self.user, self.host), has_proto=False)
        return shown[len(self.user) + 1 :]


class AmqpRoute:
    """Where a message goes and with which properties; builds its frames."""

    def __init__(
        self, exchange: str, routing_key: str, properties: spec.BasicProperties, mandatory: bool
    ) -> None:
        self.exchange, self.routing_key = exchange, routing_key
        self.mandatory = mandatory
        method = spec.Basic.Publish(
            exchange=to_bytes(exchange), routing_key=to_bytes(routing_key), mandatory=mandatory
        )
        self._method = struct.pack(">I", method.INDEX) + b"".join(method.encode())
        self._properties = b"".join(properties.encode())
        self._frames: dict[int, bytes] = {}

    def frames(self, channel: int, body: bytes, body_max: int, out: list[bytes]) -> None:
        """Append the method, header and body frames of one message to out."""
        method = self._frames.get(channel)
        if method is None:
            method = self._frames[channel] = (
                _FRAME.pack(1, channel, len(self._method)) + self._method + _FRAME_END
            )
        out.append(method)
        out.append(_HEADER.pack(2, channel, 12 + len(self._properties), 60, len(body)))
        out.append(self._properties)
        out.append(_FRAME_END)
        for start in range(0, len(body), body_max):
            chunk = body[start : start + body_max]
            out.append(_FRAME.pack(3, channel, len(chunk)))
            out.append(chunk)
            out.append(_FRAME_END)


@dataclass(frozen=True, slots=True)
class AmqpMessage:
    route: AmqpRoute
    body: bytes


@dataclass(frozen=True)
class RabbitEndpoint:
    """A parsed socket; equal when OpenSIPS's rmq_match() says so."""

    address: str
    port: int
    user: str
    routing_key: str
    exchange: str
    server: AmqpServer = field(compare=False)
    route: AmqpRoute = field(compare=False)


# ---------------------------------------------------------------- socket parsing


class ParseError(Exception):
    pass


def _hex(char: str, log: ModuleLog) -> int:
    if char in string.hexdigits:
        return int(char, 16)
    log.error("hex2int", "'%s' is no hex char" % char)
    return -1


def unescape(text: str, log: ModuleLog, secret: bool = False) -> str:
    """OpenSIPS's un_escape(): %XX escapes of printable ASCII characters."""
    shown = "***" if secret else text
    out, i = [], 0
    while i < len(text):
        if text[i] != "%":
            out.append(text[i])
            i += 1
            continue
        if i + 2 >= len(text):
            log.error("un_escape", "escape sequence too short in '%s' @ %d" % (shown, i))
            raise ParseError
        high = _hex(text[i + 1], log)
        if high < 0:
            log.error(
                "un_escape",
                " non-hex high digit in an escape sequence in '%s' @ %d" % (shown, i + 1),
            )
            raise ParseError
        low = _hex(text[i + 2], log)
        if low < 0:
            log.error(
                "un_escape", "non-hex low digit in an escape sequence in '%s' @ %d" % (shown, i + 2)
            )
            raise ParseError
        value = high * 16 + low
        if not 32 <= value <= 126:
            log.error("un_escape", "non-ASCII escaped character in '%s' @ %d" % (shown, i))
            raise ParseError
        out.append(chr(value))
        i += 3
    return "".join(out)


@dataclass
class SocketFields:
    """The fields of a socket string as rmq_parse() collects them."""

    user: Optional[str] = None
    password: Optional[str] = None
    address: str = ""
    port: int = 0
    routing_key: str = ""
    exchange: str = ""
    tls_domain: str = ""
    persistent: bool = False


def _port(text: str) -> int:
    port = parse_port(text)
    if not port:
        raise ParseError
    return port


def scan_socket(text: str, log: ModuleLog) -> SocketFields:
    """rmq_parse()'s state machine: [user[:pass]@]host[:port]/[params?]key."""
    sock = SocketFields()
    state, begin, previous = "user_host", 0, ""
    for i, char in enumerate(text):
        if state == "user_host":
            if char == "@":
                sock.user, state, begin = unescape(text[begin:i], log), "host", i + 1
            elif char == ":":
                previous, state, begin = unescape(text[begin:i], log), "pass_port", i + 1
            elif char == "/":
                sock.address, state, begin = unescape(text[begin:i], log), "route", i + 1
        elif state == "pass_port":
            if char == "@":
                sock.user = previous
                sock.password = unescape(text[begin:i], log, secret=True)
                state, begin = "host", i + 1
            elif char == "/":
                sock.address, sock.port = previous, _port(text[begin:i])
                state, begin = "route", i + 1
        elif state == "host":
            if char in ":/":
                sock.address = unescape(text[begin:i], log)
                state, begin = ("port" if char == ":" else "route"), i + 1
        elif state == "port":
            if char == "/":
                sock.port, state, begin = _port(text[begin:i]), "route", i + 1
        elif char == "?":
            _scan_params(text[begin:i], sock, log)
            sock.routing_key = unescape(text[i + 1 :], log)
            return sock
        elif i == len(text) - 1:
            sock.routing_key = unescape(text[begin:], log)
            return sock
    log.warning("rmq_parse", "not implemented %s" % redact_socket(text, has_proto=False))
    raise ParseError


def _scan_params(text: str, sock: SocketFields, log: ModuleLog) -> None:
    """exchange=NAME;tls_domain=DOM;persistent (each field trimmed)."""
    for item in text.strip(" \t\r\n").split(";"):
        item = item.strip(" \t\r\n")
        if item.startswith("exchange=") and len(item) > len("exchange="):
            sock.exchange = unescape(item[len("exchange=") :], log)
        elif item.startswith("tls_domain=") and len(item) > len("tls_domain="):
            sock.tls_domain = unescape(item[len("tls_domain=") :], log)
        elif item == "persistent":
            sock.persistent = True
        else:
            log.warning("rmq_parse", "unknown extra parameter: '%s'" % item)
            raise ParseError


def parse_server_id(text: str, use_tls: bool, log: ModuleLog) -> tuple[str, AmqpServer, AmqpRoute]:
    """ "[id] uri=amqp://user:pass@host:port/vhost; exchange=X; heartbeat=N; frames=N;
    retries=N; mandatory; immediate; non-persistent; tls_domain=D" (ValueError)."""
    head = text.strip(" \t\r\n")
    if not head.startswith("["):
        raise ValueError("cannot find connection id start: %s" % redact_socket(head))
    cid, sep, rest = head[1:].partition("]")
    if not sep:
        raise ValueError("cannot find connection id end: %s" % redact_socket(head))
    options: dict[str, str] = {}
    flags: set[str] = set()
    for item in rest.split(";"):
        key, eq, value = item.partition("=")
        key = key.strip(" \t\r\n").lower()
        if not key:
            continue
        if eq and key in _SERVER_OPTIONS:
            options[key] = value.strip(" \t\r\n")
        elif not eq and key in _SERVER_FLAGS:
            flags.add(key)
        else:
            raise ValueError("[%s] Unknown parameter: %s" % (cid, key))
    if "uri" not in options:
        raise ValueError("[%s] cannot find an uri!" % cid)
    uri = urlsplit(options["uri"])
    if uri.scheme not in ("amqp", "amqps"):
        raise ValueError(
            "[%s] cannot parse rabbitmq uri: %s" % (cid, redact_socket(options["uri"]))
        )
    tls = uri.scheme == "amqps"
    if tls and not use_tls:
        raise ValueError("[%s] 'use_tls' modparam required for using amqps URIs!" % cid)
    if "immediate" in flags:
        log.warning("rmq_server_add", "[%s] immediate is not supported by RabbitMQ: ignored" % cid)
    frames = max(_number(options.get("frames"), DEFAULT_FRAMES, cid), MIN_FRAMES)
    server = AmqpServer(
        uri.hostname or "localhost",
        uri.port or (DEFAULT_TLS_PORT if tls else DEFAULT_PORT),
        unquote(uri.username) if uri.username is not None else DEFAULT_USER,
        unquote(uri.password) if uri.password is not None else DEFAULT_USER,
        unquote(uri.path[1:]) if len(uri.path) > 1 else "/",
        tls,
        _number(options.get("heartbeat"), 0, cid),
        frames,
    )
    route = AmqpRoute(options.get("exchange", ""), "", spec.BasicProperties(), "mandatory" in flags)
    return cid, server, route


def _number(text: Optional[str], default: int, cid: str) -> int:
    if text is None:
        return default
    if not text.isdigit():
        raise ValueError("[%s] %s must be a number" % (cid, text))
    return int(text)
