"""Rewriting the R-URI and the destination URI part by part, as OpenSIPS's
rewrite_ruri() and set_dst_host_port() do (parser/msg_parser.c): the URI is
parsed, the part replaced, and the rest copied as it was."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .logger import L_WARN, Logger
from .transforms.uri import uri_spans

MAX_URI_SIZE = 1024

# the parts rewrite_ruri() can replace
USER, USERPASS, HOST, HOSTPORT, PORT, PREFIX, STRIP, STRIP_TAIL = (
    "user", "userpass", "host", "hostport", "port", "prefix", "strip", "strip_tail")


@dataclass(frozen=True, slots=True)
class _Parts:
    """A parsed URI: the text of each part, and what comes before the user."""
    uri: str
    spans: dict[str, tuple[int, int]]

    def text(self, name: str) -> Optional[str]:
        span = self.spans.get(name)
        return None if span is None else self.uri[span[0]:span[1]]

    def head(self) -> str:
        """The scheme (and anything else) before the user, or before the host without one."""
        spans = self.spans
        start = spans["user"][0] if self.text("user") else spans.get("host", (len(self.uri), 0))[0]
        return self.uri[:start]


def _parsed(uri: str, function: str, log: Logger) -> Optional[_Parts]:
    parsed = uri_spans(uri)
    if parsed is None:
        log.error("core", function, "bad uri <%s>, dropping packet" % uri)
        return None
    return _Parts(uri, parsed.spans)


def rewrite_ruri(uri: str, part: str, value: str, count: int, log: Logger) -> Optional[str]:
    """`uri` with `part` replaced by `value` (STRIP, STRIP_TAIL: `count` characters
    of the user removed); None, logged, when `uri` is no URI or the result too long."""
    parts = _parsed(uri, "rewrite_ruri", log)
    if parts is None:
        return None
    text = parts.text
    user = text("user") or ""
    out = [parts.head()]
    has_user = False
    if part == PREFIX and value:
        out.append(value)
        has_user = True
    if part in (USER, USERPASS):
        user = value
    elif part in (STRIP, STRIP_TAIL):
        user = _stripped(user, count, part, log)
    if user:
        out.append(user)
        has_user = True
    password = None if part == USERPASS else text("passwd")
    if password is not None:
        out.append(":" + password)
    if has_user or password is not None:
        out.append("@")
    host = value if part in (HOST, HOSTPORT) else text("host")
    if host is not None:
        out.append(host)
    port = None if part == HOSTPORT else value if part == PORT else text("port")
    if port:
        out.append(":" + port)
    out.append(_params(uri, parts.spans, part in (HOST, HOSTPORT)))
    headers = text("headers")
    if headers is not None:
        out.append("?" + headers)
    return _bounded("".join(out), "rewrite_ruri", log)


def _stripped(user: str, count: int, part: str, log: Logger) -> str:
    if count > len(user):
        what = "strip" if part == STRIP else "strip_tail"
        gap = "  " if part == STRIP else " "
        log.log(L_WARN, "core", "rewrite_ruri", "too long %s asked;%sdeleting username: %d of <%s>"
                % (what, gap, count, user))
        return ""
    return user[count:] if part == STRIP else user[:len(user) - count]


def _params(uri: str, spans: dict, drop_maddr: bool) -> str:
    """The parameters with their leading ';', without maddr when the host changes."""
    span = spans.get("params")
    if span is None:
        return ""
    params = uri[span[0] - 1:span[1]]
    maddr = spans.get("maddr_val")
    if drop_maddr and maddr is not None and maddr[1] > maddr[0]:
        cut_from, cut_to = maddr[0] - len(";maddr=") - span[0] + 1, maddr[1] - span[0] + 1
        params = params[:cut_from] + params[cut_to:]
    return params


def set_dst_host_port(uri: Optional[str], host: Optional[str], port: Optional[str],
                      log: Logger) -> Optional[str]:
    """The destination URI with its host and/or port replaced; None, logged, on errors."""
    if not uri:
        log.error("core", "set_dst_host_port", "failure - null uri")
        return None
    if host is not None and not host:
        log.error("core", "set_dst_host_port", "cannot set a null uri domain")
        return None
    parts = _parsed(uri, "set_dst_host_port", log)
    if parts is None:
        return None
    text = parts.text
    user = text("user")
    out = [parts.head()]
    if user is not None:
        out.append(user)
    password = text("passwd")
    if password is not None:
        out.append(":" + password)
    host = host if host is not None else text("host")
    if host is not None:
        out.append("@" + host if user is not None else host)
    port = port if port is not None else text("port")
    if port:
        out.append(":" + port)
    params, headers = text("params"), text("headers")
    if params is not None:
        out.append(";" + params)
    if headers is not None:
        out.append("?" + headers)
    return _bounded("".join(out), "set_dst_host_port", log)


def _bounded(uri: str, function: str, log: Logger) -> Optional[str]:
    if len(uri.encode("utf-8", "surrogateescape")) > MAX_URI_SIZE:
        log.error("core", function, "uri too long")
        return None
    return uri
