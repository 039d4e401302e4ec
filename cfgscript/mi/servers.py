"""MI transports: datagram (UDP or unix) here, HTTP (http.py) and FIFO
(fifo.py) beside it, and `open_server` for `cfgscript run --mi ADDRESS`.

Each server runs in its own thread and hands every request to the engine,
which answers it on the interpreter thread (`Engine.mi_request`). They bind
where the script says (loopback unless told otherwise) and stop cleanly.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import Optional

from .errors import ServerError
from .fifo import FifoServer
from .files import FileRefused, OwnedFile, bind_unix
from .http import HttpServer
from .polling import PollingServer

__all__ = ["DatagramServer", "FifoServer", "HttpServer", "ServerError", "open_server"]

Answer = Callable[[bytes], Optional[bytes]]
MAX_DATAGRAM = 65457


def _port(text: str, address: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ServerError("invalid port in %s" % address)
    return int(text)


def _reason(err: Exception) -> str:
    return err.strerror if isinstance(err, OSError) and err.strerror else str(err)


def _bind_udp(address: str) -> socket.socket:
    host, _, port = address[4:].rpartition(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((host or "127.0.0.1", _port(port, address)))
    except ServerError:
        sock.close()
        raise
    except (OSError, UnicodeError, TypeError) as err:     # TypeError: a host not encodable
        sock.close()
        raise ServerError("cannot bind %s: %s" % (address, _reason(err))) from None
    return sock


def _bind_unix(path: str, mode: int) -> tuple[socket.socket, OwnedFile]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        return sock, bind_unix(sock, path, mode)
    except FileRefused as err:
        sock.close()
        raise ServerError("cannot bind unix:%s: %s" % (path, err)) from None
    except (OSError, UnicodeError) as err:
        sock.close()
        raise ServerError("cannot bind unix:%s: %s" % (path, _reason(err))) from None


class DatagramServer(PollingServer):
    """mi_datagram: one JSON-RPC request per datagram, the answer to the sender."""
    name = "mi_datagram"

    def __init__(self, address: str, answer: Answer, unix_mode: int = 0o600):
        self.answer = answer
        self.owned: Optional[OwnedFile] = None
        if address.startswith("udp:"):
            self.sock = _bind_udp(address)
        else:
            path = address[5:] if address.startswith("unix:") else address
            self.sock, self.owned = _bind_unix(path, unix_mode)
        super().__init__()

    def fileno(self) -> int:
        return self.sock.fileno()

    def on_readable(self) -> None:
        try:
            data, sender = self.sock.recvfrom(MAX_DATAGRAM)
        except OSError:
            return
        reply = self.answer(data)
        if reply is not None and sender:
            try:
                self.sock.sendto(reply, sender)
            except OSError:
                pass

    def close(self) -> None:
        self.sock.close()
        if self.owned is not None:
            self.owned.remove()


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
