"""event_stream (tcp:) against raw loopback TCP peers: one that records and
answers JSON-RPC, one that never reads."""

from __future__ import annotations

import json
import re
import selectors
import socket
import threading
import time
from typing import Optional

import pytest
from scripting import load_engine, log_lines, run_script
from support import free_port, timed_route, wait_until


class StreamPeer:
    """Records what each connection sends. reply: None (silent), "result" or
    "error" for every object with an id; drop_after: close the first
    connection, unanswered, once it got that many objects."""

    def __init__(self, reply: Optional[str] = None, drop_after: Optional[int] = None,
                 port: int = 0) -> None:
        self.reply, self.drop_after = reply, drop_after
        self.listener = socket.create_server(("127.0.0.1", port))
        self.port = self.listener.getsockname()[1]
        self.chunks: list[list[bytes]] = []         # per connection, in accept order
        self.objects: list[list[dict]] = []
        self._index: dict[socket.socket, int] = {}
        self._unparsed: dict[socket.socket, str] = {}
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.listener, selectors.EVENT_READ)
        self._running = True
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._running = False
        self._thread.join(5)
        for sock in list(self._index):
            sock.close()
        self.listener.close()
        self._selector.close()

    def stream(self) -> bytes:
        return b"".join(chunk for connection in self.chunks for chunk in connection)

    def _loop(self) -> None:
        while self._running:
            for key, _ in self._selector.select(0.05):
                if key.fileobj is self.listener:
                    conn, _ = self.listener.accept()
                    self._index[conn] = len(self.chunks)
                    self._unparsed[conn] = ""
                    self.chunks.append([])
                    self.objects.append([])
                    self._selector.register(conn, selectors.EVENT_READ)
                else:
                    self._read(key.fileobj)

    def _read(self, conn: socket.socket) -> None:
        data = conn.recv(65536)
        if not data:
            self._forget(conn)
            return
        index = self._index[conn]
        self.chunks[index].append(data)
        text, position, decoder = self._unparsed[conn] + data.decode(), 0, json.JSONDecoder()
        while position < len(text):
            try:
                obj, position = decoder.raw_decode(text, position)
            except ValueError:
                break       # the rest is still on its way
            self.objects[index].append(obj)
            self._answer(conn, index, obj)
        self._unparsed[conn] = text[position:]
        if index == 0 and self.drop_after is not None and \
                len(self.objects[0]) >= self.drop_after:
            self._forget(conn)

    def _forget(self, conn: socket.socket) -> None:
        self._selector.unregister(conn)
        del self._index[conn], self._unparsed[conn]
        conn.close()

    def _answer(self, conn: socket.socket, index: int, obj: dict) -> None:
        dropping = index == 0 and self.drop_after is not None
        if self.reply is None or "id" not in obj or dropping:
            return
        answer = {"jsonrpc": "2.0", self.reply: "OK", "id": obj["id"]}
        conn.sendall(json.dumps(answer).encode())


@pytest.fixture
def peer():
    server = StreamPeer()
    yield server
    server.close()


def script(body: str, modparams: str = "", tail: str = "") -> str:
    return ('loadmodule "event_stream.so"\n%s\nstartup_route {\n%s\n}\n%s'
            % (modparams, body, tail))



PARAMS = ('$avp(a) = "s"; $avp(v) = "x \\"y\\"";\n'
          '$avp(a) = "i"; $avp(v) = -5;\n')


def burst(count: int, event: str = "E_F", value: str = "$var(i)") -> str:
    return ('route[burst] {\n$var(i) = 0;\nwhile ($var(i) < %d) {\n'
            '$avp(v) := %s;\nraise_event("%s", , $avp(v));\n$var(i) = $var(i) + 1;\n}\n}\n'
            % (count, value, event))


# ---------------------------------------------------------------- bytes

