"""event_rabbitmq against the real broker on 127.0.0.1:5672, read back with a
pika consumer; faults come from a loopback TCP proxy in front of the broker
(the broker itself is never touched). A missing broker fails these tests."""

from __future__ import annotations

import json
import time
import uuid

import pika
import pytest
from scripting import load_engine, log_lines
from support import free_port, timed_route, wait_until
from support.tcp_proxy import TcpProxy

BROKER = ("127.0.0.1", 5672)
BURST = 1000


@pytest.fixture(scope="module")
def broker():
    try:
        connection = pika.BlockingConnection(pika.ConnectionParameters(
            *BROKER, "/", pika.PlainCredentials("guest", "guest"), socket_timeout=3,
            stack_timeout=5, blocked_connection_timeout=10))
    except pika.exceptions.AMQPError as err:
        pytest.fail("RabbitMQ must run on %s:%d for these tests: %r" % (*BROKER, err))
    yield connection
    connection.close()


@pytest.fixture
def channel(broker):
    channel = broker.channel()
    yield channel
    channel.close()


@pytest.fixture
def queue(channel) -> str:
    """A new queue, bound to the default exchange under its own name; deleted after."""
    name = "cfgscript_test_%s" % uuid.uuid4().hex[:12]
    channel.queue_declare(name)
    yield name
    channel.queue_delete(name)


@pytest.fixture
def exchange(channel, queue) -> str:
    """A direct exchange routing key "rk" to the test queue; deleted after."""
    name = "cfgscript_test_ex_%s" % uuid.uuid4().hex[:12]
    channel.exchange_declare(name, "direct")
    channel.queue_bind(queue, name, "rk")
    yield name
    channel.exchange_delete(name)


def consume(channel, queue: str, count: int, timeout: float = 10.0) -> list:
    """Up to `count` messages as (method, properties, body), waiting at most timeout."""
    messages = []
    deadline = time.monotonic() + timeout
    for method, properties, body in channel.consume(queue, auto_ack=True,
                                                    inactivity_timeout=0.1):
        if method is not None:
            messages.append((method, properties, body))
        if len(messages) >= count or time.monotonic() > deadline:
            break
    channel.cancel()
    return messages


def numbers(messages: list) -> list[int]:
    """The params of the E_T messages (the warm-up event left out)."""
    payloads = [json.loads(body) for _, _, body in messages]
    return [p["params"][0] for p in payloads if p["method"] == "E_T"]


def first_arrivals(values: list[int]) -> list[int]:
    """Values in arrival order without repeats (delivery is at least once)."""
    seen: set[int] = set()
    return [v for v in values if not (v in seen or seen.add(v))]


def burst_script(socket_text: str, count: int = BURST) -> str:
    """E_T and E_WARM go to socket_text; startup raises E_WARM (so the
    connection opens); route[burst] raises E_T with the params 0..count-1."""
    return ('loadmodule "event_rabbitmq.so"\n'
            'route[burst] {\n'
            '    $var(i) = 0;\n'
            '    while ($var(i) < %d) {\n'
            '        $avp(v) := $var(i);\n'
            '        raise_event("E_T", , $avp(v));\n'
            '        $var(i) = $var(i) + 1;\n'
            '    }\n'
            '}\n'
            'startup_route {\n'
            '    subscribe_event("E_T", "%s");\n'
            '    subscribe_event("E_WARM", "%s");\n'
            '    raise_event("E_WARM");\n'
            '}\n' % (count, socket_text, socket_text))


# ---------------------------------------------------------------- bytes on the wire

def test_bodies_routes_and_properties(channel, queue, exchange) -> None:
    engine = load_engine(
        'loadmodule "event_rabbitmq.so"\n'
        'startup_route {\n'
        '    subscribe_event("E_R", "rabbitmq:127.0.0.1/%(q)s");\n'
        '    subscribe_event("E_R", "rabbitmq:guest:guest@127.0.0.1:5672/%(q)s");\n'
        '    subscribe_event("E_R", "rabbitmq:127.0.0.1/exchange=%(x)s; persistent ?rk");\n'
        '    raise_event("E_R");\n'
        '    $avp(a) = "s"; $avp(v) = "x\\"y/\\\\";\n'
        '    $avp(a) = "i"; $avp(v) = -5;\n'
        '    raise_event("E_R", $avp(a), $avp(v));\n'
        '    raise_event("E_R", , $avp(v));\n'
        '}\n' % {"q": queue, "x": exchange})
    engine.run_startup()
    engine.shutdown()
    messages = consume(channel, queue, 6)
    bodies = [
        b'{"jsonrpc":"2.0","method":"E_R"}',
        b'{"jsonrpc":"2.0","method":"E_R","params":{"i":-5,"s":"x\\"y/\\\\"}}',
        b'{"jsonrpc":"2.0","method":"E_R","params":[-5,"x\\"y/\\\\"]}',
    ]
    # per raise, newest subscriber first: the persistent one through the
    # exchange, then the plain one (the second subscribe only refreshed it)
    assert [(m.exchange, m.routing_key, p.delivery_mode, b) for m, p, b in messages] == [
        each for body in bodies for each in ((exchange, "rk", 2, body), ("", queue, None, body))]
    for _, properties, _ in messages:
        present = {k for k, v in vars(properties).items() if v is not None}
        assert present <= {"delivery_mode"}
    subscribers = engine.events.get("E_R").subscribers
    assert [(s.sent, s.failed, s.dropped, s.buffered) for s in subscribers] == [(3, 0, 0, 0)] * 2


