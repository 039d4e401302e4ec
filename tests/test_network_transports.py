"""rabbitmq:, xmlrpc: and tcp: against real peers on loopback, with faults
injected by a TCP proxy the test controls (the shared broker is never stopped)."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
import xmlrpc.server

import pika
import pytest
from netfaults import SilentListener, TcpProxy, accept_one, closed_port, read_stream, wait_until
from scripting import load_engine, log_lines

BROKER = ("127.0.0.1", 5672)


# ---------------------------------------------------------------- fixtures

def _broker_connection() -> pika.BlockingConnection:
    return pika.BlockingConnection(pika.ConnectionParameters(
        *BROKER, "/", pika.PlainCredentials("guest", "guest"),
        socket_timeout=2, blocked_connection_timeout=5))


@pytest.fixture(scope="module")
def broker():
    try:
        connection = _broker_connection()
    except pika.exceptions.AMQPError as err:
        message = "RabbitMQ is not reachable on %s:%d: %r" % (*BROKER, err)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield connection
    connection.close()


@pytest.fixture
def queue(broker):
    """A fresh exclusive queue on the default exchange: its name is the routing key."""
    channel = broker.channel()
    name = "cfgscript-test-" + uuid.uuid4().hex[:12]
    channel.queue_declare(name, exclusive=True, auto_delete=True)
    yield channel, name
    channel.queue_delete(name)
    channel.close()


def queued_bodies(channel, name: str, count: int, timeout: float = 15) -> list[bytes]:
    """Take messages off the queue until `count` arrived or the time is up."""
    bodies: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(bodies) < count and time.monotonic() < deadline:
        method, properties, body = channel.basic_get(name, auto_ack=True)
        if method is None:
            time.sleep(0.05)
            continue
        bodies.append(body)
    return bodies


def first_occurrences(numbers: list[int]) -> list[int]:
    seen: set[int] = set()
    return [n for n in numbers if not (n in seen or seen.add(n))]


def raising_script(module: str, socket_text: str, count: int, pause_us: int = 0,
                   modparams: str = "", text: str = "<value & more>") -> str:
    pause = "usleep(%d);" % pause_us if pause_us else ""
    return ('loadmodule "cfgutils.so"\nloadmodule "%s.so"\n%s\n'
            'route[raise_all] {\n'
            '  $var(i) = 0;\n'
            '  while ($var(i) < %d) {\n'
            '    $avp(v) = $var(i); $avp(v) = "%s";\n'
            '    $avp(a) = "n"; $avp(a) = "v";\n'
            '    raise_event("E_NET", $avp(a), $avp(v));\n'
            '    %s $var(i) = $var(i) + 1;\n'
            '    $avp(a) := NULL; $avp(v) := NULL;\n'
            '  }\n'
            '}\n'
            'startup_route { subscribe_event("E_NET", "%s"); }\n'
            % (module, modparams, count, text, pause, socket_text))


def subscriber(engine, event: str = "E_NET"):
    (sub,) = engine.events.get(event).subscribers
    return sub


def timed_raise(engine) -> float:
    started = time.perf_counter()
    engine.run_top(engine.routes["raise_all"])
    return time.perf_counter() - started


# ---------------------------------------------------------------- rabbitmq

def test_rabbitmq_body_and_properties(queue) -> None:
    channel, name = queue
    engine = load_engine(
        'loadmodule "event_rabbitmq.so"\n'
        'startup_route {\n'
        '  subscribe_event("E_RMQ", "rabbitmq:127.0.0.1/persistent?%s");\n'
        '  $avp(a) = "s"; $avp(v) = "x\\"y"; $avp(a) = "i"; $avp(v) = -5;\n'
        '  raise_event("E_RMQ", $avp(a), $avp(v));\n'
        '}\n' % name)
    engine.run_startup()
    engine.shutdown()
    method, properties, body = None, None, b""
    deadline = time.monotonic() + 10
    while method is None and time.monotonic() < deadline:
        method, properties, body = channel.basic_get(name, auto_ack=True)
        time.sleep(0.02)
    assert body == b'{"jsonrpc":"2.0","method":"E_RMQ","params":{"i":-5,"s":"x\\"y"}}'
    assert properties.delivery_mode == 2
    assert properties.content_type is None and properties.headers is None
    assert subscriber(engine, "E_RMQ").sent == 1


@pytest.mark.parametrize("socket_text", [
    "rabbitmq:",
    "rabbitmq:127.0.0.1",
    "rabbitmq:127.0.0.1:99999/key",
    "rabbitmq:127.0.0.1/bogus?key",
    "rabbitmq:127.0.0.1/tls_domain=d?key",
    "rabbitmq:u:p%zz@127.0.0.1/key",
])
def test_rabbitmq_bad_sockets_are_refused(socket_text: str) -> None:
    engine = load_engine('loadmodule "event_rabbitmq.so"\n'
                         'startup_route { subscribe_event("E_BAD", "%s"); '
                         'xlog("@ rc=$rc\\n"); }' % socket_text)
    engine.run_startup()
    engine.shutdown()
    lines = log_lines(engine)
    assert lines[-1] == "NOTICE:@ rc=-1"
    assert any(line.startswith("ERROR:") for line in lines[:-1]), lines
    assert all("p%zz" not in line for line in lines)


def test_rabbitmq_password_never_printed() -> None:
    engine = load_engine('loadmodule "event_rabbitmq.so"\n'
                         'startup_route { subscribe_event("E_PW", '
                         '"rabbitmq:user:s3cret@127.0.0.1/bogus?key"); }')
    engine.run_startup()
    engine.shutdown()
    text = "\n".join(log_lines(engine))
    assert "rmq_parse" in text and "s3cret" not in text


def test_rabbitmq_oversized_payload_is_refused(queue) -> None:
    channel, name = queue
    engine = load_engine(
        'loadmodule "event_rabbitmq.so"\n'
        'startup_route {\n'
        '  subscribe_event("E_BIG", "rabbitmq:127.0.0.1/%s");\n'
        '  $var(x) = "x"; $avp(a) = "blob"; $avp(v) = $(var(x){s.width,16384});\n'
        '  raise_event("E_BIG", $avp(a), $avp(v)); xlog("@ rc=$rc\\n");\n'
        '}\n' % name)
    engine.run_startup()
    engine.shutdown()
    lines = log_lines(engine)
    assert "NOTICE:@ rc=-1" in lines
    assert any("16384-byte AMQP limit" in line for line in lines), lines
    assert (subscriber(engine, "E_BIG").sent, subscriber(engine, "E_BIG").failed) == (0, 1)


def test_rabbitmq_outage_loses_nothing(queue) -> None:
    """The proxy drops the broker connection for 2 s while 1,000 events are
    raised: all of them arrive, in raise order (a message whose confirm was
    lost with the connection may arrive twice: delivery is at least once)."""
    channel, name = queue
    with TcpProxy(BROKER) as proxy:
        engine = load_engine(raising_script(
            "event_rabbitmq", "rabbitmq:127.0.0.1:%d/%s" % (proxy.port, name), 1000,
            pause_us=3000))
        engine.run_startup()
        cutter = threading.Timer(0.5, proxy.cut)
        restorer = threading.Timer(2.5, proxy.restore)
        cutter.start(), restorer.start()
        try:
            raise_time = timed_raise(engine)
        finally:
            cutter.join(), restorer.join()
        engine.shutdown()
        numbers = [json.loads(body)["params"]["n"]
                   for body in queued_bodies(channel, name, 1000)]
    assert raise_time > 2.5, "the cut must happen while events are raised"
    assert first_occurrences(numbers) == list(range(1000))
    sub = subscriber(engine)
    assert (sub.sent, sub.failed, sub.dropped, sub.buffered) == (1000, 0, 0, 0)
    text = "\n".join(log_lines(engine))
    assert "connection closed" in text and "is back" in text


def test_rabbitmq_queue_bound_counts_overflow(queue) -> None:
    """With 100 events of room and the broker unreachable, raising 1,000
    refuses exactly 900, reported; the 100 are delivered after the outage."""
    channel, name = queue
    with TcpProxy(BROKER) as proxy:
        proxy.cut()
        engine = load_engine(raising_script(
            "event_rabbitmq", "rabbitmq:127.0.0.1:%d/%s" % (proxy.port, name), 1000),
            queue_size=100)
        engine.run_startup()
        timed_raise(engine)
        sub = subscriber(engine)
        assert (sub.dropped, sub.buffered) == (900, 100)
        proxy.restore()
        assert wait_until(lambda: sub.sent == 100, 10)
        engine.shutdown()
        numbers = [json.loads(body)["params"]["n"] for body in queued_bodies(channel, name, 100)]
    assert numbers == list(range(100))
    assert (sub.sent, sub.failed, sub.dropped, sub.buffered) == (100, 0, 900, 0)
    text = "\n".join(log_lines(engine))
    assert "queue to rabbitmq:guest@127.0.0.1:%d full (100 events)" % proxy.port in text
    assert "899 more event(s) dropped" in text or "more like it before" in text


def test_rabbitmq_shutdown_reports_what_is_left() -> None:
    with TcpProxy(BROKER) as proxy:
        proxy.cut()
        engine = load_engine(raising_script(
            "event_rabbitmq", "rabbitmq:127.0.0.1:%d/nowhere" % proxy.port, 50),
            flush_timeout=0.3)
        engine.run_startup()
        timed_raise(engine)
        started = time.monotonic()
        engine.shutdown()
        elapsed = time.monotonic() - started
    assert elapsed < 3
    sub = subscriber(engine)
    assert (sub.sent, sub.failed, sub.buffered) == (0, 50, 0)
    assert any("50 event(s) to rabbitmq:guest@127.0.0.1:%d not delivered at shutdown"
               % proxy.port in line for line in log_lines(engine))


# ---------------------------------------------------------------- xmlrpc

class XmlRpcReceiver:
    """The stdlib XML-RPC server, recording every call of any method."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple]] = []
        self.server = xmlrpc.server.SimpleXMLRPCServer(("127.0.0.1", 0), logRequests=False,
                                                       allow_none=True)
        self.server.register_instance(self)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def _dispatch(self, method: str, params: tuple):
        self.calls.append((method, params))
        return 0

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def xmlrpc_receiver():
    receiver = XmlRpcReceiver()
    yield receiver
    receiver.close()


