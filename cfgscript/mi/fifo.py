"""mi_fifo: requests ":reply_name:json" read from a FIFO, answers written to
reply_dir/reply_name.

Framing follows OpenSIPS's mi_fifo, which parses a request as soon as its
JSON is complete, newline or not (opensips-cli and python-opensips send
none), and keeps what follows for the next request:

  * whitespace between requests is skipped; text that does not start with
    ':' is thrown away, as is a reply name with '.', '/' or '\\' in it;
  * an incomplete request waits for the rest, but not for ever: it is
    dropped when a read brings a whole request of its own (clients write
    theirs in one write(), so that is the next client; OpenSIPS drops an
    unparsable read at once), or when more arrives after STALE_AFTER
    seconds, so a client that died halfway does not swallow the next one's;
  * JSON that is complete but not valid is answered -32700 (OpenSIPS sends
    nothing; cfgscript answers on every transport);
  * a reply goes only to a FIFO (see files.open_reply_fifo), written without
    blocking the server for longer than REPLY_TIMEOUT.

Each client writes its request in one write(), which the kernel keeps whole
up to PIPE_BUF (4096) bytes, so several clients can share the FIFO.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

from .errors import ServerError
from .files import FileRefused, make_fifo, open_reply_fifo
from .polling import PollingServer

Answer = Callable[[bytes], Optional[bytes]]
MAX_REQUEST = 1 << 20           # a request that grows beyond this is dropped
STALE_AFTER = 1.0
REPLY_TIMEOUT = 2.0
_WHITESPACE = b" \t\r\n"
_FORBIDDEN_IN_NAME = (b".", b"/", b"\\")


@dataclass(frozen=True)
class FifoRequest:
    reply_name: Optional[str]       # None: no answer wanted ("::json")
    body: bytes


def _json_end(data: bytes, start: int) -> Optional[int]:
    """Where the JSON object or array starting at data[start] ends (the index
    after it), or None while it is incomplete."""
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(data)):
        char = data[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == 0x5C:          # backslash
                escaped = True
            elif char == 0x22:          # quote
                in_string = False
        elif char == 0x22:
            in_string = True
        elif char in (0x7B, 0x5B):      # { [
            depth += 1
        elif char in (0x7D, 0x5D):      # } ]
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def _scalar_end(data: bytes, start: int) -> Optional[int]:
    """A request that is not an object or array: it ends at the next newline."""
    newline = data.find(b"\n", start)
    return None if newline < 0 else newline


@dataclass
class FifoFramer:
    """Cuts the bytes read from the FIFO into requests."""
    clock: Callable[[], float] = time.monotonic
    pending: bytes = b""
    _since: float = 0.0
    dropped: int = field(default=0)     # pieces of input thrown away

    def feed(self, data: bytes) -> list[FifoRequest]:
        now = self.clock()
        if self.pending and (now - self._since > STALE_AFTER or self._whole_request(data)):
            self._drop()
        if not self.pending:
            self._since = now
        self.pending += data
        requests = []
        while True:
            request = self._next()
            if request is None:
                break
            requests.append(request)
        if len(self.pending) > MAX_REQUEST:
            self._drop()
        return requests

    def _whole_request(self, data: bytes) -> bool:
        """Whether data starts with a complete request by itself."""
        return FifoFramer(self.clock, data)._next() is not None

    def _drop(self) -> None:
        self.pending = b""
        self.dropped += 1

    def _next(self) -> Optional[FifoRequest]:
        data = self.pending.lstrip(_WHITESPACE)
        self.pending = data
        if len(data) < 3:
            return None
        if data[:1] != b":":
            self._drop()
            return None
        separator = data.find(b":", 1)
        if separator < 0:
            return None
        name = data[1:separator]
        if any(char in name for char in _FORBIDDEN_IN_NAME):
            self._drop()
            return None
        start = separator + 1
        while start < len(data) and data[start] in _WHITESPACE:
            start += 1
        if start == len(data):
            return None
        end = _json_end(data, start) if data[start] in b"{[" else _scalar_end(data, start)
        if end is None:
            return None
        self.pending = data[end:]
        self._since = self.clock()
        reply_name = name.decode("utf-8", "replace") if name else None
        return FifoRequest(reply_name, data[start:end])


def write_reply(path: str, reply: bytes, timeout: float = REPLY_TIMEOUT) -> bool:
    """Write a reply (and a newline) to a client's reply FIFO; False when it
    cannot be used or the client does not read it in time."""
    fd = open_reply_fifo(path)
    if fd is None:
        return False
    data = memoryview(reply + b"\n")
    deadline = time.monotonic() + timeout
    try:
        while data:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _, writable, _ = select.select([], [fd], [], left)
            if not writable:
                continue
            data = data[os.write(fd, data):]
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


class FifoServer(PollingServer):
    """mi_fifo's server thread: it reads the FIFO it created and answers."""
    name = "mi_fifo"

    def __init__(self, path: str, reply_dir: str, answer: Answer, mode: int = 0o600):
        self.path, self.reply_dir, self.answer = path, reply_dir, answer
        try:
            self.owned = make_fifo(path, mode)
            # read-write: the FIFO never reports end-of-file between writers
            self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_NOFOLLOW)
        except FileRefused as err:
            raise ServerError(str(err)) from None
        except OSError as err:
            raise ServerError("cannot create the FIFO %s: %s" % (path, err.strerror)) from None
        self.framer = FifoFramer()
        super().__init__()

    def fileno(self) -> int:
        return self.fd

    def on_readable(self) -> None:
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        for request in self.framer.feed(data):
            self._answer(request)

    def _answer(self, request: FifoRequest) -> None:
        reply = self.answer(request.body)
        if reply is not None and request.reply_name is not None:
            write_reply(os.path.join(self.reply_dir, request.reply_name), reply)

    def close(self) -> None:
        os.close(self.fd)
        self.owned.remove()
