"""MI transports: datagram (UDP or unix), HTTP, FIFO.

Each server runs in its own thread and hands every request to the engine,
which answers it on the interpreter thread (`Engine.mi_request`). They bind
where the script says (loopback unless told otherwise) and stop cleanly.
"""

from __future__ import annotations

import http.server
import os
import select
import socket
import stat
import threading
from collections.abc import Callable
from typing import Optional

Answer = Callable[[bytes], Optional[bytes]]
POLL_INTERVAL = 0.2
MAX_DATAGRAM = 65457


class ServerError(OSError):
    """An MI server cannot start; the message names the address."""


def _port(text: str, address: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ServerError("invalid port in %s" % address)
    return int(text)


def _bind(sock: socket.socket, where, address: str) -> None:
    try:
        sock.bind(where)
    except (OSError, UnicodeError) as err:
        sock.close()
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise ServerError("cannot bind %s: %s" % (address, reason)) from None


class DatagramServer:
    """mi_datagram: one JSON-RPC request per datagram, the answer to the sender."""

    def __init__(self, address: str, answer: Answer, unix_mode: int = 0o600):
        self.answer = answer
        self.unix_path: Optional[str] = None
        if address.startswith("udp:"):
            host, _, port = address[4:].rpartition(":")
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            _bind(self.sock, (host or "127.0.0.1", _port(port, address)), address)
        else:
            self.unix_path = address[5:] if address.startswith("unix:") else address
            if os.path.exists(self.unix_path):
                os.unlink(self.unix_path)
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            _bind(self.sock, self.unix_path, address)
            os.chmod(self.unix_path, unix_mode)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="mi_datagram", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.sock], [], [], POLL_INTERVAL)
            if not ready:
                continue
            try:
                data, sender = self.sock.recvfrom(MAX_DATAGRAM)
            except OSError:
                continue
            reply = self.answer(data)
            if reply is not None and sender:
                try:
                    self.sock.sendto(reply, sender)
                except OSError:
                    pass

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.sock.close()
        if self.unix_path and os.path.exists(self.unix_path):
            os.unlink(self.unix_path)


class HttpServer:
    """httpd + mi_http: POST http://host:port/<root> with the request as the body."""

    def __init__(self, host: str, port: int, root: str, answer: Answer):
        path = "/" + root.strip("/")

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:       # noqa: N802 (http.server's naming)
                if self.path.rstrip("/") != path:
                    self.send_error(404)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                reply = answer(self.rfile.read(length)) or b""
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        address = "http://%s:%d%s" % (host, port, path)
        try:
            self.httpd = http.server.ThreadingHTTPServer((host, port), Handler)
        except (OSError, OverflowError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            raise ServerError("cannot bind %s: %s" % (address, reason)) from None
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": POLL_INTERVAL},
                                       name="mi_http", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(2)


class FifoServer:
    """mi_fifo: lines ":reply_fifo:json" on a FIFO; the answer goes to reply_dir/reply_fifo."""

    def __init__(self, path: str, reply_dir: str, answer: Answer, mode: int = 0o600):
        self.path, self.reply_dir, self.answer = path, reply_dir, answer
        try:
            if os.path.exists(path) and not stat.S_ISFIFO(os.stat(path).st_mode):
                raise ServerError("%s exists and is not a FIFO" % path)
            if not os.path.exists(path):
                os.mkfifo(path, mode)
            # read-write: the FIFO never reports end-of-file between writers
            self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        except ServerError:
            raise
        except OSError as err:
            raise ServerError("cannot open the FIFO %s: %s" % (path, err.strerror)) from None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="mi_fifo", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _serve(self) -> None:
        pending = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], POLL_INTERVAL)
            if not ready:
                continue
            try:
                pending += os.read(self.fd, 65536)
            except BlockingIOError:
                continue
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if line.strip():
                    self._request(line)

    def _request(self, line: bytes) -> None:
        if not line.startswith(b":") or b":" not in line[1:]:
            return
        reply_name, _, body = line[1:].partition(b":")
        reply = self.answer(body)
        if reply is None or not reply_name:
            return
        target = os.path.join(self.reply_dir, os.path.basename(reply_name.decode("utf-8",
                                                                                    "replace")))
        try:
            fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return
        try:
            os.write(fd, reply + b"\n")
        except OSError:
            pass
        finally:
            os.close(fd)

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(2)
        os.close(self.fd)
        if os.path.exists(self.path):
            os.unlink(self.path)


def open_server(address: str, answer: Answer) -> DatagramServer | HttpServer | FifoServer:
    """A started server for `cfgscript run --mi ADDRESS`: udp:HOST:PORT,
    unix:PATH, http:HOST:PORT[/ROOT] (root "mi" by default) or fifo:PATH
    (replies in the FIFO's directory). Raises ServerError."""
    kind, sep, rest = address.partition(":")
    if not sep or not rest:
        raise ServerError("%s: expected udp:HOST:PORT, unix:PATH, http:HOST:PORT[/ROOT] "
                          "or fifo:PATH" % address)
    if kind in ("udp", "unix"):
        server = DatagramServer(address, answer)
    elif kind == "http":
        hostport, _, root = rest.lstrip("/").partition("/")
        host, _, port = hostport.rpartition(":")
        server = HttpServer(host or "127.0.0.1", _port(port, address), root or "mi", answer)
    elif kind == "fifo":
        server = FifoServer(rest, os.path.dirname(os.path.abspath(rest)), answer)
    else:
        raise ServerError("%s: unknown MI transport %r" % (address, kind))
    server.start()
    return server
