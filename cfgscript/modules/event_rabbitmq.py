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
import ssl
from typing import Optional

import pika
from pika import spec

from ..events.core import Occurrence, SocketError, Subscriber
from ..events.redaction import redact_socket
from ..events.sender import Job, ModuleLog, QueuedTransport, SenderModule
from ..runtime.module import Arg, ModParam, function
from ..runtime.values import to_bytes
from .event_rabbitmq_syntax import (
    DEFAULT_PORT,
    DEFAULT_TLS_PORT,
    DEFAULT_USER,
    SHORTSTR_MAX,
    AmqpMessage,
    AmqpRoute,
    AmqpServer,
    ParseError,
    RabbitEndpoint,
    SocketFields,
    parse_server_id,
    scan_socket,
)
from .event_rabbitmq_worker import AmqpWorker

__all__ = ["DEFAULT_PORT", "DEFAULT_USER", "EventRabbitMQ", "RabbitTransport", "scan_socket"]

MODULE = "event_rabbitmq"
MAX_PAYLOAD = 16384
DEFAULT_RPC_TIMEOUT = 5.0  # handshake limit when the timeout modparam is 0


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
        except ParseError:
            raise SocketError(
                log.message
                or "error while parsing socket %s" % redact_socket(rest, has_proto=False),
                MODULE,
                "rmq_parse",
            ) from None

    def parse(self, rest: str) -> RabbitEndpoint:
        if not rest:
            raise SocketError("no socket specified", MODULE, "rmq_parse")
        try:
            return self.owner.endpoint(scan_socket(rest, self.owner.log))
        except ParseError:
            raise SocketError(
                "error while parsing socket %s" % redact_socket(rest, has_proto=False),
                MODULE,
                "rmq_parse",
            ) from None

    @staticmethod
    def destination(endpoint: RabbitEndpoint) -> AmqpServer:
        return endpoint.server

    def describe(self, endpoint: RabbitEndpoint) -> str:
        exchange = endpoint.exchange + "?" if endpoint.exchange else ""
        # as OpenSIPS prints it (no password, no port), but an '@' in the
        # address is the tail of a password that held one
        return "%s/%s%s" % (
            redact_socket("rabbitmq:%s@%s" % (endpoint.user, endpoint.address)),
            exchange,
            endpoint.routing_key,
        )

    def deliver(
        self,
        occurrence: Occurrence,
        endpoint: RabbitEndpoint,
        subscriber: Subscriber,
        on_failure=None,
    ) -> int:
        body = occurrence.payload_bytes()
        if len(body) > MAX_PAYLOAD:
            self.owner.log.error(
                "rmq_raise",
                "event %s: payload of %d bytes is over the "
                "%d-byte AMQP limit; not sent" % (occurrence.name, len(body), MAX_PAYLOAD),
            )
            return self.refuse(subscriber)
        job = Job(AmqpMessage(endpoint.route, body), subscriber, occurrence.name, on_failure)
        return self.owner.submit(self.destination(endpoint), job)


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
            self.log.warning(
                "mod_init", "heartbeat is disabled according to the modparam configuration"
            )
            heartbeat = 0
        else:
            self.log.notice("mod_init", "heartbeat is enabled for [%d] seconds" % heartbeat)
        self.heartbeat = heartbeat
        self.connect_timeout = max(self.param("connect_timeout"), 1) / 1000.0
        timeout = self.param("timeout")
        if timeout < 0:
            self.log.warning(
                "mod_init", "invalid value for 'timeout' %d; fallback to blocking mode" % timeout
            )
        self.rpc_timeout = timeout / 1000.0 if timeout > 0 else DEFAULT_RPC_TIMEOUT
        self.use_tls = bool(self.param("use_tls"))
        if self.use_tls:
            self.log.notice(
                "mod_init",
                "TLS connections check the broker against the system CA "
                "store (tls_mgm domains are not available in cfgscript)",
            )
        self.servers: dict[str, tuple[AmqpServer, AmqpRoute, Subscriber]] = {}
        for text in self.param("server_id"):
            self._add_server(text)

    # ------------------------------------------------ endpoints and connections

    def endpoint(self, sock: SocketFields) -> RabbitEndpoint:
        if sock.tls_domain and not self.use_tls:
            self.log.error("rmq_parse", "'use_tls' module parameter required for TLS support")
            raise ParseError
        if (
            len(to_bytes(sock.routing_key)) > SHORTSTR_MAX
            or len(to_bytes(sock.exchange)) > SHORTSTR_MAX
        ):
            self.log.error(
                "rmq_parse", "exchange and routing key take at most %d bytes" % SHORTSTR_MAX
            )
            raise ParseError
        user = DEFAULT_USER if sock.user is None else sock.user
        password = DEFAULT_USER if sock.password is None else sock.password
        port = sock.port or (DEFAULT_TLS_PORT if sock.tls_domain else DEFAULT_PORT)
        server = AmqpServer(
            sock.address, port, user, password, "/", bool(sock.tls_domain), self.heartbeat
        )
        properties = spec.BasicProperties(delivery_mode=2 if sock.persistent else None)
        route = AmqpRoute(sock.exchange, sock.routing_key, properties, mandatory=True)
        return RabbitEndpoint(
            sock.address, port, user, sock.routing_key, sock.exchange, server, route
        )

    def connection_parameters(self, server: AmqpServer) -> pika.ConnectionParameters:
        ssl_options = None
        if server.tls:
            ssl_options = pika.SSLOptions(ssl.create_default_context(), server.host)
        return pika.ConnectionParameters(
            host=server.host,
            port=server.port,
            virtual_host=server.vhost,
            credentials=pika.PlainCredentials(server.user, server.password, erase_on_connect=False),
            heartbeat=server.heartbeat,
            frame_max=server.frame_max,
            connection_attempts=1,
            socket_timeout=self.connect_timeout,
            stack_timeout=self.connect_timeout + self.rpc_timeout,
            ssl_options=ssl_options,
        )

    def make_worker(self, key: AmqpServer) -> AmqpWorker:
        return AmqpWorker(key, self.log, self.settings, self.connection_parameters)

    # ------------------------------------------------ server_id and rabbitmq_publish

    def _add_server(self, text: str) -> None:
        """A server_id modparam; a bad one is logged and left out (OpenSIPS
        would refuse to start)."""
        try:
            cid, server, route = parse_server_id(text, self.use_tls, self.log)
        except ValueError as err:
            self.log.error("rmq_server_add", str(err))
            return
        if cid in self.servers:
            self.log.error(
                "rmq_server_add",
                "Connection ID %s already defined! Please use "
                "different names for different connections!" % cid,
            )
            return
        self.servers[cid] = (server, route, Subscriber(None, None, "server_id:" + cid))

    @function(
        "rabbitmq_publish",
        Arg("str"),
        Arg("str"),
        Arg("str"),
        Arg("str", optional=True),
        Arg("var", optional=True, avp_only=True),
        Arg("var", optional=True, avp_only=True),
    )
    def rabbitmq_publish(
        self,
        ctx,
        server_id: str,
        routing_key: str,
        body: str,
        content_type: Optional[str] = None,
        names=None,
        values=None,
    ) -> int:
        entry = self.servers.get(server_id)
        if entry is None:
            self.log.error("fixup_rmq_server", "unknown connection id=%s" % server_id)
            return -1
        if (names is None) != (values is None):
            self.log.error(
                "rmq_publish",
                "header names without values!"
                if values is None
                else "header values without names!",
            )
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