def test_notifications_back_to_back_on_one_connection(peer) -> None:
    """Two subscribers of one address share its connection; no delimiter."""
    engine = run_script(script('subscribe_event("E_S", "tcp:127.0.0.1:%d");\n'
                        'subscribe_event("E_S", "tcp:localhost:%d/meth");\n%s'
                        'raise_event("E_S");\n'
                        'raise_event("E_S", $avp(a), $avp(v));\n'
                        'raise_event("E_S", , $avp(v));' % (peer.port, peer.port, PARAMS)))
    assert wait_until(lambda: peer.stream().count(b"}{") == 5, 5)
    assert len(peer.chunks) == 1
    assert peer.stream() == (
        b'{"jsonrpc":"2.0","method":"meth"}{"jsonrpc":"2.0","method":"E_S"}'
        b'{"jsonrpc":"2.0","method":"meth","params":{"i":-5,"s":"x \\"y\\""}}'
        b'{"jsonrpc":"2.0","method":"E_S","params":{"i":-5,"s":"x \\"y\\""}}'
        b'{"jsonrpc":"2.0","method":"meth","params":[-5,"x \\"y\\""]}'
        b'{"jsonrpc":"2.0","method":"E_S","params":[-5,"x \\"y\\""]}')
    assert [s.socket for s in engine.events.get("E_S").subscribers] == [
        "tcp:localhost:%d/meth" % peer.port, "tcp:127.0.0.1:%d" % peer.port]
    assert [(s.sent, s.buffered) for s in engine.events.get("E_S").subscribers] == [(3, 0)] * 2


def test_reliable_mode_ids_event_param_and_replies() -> None:
    peer = StreamPeer(reply="result")
    try:
        engine = run_script(script('subscribe_event("E_R", "tcp:127.0.0.1:%d/m");\n%s'
                            'raise_event("E_R", $avp(a), $avp(v));\n'
                            'raise_event("E_R", , $avp(v));\nraise_event("E_R");'
                            % (peer.port, PARAMS),
                            'modparam("event_stream", "reliable_mode", 1)\n'
                            'modparam("event_stream", "event_param", "ev")'))
    finally:
        peer.close()
    ids = [int(n) for n in re.findall(rb'\{"id":(\d+),', peer.stream())]
    assert len(ids) == 3 and ids[1] - ids[0] == ids[2] - ids[1] == 4
    assert re.sub(rb'\{"id":\d+,', b'{"id":0,', peer.stream()) == (
        b'{"id":0,"jsonrpc":"2.0","method":"m","params":{"ev":"E_R","i":-5,"s":"x \\"y\\""}}'
        b'{"id":0,"jsonrpc":"2.0","method":"m","params":["E_R",-5,"x \\"y\\""]}'
        b'{"id":0,"jsonrpc":"2.0","method":"m"}')
    (sub,) = engine.events.get("E_R").subscribers
    assert (sub.sent, sub.failed, sub.buffered) == (3, 0, 0)


@pytest.mark.parametrize("reply, log", [("error", None), (None, "timed out!")])
def test_reliable_mode_failures(reply: Optional[str], log: Optional[str]) -> None:
    """A reply with "error", or none within `timeout` ms, fails the event."""
    peer = StreamPeer(reply=reply)
    try:
        engine = load_engine(script('subscribe_event("E_R", "tcp:127.0.0.1:%d");\n'
                                    'raise_event("E_R");' % peer.port,
                                    'log_level=3\nmodparam("event_stream", "reliable_mode", 1)\n'
                                    'modparam("event_stream", "timeout", 200)'))
        engine.run_startup()
        (sub,) = engine.events.get("E_R").subscribers
        assert wait_until(lambda: sub.failed == 1, 5)
        engine.shutdown()
    finally:
        peer.close()
    assert (sub.sent, sub.failed, sub.buffered) == (0, 1, 0)
    if log:
        assert any(line.startswith("INFO:event_stream:stream_cleanup_old: Handling JSON-RPC "
                                   'command [{"id":') and line.endswith(log)
                   for line in log_lines(engine))


# ---------------------------------------------------------------- sockets

@pytest.mark.parametrize("rest, line", [
    ("", "no socket specified"),
    ("127.0.0.1", "port not specified <127.0.0.1>"),
    (":80", "port not specified <:80>"),
    ("127.0.0.1:", "invalid port number"),
    ("127.0.0.1:0", "malformed port: 0"),
    ("127.0.0.1:70000/m", "malformed port: 70000"),
    ("no-such-host.invalid:80", "cannot resolve host no-such-host.invalid"),
])
def test_bad_sockets(rest: str, line: str) -> None:
    engine = run_script(script('subscribe_event("E_B", "tcp:%s");\nxlog("L_NOTICE", "@ rc=$rc\\n");'
                        % rest))
    assert log_lines(engine) == ["ERROR:event_stream:stream_parse: " + line, "NOTICE:@ rc=-1"]