def test_xmlrpc_requests_are_valid_xml_rpc(xmlrpc_receiver) -> None:
    engine = load_engine(raising_script(
        "event_xmlrpc", "xmlrpc:127.0.0.1:%d:notify" % xmlrpc_receiver.port, 3))
    engine.run_startup()
    timed_raise(engine)
    engine.shutdown()
    assert wait_until(lambda: len(xmlrpc_receiver.calls) == 3, 5)
    # OpenSIPS's shape puts <name> beside <value> in a <param>; the stdlib reads
    # each name as one more string parameter
    assert xmlrpc_receiver.calls[0] == ("notify", ("E_NET", "v", "<value & more>", "n", 0))
    assert [call[1][4] for call in xmlrpc_receiver.calls] == [0, 1, 2]
    assert subscriber(engine).sent == 3


def test_xmlrpc_struct_params(xmlrpc_receiver) -> None:
    engine = load_engine(raising_script(
        "event_xmlrpc", "xmlrpc:127.0.0.1:%d/RPC2:notify" % xmlrpc_receiver.port, 1,
        modparams='modparam("event_xmlrpc", "use_struct_param", 1)'))
    engine.run_startup()
    timed_raise(engine)
    engine.shutdown()
    assert wait_until(lambda: len(xmlrpc_receiver.calls) == 1, 5)
    assert xmlrpc_receiver.calls == [("notify", ("E_NET", {"v": "<value & more>"}, {"n": 0}))]


