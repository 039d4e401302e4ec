"""Faults of the peers, injected while a script raises: a RabbitMQ connection
cut and restored (through a loopback proxy the test controls), a TCP peer that
never reads, an XML-RPC server that takes 10 s to answer, a UDP listener gone,
a unix socket removed or no longer read.

For each: raising never blocks beyond its budget, the interpreter keeps
running, and per subscriber sent + failed + buffered + dropped is what was
raised; at shutdown nothing stays buffered and what was left is reported."""

from __future__ import annotations

import http.server
import os
import socket
import threading
import time
import uuid
from pathlib import Path

import pika
import pytest
from scripting import load_engine, log_lines
from support import timed_route, wait_until
from support.tcp_proxy import TcpProxy

BROKER = ("127.0.0.1", 5672)
RAISE_BUDGET = 2.0          # seconds for one burst of raises, on a loaded 2-core machine


def _engine(socket_text: str, count: int, head: str = "", size: int = 0, **options):
    """An engine subscribed to socket_text; route[burst] raises E_F count
    times, with one parameter of `size` bytes when size is given."""
    param = '$avp(name) = "pad"; $avp(value) = "%s";\n' % ("x" * size) if size else ""
    call = 'raise_event("E_F", $avp(name), $avp(value))' if size else 'raise_event("E_F")'
    return load_engine(
        'max_while_loops = 1000000\n%s'
        'startup_route { subscribe_event("E_F", "%s"); }\n'
        'route[burst] {\n    %s    $var(i) = 0;\n'
        '    while ($var(i) < %d) { %s; $var(i) = $var(i) + 1; }\n}\n'
        % (head, socket_text, param, count, call), **options)


def _subscriber(engine):
    (sub,) = engine.events.get("E_F").subscribers
    return sub


def _accounted(sub) -> int:
    return sub.sent + sub.failed + sub.buffered + sub.dropped


def _burst(engine) -> None:
    took = timed_route(engine, "burst")
    assert took < RAISE_BUDGET, "raising blocked for %.2f s" % took


def _shutdown(engine, budget: float) -> None:
    started = time.monotonic()
    engine.shutdown()
    took = time.monotonic() - started
    assert took < budget, "shutdown took %.2f s" % took


def _left_report(engine) -> int:
    """The count in the "not delivered at shutdown" line (0 without one)."""
    for line in log_lines(engine):
        if "not delivered at shutdown" in line:
            return int(line.split("mod_destroy: ")[1].split()[0])
    return 0


# ---------------------------------------------------------------- rabbitmq

@pytest.fixture
def amqp_queue():
    try:
        connection = pika.BlockingConnection(pika.ConnectionParameters(
            *BROKER, "/", pika.PlainCredentials("guest", "guest"), socket_timeout=3,
            stack_timeout=5))
    except pika.exceptions.AMQPError as err:
        pytest.fail("RabbitMQ must run on %s:%d for this test: %r" % (*BROKER, err))
    channel = connection.channel()
    name = "cfgscript_fault_%s" % uuid.uuid4().hex[:12]
    channel.queue_declare(name)
    yield channel, name
    channel.queue_delete(name)
    connection.close()


def test_rabbitmq_connection_cut_and_restored_while_raising(amqp_queue) -> None:
    channel, queue = amqp_queue
    with TcpProxy(BROKER) as proxy:
        engine = _engine("rabbitmq:127.0.0.1:%d/%s" % (proxy.port, queue), 300,
                         'loadmodule "event_rabbitmq.so"\n', flush_timeout=5)
        engine.run_startup()
        sub = _subscriber(engine)
        _burst(engine)
        assert wait_until(lambda: sub.sent == 300, 10), (sub, log_lines(engine))
        proxy.refuse(1.0)                   # cut, and down for a second
        _burst(engine)                      # raised while the broker is unreachable
        assert _accounted(sub) == 600
        proxy.cut()                         # and once more while it reconnects
        _burst(engine)
        assert _accounted(sub) == 900
        assert wait_until(lambda: sub.sent == 900, 15), (sub, log_lines(engine)[-5:])
        _shutdown(engine, 6)
    assert (sub.sent, sub.failed, sub.buffered, sub.dropped) == (900, 0, 0, 0)
    assert _left_report(engine) == 0
    arrived = channel.queue_declare(queue, passive=True).method.message_count
    assert arrived >= 900                   # at least once: a resend may repeat one
    assert any("connection to rabbitmq:" in line and "is back" in line
               for line in log_lines(engine))


