"""rest_client against a real HTTP server on loopback: GET/POST/PUT, appended
headers, content types, status codes, and the return codes for a refused
connection and a transfer timeout. The expected lines are what OpenSIPS 4.1
printed for the same script against the same server."""

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
    def _reply(self) -> None:
        if "slow" in self.path:
            time.sleep(2.5)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        out = json.dumps({"method": self.command, "path": self.path,
                          "ctype": self.headers.get("Content-Type"),
                          "x": self.headers.get("X-Test"), "body": body}, sort_keys=True).encode()
        self.send_response(404 if "missing" in self.path else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        try:
            self.wfile.write(out)
        except OSError:
            pass                        # the client gave up (the timeout test)

    do_GET = do_POST = do_PUT = _reply

    def log_message(self, *args) -> None:
        pass


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
startup_route {
    rest_get("http://127.0.0.1:PORT/a?b=1", $var(body), $var(ct), $var(code));
    xlog("L_NOTICE", "@ get rc=$rc code=$var(code) ct=$var(ct) body=$var(body)\\n");
    rest_append_hf("X-Test: yes");
    rest_post("http://127.0.0.1:PORT/p", "k=v", , $var(body), $var(ct), $var(code));
    xlog("L_NOTICE", "@ post rc=$rc code=$var(code) body=$var(body)\\n");
    rest_put("http://127.0.0.1:PORT/u", "{\\"a\\":1}", "application/json", $var(body));
    xlog("L_NOTICE", "@ put rc=$rc body=$var(body)\\n");
    rest_get("http://127.0.0.1:PORT/missing", $var(body), , $var(code));
    xlog("L_NOTICE", "@ 404 rc=$rc code=$var(code)\\n");
    rest_get("http://127.0.0.1:CLOSED/closed", $var(b2), , $var(code));
    xlog("L_NOTICE", "@ refused rc=$rc code=$var(code)\\n");
    rest_get("http://127.0.0.1:PORT/slow", $var(b3), , $var(code));
    xlog("L_NOTICE", "@ slow rc=$rc code=$var(code)\\n");
}
"""

EXPECTED = [
    'NOTICE:@ get rc=1 code=200 ct=application/json body={"body": "", "ctype": null, '
    '"method": "GET", "path": "/a?b=1", "x": null}',
    'NOTICE:@ post rc=1 code=200 body={"body": "k=v", "ctype": null, "method": "POST", '
    '"path": "/p", "x": "yes"}',
    'NOTICE:@ put rc=1 body={"body": "{\\"a\\":1}", "ctype": "application/json", '
    '"method": "PUT", "path": "/u", "x": null}',
    "NOTICE:@ 404 rc=1 code=404",
    "ERROR:rest_client:rest_easy_perform: connect refused for http://127.0.0.1:CLOSED/closed",
    "NOTICE:@ refused rc=-1 code=0",
    "ERROR:rest_client:rest_easy_perform: connected, but transfer timed out for "
    "http://127.0.0.1:PORT/slow (1s)",
    "NOTICE:@ slow rc=-3 code=0",
]


def test_requests_and_return_codes(server: int, tmp_path: Path) -> None:
    closed = _closed_port()
    script = tmp_path / "rest.cfg"
    script.write_text(SCRIPT.replace("CLOSED", str(closed)).replace("PORT", str(server)))
    result = subprocess.run([sys.executable, "-m", "cfgscript", "run", "--once", "--log-format",
                             "plain", str(script)], capture_output=True, text=True, timeout=60)
    lines = [line for line in result.stderr.splitlines() if "@" in line or "rest_client" in line]
    expected = [line.replace("CLOSED", str(closed)).replace("PORT", str(server))
                for line in EXPECTED]
    assert lines == expected, result.stderr