def test_xmlrpc_negative_int_is_signed(xmlrpc_receiver) -> None:
    engine = load_engine(
        'loadmodule "event_xmlrpc.so"\n'
        'startup_route { subscribe_event("E_NEG", "xmlrpc:127.0.0.1:%d:m");\n'
        '  $avp(a) = "n"; $avp(v) = -7; raise_event("E_NEG", $avp(a), $avp(v)); }'
        % xmlrpc_receiver.port)
    engine.run_startup()
    engine.shutdown()
    assert wait_until(lambda: xmlrpc_receiver.calls == [("m", ("E_NEG", "n", -7))], 5)


def test_xmlrpc_refused_port_never_blocks_raising(xmlrpc_receiver) -> None:
    live = load_engine(raising_script(
        "event_xmlrpc", "xmlrpc:127.0.0.1:%d:m" % xmlrpc_receiver.port, 500))
    dead_port = closed_port()
    dead = load_engine(raising_script("event_xmlrpc", "xmlrpc:127.0.0.1:%d:m" % dead_port, 500),
                       flush_timeout=0.3)
    for engine in (live, dead):
        engine.run_startup()
    live_time, dead_time = timed_raise(live), timed_raise(dead)
    live.shutdown()
    dead.shutdown()
    print("raise loop, 500 events: live server %.1f ms, refused port %.1f ms"
          % (live_time * 1000, dead_time * 1000))
    assert dead_time < max(2 * live_time, 0.5)
    sub = subscriber(dead)
    assert sub.sent == 0 and sub.failed == 500
    text = "\n".join(log_lines(dead))
    assert "cannot connect to 127.0.0.1[111:Connection refused]" in text
    assert "500 event(s) to xmlrpc:127.0.0.1:%d not delivered at shutdown" % dead_port in text


