"""event_rabbitmq: the `rabbitmq:` transport and rabbitmq_publish(), with pika.

    rabbitmq:[user[:password]@]host[:port]/[params?]routing_key

params is a `;`-separated list of exchange=NAME, tls_domain=DOM (needs the
use_tls modparam) and persistent; anything else fails the parse. The user and
password default to guest, the port to 5672 (5671 with a TLS domain), the
vhost is always "/". The body is the JSON-RPC notification of the datagram
transports, published mandatory, without AMQP properties, except
delivery_mode=2 with `persistent` (which OpenSIPS never delivers: we do).
Subscriptions never expire. Listings show `rabbitmq:user@host/[exchange?]key`,
never the password or the port.

Delivery: one connection per distinct server (host, port, credentials, TLS
domain), opened on the first event by that server's sender worker, which runs
a pika SelectConnection ioloop. raise_event only queues. The worker publishes
in batches, with publisher confirms: a message counts as sent when the broker
confirms it; after a lost connection the unconfirmed ones are published again,
in order, before anything newer. The AMQP frames of a batch are built here
(the method frame of a route is cached) and written in one go through pika's
connection, which keeps pika's per-message cost out of the hot path.

modparams: heartbeat (seconds, 0 = off), connect_timeout (ms, default 500),
timeout (ms, for the AMQP handshake; 0 = 5 s here), use_tls (TLS with the
system CA store: tls_mgm domains are not available), server_id (named servers
for rabbitmq_publish(), which queues like events do and returns 1 once queued).
"""

from __future__ import annotations

import logging
import re
import ssl
import string
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import unquote, urlsplit

import pika
from pika import spec
from pika.adapters.select_connection import SelectConnection

from ..events.core import Occurrence, SocketError, Subscriber
from ..events.redaction import redact_socket
from ..events.sender import (
    Job,
    ModuleLog,
    QueuedTransport,
    RateLimited,
    SenderModule,
    Worker,
    parse_port,
)
from ..runtime.logger import L_ERR
from ..runtime.module import Arg, ModParam, function
from ..runtime.values import to_bytes

MODULE = "event_rabbitmq"
MAX_PAYLOAD = 16384
DEFAULT_PORT, DEFAULT_TLS_PORT = 5672, 5671
DEFAULT_USER = "guest"
DEFAULT_FRAMES = 131072
MIN_FRAMES = 4096
DEFAULT_RPC_TIMEOUT = 5.0       # handshake limit when the timeout modparam is 0
MAX_UNCONFIRMED = 4096          # published, not yet confirmed by the broker
BATCH = 1024                    # messages written per ioloop turn
SHORTSTR_MAX = 255

_FRAME_END = b"\xce"
_HEADER = struct.Struct(">BHIHxxQ")     # content header frame, up to the body size
_FRAME = struct.Struct(">BHI")          # frame type, channel, payload size
_NO_EXCHANGE = re.compile(r"no exchange '(.*)' in vhost")
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
        return shown[len(self.user) + 1:]


class AmqpRoute:
    """Where a message goes and with which properties; builds its frames."""

    def __init__(self, exchange: str, routing_key: str, properties: spec.BasicProperties,
                 mandatory: bool) -> None:
        self.exchange, self.routing_key = exchange, routing_key
        self.mandatory = mandatory
        method = spec.Basic.Publish(exchange=to_bytes(exchange),
                                    routing_key=to_bytes(routing_key), mandatory=mandatory)
        self._method = struct.pack(">I", method.INDEX) + b"".join(method.encode())
        self._properties = b"".join(properties.encode())
        self._frames: dict[int, bytes] = {}

    def frames(self, channel: int, body: bytes, body_max: int, out: list[bytes]) -> None:
        """Append the method, header and body frames of one message to out."""
        method = self._frames.get(channel)
        if method is None:
            method = self._frames[channel] = (_FRAME.pack(1, channel, len(self._method))
                                              + self._method + _FRAME_END)
        out.append(method)
        out.append(_HEADER.pack(2, channel, 12 + len(self._properties), 60, len(body)))
        out.append(self._properties)
        out.append(_FRAME_END)
        for start in range(0, len(body), body_max):
            chunk = body[start:start + body_max]
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

