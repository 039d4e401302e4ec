"""An MI client: JSON-RPC 2.0 requests to cfgscript or OpenSIPS.

Addresses, as the MI modules serve them:

    udp:HOST:PORT               mi_datagram over UDP; the answer comes back to our port
    unix:PATH                   mi_datagram over a unix datagram socket; we bind our
                                own socket in a private temporary directory
    http://HOST:PORT/ROOT       mi_http (https:// too); http:HOST:PORT/ROOT also works
    fifo:PATH                   mi_fifo: ":reply:json" written to PATH, the answer read
                                from a reply FIFO (mode 0600) we create in the server's
                                reply directory (mi_fifo's reply_dir, /tmp/ unless set;
                                by default we take the FIFO's directory, which is right
                                for `cfgscript run --mi fifo:PATH` and for OpenSIPS's
                                /tmp/opensips_fifo)

Every exchange has a timeout; whatever the client created is removed by close().
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import select
import shutil
import socket
import ssl
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Optional, Union
from urllib.parse import quote

from ..diagnostics import printable
from .errors import AddressError, RPCError, TransportError

DEFAULT_TIMEOUT = 5.0
MAX_DATAGRAM = 65535
READ_SIZE = 65536
Params = Union[list, dict, None]


@dataclass(frozen=True)
class MIAddress:
    kind: str                       # udp, unix, http, fifo
    text: str                       # as given, for messages (non-printable characters escaped)
    host: str = ""
    port: int = 0
    path: str = ""                  # unix socket, FIFO
    url: str = ""                   # http(s)


def _host_port(rest: str, shown: str) -> tuple[str, int]:
    host, sep, port = rest.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise AddressError("%s: expected HOST:PORT" % shown)
    if host.startswith("[") != host.endswith("]"):
        raise AddressError("%s: an unclosed [ around an IPv6 address" % shown)
    return _ascii_host(host.strip("[]"), shown), int(port)


def _ascii_host(host: str, shown: str) -> str:
    """The host as the resolver and an HTTP Host header take it: ASCII, with
    an internationalised name in its IDNA form."""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise AddressError("%s: not a valid host name" % shown) from None
    if not ascii_host.isprintable() or " " in ascii_host:
        raise AddressError("%s: the host holds a space or a control character" % shown)
    return ascii_host


def _http_address(kind: str, rest: str, shown: str) -> MIAddress:
    rest = rest[2:] if rest.startswith("//") else rest
    hostport, _, root = rest.partition("/")
    host, port = _host_port(hostport, shown)
    try:
        path = quote(root or "mi", safe="/%:@!$&'()*+,;=~?#")
    except UnicodeError:
        raise AddressError("%s: the path is not valid text" % shown) from None
    url = "%s://%s:%d/%s" % (kind, "[%s]" % host if ":" in host else host, port, path)
    return MIAddress("http", shown, host, port, url=url)


def parse_mi_address(text: str) -> MIAddress:
    """An MIAddress, or AddressError naming what is wrong."""
    shown = printable(text)
    kind, sep, rest = text.partition(":")
    if kind in ("http", "https"):
        return _http_address(kind, rest, shown)
    if not sep or not rest:
        raise AddressError("%s: expected udp:HOST:PORT, unix:PATH, http://HOST:PORT/ROOT "
                           "or fifo:PATH" % shown)
    if kind == "udp":
        host, port = _host_port(rest, shown)
        return MIAddress("udp", shown, host, port)
    if kind in ("unix", "fifo"):
        if "\0" in rest:
            raise AddressError("%s: a path cannot hold a NUL character" % shown)
        return MIAddress(kind, shown, path=rest)
    raise AddressError("%s: unknown MI transport %r" % (shown, kind))


class _Link:
    """One transport: send a request, return the raw answer."""

    def exchange(self, request: bytes, timeout: float, wants_answer: bool) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the link holds."""


class _DatagramLink(_Link):
    def __init__(self, address: MIAddress):
        self.address = address
        self.private_dir: Optional[str] = None
        if address.kind == "udp":
            family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
            self.sock = socket.socket(family, socket.SOCK_DGRAM)
            self.target: Any = (address.host, address.port)
        else:
            self.private_dir = tempfile.mkdtemp(prefix="cfgscript-mi-")
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.sock.bind(os.path.join(self.private_dir, "reply.sock"))
            self.target = address.path

    def exchange(self, request: bytes, timeout: float, wants_answer: bool) -> bytes:
        try:
            self.sock.sendto(request, self.target)
        except socket.gaierror as err:
            raise TransportError("%s: %s" % (self.address.text, err.strerror)) from None
        except TypeError as err:        # a host name that cannot be encoded
            raise TransportError("%s: %s" % (self.address.text, err)) from None
        except OSError as err:
            raise TransportError("%s: cannot send: %s" % (self.address.text,
                                                          err.strerror or err)) from None
        if not wants_answer:
            return b""
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            raise _timed_out(self.address, timeout)
        try:
            return self.sock.recv(MAX_DATAGRAM)
        except OSError as err:      # an ICMP port unreachable shows here
            raise TransportError("%s: %s" % (self.address.text, err.strerror or err)) from None

    def close(self) -> None:
        self.sock.close()
        if self.private_dir:
            shutil.rmtree(self.private_dir, ignore_errors=True)