def test_rabbitmq_publish_with_server_id(channel, queue) -> None:
    engine = load_engine(
        'loadmodule "event_rabbitmq.so"\n'
        'modparam("event_rabbitmq", "server_id", "[srv] uri = amqp://guest:guest@127.0.0.1")\n'
        'startup_route {\n'
        '    $avp(h) = "h1"; $avp(v) = "one";\n'
        '    $avp(h) = "h2"; $avp(v) = 2;\n'
        '    rabbitmq_publish("srv", "%s", "body <1>", "text/plain", $avp(h), $avp(v));\n'
        '    xlog("L_NOTICE", "@ rc=$rc\\n");\n'
        '    rabbitmq_publish("nope", "%s", "x");\n'
        '    xlog("L_NOTICE", "@ rc=$rc\\n");\n'
        '}\n' % (queue, queue))
    engine.run_startup()
    engine.shutdown()
    ((method, properties, body),) = consume(channel, queue, 1)
    assert body == b"body <1>" and method.routing_key == queue
    assert properties.content_type == "text/plain"
    assert properties.headers == {"h2": 2, "h1": "one"}
    lines = log_lines(engine)
    assert [line for line in lines if "@ " in line] == ["NOTICE:@ rc=1", "NOTICE:@ rc=-1"]
    assert "ERROR:event_rabbitmq:fixup_rmq_server: unknown connection id=nope" in lines


# ---------------------------------------------------------------- sockets

@pytest.mark.parametrize("rest, lines", [
    ("127.0.0.1", ["WARNING:event_rabbitmq:rmq_parse: not implemented 127.0.0.1",
                   "ERROR:event_rabbitmq:rmq_parse: error while parsing socket 127.0.0.1"]),
    ("127.0.0.1/durable?q", [
        "WARNING:event_rabbitmq:rmq_parse: unknown extra parameter: 'durable'",
        "ERROR:event_rabbitmq:rmq_parse: error while parsing socket 127.0.0.1/durable?q"]),
    ("127.0.0.1/tls_domain=dom?q", [
        "ERROR:event_rabbitmq:rmq_parse: 'use_tls' module parameter required for TLS support",
        "ERROR:event_rabbitmq:rmq_parse: error while parsing socket 127.0.0.1/tls_domain=dom?q"]),
    ("bob:s3cr%zzet@127.0.0.1/q", [
        "ERROR:event_rabbitmq:hex2int: 'z' is no hex char",
        "ERROR:event_rabbitmq:un_escape:  non-hex high digit in an escape sequence in '***' @ 5",
        "ERROR:event_rabbitmq:rmq_parse: error while parsing socket bob:***@127.0.0.1/q"]),
    ("127.0.0.1:0/q", ["ERROR:event_rabbitmq:rmq_parse: error while parsing socket "
                       "127.0.0.1:0/q"]),
])
def test_bad_sockets_give_minus_one_and_opensips_lines(rest: str, lines: list[str]) -> None:
    engine = load_engine('loadmodule "event_rabbitmq.so"\n'
                         'startup_route { subscribe_event("E_B", "rabbitmq:%s"); '
                         'xlog("L_NOTICE", "@ rc=$rc\\n"); }' % rest)
    engine.run_startup()
    engine.shutdown()
    assert log_lines(engine)[1:] == lines + ["NOTICE:@ rc=-1"]


