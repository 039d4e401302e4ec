"""httpd + mi_http: JSON-RPC in the body of a POST to http://host:port/<root>.

Status codes as OpenSIPS's httpd and mi_http give them:

  * 200 with the JSON-RPC answer (errors included), 202 with no body for a
    notification;
  * 405 for another method on the MI root, 400 with a short HTML page for a
    path that is not the root, 406 for a method other than GET and POST;
  * 400 for an empty body.

The body is read by Content-Length or, with `Transfer-Encoding: chunked`,
decoded chunk by chunk. A Content-Length or a chunk size that cannot be read
is answered 400 and the connection closed; a body larger than MAX_BODY 413.
A client that stops sending is dropped after READ_TIMEOUT. Nothing a client
sends makes the server print a traceback.
"""

from __future__ import annotations

import http.server
import sys
import threading
from collections.abc import Callable
from typing import Optional

from .errors import ServerError
from .polling import POLL_INTERVAL

Answer = Callable[[bytes], Optional[bytes]]
MAX_BODY = 1 << 20
READ_TIMEOUT = 5.0
_MAX_CHUNK_LINE = 1024
_HEX_DIGITS = b"0123456789abcdefABCDEF"
BAD_URL_PAGE = b"<html><body>No MI root at this address</body></html>"
BAD_METHOD_PAGE = b"<html><body>Only GET and POST are served</body></html>"


class BadBody(Exception):
    """A body that cannot be read; the status to answer with."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _MiHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # a request line without a version is answered with a status line too
    # (http.server would answer it as HTTP/0.9: a bare body; libmicrohttpd never does)
    default_request_version = "HTTP/1.0"
    timeout = READ_TIMEOUT
    server: _MiHttpd

    def do_POST(self) -> None:       # noqa: N802 (http.server's naming)
        if not self._at_root():
            self._send(400, BAD_URL_PAGE, "text/html")
            return
        try:
            body = self._body()
        except BadBody as bad:
            self.close_connection = True
            self._send(bad.status)
            return
        except (OSError, ValueError):      # the client went away or stopped sending
            self.close_connection = True
            return
        if not body:
            self._send(400)
            return
        reply = self.server.answer(body)
        if reply is None:
            self._send(202)
        else:
            self._send(200, reply)

    def do_GET(self) -> None:        # noqa: N802
        if self._at_root():
            self._send(405)
        else:
            self._send(400, BAD_URL_PAGE, "text/html")

    def __getattr__(self, name: str):
        # any other method: http.server looks for do_<METHOD>
        if name.startswith("do_"):
            return self._not_acceptable
        raise AttributeError(name)

    def _not_acceptable(self) -> None:
        self.close_connection = True
        self._send(406, BAD_METHOD_PAGE, "text/html")

    def _at_root(self) -> bool:
        return self.path.split("?", 1)[0].rstrip("/") == self.server.root_path

    # ------------------------------------------------ the body

    def _body(self) -> bytes:
        coding = self.headers.get_all("Transfer-Encoding") or []
        if coding:
            codings = [c.strip().lower() for value in coding for c in value.split(",")]
            if codings[-1] != "chunked":
                raise BadBody(400)
            return self._chunked()
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            return b""
        values = {value.strip() for value in lengths}
        if len(values) != 1:
            raise BadBody(400)
        (text,) = values
        if not text.isascii() or not text.isdigit():
            raise BadBody(400)
        length = int(text)
        if length > MAX_BODY:
            raise BadBody(413)
        return self._read_exactly(length)

    def _read_exactly(self, count: int) -> bytes:
        data = self.rfile.read(count)
        if len(data) != count:
            raise ValueError("body cut short")
        return data

    def _chunked(self) -> bytes:
        body = bytearray()
        while True:
            line = self.rfile.readline(_MAX_CHUNK_LINE)
            if not line.endswith(b"\n"):
                raise BadBody(400) if line else ValueError("body cut short")
            size_text = line.split(b";", 1)[0].strip()
            if not size_text or size_text.strip(_HEX_DIGITS) or len(size_text) > 8:
                raise BadBody(400)
            size = int(size_text, 16)
            if len(body) + size > MAX_BODY:
                raise BadBody(413)
            if size == 0:
                self._skip_trailers()
                return bytes(body)
            body += self._read_exactly(size)
            if self.rfile.readline(_MAX_CHUNK_LINE).strip():
                raise BadBody(400)

    def _skip_trailers(self) -> None:
        for _ in range(100):
            line = self.rfile.readline(_MAX_CHUNK_LINE)
            if not line.strip():
                return
        raise BadBody(400)

    # ------------------------------------------------ answers

    def _send(self, status: int, body: bytes = b"", content_type: str = "application/json"
              ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class _MiHttpd(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], root_path: str, answer: Answer) -> None:
        self.root_path, self.answer = root_path, answer
        super().__init__(address, _MiHandler)

    def handle_error(self, request, client_address) -> None:
        """A connection that failed (reset, timed out) is just closed; anything
        else is a bug, which http.server prints."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class HttpServer:
    """The MI over HTTP server of one address, in its own thread."""

    def __init__(self, host: str, port: int, root: str, answer: Answer):
        path = "/" + root.strip("/")
        address = "http://%s:%d%s" % (host, port, path)
        try:
            self.httpd = _MiHttpd((host, port), path.rstrip("/"), answer)
        except (OSError, OverflowError, TypeError) as err:    # TypeError: a host not encodable
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            raise ServerError("cannot bind %s: %s" % (address, reason)) from None
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": POLL_INTERVAL},
                                       name="mi_http", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(2)