# ---------------------------------------------------------------- event_stream

def test_tcp_peer_that_never_reads() -> None:
    with socket.socket() as peer:
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        peer.bind(("127.0.0.1", 0))
        peer.listen(1)                      # the connection is made, never read
        port = peer.getsockname()[1]
        engine = _engine("tcp:127.0.0.1:%d" % port, 3000, 'loadmodule "event_stream.so"\n',
                         size=16000, queue_size=500, flush_timeout=0.3)
        engine.run_startup()
        sub = _subscriber(engine)
        _burst(engine)
        assert _accounted(sub) == 3000 and sub.dropped > 0, sub
        _burst(engine)                      # still never waits
        assert _accounted(sub) == 6000
        _shutdown(engine, 3)
    assert sub.buffered == 0 and _accounted(sub) == 6000, sub
    assert 0 < _left_report(engine) <= sub.failed, (sub, log_lines(engine)[-4:])
    assert any("queue to tcp:127.0.0.1:%d full" % port in line for line in log_lines(engine))


# ---------------------------------------------------------------- event_xmlrpc

class _SlowHandler(http.server.BaseHTTPRequestHandler):
    """Answers each request after 10 s (or when the test lets it go)."""
    release = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.release.wait(10)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_xmlrpc_server_that_answers_after_10_seconds() -> None:
    """One request at a time: the server's backlog fills, then connecting
    waits out the send timeout; raising is never held up."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _SlowHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        engine = _engine("xmlrpc:127.0.0.1:%d:notify" % server.server_address[1], 400,
                         'loadmodule "event_xmlrpc.so"\n', queue_size=100, flush_timeout=0.5)
        engine.run_startup()
        sub = _subscriber(engine)
        _burst(engine)
        assert _accounted(sub) == 400 and sub.dropped > 0, sub
        time.sleep(0.5)
        _burst(engine)
        assert _accounted(sub) == 800
        _shutdown(engine, 3)
    finally:
        _SlowHandler.release.set()
        server.shutdown()
        server.server_close()
    assert sub.buffered == 0 and _accounted(sub) == 800, sub
    assert _left_report(engine) > 0


# ---------------------------------------------------------------- event_datagram

def test_udp_listener_gone() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    engine = _engine("udp:127.0.0.1:%d" % port, 2000, 'loadmodule "event_datagram.so"\n')
    engine.run_startup()
    sub = _subscriber(engine)
    _burst(engine)
    _shutdown(engine, 2)
    assert _accounted(sub) == 2000 and sub.buffered == 0, sub


def test_unix_socket_removed(tmp_path: Path) -> None:
    path = str(tmp_path / "events.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(path)
        engine = _engine("unix:" + path, 500, 'loadmodule "event_datagram.so"\n')
        engine.run_startup()
    os.unlink(path)
    sub = _subscriber(engine)
    _burst(engine)
    _shutdown(engine, 2)
    assert (sub.sent, sub.failed) == (0, 500), sub
    assert any("Cannot raise datagram event due to" in line for line in log_lines(engine))


def test_unix_receiver_that_stops_reading(tmp_path: Path) -> None:
    """A full receive buffer costs one send timeout, then each event fails at
    once until the receiver reads again."""
    path = str(tmp_path / "events.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(path)
        engine = _engine("unix:" + path, 2000, 'loadmodule "event_datagram.so"\n', size=1000)
        engine.run_startup()
        sub = _subscriber(engine)
        _burst(engine)
        assert _accounted(sub) == 2000 and sub.failed > 0 and sub.sent > 0, sub
        listener.setblocking(False)
        received = 0
        for _ in range(100_000):
            try:
                listener.recv(65536)
            except BlockingIOError:
                break
            received += 1
        assert received == sub.sent
        engine.run_top(engine.routes["burst"])
        assert sub.sent > received              # it reads again: sending works again
    _shutdown(engine, 2)
    assert _accounted(sub) == 4000