class _ParseError(Exception):
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
            raise _ParseError
        high = _hex(text[i + 1], log)
        if high < 0:
            log.error("un_escape", " non-hex high digit in an escape sequence in '%s' @ %d"
                      % (shown, i + 1))
            raise _ParseError
        low = _hex(text[i + 2], log)
        if low < 0:
            log.error("un_escape", "non-hex low digit in an escape sequence in '%s' @ %d"
                      % (shown, i + 2))
            raise _ParseError
        value = high * 16 + low
        if not 32 <= value <= 126:
            log.error("un_escape", "non-ASCII escaped character in '%s' @ %d" % (shown, i))
            raise _ParseError
        out.append(chr(value))
        i += 3
    return "".join(out)


@dataclass
class _Socket:
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
        raise _ParseError
    return port


def scan_socket(text: str, log: ModuleLog) -> _Socket:
    """rmq_parse()'s state machine: [user[:pass]@]host[:port]/[params?]key."""
    sock = _Socket()
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
            sock.routing_key = unescape(text[i + 1:], log)
            return sock
        elif i == len(text) - 1:
            sock.routing_key = unescape(text[begin:], log)
            return sock
    log.warning("rmq_parse", "not implemented %s" % redact_socket(text, has_proto=False))
    raise _ParseError


def _scan_params(text: str, sock: _Socket, log: ModuleLog) -> None:
    """exchange=NAME;tls_domain=DOM;persistent (each field trimmed)."""
    for item in text.strip(" \t\r\n").split(";"):
        item = item.strip(" \t\r\n")
        if item.startswith("exchange=") and len(item) > len("exchange="):
            sock.exchange = unescape(item[len("exchange="):], log)
        elif item.startswith("tls_domain=") and len(item) > len("tls_domain="):
            sock.tls_domain = unescape(item[len("tls_domain="):], log)
        elif item == "persistent":
            sock.persistent = True
        else:
            log.warning("rmq_parse", "unknown extra parameter: '%s'" % item)
            raise _ParseError


# ---------------------------------------------------------------- transport

class _FirstMessage:
    """Stands in for the module's log when only the reason of a refusal is wanted."""

    def __init__(self) -> None:
        self.message = ""

    def warning(self, function: str, message: str) -> None:
        self.message = self.message or message

    error = warning


class RabbitTransport(QueuedTransport):
    proto = "rabbitmq"
    module = MODULE
    expirable = False

    @staticmethod
    def check_syntax(rest: str) -> None:
        if not rest:
            raise SocketError("no socket specified", MODULE, "rmq_parse")
        log = _FirstMessage()
        try:
            scan_socket(rest, log)
        except _ParseError:
            raise SocketError(log.message or "error while parsing socket %s"
                              % redact_socket(rest, has_proto=False), MODULE,
                              "rmq_parse") from None

    def parse(self, rest: str) -> RabbitEndpoint:
        if not rest:
            raise SocketError("no socket specified", MODULE, "rmq_parse")
        try:
            return self.owner.endpoint(scan_socket(rest, self.owner.log))
        except _ParseError:
            raise SocketError("error while parsing socket %s"
                              % redact_socket(rest, has_proto=False), MODULE, "rmq_parse") from None

    @staticmethod
    def destination(endpoint: RabbitEndpoint) -> AmqpServer:
        return endpoint.server

    def describe(self, endpoint: RabbitEndpoint) -> str:
        exchange = endpoint.exchange + "?" if endpoint.exchange else ""
        # as OpenSIPS prints it (no password, no port), but an '@' in the
        # address is the tail of a password that held one
        return "%s/%s%s" % (redact_socket("rabbitmq:%s@%s" % (endpoint.user, endpoint.address)),
                            exchange, endpoint.routing_key)

    def deliver(self, occurrence: Occurrence, endpoint: RabbitEndpoint,
                subscriber: Subscriber, on_failure=None) -> int:
        body = occurrence.payload_bytes()
        if len(body) > MAX_PAYLOAD:
            self.owner.log.error("rmq_raise", "event %s: payload of %d bytes is over the "
                                 "%d-byte AMQP limit; not sent"
                                 % (occurrence.name, len(body), MAX_PAYLOAD))
            return self.refuse(subscriber)
        job = Job(AmqpMessage(endpoint.route, body), subscriber, occurrence.name, on_failure)
        return self.owner.submit(self.destination(endpoint), job)


# ---------------------------------------------------------------- the sender worker

