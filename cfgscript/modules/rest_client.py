"""The rest_client module: blocking HTTP GET, POST and PUT from the script, sent
as OpenSIPS sends them through libcurl (Host and "Accept: */*", the headers of
rest_append_hf() next, then Content-Type and Content-Length), with the reply's
body and Content-Type trimmed of surrounding whitespace and its status code
written to variables. Return codes are OpenSIPS's: 1 when a reply arrived
(whatever its status), -1 connection refused, -2 connection timeout, -3
transfer timeout, -10 anything else. Headers added with rest_append_hf() go
with the next request only. http and https only (libcurl speaks more)."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from typing import Optional

from ..runtime.context import RunContext
from ..runtime.module import Arg, ModParam, Module, function
from ..runtime.values import VInt
from ..syntax import ast

REFUSED, CONNECT_TIMEOUT, TRANSFER_TIMEOUT, INTERNAL = -1, -2, -3, -10
CURL_ERRORS = {1: "Unsupported protocol", 3: "URL using bad/illegal format or missing URL",
               6: "Couldn't resolve host name",
               23: "Failed writing received data to disk/application",
               52: "Server returned nothing (no headers, no data)",
               56: "Failure when receiving data from the peer"}
_READ_CHUNK = 16384


@dataclass
class Reply:
    status: int = 0                 # 0: no reply arrived
    content_type: str = ""
    body: Optional[str] = None      # None: the body variable is left alone
    code: int = 1


class _TransferError(Exception):
    """A libcurl error code, and the status of the reply if one had come."""

    def __init__(self, curl_code: int, status: int = 0) -> None:
        super().__init__(CURL_ERRORS[curl_code])
        self.curl_code, self.status = curl_code, status


def _trimmed(text: str) -> str:
    """OpenSIPS's trim(): spaces, tabs, CRs and LFs off both ends."""
    return text.strip(" \t\r\n")


def _request_headers(host: str, custom: list[str], ctype: Optional[str],
                     body: Optional[bytes]) -> list[tuple[str, str]]:
    """The header lines libcurl sends: its own, replaced or removed by a custom
    "Name: value" or "Name:" of the same name; "Name;" sends an empty value; a
    line with neither ":" nor ";" is dropped."""
    own = [("Host", host), ("Accept", "*/*")]
    extra: list[tuple[str, str]] = []
    lines = list(custom)
    if body is not None:
        lines.append("Content-Type: " + (ctype or ""))
        lines.append("Expect:")
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon:
            name, semicolon, _ = line.partition(";")
            if semicolon and name.strip():
                extra.append((name.strip(), ""))
            continue
        name, value = name.strip(), value.strip()
        own = [(n, v) for n, v in own if n.lower() != name.lower()]
        if value:
            extra.append((name, value))
    if body is not None:
        extra.append(("Content-Length", str(len(body))))
    return own + extra


def _content_type(response: http.client.HTTPResponse) -> str:
    """The last Content-Type header, found as libcurl's callback finds it: the
    name must start with a capital C."""
    found = ""
    for name, value in response.msg.items():
        if name[:1] == "C" and name.lower() == "content-type":
            found = value
    return _trimmed(found)


