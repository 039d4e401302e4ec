"""A loopback TCP proxy that tests control, to inject network faults.

    with TcpProxy(("127.0.0.1", 5672)) as proxy:    # listens on 127.0.0.1:proxy.port
        proxy.cut()             # drop every connection (new ones still work)
        proxy.refuse(2.0)       # drop every connection and refuse new ones for 2 s
        proxy.resume()          # accept again now

One thread runs a select loop over the listener and every forwarded pair;
the test thread's commands run in that loop, and return once done. Refusing
means the listening socket is closed (connect() gets ECONNREFUSED); it is
bound again to the same port on resume.
"""

from __future__ import annotations

import queue
import selectors
import socket
import threading
import time
from collections.abc import Callable
from typing import Optional

POLL = 0.05
CONNECT_TIMEOUT = 2.0


class TcpProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.connections = 0                    # accepted since start
        self._selector = selectors.DefaultSelector()
        self._listener: Optional[socket.socket] = None
        self.port = self._listen(0)
        self._peer: dict[socket.socket, socket.socket] = {}
        self._pending: dict[socket.socket, bytearray] = {}     # data waiting to be written
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._resume_at: Optional[float] = None
        self._running = True
        self._thread = threading.Thread(target=self._loop, name="tcp proxy", daemon=True)
        self._thread.start()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------ commands (test thread)

    def cut(self) -> None:
        """Close every forwarded connection, both sides."""
        self._run(self._drop_all)

    def refuse(self, seconds: float) -> None:
        """Cut, and refuse new connections for `seconds` (then resume)."""
        def refuse_now() -> None:
            self._drop_all()
            self._close_listener()
            self._resume_at = time.monotonic() + seconds
        self._run(refuse_now)

    def resume(self) -> None:
        """Accept connections again."""
        self._run(self._reopen)

    @property
    def refusing(self) -> bool:
        return self._listener is None

    def close(self) -> None:
        if self._running:
            self._run(self._stop)
            self._thread.join(5)

    def _run(self, command: Callable[[], None]) -> None:
        done = threading.Event()
        self._commands.put((command, done))
        if not done.wait(5):
            raise TimeoutError("tcp proxy did not answer")

    # ------------------------------------------------ proxy thread

    def _loop(self) -> None:
        while self._running:
            for key, mask in self._selector.select(POLL):
                sock = key.fileobj
                if sock is self._listener:
                    self._accept()
                elif sock in self._peer:
                    self._service(sock, mask)
            if self._resume_at is not None and time.monotonic() >= self._resume_at:
                self._reopen()
            while not self._commands.empty():
                command, done = self._commands.get()
                command()
                done.set()
        self._selector.close()

    def _listen(self, port: int) -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        listener.setblocking(False)
        self._listener = listener
        self._selector.register(listener, selectors.EVENT_READ)
        return listener.getsockname()[1]

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._selector.unregister(self._listener)
            self._listener.close()
            self._listener = None

    def _reopen(self) -> None:
        self._resume_at = None
        if self._listener is None:
            self._listen(self.port)

    def _stop(self) -> None:
        self._drop_all()
        self._close_listener()
        self._running = False

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        try:
            upstream = socket.create_connection(self.target, timeout=CONNECT_TIMEOUT)
        except OSError:
            client.close()
            return
        self.connections += 1
        for one, other in ((client, upstream), (upstream, client)):
            one.setblocking(False)
            self._peer[one] = other
            self._pending[one] = bytearray()
            self._selector.register(one, selectors.EVENT_READ)

    def _service(self, sock: socket.socket, mask: int) -> None:
        try:
            if mask & selectors.EVENT_WRITE:
                self._flush(sock)
            if mask & selectors.EVENT_READ:
                data = sock.recv(65536)
                if not data:
                    raise ConnectionResetError
                other = self._peer[sock]
                self._pending[other] += data
                self._flush(other)
        except OSError:
            self._drop(sock)

    def _flush(self, sock: socket.socket) -> None:
        buffer = self._pending[sock]
        if buffer:
            try:
                sent = sock.send(buffer)
            except BlockingIOError:
                sent = 0
            del buffer[:sent]
        self._selector.modify(sock, selectors.EVENT_READ | (
            selectors.EVENT_WRITE if buffer else 0))

    def _drop(self, sock: socket.socket) -> None:
        other = self._peer.get(sock)
        for each in (sock, other):
            if each is None or each not in self._peer:
                continue
            del self._peer[each]
            del self._pending[each]
            self._selector.unregister(each)
            try:
                each.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            each.close()

    def _drop_all(self) -> None:
        for sock in list(self._peer):
            self._drop(sock)
