"""rest_client against a real HTTP server on loopback: the headers a request
carries (appended ones, ones that remove or empty a default), bodies and
content types trimmed, chunked and empty replies, status codes, and the
return codes for an oversized reply, a server that answers nothing, a refused
connection, a bad URL and a transfer timeout. The expected lines are what
OpenSIPS 4.1 (libcurl 7.88) printed for the same script against the same server."""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def _reply(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        p = self.path
        if p.startswith("/slow"):
            time.sleep(2.5)
        if p.startswith("/close"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status, headers, out = 200, [("Content-Type", "application/json")], None
        if p.startswith("/missing"):
            status = 404
        if p.startswith("/spaces"):
            headers, out = [("Content-Type", "  text/plain ")], b" \t padded body \r\n\n"
        if p.startswith("/noctype"):
            headers, out = [], b"x"
        if p.startswith("/lowerctype"):
            headers, out = [("content-type", "text/lower")], b"y"
        if p.startswith("/twoctype"):
            headers, out = [("Content-Type", "a/one"), ("Content-Type", "b/two")], b"z"
        if p.startswith("/big"):
            out = b"b" * 3000
        if p.startswith("/empty"):
            status, headers, out = 204, [], b""
        if out is None:
            out = json.dumps({"method": self.command, "path": p, "body": body,
                              "headers": ["%s: %s" % kv for kv in self.headers.items()]}).encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if p.startswith("/chunked"):
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n")
            return
        if status != 204:
            self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        try:
            self.wfile.write(out)
        except OSError:
            pass
    do_GET = do_POST = do_PUT = _reply
    def log_message(self, *a): pass


@pytest.fixture()
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SCRIPT = """
loadmodule "rest_client.so"
modparam("rest_client", "connection_timeout", 2)
modparam("rest_client", "curl_timeout", 1)
modparam("rest_client", "max_transfer_size", 2)
startup_route {
    rest_get("http://127.0.0.1:PORT/echo?b=1", $var(body), $var(ct), $var(code));
    xlog("L_NOTICE", "@ get rc=$rc code=$var(code) ct=$var(ct) body=$var(body)\\n");
    rest_append_hf("X-Test: yes");
    rest_append_hf("Accept:");
    rest_append_hf("NoColon");
    rest_append_hf("X-Empty;");
    rest_append_hf("X-Two: a");
    rest_append_hf("X-Two: b");
    rest_post("http://127.0.0.1:PORT/echo", "k=v", , $var(body), $var(ct), $var(code));
    xlog("L_NOTICE", "@ post rc=$rc code=$var(code) body=$var(body)\\n");
    rest_post("http://127.0.0.1:PORT/echo", "k=v", "text/plain", $var(body));
    xlog("L_NOTICE", "@ post ctype rc=$rc body=$var(body)\\n");
    rest_put("http://127.0.0.1:PORT/echo", "{\\"a\\":1}", "application/json", $var(body));
    xlog("L_NOTICE", "@ put rc=$rc body=$var(body)\\n");
    rest_put("127.0.0.1:PORT/echo", "", , $var(body));
    xlog("L_NOTICE", "@ put empty no scheme rc=$rc body=$var(body)\\n");
    rest_get("http://127.0.0.1:PORT/missing", $var(body), , $var(code));
    xlog("L_NOTICE", "@ 404 rc=$rc code=$var(code)\\n");
    rest_get("http://127.0.0.1:PORT/spaces", $var(body), $var(ct));
    xlog("L_NOTICE", "@ spaces rc=$rc ct=[$var(ct)] body=[$var(body)]\\n");
    $var(ct) = "before";
    rest_get("http://127.0.0.1:PORT/noctype", $var(body), $var(ct));
    xlog("L_NOTICE", "@ noctype rc=$rc ct=[$var(ct)] body=[$var(body)]\\n");
    rest_get("http://127.0.0.1:PORT/lowerctype", $var(body), $var(ct));
    xlog("L_NOTICE", "@ lowerctype rc=$rc ct=[$var(ct)]\\n");
    rest_get("http://127.0.0.1:PORT/twoctype", $var(body), $var(ct));
    xlog("L_NOTICE", "@ twoctype rc=$rc ct=[$var(ct)]\\n");
    rest_get("http://127.0.0.1:PORT/chunked", $var(body));
    xlog("L_NOTICE", "@ chunked rc=$rc body=[$var(body)]\\n");
    $var(body) = "kept";
    rest_get("http://127.0.0.1:PORT/empty", $var(body), $var(ct), $var(code));
    xlog("L_NOTICE", "@ empty rc=$rc code=$var(code) ct=[$var(ct)] body=[$var(body)]\\n");
    $var(body) = "kept";
    rest_get("http://127.0.0.1:PORT/big", $var(body), , $var(code));
    xlog("L_NOTICE", "@ big rc=$rc code=$var(code) body=[$var(body)]\\n");
    rest_get("http://127.0.0.1:PORT/close", $var(body), , $var(code));
    xlog("L_NOTICE", "@ close rc=$rc code=$var(code) body=[$var(body)]\\n");
    rest_get("http://127.0.0.1:CLOSED/closed", $var(b2), , $var(code));
    xlog("L_NOTICE", "@ refused rc=$rc code=$var(code)\\n");
    rest_get("http://", $var(b2), , $var(code));
    xlog("L_NOTICE", "@ no host rc=$rc code=$var(code)\\n");
    $var(body) = "kept";
    rest_get("http://127.0.0.1:PORT/slow", $var(body), $var(ct), $var(code));
    xlog("L_NOTICE", "@ slow rc=$rc code=$var(code) ct=[$var(ct)] body=[$var(body)]\\n");
}
"""

OPENSIPS_SAID = (Path(__file__).parent / "data" / "rest_client" / "opensips_said.txt"
                 ).read_text().splitlines()


def _run(script: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cfgscript", "run", "--once", "--log-format",
                           "plain", str(script)], capture_output=True, text=True, timeout=60)


def test_requests_replies_and_return_codes(server: int, tmp_path: Path) -> None:
    closed = _closed_port()
    script = tmp_path / "rest.cfg"
    script.write_text(SCRIPT.replace("CLOSED", str(closed)).replace("PORT", str(server)))
    result = _run(script)
    lines = [line for line in result.stderr.splitlines() if "@" in line or "rest_client" in line]
    expected = [line.replace("CLOSED", str(closed)).replace("PORT", str(server))
                for line in OPENSIPS_SAID]
    assert lines == expected, result.stderr


def test_a_client_certificate_needs_tls_mgm(tmp_path: Path) -> None:
    script = tmp_path / "tls.cfg"
    script.write_text('loadmodule "rest_client.so"\n'
                      'startup_route { rest_init_client_tls("dom"); }\n')
    result = _run(script)
    assert result.returncode != 0
    assert ("ERROR:rest_client:mod_init: failed to load the tls_mgm API! Is the tls_mgm "
            "module loaded?") in result.stderr.splitlines()
