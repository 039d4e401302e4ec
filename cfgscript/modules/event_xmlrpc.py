"""event_xmlrpc: the `xmlrpc:` transport, one HTTP POST per event.

`xmlrpc:host:port[/path]:method`: the host is resolved when subscribing, the
path defaults to /RPC2, the method is required. Each event is a methodCall on
a new connection (`Connection: close`), the response is not waited for:

    POST /RPC2 HTTP/1.1\\r\\nHost: 127.0.0.1:8080\\r\\nConnection: close\\r\\n
    User-Agent: OpenSIPS XMLRPC Notifier\\r\\nContent-type: text/xml\\r\\n
    Content-length: N\\r\\n\\r\\n<?xml version="1.0"?>\\n<methodCall>\\n...

The event name is the first <param>; named parameters carry a <name> element
(or, with use_struct_param=1, become a one-member <struct>). Unlike OpenSIPS,
text is XML-escaped (& < >) and negative ints are printed signed, so the
body is valid XML-RPC. The parameters take at most 8192 bytes, as in OpenSIPS.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Optional

from ..events.core import Occurrence, SocketError, Subscriber, syntax_check
from ..events.links import LinkWorker
from ..events.payload import Param, encode
from ..events.sender import (
    Job,
    LinkDown,
    QueuedTransport,
    SenderModule,
    connect_tcp,
    describe_error,
    parse_port,
    resolve_ipv4,
    split_host,
)
from ..runtime.module import ModParam

MODULE = "event_xmlrpc"
MAX_PARAMS_BYTES = 8192
SEND_TIMEOUT = 3.0              # connect and write, per request
DEFAULT_FIRST_LINE = "POST /RPC2 HTTP/1.1\r\nHost: "
# with a path OpenSIPS writes "Host:" without the space (still valid HTTP)
PATH_FIRST_LINE = "POST %s HTTP/1.1\r\nHost:"
HEADERS = ("\r\nConnection: close\r\nUser-Agent: OpenSIPS XMLRPC Notifier\r\n"
           "Content-type: text/xml\r\nContent-length: %d\r\n\r\n")
XML_TAIL = b"</params>\n</methodCall>"
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


@dataclass(frozen=True)
class XmlRpcEndpoint:
    host: str                               # as written
    port: int
    method: str
    path: str = field(default="", compare=False)
    target: tuple[str, int] = field(default=("", 0), compare=False)


def split_xmlrpc(rest: str) -> tuple[str, int, str, str]:
    """host, port, path and method of "host:port[/path]:method" (SocketError);
    nothing resolved yet."""
    host, tail = split_host(rest, MODULE, "xmlrpc_parse")
    location, sep, method = tail.partition(":")
    if not sep or not location:
        raise SocketError("method not specified <%s>" % tail, MODULE, "xmlrpc_parse")
    port_text, slash, path = location.partition("/")
    port = parse_port(port_text)
    if not port:
        raise SocketError("malformed port: %s" % location, MODULE, "xmlrpc_parse")
    if not method:
        raise SocketError("invalid method name", MODULE, "xmlrpc_parse")
    return host, port, slash + path, method


def parse_xmlrpc(rest: str) -> XmlRpcEndpoint:
    host, port, path, method = split_xmlrpc(rest)
    address = resolve_ipv4(host, MODULE, "xmlrpc_parse")
    return XmlRpcEndpoint(host, port, method, path, (address, port))


def xml_text(value: str) -> str:
    return value.translate(_XML_ESCAPES)


def xml_params(params: tuple[Param, ...], use_struct: bool) -> str:
    """The <param> elements of the event's parameters (after the event name)."""
    parts = []
    for name, value in params:
        parts.append("<param>\n")
        if name and use_struct:
            parts.append("<value><struct><member>\n")
        if name:
            parts.append("<name>%s</name>\n" % xml_text(name))
        if isinstance(value, int):
            parts.append("<value><int>%d</int></value>\n" % value)
        else:
            parts.append("<value><string>%s</string></value>\n" % xml_text(value or ""))
        if name and use_struct:
            parts.append("</member></struct></value>\n")
        parts.append("</param>\n")
    return "".join(parts)