def test_listing_matching_and_expiry_without_password() -> None:
    engine = load_engine(
        'loadmodule "event_rabbitmq.so"\n'
        'startup_route {\n'
        '    subscribe_event("E_L", "rabbitmq:bob:s3cret@127.0.0.1:5673/exchange=ex;'
        'persistent?key", 10);\n'
        '    subscribe_event("E_L", "rabbitmq:bob:other@127.0.0.1:5673/exchange=ex?key");\n'
        '    subscribe_event("E_L", "rabbitmq:127.0.0.1/%41key");\n'
        '}\n')
    engine.run_startup()
    subscribers = engine.events.get("E_L").subscribers
    assert [s.socket for s in subscribers] == ["rabbitmq:guest@127.0.0.1/Akey",
                                               "rabbitmq:bob@127.0.0.1/ex?key"]
    assert not any(s.expiring for s in subscribers)
    engine.shutdown()
    assert not any("s3cret" in line or "other@" in line for line in log_lines(engine))


def test_virtual_members_are_listed_without_password() -> None:
    engine = load_engine(
        'loadmodule "event_rabbitmq.so"\nloadmodule "event_virtual.so"\n'
        'startup_route { subscribe_event("E_V", "virtual:FAILOVER '
        'rabbitmq:bob:s3cret@127.0.0.1/key udp:127.0.0.1:9"); }\n')
    engine.run_startup()
    (sub,) = engine.events.get("E_V").subscribers
    engine.shutdown()
    assert sub.socket == "virtual:FAILOVER rabbitmq:bob:***@127.0.0.1/key udp:127.0.0.1:9"


def test_bad_server_ids_are_left_out_without_showing_the_password() -> None:
    engine = load_engine(
        'loadmodule "event_rabbitmq.so"\n'
        'modparam("event_rabbitmq", "server_id", "uri=amqp://u:s3cret@h")\n'
        'modparam("event_rabbitmq", "server_id", "[a] uri=http://u:s3cret@h")\n'
        'modparam("event_rabbitmq", "server_id", "[b] uri=amqp://u:s3cret@h; foo=bar")\n'
        'modparam("event_rabbitmq", "server_id", "[c] uri=amqps://u:s3cret@h")\n'
        'startup_route { rabbitmq_publish("b", "q", "x"); }\n')
    engine.run_startup()
    engine.shutdown()
    assert log_lines(engine)[1:] == [
        "ERROR:event_rabbitmq:rmq_server_add: cannot find connection id start: "
        "uri=amqp://u:***@h",
        "ERROR:event_rabbitmq:rmq_server_add: [a] cannot parse rabbitmq uri: http://u:***@h",
        "ERROR:event_rabbitmq:rmq_server_add: [b] Unknown parameter: foo",
        "ERROR:event_rabbitmq:rmq_server_add: [c] 'use_tls' modparam required for using amqps "
        "URIs!",
        "ERROR:event_rabbitmq:fixup_rmq_server: unknown connection id=b",
    ]


def test_oversized_event_is_refused(channel, queue) -> None:
    engine = load_engine(
        'loadmodule "event_rabbitmq.so"\n'
        'startup_route {\n'
        '    subscribe_event("E_BIG", "rabbitmq:127.0.0.1/%s");\n'
        '    $var(s) = "0123456789abcdef";\n'
        '    $var(i) = 0;\n'
        '    while ($var(i) < 10) { $var(s) = $var(s) + $var(s); $var(i) = $var(i) + 1; }\n'
        '    $avp(s) = $var(s);\n'
        '    raise_event("E_BIG", , $avp(s));\n'
        '    xlog("L_NOTICE", "@ rc=$rc\\n");\n'
        '}\n' % queue)
    engine.run_startup()
    engine.shutdown()
    lines = log_lines(engine)
    assert "NOTICE:@ rc=-1" in lines
    assert any("payload of 16432 bytes is over the 16384-byte AMQP limit" in line
               for line in lines)
    assert consume(channel, queue, 1, timeout=0.3) == []
    (sub,) = engine.events.get("E_BIG").subscribers
    assert (sub.sent, sub.failed) == (0, 1)