class AmqpWorker(Worker):
    """The connection to one server: a pika ioloop in this thread, reconnected
    with backoff until the module shuts down."""

    def __init__(self, server: AmqpServer, owner: EventRabbitMQ) -> None:
        super().__init__(server.label, owner.log, owner.settings)
        self.server = server
        self.owner = owner
        self._loop_lock = threading.Lock()
        self._ioloop = None                 # while a connection's ioloop runs
        self._conn: Optional[SelectConnection] = None
        self._channel = None
        self._ready = False                 # channel open, confirms on
        self._closing = False               # we close it: no reconnect
        self._deadline_armed = False
        self._drain_timer = False           # a _drain is scheduled
        self._retry_delay = 0.0
        self._tag = 0
        self._unconfirmed: deque[tuple[int, Job]] = deque()
        self._returned: set[int] = set()    # delivery tags of unroutable messages
        self._returns = RateLimited(owner.log, L_ERR, "rmq_sendmsg")

    # ------------------------------------------------ other threads

    def wake(self) -> None:
        with self._loop_lock:
            if self._ioloop is not None:
                self._ioloop.add_callback_threadsafe(self._poke)

    def in_flight(self) -> list[Job]:
        return [job for _, job in list(self._unconfirmed)]

    # ------------------------------------------------ thread

    def run(self) -> None:
        try:
            while True:
                self._session()
                if self.stopping.is_set() or self.expired():
                    return
                self.stopping.wait(self._retry_delay)
        except Exception as err:        # a bug: say so, the engine carries on
            self.log.error("rmq_process", "sender for %s stopped: %r" % (self.label, err))
        finally:
            self._returns.flush("%d more message(s) returned by the broker")

    def _session(self) -> None:
        """One connection, from opening to close."""
        self._ready = self._closing = self._deadline_armed = self._drain_timer = False
        self._unconfirmed.clear()
        conn = SelectConnection(self.owner.connection_parameters(self.server),
                                on_open_callback=self._on_open,
                                on_open_error_callback=self._on_open_error,
                                on_close_callback=self._on_close)
        self._conn = conn
        with self._loop_lock:
            self._ioloop = conn.ioloop
        if self.stopping.is_set():
            self._arm_deadline()
        try:
            conn.ioloop.start()
        finally:
            with self._loop_lock:
                self._ioloop = None
            conn.ioloop.close()
            self._conn = self._channel = None

    # ------------------------------------------------ connection events

    def _on_open(self, conn: SelectConnection) -> None:
        conn.channel(on_open_callback=self._on_channel)

    def _on_channel(self, channel) -> None:
        self._channel = channel
        self._tag = 0                       # delivery tags start again with a channel
        self._returned.clear()
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(self._on_confirm, callback=self._on_confirm_mode)

    def _on_confirm_mode(self, _frame) -> None:
        self._ready = True
        self._drain()

    def _on_open_error(self, conn: SelectConnection, error: Exception) -> None:
        if not self._closing:
            self._connection_failed(error)
        conn.ioloop.stop()

    def _on_close(self, conn: SelectConnection, reason: Exception) -> None:
        self._ready = False
        jobs = [job for _, job in self._unconfirmed]
        self._unconfirmed.clear()
        if self._closing:
            self.outbox.push_front(jobs)        # left for the shutdown report
        else:
            self.log.error("amqp_check_status", "[%s] connection closed (%s); %d message(s) "
                           "to publish again"
                           % (self.server.shown_host, _reason(reason), len(jobs)))
            self._retry(jobs)
        conn.ioloop.stop()

    def _connection_failed(self, error: Exception) -> None:
        if isinstance(error, pika.exceptions.ProbableAuthenticationError):
            self.log.error("rmq_error", "Logging in: server connection error 403, message: "
                           "ACCESS_REFUSED")
        else:
            self.log.error("rmq_server_reconnect", "cannot open AMQP socket")
        self.log.error("rmq_basic_server_publish", "cannot connect to RabbitMQ server %s:%d (%s)"
                       % (self.server.shown_host, self.server.port, _reason(error)))
        self._retry([])

    def _retry(self, jobs: list[Job]) -> None:
        self._retry_delay = 0.0 if self.stopping.is_set() else self.backoff.next()
        self.requeue(jobs, self._retry_delay)

    def _on_channel_closed(self, channel, reason: Exception) -> None:
        """The broker closed the channel (a missing exchange, a refused publish):
        the culprits fail, the rest is published again on a new channel."""
        self._ready = False
        conn = self._conn
        if not isinstance(reason, pika.exceptions.ChannelClosedByBroker) or conn is None \
                or not conn.is_open:
            return
        self.log.error("rmq_error", "closing channel: server channel error %d, message: %s"
                       % (reason.reply_code, reason.reply_text))
        jobs = [job for _, job in self._unconfirmed]
        self._unconfirmed.clear()
        missing = _NO_EXCHANGE.search(reason.reply_text or "")
        if missing:
            def culprit(job: Job) -> bool:
                return job.data.route.exchange == missing.group(1)
            self.failed([job for job in jobs if culprit(job)] +
                        self.outbox.extract(lambda job: not culprit(job)))
            jobs = [job for job in jobs if not culprit(job)]
        else:
            self.failed(jobs[:1])
            jobs = jobs[1:]
        self.outbox.push_front(jobs)
        conn.ioloop.call_later(self.backoff.next(), self._reopen_channel)

    def _reopen_channel(self) -> None:
        if self._conn is not None and self._conn.is_open and not self._closing:
            self._conn.channel(on_open_callback=self._on_channel)

    # ------------------------------------------------ publishing

    def _poke(self) -> None:
        if self.stopping.is_set():
            self._arm_deadline()
        self._drain()

    def _drain(self) -> None:
        """Publish a batch of queued messages, in one write; then look again
        soon (acks get their turn first), or sleep until woken."""
        if not self._ready or self._closing:
            return
        room = MAX_UNCONFIRMED - len(self._unconfirmed)
        if room <= 0:
            return                              # the next confirm drains again
        jobs = self.take(min(room, BATCH))
        if jobs:
            self._publish(jobs)
        if self._finish_if_flushed():
            return
        delay = 0.0 if len(self.outbox) else self.idle_wait()
        if delay is not None and not self._drain_timer:
            self._drain_timer = True
            self._conn.ioloop.call_later(delay, self._timed_drain)

    def _timed_drain(self) -> None:
        self._drain_timer = False
        self._drain()

    def _publish(self, jobs: list[Job]) -> None:
        channel = self._channel.channel_number
        body_max = self._conn.params.frame_max - 8
        frames: list[bytes] = []
        for job in jobs:
            message = job.data
            message.route.frames(channel, message.body, body_max, frames)
            self._tag += 1
            self._unconfirmed.append((self._tag, job))
        self._conn._output_marshaled_frames([b"".join(frames)])

    def _on_confirm(self, frame) -> None:
        method = frame.method
        confirmed = self._confirmed(method.delivery_tag, method.multiple)
        if isinstance(method, spec.Basic.Nack):
            self.log.error("rmq_sendmsg", "%d message(s) to %s refused by the broker"
                           % (len(confirmed), self.label))
            self.failed([job for _, job in confirmed])
        elif self._returned:
            returned = self._returned
            self.failed([job for tag, job in confirmed if tag in returned])
            self.delivered([job for tag, job in confirmed if tag not in returned])
            returned.difference_update(tag for tag, _ in confirmed)
        else:
            self.delivered([job for _, job in confirmed])
        self._drain()

    def _confirmed(self, tag: int, multiple: bool) -> list[tuple[int, Job]]:
        """Take the messages a Basic.Ack/Nack covers off the unconfirmed list."""
        unconfirmed = self._unconfirmed
        if multiple:
            confirmed = []
            while unconfirmed and unconfirmed[0][0] <= tag:
                confirmed.append(unconfirmed.popleft())
            return confirmed
        for index, entry in enumerate(unconfirmed):
            if entry[0] == tag:
                del unconfirmed[index]
                return [entry]
        return []

    def _on_return(self, channel, method, properties, body: bytes) -> None:
        """Unroutable (mandatory): the broker returns it, then confirms it."""
        for tag, job in self._unconfirmed:
            route = job.data.route
            if (tag not in self._returned and route.routing_key == method.routing_key
                    and route.exchange == method.exchange and job.data.body == body):
                self._returned.add(tag)
                break
        hint = " (no queue is bound to it; `cfgscript listen rabbitmq:...` declares one)" \
            if method.reply_code == spec.NO_ROUTE else ""
        self._returns.hit("message for exchange \"%s\", routing key \"%s\" returned by the "
                          "broker: %d %s%s" % (method.exchange, method.routing_key,
                                               method.reply_code, method.reply_text, hint))

    # ------------------------------------------------ shutdown

    def _arm_deadline(self) -> None:
        if self._conn is not None and not self._deadline_armed:
            self._deadline_armed = True
            self._conn.ioloop.call_later(max(0.0, self.deadline - time.monotonic()),
                                         self._close)
        self._finish_if_flushed()

    def _finish_if_flushed(self) -> bool:
        """At shutdown, once everything is confirmed: close (True)."""
        if (self.stopping.is_set() and self._ready and not self._unconfirmed
                and not len(self.outbox)):
            self._close()
            return True
        return False

    def _close(self) -> None:
        if self._closing or self._conn is None:
            return
        self._closing = True
        try:
            self._conn.close()
        except pika.exceptions.ConnectionWrongStateError:
            self._conn.ioloop.stop()