class _HttpLink(_Link):
    def __init__(self, address: MIAddress):
        self.address = address
        self.context = ssl.create_default_context() if address.url.startswith("https") else None

    def exchange(self, request: bytes, timeout: float, wants_answer: bool) -> bytes:
        post = urllib.request.Request(self.address.url, data=request, method="POST",
                                      headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(post, timeout=timeout, context=self.context) as reply:
                return reply.read()
        except urllib.error.HTTPError as err:
            body = err.read()
            if _is_json(body):
                return body
            raise TransportError("%s: HTTP %d %s" % (self.address.url, err.code,
                                                     err.reason)) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise _timed_out(self.address, timeout) from None
            raise TransportError("%s: %s" % (self.address.url, getattr(reason, "strerror", None)
                                             or reason)) from None


class _FifoLink(_Link):
    def __init__(self, address: MIAddress, reply_dir: Optional[str]):
        self.address = address
        self.reply_dir = reply_dir or os.path.dirname(os.path.abspath(address.path))
        self.reply_name = "cfgscript_reply_%d_%s" % (os.getpid(), uuid.uuid4().hex[:8])
        self.reply_path = os.path.join(self.reply_dir, self.reply_name)
        self.reply_fd: Optional[int] = None

    def exchange(self, request: bytes, timeout: float, wants_answer: bool) -> bytes:
        if wants_answer and self.reply_fd is None:
            self._make_reply_fifo()
        name = self.reply_name.encode() if wants_answer else b""
        self._write(b":" + name + b":" + request + b"\n")
        return self._read_answer(timeout) if wants_answer else b""

    def _make_reply_fifo(self) -> None:
        try:
            os.mkfifo(self.reply_path, 0o600)
            os.chmod(self.reply_path, 0o600)        # whatever the umask
            # opened before the request goes out: the server's open for writing
            # finds a reader, and select() sees its data or its close
            self.reply_fd = os.open(self.reply_path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as err:
            self.close()
            raise TransportError("cannot create the reply FIFO %s: %s"
                                 % (self.reply_path, err.strerror)) from None

    def _write(self, data: bytes) -> None:
        try:
            fd = os.open(self.address.path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as err:
            reason = ("no MI server reads it" if err.errno == errno.ENXIO
                      else err.strerror)
            raise TransportError("%s: %s" % (self.address.text, reason)) from None
        try:
            os.set_blocking(fd, True)       # one write, atomic up to PIPE_BUF
            os.write(fd, data)
        except OSError as err:
            raise TransportError("%s: cannot write: %s" % (self.address.text,
                                                           err.strerror)) from None
        finally:
            os.close(fd)

    def _read_answer(self, timeout: float) -> bytes:
        """Until the server closes the reply FIFO or what came is complete JSON."""
        data = b""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                late = _timed_out(self.address, timeout)
                raise TransportError("%s (the reply FIFO was made in %s: if the server's "
                                     "reply_dir differs, give it with --reply-dir)"
                                     % (late, self.reply_dir))
            ready, _, _ = select.select([self.reply_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.reply_fd, READ_SIZE)
            if not chunk:
                if data:
                    return data
                time.sleep(0.01)        # woken without a writer yet
                continue
            data += chunk
            if _is_json(data):
                return data

    def close(self) -> None:
        if self.reply_fd is not None:
            os.close(self.reply_fd)
            self.reply_fd = None
        if os.path.exists(self.reply_path):
            os.unlink(self.reply_path)


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def _timed_out(address: MIAddress, timeout: float) -> TransportError:
    return TransportError("%s: no answer within %g s" % (address.text, timeout))


class MIClient:
    """JSON-RPC requests to one MI address; safe to share between threads."""

    def __init__(self, address: Union[str, MIAddress], timeout: float = DEFAULT_TIMEOUT,
                 fifo_reply_dir: Optional[str] = None):
        self.address = parse_mi_address(address) if isinstance(address, str) else address
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        if self.address.kind == "http":
            self._link: _Link = _HttpLink(self.address)
        elif self.address.kind == "fifo":
            self._link = _FifoLink(self.address, fifo_reply_dir)
        else:
            try:
                self._link = _DatagramLink(self.address)
            except OSError as err:
                raise TransportError("%s: %s" % (self.address.text, err.strerror)) from None

    def call(self, method: str, params: Params = None) -> Any:
        """The result of a request; RPCError for an error answer, TransportError
        when there is none."""
        with self._lock:
            request_id = next(self._ids)
            raw = self._link.exchange(_request(method, params, request_id), self.timeout, True)
        return _result(raw, request_id, self.address)

    def notify(self, method: str, params: Params = None) -> None:
        """A notification: no answer is expected."""
        with self._lock:
            self._link.exchange(_request(method, params, None), self.timeout, False)

    def close(self) -> None:
        with self._lock:
            self._link.close()

    def __enter__(self) -> MIClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _request(method: str, params: Params, request_id: Optional[int]) -> bytes:
    body: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        body["params"] = params
    if request_id is not None:
        body["id"] = request_id
    # an argument that is no valid UTF-8 goes out as the bytes it was given
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", "surrogateescape")


def _result(raw: bytes, request_id: int, address: MIAddress) -> Any:
    try:
        answer = json.loads(raw)
    except ValueError:
        text = raw.decode("utf-8", "replace").strip().splitlines()
        raise TransportError("%s: not a JSON-RPC answer: %s"
                             % (address.text, text[0][:200] if text else "(empty)")) from None
    if not isinstance(answer, dict) or ("result" not in answer and "error" not in answer):
        raise TransportError("%s: not a JSON-RPC answer: %s" % (address.text, raw[:200]))
    error = answer.get("error")
    if error is not None:
        if isinstance(error, dict):
            raise RPCError(error.get("code"), str(error.get("message", "")), error.get("data"))
        raise RPCError("", str(error))
    if answer.get("id") not in (request_id, None):
        raise TransportError("%s: answer to request %r, not %d"
                             % (address.text, answer.get("id"), request_id))
    return answer["result"]
