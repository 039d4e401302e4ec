"""Sender workers retire once no subscriber uses their destination: what was
raised before still gets the flush time (--flush-timeout) to be delivered,
then the connection is closed and the retries stop (event_stream and
event_xmlrpc, against loopback TCP listeners)."""

from __future__ import annotations

import json
import socket
import time

import pytest
from scripting import load_engine, log_lines
from support import free_port, wait_until

from cfgscript.mi.core import handle

FLUSH = 1.5
def engine_for(module: str):
    return load_engine('loadmodule "%s.so"\n'
                       'route[raise] { $avp(n) = "v"; $avp(v) = 1; '
                       'raise_event("E_R", $avp(n), $avp(v)); }\n'
                       'startup_route { raise_event("E_R"); }\n' % module,
                       flush_timeout=FLUSH)


def subscribe(engine, socket_text: str, expire: int) -> None:
    request = {"jsonrpc": "2.0", "id": 1, "method": "evi:subscribe",
               "params": {"event": "E_R", "socket": socket_text, "expire": expire}}
    assert json.loads(handle(engine.mi, json.dumps(request).encode()))["result"] == "OK"


def raise_once(engine) -> None:
    engine.run_top(engine.routes["raise"])


def count(engine, text: str) -> int:
    return sum(text in line for line in log_lines(engine))


def read_until_closed(listener: socket.socket, timeout: float) -> tuple[bytes, bool]:
    """Accept one connection and read it: what came, and whether the sender closed it."""
    deadline = time.monotonic() + timeout
    listener.settimeout(timeout)
    conn, _ = listener.accept()
    data = b""
    with conn:
        while time.monotonic() < deadline:
            conn.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                return data, True
            data += chunk
    return data, False


@pytest.mark.parametrize("module, proto, refused", [
    ("event_stream", "tcp", "stream_new_con: cannot connect"),
    ("event_xmlrpc", "xmlrpc", "xmlrpc_sendmsg: cannot connect"),
])
def test_a_down_destination_nobody_uses_stops_retrying(module, proto, refused) -> None:
    port = free_port()
    target = "tcp:127.0.0.1:%d" % port if proto == "tcp" else "xmlrpc:127.0.0.1:%d:m" % port
    engine = engine_for(module)
    try:
        subscribe(engine, target, 60)
        (sub,) = engine.events.get("E_R").subscribers
        raise_once(engine)
        assert wait_until(lambda: count(engine, "Connection refused") > 0, 5)
        subscribe(engine, target, 0)                    # unsubscribe
        gone = "1 event(s) to %s:127.0.0.1:%d not delivered: no subscriber uses it any more" \
               % (proto, port)
        assert wait_until(lambda: count(engine, gone) == 1, FLUSH + 4)
        attempts = count(engine, "Connection refused")
        time.sleep(3.5)         # retrying, the backoff would have tried again by now
        assert count(engine, "Connection refused") == attempts
        assert (sub.sent, sub.failed, sub.buffered) == (0, 1, 0)
    finally:
        engine.shutdown()
    assert count(engine, "not delivered at shutdown") == 0
    assert count(engine, refused) == attempts


def test_what_was_raised_before_is_delivered_then_the_connection_closes() -> None:
    port = free_port()
    engine = engine_for("event_stream")
    try:
        subscribe(engine, "tcp:127.0.0.1:%d" % port, 60)
        (sub,) = engine.events.get("E_R").subscribers
        for _ in range(3):
            raise_once(engine)
        assert wait_until(lambda: count(engine, "Connection refused") > 0, 5)
        subscribe(engine, "tcp:127.0.0.1:%d" % port, 0)
        with socket.create_server(("127.0.0.1", port)) as listener:   # back within the flush
            data, closed = read_until_closed(listener, FLUSH + 6)
        assert data == b'{"jsonrpc":"2.0","method":"E_R","params":{"v":1}}' * 3
        assert closed
        assert (sub.sent, sub.failed, sub.buffered) == (3, 0, 0)
    finally:
        engine.shutdown()
    assert count(engine, "not delivered") == 0


def test_an_idle_connection_closes_and_a_new_subscriber_gets_a_new_one() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        engine = engine_for("event_stream")
        try:
            subscribe(engine, "tcp:127.0.0.1:%d" % port, 60)
            raise_once(engine)
            subscribe(engine, "tcp:127.0.0.1:%d" % port, 0)
            first, closed = read_until_closed(listener, 6)
            assert (first, closed) == (b'{"jsonrpc":"2.0","method":"E_R","params":{"v":1}}',
                                       True)
            subscribe(engine, "tcp:127.0.0.1:%d/again" % port, 60)
            raise_once(engine)
            second, closed = read_until_closed(listener, 1.0)
            assert second == b'{"jsonrpc":"2.0","method":"again","params":{"v":1}}'
            assert not closed           # still subscribed: the connection stays
        finally:
            engine.shutdown()