# ---------------------------------------------------------------- faults

class SilentPeer:
    """Accepts connections and never reads: the sender's writes stall."""

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]

    def close(self) -> None:
        self.listener.close()


def test_peer_that_stops_reading_never_blocks_raising(peer) -> None:
    """1,000 events of 16 KB to a peer that never reads (more than socket
    buffers take): raising takes about as long as to a reading peer; what does
    not fit is counted as dropped; shutdown gives up after the flush time and
    reports what is left."""
    silent = SilentPeer()
    value = '"%s" + $var(i)' % ("x" * 16000)
    engine = load_engine(script('subscribe_event("E_F", "tcp:127.0.0.1:%d");\n'
                                'subscribe_event("E_H", "tcp:127.0.0.1:%d");'
                                % (silent.port, peer.port),
                                tail=burst(1000, "E_F", value) + burst(1000, "E_H", value)
                                .replace("burst", "healthy")),
                         queue_size=200, flush_timeout=0.3)
    try:
        engine.run_startup()
        (sub,) = engine.events.get("E_F").subscribers
        healthy = timed_route(engine, "healthy")
        stalled = timed_route(engine, "burst")
        assert stalled < 5 * healthy + 0.2, (healthy, stalled)
        assert sub.dropped > 0 and sub.failed == 0
        start = time.monotonic()
    finally:
        engine.shutdown()
        silent.close()
    assert time.monotonic() - start < 2.0
    assert sub.sent + sub.failed + sub.dropped == 1000 and sub.buffered == 0
    assert sub.failed > 0
    text = "\n".join(log_lines(engine))
    assert "queue to tcp:127.0.0.1:%d full (200 events)" % silent.port in text
    assert "%d event(s) to tcp:127.0.0.1:%d not delivered at shutdown" % (sub.failed,
                                                                         silent.port) in text


def test_refused_peer_then_up_gets_everything_in_order() -> None:
    port = free_port()
    engine = load_engine(script('subscribe_event("E_F", "tcp:127.0.0.1:%d");' % port,
                                tail=burst(200)))
    late: Optional[StreamPeer] = None
    try:
        engine.run_startup()
        (sub,) = engine.events.get("E_F").subscribers
        timed_route(engine, "burst")
        assert wait_until(lambda: "Connection refused" in "\n".join(log_lines(engine)), 5)
        assert (sub.sent, sub.buffered) == (0, 200)
        late = StreamPeer(port=port)
        assert wait_until(lambda: sub.sent == 200, 10)
        assert wait_until(lambda: sum(map(len, late.objects)) == 200, 5)
    finally:
        engine.shutdown()
        if late is not None:
            late.close()
    assert [o["params"][0] for connection in late.objects for o in connection] == list(range(200))
    lines = log_lines(engine)
    assert "ERROR:event_stream:stream_new_con: cannot connect to 127.0.0.1[111:Connection " \
           "refused]" in lines
    assert "ERROR:event_stream:handle_new_stream: cannot create new connection!" in lines


def test_reliable_requests_unanswered_when_the_connection_drops_are_sent_again() -> None:
    """The peer closes the first connection after 3 requests without answering:
    they go again, in order, on the next connection, which answers all."""
    peer = StreamPeer(reply="result", drop_after=3)
    try:
        engine = load_engine(script('subscribe_event("E_F", "tcp:127.0.0.1:%d");' % peer.port,
                                    'modparam("event_stream", "reliable_mode", 1)',
                                    tail=burst(10)))
        engine.run_startup()
        (sub,) = engine.events.get("E_F").subscribers
        timed_route(engine, "burst")
        assert wait_until(lambda: sub.sent == 10, 10)
        engine.shutdown()
    finally:
        peer.close()
    first, *later = peer.objects
    assert [o["params"][0] for o in first][:3] == [0, 1, 2]
    resent = [o["params"][0] for connection in later for o in connection]
    assert resent == list(range(10))
    assert (sub.sent, sub.failed, sub.buffered) == (10, 0, 0)
