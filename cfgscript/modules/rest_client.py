"""The rest_client module: blocking HTTP GET, POST and PUT from the script, with
the response body, its Content-Type and its status code written to variables.
Return codes are OpenSIPS's: 1 when a reply arrived (whatever its status), -1
connection refused, -2 connection timeout, -3 transfer timeout, -10 anything
else. Headers added with rest_append_hf() go with the next request only."""

from __future__ import annotations

import http.client
import time
import urllib.parse
from dataclasses import dataclass
from typing import Optional

from ..runtime.context import RunContext
from ..runtime.module import Arg, ModParam, Module, function
from ..runtime.values import VInt

REFUSED, CONNECT_TIMEOUT, TRANSFER_TIMEOUT, INTERNAL = -1, -2, -3, -10


@dataclass
class Reply:
    status: int = 0                 # 0: no reply arrived
    content_type: Optional[str] = None
    body: str = ""
    code: int = 1


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
        self.pending_headers: list[tuple[str, str]] = []

    @function("rest_append_hf", Arg("str"))
    def rest_append_hf(self, ctx: RunContext, header: str) -> int:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            self.engine.logger.error(self.name, "w_rest_append_hf",
                                     "bad header (no ':'): %s" % header)
            return -1
        self.pending_headers.append((name.strip(), value.strip()))
        return 1

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
        if reply.status:
            body_var.write(ctx, reply.body)
            if ctype_var is not None and reply.content_type is not None:
                ctype_var.write(ctx, reply.content_type)
        return reply.code

    # ------------------------------------------------------------ HTTP

    def transfer(self, method: str, url: str, data: Optional[str],
                 ctype: Optional[str]) -> Reply:
        headers, self.pending_headers = self.pending_headers, []
        parts = urllib.parse.urlsplit(url if "://" in url else "http://" + url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.engine.logger.error(self.name, "rest_%s" % method.lower(),
                                     "unsupported URL <%s>" % url)
            return Reply(code=INTERNAL)
        try:
            connection = self._connect(parts)
        except TimeoutError:
            return self._failed("connect timeout on %s (%ds)"
                                % (url, self.param("connection_timeout")), CONNECT_TIMEOUT)
        except ConnectionRefusedError:
            return self._failed("connect refused for %s" % url, REFUSED)
        except OSError as err:
            return self._failed("curl_easy_perform error 7, %s" % (err.strerror or err), INTERNAL)
        try:
            return self._exchange(connection, method, parts, data, ctype, headers)
        except TimeoutError:
            return self._failed("connected, but transfer timed out for %s (%ds)"
                                % (url, self.param("curl_timeout")), TRANSFER_TIMEOUT)
        except (OSError, http.client.HTTPException) as err:
            return self._failed("curl_easy_perform error 56, %s" % err, INTERNAL)
        finally:
            connection.close()

    def _connect(self, parts: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        timeout = max(self.param("connection_timeout"), 1)
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = cls(parts.hostname, parts.port, timeout=timeout)
        connection.connect()
        return connection

    def _exchange(self, connection: http.client.HTTPConnection, method: str,
                  parts: urllib.parse.SplitResult, data: Optional[str], ctype: Optional[str],
                  headers: list[tuple[str, str]]) -> Reply:
        deadline = time.monotonic() + max(self.param("curl_timeout"), 1)
        connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        body = data.encode("utf-8", "surrogateescape") if data is not None else None
        connection.putrequest(method, path)
        sent = {name.lower() for name, _ in headers}
        for name, value in headers:
            connection.putheader(name, value)
        if body is not None:
            if ctype and "content-type" not in sent:
                connection.putheader("Content-Type", ctype)
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        limit = self.param("max_transfer_size") * 1024
        payload = response.read(limit + 1 if limit else None)
        if limit and len(payload) > limit:
            self.engine.logger.error(self.name, "rest_%s" % method.lower(),
                                     "max download size exceeded (%d KB)" % (limit // 1024))
            return Reply(response.status, response.getheader("Content-Type"), "", INTERNAL)
        return Reply(response.status, response.getheader("Content-Type"),
                     payload.decode("utf-8", "surrogateescape"))

    def _failed(self, message: str, code: int) -> Reply:
        self.engine.logger.error(self.name, "rest_easy_perform", message)
        return Reply(code=code)