# ---------------------------------------------------------------- tcp (event_stream)

def test_stream_peer_that_stops_reading_never_blocks_raising() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    reader_port = listener.getsockname()[1]
    received = bytearray()

    def read_all() -> None:
        peer = accept_one(listener, 5)
        if peer is None:
            return
        with peer:
            peer.settimeout(5)
            while chunk := peer.recv(1 << 16):
                received.extend(chunk)

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    count, text = 10000, "x" * 1000      # 10 MB: more than the socket buffers hold
    with SilentListener() as silent:
        live = load_engine(raising_script("event_stream", "tcp:127.0.0.1:%d" % reader_port,
                                          count, text=text))
        stuck = load_engine(raising_script("event_stream", "tcp:127.0.0.1:%d" % silent.port,
                                           count, text=text), flush_timeout=0.3)
        for engine in (live, stuck):
            engine.run_startup()
        live_time, stuck_time = timed_raise(live), timed_raise(stuck)
        assert wait_until(lambda: silent.connections, 5)
        started = time.monotonic()
        stuck.shutdown()
        stuck_shutdown = time.monotonic() - started
    live.shutdown()
    reader.join(10)
    listener.close()
    print("raise loop, %d events: reading peer %.1f ms, silent peer %.1f ms"
          % (count, live_time * 1000, stuck_time * 1000))
    assert stuck_time < max(2 * live_time, 0.5)
    assert stuck_shutdown < 3
    assert received.count(b'"method":"E_NET"') == count
    sub = subscriber(stuck)
    assert sub.buffered == 0 and sub.sent + sub.failed == count and sub.failed > 0
    assert any("not delivered at shutdown" in line for line in log_lines(stuck))


def test_stream_reconnects_and_sends_the_rest() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    engine = load_engine(
        'loadmodule "event_stream.so"\n'
        'route[one] { $avp(a) = "n"; $avp(v) = $var(n); raise_event("E_S", $avp(a), $avp(v)); '
        '$var(n) = $var(n) + 1; }\n'
        'startup_route { $var(n) = 0; subscribe_event("E_S", "tcp:127.0.0.1:%d"); }' % port)
    engine.run_startup()
    engine.run_top(engine.routes["one"])
    first = accept_one(listener, 5)
    assert first is not None
    assert read_stream(first, b"}}", 5) == b'{"jsonrpc":"2.0","method":"E_S","params":{"n":0}}'
    first.close()                       # the peer goes away
    time.sleep(0.2)
    for _ in range(3):
        engine.run_top(engine.routes["one"])
    second = accept_one(listener, 10)
    assert second is not None
    data = read_stream(second, b'"n":3}}', 10)
    engine.shutdown()
    second.close()
    listener.close()
    # the sender saw the peer close and reconnected for the next events
    assert data == b"".join(b'{"jsonrpc":"2.0","method":"E_S","params":{"n":%d}}' % n
                            for n in (1, 2, 3))
