"""event_xmlrpc against real loopback peers: a stdlib HTTP server that parses
each request, and a raw listener for the exact bytes."""

from __future__ import annotations

import http.server
import socket
import threading
import time
import xml.etree.ElementTree as ET
import xmlrpc.client

import pytest
from scripting import load_engine, log_lines, run_script
from support import free_port, timed_route, wait_until

RESPONSE = (b'<?xml version="1.0"?>\n<methodResponse><params><param><value><string>OK'
            b'</string></value></param></params></methodResponse>\n')


class XmlRpcPeer:
    """An HTTP server that keeps (path, headers, body) of every POST; one
    request at a time, so they are kept in connection order."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[tuple[str, dict, bytes]] = []
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                peer.requests.append((self.path, dict(self.headers), body))
                try:        # event_xmlrpc does not read the answer
                    self.send_response(200)
                    self.send_header("Content-Type", "text/xml")
                    self.send_header("Content-Length", str(len(RESPONSE)))
                    self.end_headers()
                    self.wfile.write(RESPONSE)
                except OSError:
                    pass

            def log_message(self, *args) -> None:
                pass

        class Server(http.server.HTTPServer):
            allow_reuse_address = True
            request_queue_size = 128        # a connection per event: bursts of connects

            def handle_error(self, request, client_address) -> None:
                pass

        self.server = Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def bodies(self) -> list[bytes]:
        return [body for _, _, body in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def peer():
    server = XmlRpcPeer()
    yield server
    server.close()


def script(body: str, modparams: str = "") -> str:
    return 'loadmodule "event_xmlrpc.so"\n%s\nstartup_route {\n%s\n}\n' % (modparams, body)



PARAMS = ('$avp(a) = "s"; $avp(v) = "a <b> & \'c\' \\"d\\"";\n'
          '$avp(a) = "neg"; $avp(v) = -5;\n'
          '$avp(a) = "n<m>"; $avp(v) = 7;\n')


# ---------------------------------------------------------------- bytes

def test_exact_request_bytes() -> None:
    """The whole request, headers included, as OpenSIPS writes it (with the
    path form's "Host:" without a space)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        listener.settimeout(5)
        run_script(script('subscribe_event("E_X", "xmlrpc:127.0.0.1:%d:meth");\n'
                   'subscribe_event("E_Y", "xmlrpc:127.0.0.1:%d/a/b:other");\n'
                   '$avp(a) = "k"; $avp(v) = 1;\n'
                   'raise_event("E_X");\nraise_event("E_Y", $avp(a), $avp(v));' % (port, port)))
        requests = []
        for _ in range(2):
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(5)
                requests.append(b"".join(iter(lambda c=conn: c.recv(65536), b"")))
    body = (b'<?xml version="1.0"?>\n<methodCall>\n<methodName>meth</methodName>\n<params>\n'
            b'<param>\n<value><string>E_X</string></value>\n</param>\n</params>\n</methodCall>')
    assert requests[0] == (
        b"POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
        b"User-Agent: OpenSIPS XMLRPC Notifier\r\nContent-type: text/xml\r\n"
        b"Content-length: %d\r\n\r\n" % (port, len(body)) + body)
    body = (b'<?xml version="1.0"?>\n<methodCall>\n<methodName>other</methodName>\n<params>\n'
            b'<param>\n<value><string>E_Y</string></value>\n</param>\n'
            b'<param>\n<name>k</name>\n<value><int>1</int></value>\n</param>\n'
            b'</params>\n</methodCall>')
    assert requests[1] == (
        b"POST /a/b HTTP/1.1\r\nHost:127.0.0.1:%d\r\nConnection: close\r\n"
        b"User-Agent: OpenSIPS XMLRPC Notifier\r\nContent-type: text/xml\r\n"
        b"Content-length: %d\r\n\r\n" % (port, len(body)) + body)


def test_text_is_escaped_and_negative_ints_signed(peer) -> None:
    engine = run_script(script('subscribe_event("E<&>", "xmlrpc:127.0.0.1:%d:m&m");\n%s'
                        'raise_event("E<&>", $avp(a), $avp(v));\n'
                        'raise_event("E<&>", , $avp(v));' % (peer.port, PARAMS)))
    assert wait_until(lambda: len(peer.requests) == 2, 5)
    named, positional = peer.bodies()
    assert named == (
        b'<?xml version="1.0"?>\n<methodCall>\n<methodName>m&amp;m</methodName>\n<params>\n'
        b'<param>\n<value><string>E&lt;&amp;&gt;</string></value>\n</param>\n'
        b'<param>\n<name>n&lt;m&gt;</name>\n<value><int>7</int></value>\n</param>\n'
        b'<param>\n<name>neg</name>\n<value><int>-5</int></value>\n</param>\n'
        b'<param>\n<name>s</name>\n<value><string>a &lt;b&gt; &amp; \'c\' "d"</string>'
        b'</value>\n</param>\n</params>\n</methodCall>')
    for body in (named, positional):
        call = ET.fromstring(body)
        assert call.findtext("methodName") == "m&m"
        values = [v.findtext("*") for v in call.iter("value")]
        assert values == ["E<&>", "7", "-5", "a <b> & 'c' \"d\""]
    (sub,) = engine.events.get("E<&>").subscribers
    assert (sub.sent, sub.failed, sub.buffered) == (2, 0, 0)


def test_struct_params_are_standard_xml_rpc(peer) -> None:
    run_script(script('subscribe_event("E_S", "xmlrpc:127.0.0.1:%d:structs");\n%s'
               'raise_event("E_S", $avp(a), $avp(v));' % (peer.port, PARAMS),
               'modparam("event_xmlrpc", "use_struct_param", 1)'))
    assert wait_until(lambda: len(peer.requests) == 1, 5)
    params, method = xmlrpc.client.loads(peer.bodies()[0])
    assert method == "structs"
    assert params == ("E_S", {"n<m>": 7}, {"neg": -5}, {"s": "a <b> & 'c' \"d\""})
    path, headers, _ = peer.requests[0]
    assert path == "/RPC2" and headers["User-Agent"] == "OpenSIPS XMLRPC Notifier"


# ---------------------------------------------------------------- sockets

@pytest.mark.parametrize("rest, line", [
    ("127.0.0.1:8080", "method not specified <8080>"),
    ("127.0.0.1", "port not specified <127.0.0.1>"),
    ("127.0.0.1:", "invalid port number"),
    ("127.0.0.1:80x:m", "malformed port: 80x"),
    ("127.0.0.1:/p:m", "malformed port: /p"),
    ("127.0.0.1:8080:", "invalid method name"),
    ("no-such-host.invalid:8080:m", "cannot resolve host no-such-host.invalid"),
])
def test_bad_sockets(rest: str, line: str) -> None:
    engine = run_script(script('subscribe_event("E_B", "xmlrpc:%s");\n'
                        'xlog("L_NOTICE", "@ rc=$rc\\n");' % rest))
    assert log_lines(engine) == ["ERROR:event_xmlrpc:xmlrpc_parse: " + line, "NOTICE:@ rc=-1"]


def test_listing_omits_the_path_and_matching_ignores_it() -> None:
    engine = load_engine(script('subscribe_event("E_L", "xmlrpc:localhost:8080/x:m", 30);\n'
                                'subscribe_event("E_L", "xmlrpc:localhost:8080/y:m");'))
    engine.run_startup()
    (sub,) = engine.events.get("E_L").subscribers
    assert sub.socket == "xmlrpc:localhost:8080:m" and sub.endpoint.path == "/x"
    engine.shutdown()


def test_oversized_params_are_refused(peer) -> None:
    engine = run_script(script('subscribe_event("E_BIG", "xmlrpc:127.0.0.1:%d:m");\n'
                        '$var(s) = "0123456789abcdef";\n$var(i) = 0;\n'
                        'while ($var(i) < 9) { $var(s) = $var(s) + $var(s); '
                        '$var(i) = $var(i) + 1; }\n'
                        '$avp(s) = $var(s);\nraise_event("E_BIG", , $avp(s));\n'
                        'xlog("L_NOTICE", "@ rc=$rc\\n");' % peer.port))
    assert log_lines(engine) == ["ERROR:event_xmlrpc:xmlrpc_build_buffer: buffer too small...",
                                 "ERROR:event_xmlrpc:xmlrpc_raise: cannot create send buffer",
                                 "ERROR:core:w_raise_event: cannot raise event",
                                 "NOTICE:@ rc=-1"]
    assert peer.requests == []


# ---------------------------------------------------------------- faults

BURST = ('route[burst] {\n$var(i) = 0;\nwhile ($var(i) < 300) {\n'
         '$avp(v) := $var(i);\nraise_event("E_F", , $avp(v));\n$var(i) = $var(i) + 1;\n}\n}\n')


def test_refused_port_never_blocks_raising_and_recovers() -> None:
    """Raising to a refused port costs what raising to a live one does; once
    the server is up, everything queued arrives, in order."""
    port = free_port()
    healthy_peer = XmlRpcPeer()
    engine = load_engine(script('subscribe_event("E_F", "xmlrpc:127.0.0.1:%d:m");\n'
                                'subscribe_event("E_H", "xmlrpc:127.0.0.1:%d:m");'
                                % (port, healthy_peer.port)) + BURST.replace("E_F", "E_H")
                         .replace("burst", "healthy") + BURST)
    engine.run_startup()
    (sub,) = engine.events.get("E_F").subscribers
    try:
        healthy = timed_route(engine, "healthy")
        refused = timed_route(engine, "burst")
        assert refused < 5 * healthy + 0.2, (healthy, refused)
        assert wait_until(lambda: "Connection refused" in "\n".join(log_lines(engine)), 5)
        assert sub.sent == 0 and sub.buffered == 300
        late_peer = XmlRpcPeer(port)
        try:
            assert wait_until(lambda: sub.sent == 300, 15)
            assert wait_until(lambda: len(late_peer.requests) == 300, 5)
            numbers = [int(ET.fromstring(body).findall(".//int")[0].text)
                       for body in late_peer.bodies()]
        finally:
            late_peer.close()
    finally:
        engine.shutdown()
        healthy_peer.close()
    assert numbers == list(range(300))
    lines = log_lines(engine)
    assert "ERROR:event_xmlrpc:xmlrpc_sendmsg: cannot connect to 127.0.0.1[111:Connection " \
           "refused]" in lines
    assert "ERROR:event_xmlrpc:xmlrpc_process: cannot send message" in lines
    assert any("connection to xmlrpc:127.0.0.1:%d is back" % port in line for line in lines)


def test_shutdown_reports_what_a_dead_peer_did_not_get() -> None:
    port = free_port()
    engine = load_engine(script('subscribe_event("E_F", "xmlrpc:127.0.0.1:%d:m");' % port)
                         + BURST, flush_timeout=0.3)
    engine.run_startup()
    (sub,) = engine.events.get("E_F").subscribers
    timed_route(engine, "burst")
    start = time.monotonic()
    engine.shutdown()
    assert time.monotonic() - start < 2.0
    assert (sub.sent, sub.failed, sub.buffered) == (0, 300, 0)
    assert "ERROR:event_xmlrpc:mod_destroy: 300 event(s) to xmlrpc:127.0.0.1:%d not delivered " \
           "at shutdown" % port in log_lines(engine)


def test_failover_moves_on_when_the_xmlrpc_member_fails() -> None:
    """virtual:FAILOVER with a dead XML-RPC member first: the queued delivery
    fails, its callback hands the event to the next member."""
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        udp.settimeout(5)
        engine = load_engine(
            'loadmodule "event_xmlrpc.so"\nloadmodule "event_datagram.so"\n'
            'loadmodule "event_virtual.so"\n'
            'startup_route {\n'
            '    subscribe_event("E_V", "virtual:FAILOVER xmlrpc:127.0.0.1:%d:m '
            'udp:127.0.0.1:%d");\n'
            '    raise_event("E_V");\n'
            '    xlog("L_NOTICE", "@ rc=$rc\\n");\n'
            '}\n' % (port, udp.getsockname()[1]))
        try:
            engine.run_startup()
            assert wait_until(lambda: not engine.jobs.empty(), 5)
            engine.drain()
            assert udp.recv(65536) == b'{"jsonrpc":"2.0","method":"E_V"}'
        finally:
            engine.shutdown()
    assert "NOTICE:@ rc=1" in log_lines(engine)