def xml_head(method: str, event: str) -> str:
    """The body up to the event's own parameters (the event name is the first <param>)."""
    return ('<?xml version="1.0"?>\n<methodCall>\n<methodName>%s</methodName>\n<params>\n'
            "<param>\n<value><string>%s</string></value>\n</param>\n"
            % (xml_text(method), xml_text(event)))


class XmlRpcTransport(QueuedTransport):
    proto = "xmlrpc"
    module = MODULE
    check_syntax = syntax_check(split_xmlrpc)
    parse = staticmethod(parse_xmlrpc)

    def describe(self, endpoint: XmlRpcEndpoint) -> str:
        return "xmlrpc:%s:%d:%s" % (endpoint.host, endpoint.port, endpoint.method)

    def deliver(self, occurrence: Occurrence, endpoint: XmlRpcEndpoint,
                subscriber: Subscriber, on_failure=None) -> int:
        request = self.owner.request(occurrence, endpoint)
        if request is None:
            return self.refuse(subscriber)
        job = Job(request, subscriber, occurrence.name, on_failure)
        return self.owner.submit(self.destination(endpoint), job)


class EventXmlRpc(SenderModule):
    name = MODULE
    transport_classes = (XmlRpcTransport,)
    params = (ModParam("use_struct_param", "int", 0),)

    def init(self) -> None:
        super().init()
        self.use_struct = bool(self.param("use_struct_param"))

    def request(self, occurrence: Occurrence, endpoint: XmlRpcEndpoint) -> Optional[bytes]:
        """The whole HTTP request, or None (logged) when the parameters are too big."""
        params = encode(xml_params(occurrence.params, self.use_struct))
        if len(params) > MAX_PARAMS_BYTES:
            self.log.error("xmlrpc_build_buffer", "buffer too small...")
            self.log.error("xmlrpc_raise", "cannot create send buffer")
            return None
        body = encode(xml_head(endpoint.method, occurrence.name)) + params + XML_TAIL
        first = PATH_FIRST_LINE % endpoint.path if endpoint.path else DEFAULT_FIRST_LINE
        head = "%s%s:%d%s" % (first, endpoint.host, endpoint.port, HEADERS % len(body))
        return encode(head) + body

    def make_worker(self, key: tuple[str, int]) -> LinkWorker:
        return LinkWorker("xmlrpc:%s:%d" % key, self.log, self.settings,
                          lambda worker: XmlRpcLink(worker, key))


class XmlRpcLink:
    """Posts each request on a connection of its own, in order."""

    def __init__(self, worker: LinkWorker, address: tuple[str, int]) -> None:
        self.worker = worker
        self.log = worker.log
        self.address = address
        self.sending: list[Job] = []        # the batch being posted

    def accepting(self) -> bool:
        return True

    def send(self, jobs: list[Job]) -> None:
        self.sending = jobs
        done: list[Job] = []
        try:
            for job in jobs:
                self._post(job.data)
                done.append(job)
        except OSError:
            self.log.error("xmlrpc_process", "cannot send message")
            raise LinkDown(jobs[len(done):]) from None
        finally:
            if done:
                self.worker.delivered(done)
            self.sending = []

    def _post(self, request: bytes) -> None:
        try:
            sock = connect_tcp(self.address, SEND_TIMEOUT)
        except OSError as err:
            self.log.error("xmlrpc_sendmsg", "cannot connect to %s[%s]"
                           % (self.address[0], describe_error(err)))
            raise
        try:
            sock.sendall(request)
        except OSError as err:
            code, _, text = describe_error(err).partition(":")
            self.log.error("xmlrpc_sendmsg", "cannot send xmlrpc command %s[%s]" % (text, code))
            raise
        finally:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def watch(self) -> tuple[Optional[socket.socket], bool]:
        return None, False

    def ready(self, readable: bool, writable: bool) -> None:
        """Nothing to watch: each request has its own connection."""

    def tick(self, now: float) -> Optional[float]:
        return None

    def in_flight(self) -> list[Job]:
        return [job for job in self.sending if not job.settled]

    def close(self) -> None:
        """Nothing stays open between requests."""