def test_unroutable_and_missing_exchange_fail_the_event_not_the_rest(channel, queue) -> None:
    """A message no queue takes comes back (mandatory) and counts as failed;
    a missing exchange closes the channel: its events fail, the others on
    the same connection still go, on a new channel."""
    nowhere = "cfgscript_test_none_%s" % uuid.uuid4().hex[:8]
    engine = load_engine(
        'loadmodule "event_rabbitmq.so"\n'
        'startup_route {\n'
        '    subscribe_event("E_LOST", "rabbitmq:127.0.0.1/%s");\n'
        '    subscribe_event("E_NOEX", "rabbitmq:127.0.0.1/exchange=%s?rk");\n'
        '    subscribe_event("E_OK", "rabbitmq:127.0.0.1/%s");\n'
        '    raise_event("E_LOST"); raise_event("E_LOST");\n'
        '    raise_event("E_NOEX");\n'
        '    raise_event("E_OK");\n'
        '}\n' % (nowhere, nowhere, queue))
    engine.run_startup()
    subs = {name: engine.events.get(name).subscribers[0] for name in ("E_LOST", "E_NOEX", "E_OK")}
    try:
        assert wait_until(lambda: subs["E_OK"].sent == 1, 10)
    finally:
        engine.shutdown()
    assert [(s.sent, s.failed, s.buffered) for s in subs.values()] == [(0, 2, 0), (0, 1, 0),
                                                                      (1, 0, 0)]
    assert [body for _, _, body in consume(channel, queue, 1)] == [
        b'{"jsonrpc":"2.0","method":"E_OK"}']
    text = "\n".join(log_lines(engine))
    assert 'routing key "%s" returned by the broker: 312 NO_ROUTE' % nowhere in text
    assert "server channel error 404, message: NOT_FOUND - no exchange '%s'" % nowhere in text


# ---------------------------------------------------------------- faults

def test_outage_loses_nothing_and_keeps_order(channel, queue) -> None:
    """The broker connection is cut and refused for 2 s while 1,000 events are
    raised: all arrive after the reconnect, in raise order, and raising took
    about as long as with the broker up."""
    with TcpProxy(BROKER) as proxy:
        engine = load_engine(burst_script("rabbitmq:127.0.0.1:%d/%s" % (proxy.port, queue)))
        try:
            engine.run_startup()
            (sub,) = engine.events.get("E_T").subscribers
            healthy = timed_route(engine, "burst")
            assert wait_until(lambda: sub.sent == BURST, 10)
            assert numbers(consume(channel, queue, BURST + 1)) == list(range(BURST))
            proxy.refuse(2.0)
            outage = timed_route(engine, "burst")
            assert proxy.refusing, "the burst must be raised during the outage"
            assert wait_until(lambda: sub.sent == 2 * BURST, 15)
        finally:
            engine.shutdown()
    arrived = numbers(consume(channel, queue, BURST))
    assert first_arrivals(arrived) == list(range(BURST))
    assert (sub.failed, sub.dropped, sub.buffered) == (0, 0, 0)
    assert outage < 5 * healthy + 0.2, (healthy, outage)
    text = "\n".join(log_lines(engine))
    assert "connection closed" in text and "is back" in text


def test_queue_bound_reports_exactly_the_overflow(channel, queue) -> None:
    with TcpProxy(BROKER) as proxy:
        engine = load_engine(burst_script("rabbitmq:127.0.0.1:%d/%s" % (proxy.port, queue)),
                             queue_size=100)
        try:
            engine.run_startup()
            (sub,) = engine.events.get("E_T").subscribers
            (warm,) = engine.events.get("E_WARM").subscribers
            assert wait_until(lambda: warm.sent == 1, 5)
            proxy.refuse(2.0)
            assert wait_until(lambda: "connection closed" in "\n".join(log_lines(engine)), 5)
            timed_route(engine, "burst")
            assert (sub.dropped, sub.buffered) == (BURST - 100, 100)
            assert wait_until(lambda: sub.sent == 100, 10)
        finally:
            engine.shutdown()
    assert numbers(consume(channel, queue, 101)) == list(range(100))
    assert (sub.sent, sub.failed, sub.dropped, sub.buffered) == (100, 0, BURST - 100, 0)
    text = "\n".join(log_lines(engine))
    assert "queue to rabbitmq:guest@127.0.0.1:%d full (100 events): event E_T dropped" \
        % proxy.port in text


def test_shutdown_is_bounded_and_reports_leftovers() -> None:
    port = free_port()
    engine = load_engine(burst_script("rabbitmq:127.0.0.1:%d/cfgscript_nowhere" % port, 50),
                         flush_timeout=0.5)
    engine.run_startup()
    (sub,) = engine.events.get("E_T").subscribers
    timed_route(engine, "burst")
    start = time.monotonic()
    engine.shutdown()
    assert time.monotonic() - start < 3.0
    assert (sub.sent, sub.failed, sub.buffered) == (0, 50, 0)
    lines = log_lines(engine)
    assert "ERROR:event_rabbitmq:mod_destroy: 51 event(s) to rabbitmq:guest@127.0.0.1:%d not " \
           "delivered at shutdown" % port in lines
    assert any("cannot connect to RabbitMQ server 127.0.0.1:%d (Connection refused)" % port
               in line for line in lines)