def _reason(error: BaseException) -> str:
    """A short, secret-free description of a pika error (its innermost cause)."""
    candidates = [*reversed(getattr(error, "exceptions", None) or ()),
                  getattr(error, "exception", None), *error.args]
    cause = next((each for each in candidates if isinstance(each, BaseException)), None)
    if cause is not None:
        return _reason(cause)
    if isinstance(error, OSError):
        return error.strerror or str(error) or type(error).__name__
    return type(error).__name__


# ---------------------------------------------------------------- the module

class EventRabbitMQ(SenderModule):
    name = MODULE
    transport_classes = (RabbitTransport,)
    params = (
        ModParam("heartbeat", "int", 0),
        ModParam("connect_timeout", "int", 500),
        ModParam("timeout", "int", 0),
        ModParam("use_tls", "int", 0),
        ModParam("server_id", "str", repeatable=True),
    )

    def init(self) -> None:
        super().init()
        logging.getLogger("pika").addHandler(logging.NullHandler())
        logging.getLogger("pika").propagate = False
        heartbeat = self.param("heartbeat")
        if heartbeat <= 0 or heartbeat > 65535:
            self.log.warning("mod_init", "heartbeat is disabled according to the modparam "
                             "configuration")
            heartbeat = 0
        else:
            self.log.notice("mod_init", "heartbeat is enabled for [%d] seconds" % heartbeat)
        self.heartbeat = heartbeat
        self.connect_timeout = max(self.param("connect_timeout"), 1) / 1000.0
        timeout = self.param("timeout")
        if timeout < 0:
            self.log.warning("mod_init", "invalid value for 'timeout' %d; fallback to "
                             "blocking mode" % timeout)
        self.rpc_timeout = timeout / 1000.0 if timeout > 0 else DEFAULT_RPC_TIMEOUT
        self.use_tls = bool(self.param("use_tls"))
        if self.use_tls:
            self.log.notice("mod_init", "TLS connections check the broker against the system CA "
                            "store (tls_mgm domains are not available in cfgscript)")
        self.servers: dict[str, tuple[AmqpServer, AmqpRoute, Subscriber]] = {}
        for text in self.param("server_id"):
            self._add_server(text)

    # ------------------------------------------------ endpoints and connections

    def endpoint(self, sock: _Socket) -> RabbitEndpoint:
        if sock.tls_domain and not self.use_tls:
            self.log.error("rmq_parse", "'use_tls' module parameter required for TLS support")
            raise _ParseError
        if len(to_bytes(sock.routing_key)) > SHORTSTR_MAX or \
                len(to_bytes(sock.exchange)) > SHORTSTR_MAX:
            self.log.error("rmq_parse", "exchange and routing key take at most %d bytes"
                           % SHORTSTR_MAX)
            raise _ParseError
        user = DEFAULT_USER if sock.user is None else sock.user
        password = DEFAULT_USER if sock.password is None else sock.password
        port = sock.port or (DEFAULT_TLS_PORT if sock.tls_domain else DEFAULT_PORT)
        server = AmqpServer(sock.address, port, user, password, "/", bool(sock.tls_domain),
                            self.heartbeat)
        properties = spec.BasicProperties(delivery_mode=2 if sock.persistent else None)
        route = AmqpRoute(sock.exchange, sock.routing_key, properties, mandatory=True)
        return RabbitEndpoint(sock.address, port, user, sock.routing_key, sock.exchange,
                              server, route)

    def connection_parameters(self, server: AmqpServer) -> pika.ConnectionParameters:
        ssl_options = None
        if server.tls:
            ssl_options = pika.SSLOptions(ssl.create_default_context(), server.host)
        return pika.ConnectionParameters(
            host=server.host, port=server.port, virtual_host=server.vhost,
            credentials=pika.PlainCredentials(server.user, server.password,
                                              erase_on_connect=False),
            heartbeat=server.heartbeat, frame_max=server.frame_max,
            connection_attempts=1, socket_timeout=self.connect_timeout,
            stack_timeout=self.connect_timeout + self.rpc_timeout,
            ssl_options=ssl_options)

    def make_worker(self, key: AmqpServer) -> AmqpWorker:
        return AmqpWorker(key, self)

    # ------------------------------------------------ server_id and rabbitmq_publish

    def _add_server(self, text: str) -> None:
        """A server_id modparam; a bad one is logged and left out (OpenSIPS
        would refuse to start)."""
        try:
            cid, server, route = parse_server_id(text, self)
        except ValueError as err:
            self.log.error("rmq_server_add", str(err))
            return
        if cid in self.servers:
            self.log.error("rmq_server_add", "Connection ID %s already defined! Please use "
                           "different names for different connections!" % cid)
            return
        self.servers[cid] = (server, route, Subscriber(None, None, "server_id:" + cid))

    @function("rabbitmq_publish", Arg("str"), Arg("str"), Arg("str"), Arg("str", optional=True),
              Arg("var", optional=True, avp_only=True), Arg("var", optional=True, avp_only=True))
    def rabbitmq_publish(self, ctx, server_id: str, routing_key: str, body: str,
                         content_type: Optional[str] = None, names=None, values=None) -> int:
        entry = self.servers.get(server_id)
        if entry is None:
            self.log.error("fixup_rmq_server", "unknown connection id=%s" % server_id)
            return -1
        if (names is None) != (values is None):
            self.log.error("rmq_publish", "header names without values!" if values is None
                           else "header values without names!")
            return -1
        server, base, accounting = entry
        headers = _headers(ctx, names, values, self.log) if names is not None else None
        properties = spec.BasicProperties(content_type=content_type, headers=headers)
        route = AmqpRoute(base.exchange, routing_key, properties, base.mandatory)
        job = Job(AmqpMessage(route, to_bytes(body)), accounting, "rabbitmq_publish")
        return 1 if self.submit(server, job) == 0 else -1