class RestClient(Module):
    name = "rest_client"
    params = (
        ModParam("connection_timeout", "int", 20),
        ModParam("curl_timeout", "int", 20),
        ModParam("connect_poll_interval", "int", 20),
        ModParam("max_async_transfers", "int", 100),
        ModParam("max_transfer_size", "int", 10240),
        ModParam("ssl_capath", "str", None),
        ModParam("ssl_verifypeer", "int", 1),
        ModParam("ssl_verifyhost", "int", 1),
        ModParam("curl_http_version", "int", 0),
        ModParam("enable_expect_100", "int", 0),
        ModParam("no_concurrent_connects", "int", 0),
        ModParam("curl_conn_lifetime", "int", 1800),
    )

    def __init__(self, engine) -> None:
        super().__init__(engine)
        self.pending_headers: list[str] = []
        self.connect_timeout = 20

    def init(self) -> None:
        self.connect_timeout = self.param("connection_timeout")
        if self.connect_timeout > self.param("curl_timeout"):
            self.engine.logger.warning(self.name, "mod_init", "'connection_timeout' must be "
                                       "less than or equal to 'curl_timeout'! setting it to "
                                       "%d..." % self.param("curl_timeout"))
            self.connect_timeout = self.param("curl_timeout")
        uses_tls = any(isinstance(node, ast.Call) and node.name == "rest_init_client_tls"
                       for node in ast.walk(self.engine.script))
        if uses_tls and "tls_mgm" not in self.engine.modules:
            self.engine.logger.error(self.name, "mod_init", "failed to load the tls_mgm API! "
                                     "Is the tls_mgm module loaded?")
            raise OSError("rest_init_client_tls() needs the tls_mgm module")

    @function("rest_append_hf", Arg("str"))
    def rest_append_hf(self, ctx: RunContext, header: str) -> int:
        self.pending_headers.append(header)
        return 1

    @function("rest_init_client_tls", Arg("str"))
    def rest_init_client_tls(self, ctx: RunContext, domain: str) -> int:
        self.engine.logger.error(self.name, "rest_init_client_tls",
                                 "failed to match TLS client domain '%s'!" % domain)
        return -1

    @function("rest_get", Arg("str"), Arg("var", writable=True),
              Arg("var", optional=True, writable=True), Arg("var", optional=True, writable=True))
    def rest_get(self, ctx: RunContext, url: str, body_var, ctype_var=None,
                 code_var=None) -> int:
        reply = self.transfer("GET", url, None, None)
        return self._deliver(ctx, reply, body_var, ctype_var, code_var)

    @function("rest_post", Arg("str"), Arg("str"), Arg("str", optional=True),
              Arg("var", writable=True), Arg("var", optional=True, writable=True),
              Arg("var", optional=True, writable=True))
    def rest_post(self, ctx: RunContext, *args) -> int:
        return self._send("POST", ctx, *args)

    @function("rest_put", Arg("str"), Arg("str"), Arg("str", optional=True),
              Arg("var", writable=True), Arg("var", optional=True, writable=True),
              Arg("var", optional=True, writable=True))
    def rest_put(self, ctx: RunContext, *args) -> int:
        return self._send("PUT", ctx, *args)

    def _send(self, method: str, ctx: RunContext, url: str, data: str, ctype: Optional[str],
              body_var, ctype_var=None, code_var=None) -> int:
        """rest_post()/rest_put(): send `data` (with `ctype` if given) and keep the reply."""
        reply = self.transfer(method, url, data, ctype)
        return self._deliver(ctx, reply, body_var, ctype_var, code_var)

    def _deliver(self, ctx: RunContext, reply: Reply, body_var, ctype_var, code_var) -> int:
        if code_var is not None:
            code_var.write(ctx, VInt(reply.status))
        if reply.body is not None:
            body_var.write(ctx, reply.body)
            if ctype_var is not None:
                ctype_var.write(ctx, reply.content_type)
        return reply.code

    # ------------------------------------------------------------ HTTP

    def transfer(self, method: str, url: str, data: Optional[str],
                 ctype: Optional[str]) -> Reply:
        headers, self.pending_headers = self.pending_headers, []
        text = url.strip()
        parts = urllib.parse.urlsplit(text if "://" in text else "http://" + text)
        if parts.scheme.lower() not in ("http", "https"):
            return self._failed_with(_TransferError(1))
        try:
            port = parts.port
        except ValueError:
            port = -1
        if not parts.hostname or port == -1:
            return self._failed_with(_TransferError(3))
        deadline = time.monotonic() + max(self.param("curl_timeout"), 1)
        try:
            connection = self._connect(parts, deadline)
        except _TransferError as err:
            return self._failed_with(err)
        except TimeoutError:
            return self._failed("connect timeout on %s (%ds)" % (url, self.connect_timeout),
                                CONNECT_TIMEOUT)
        except OSError:
            return self._failed("connect refused for %s" % url, REFUSED)
        try:
            return self._exchange(connection, method, parts, data, ctype, headers, deadline)
        except TimeoutError:
            self._failed("connected, but transfer timed out for %s (%ds)"
                         % (url, self.param("curl_timeout")), TRANSFER_TIMEOUT)
            return Reply(body="", code=TRANSFER_TIMEOUT)
        except _TransferError as err:
            return self._failed_with(err)
        finally:
            connection.close()

    def _connect(self, parts: urllib.parse.SplitResult,
                 deadline: float) -> http.client.HTTPConnection:
        https = parts.scheme.lower() == "https"
        try:
            socket.getaddrinfo(parts.hostname, parts.port or (443 if https else 80))
        except socket.gaierror:
            raise _TransferError(6) from None
        timeout = max(min(self.connect_timeout, deadline - time.monotonic()), 0.001)
        if https:
            connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                                     context=self._tls_context())
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        connection.connect()
        return connection

    def _tls_context(self) -> ssl.SSLContext:
        """ssl_capath, ssl_verifypeer and ssl_verifyhost as libcurl reads them."""
        context = ssl.create_default_context(capath=self.param("ssl_capath"))
        if not self.param("ssl_verifypeer") or not self.param("ssl_verifyhost"):
            context.check_hostname = False
        if not self.param("ssl_verifypeer"):
            context.verify_mode = ssl.CERT_NONE
        return context

    def _exchange(self, connection: http.client.HTTPConnection, method: str,
                  parts: urllib.parse.SplitResult, data: Optional[str], ctype: Optional[str],
                  custom: list[str], deadline: float) -> Reply:
        def remaining() -> float:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            return left

        sock = connection.sock         # the connection lets go of it once a reply ends
        sock.settimeout(remaining())
        path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        body = data.encode("utf-8", "surrogateescape") if data is not None else None
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in _request_headers(parts.netloc.rpartition("@")[2], custom, ctype,
                                            body):
            connection.putheader(name, value)
        connection.endheaders(body)
        sock.settimeout(remaining())
        try:
            response = connection.getresponse()
        except http.client.RemoteDisconnected:
            raise _TransferError(52) from None
        except (http.client.HTTPException, ConnectionError):
            raise _TransferError(56) from None
        payload = self._read_body(response, sock, remaining)
        return Reply(response.status, _content_type(response),
                     _trimmed(payload.decode("utf-8", "surrogateescape")))

    def _read_body(self, response: http.client.HTTPResponse, sock: socket.socket,
                   remaining) -> bytes:
        limit = self.param("max_transfer_size") * 1024
        payload = b""
        while True:
            sock.settimeout(remaining())
            try:
                piece = response.read1(_READ_CHUNK)
            except (http.client.HTTPException, ConnectionError):
                raise _TransferError(56) from None
            if not piece:
                return payload
            if limit and len(payload) + len(piece) > limit:
                self.engine.logger.error(self.name, "write_func",
                                         "max download size exceeded (%d KB, per "
                                         "'max_transfer_size'), aborting transfer"
                                         % self.param("max_transfer_size"))
                raise _TransferError(23, response.status)
            payload += piece

    def _failed_with(self, err: _TransferError) -> Reply:
        reply = self._failed("curl_easy_perform error %d, %s" % (err.curl_code, err), INTERNAL)
        reply.status = err.status
        return reply

    def _failed(self, message: str, code: int) -> Reply:
        self.engine.logger.error(self.name, "rest_easy_perform", message)
        return Reply(code=code)