def _headers(ctx, names, values, log: ModuleLog) -> dict:
    """AMQP headers from two AVPs, newest value first, as OpenSIPS pairs them."""
    headers = {}
    index = 0
    while True:
        name = names.accessor.item(ctx, index)
        if name is None:
            return headers
        value = values.accessor.item(ctx, index)
        if value is None:
            log.error("rmq_send_rm", "names and values number mismatch!")
            return headers
        headers[str(name)] = int(value) if isinstance(value, int) else str(value)
        index += 1


def parse_server_id(text: str, owner: EventRabbitMQ) -> tuple[str, AmqpServer, AmqpRoute]:
    """"[id] uri=amqp://user:pass@host:port/vhost; exchange=X; heartbeat=N; frames=N;
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
        raise ValueError("[%s] cannot parse rabbitmq uri: %s"
                         % (cid, redact_socket(options["uri"])))
    tls = uri.scheme == "amqps"
    if tls and not owner.use_tls:
        raise ValueError("[%s] 'use_tls' modparam required for using amqps URIs!" % cid)
    if "immediate" in flags:
        owner.log.warning("rmq_server_add", "[%s] immediate is not supported by RabbitMQ: "
                          "ignored" % cid)
    frames = max(_number(options.get("frames"), DEFAULT_FRAMES, cid), MIN_FRAMES)
    server = AmqpServer(
        uri.hostname or "localhost", uri.port or (DEFAULT_TLS_PORT if tls else DEFAULT_PORT),
        unquote(uri.username) if uri.username is not None else DEFAULT_USER,
        unquote(uri.password) if uri.password is not None else DEFAULT_USER,
        unquote(uri.path[1:]) if len(uri.path) > 1 else "/", tls,
        _number(options.get("heartbeat"), 0, cid), frames)
    route = AmqpRoute(options.get("exchange", ""), "", spec.BasicProperties(),
                      "mandatory" in flags)
    return cid, server, route


def _number(text: Optional[str], default: int, cid: str) -> int:
    if text is None:
        return default
    if not text.isdigit():
        raise ValueError("[%s] %s must be a number" % (cid, text))
    return int(text)
