"""event_stream: the `tcp:` transport, JSON-RPC over a persistent TCP connection.

`tcp:host:port[/method]`: the host is resolved when subscribing; the method
defaults to the event name. Events are JSON-RPC notifications written back to
back, without any delimiter, on one connection per destination address (as
OpenSIPS shares it), opened on the first event:

    {"jsonrpc":"2.0","method":"E_X","params":{"a":1}}{"jsonrpc":"2.0","method":"E_X"}

modparams: reliable_mode=1 sends requests with an id first
(`{"id":N,"jsonrpc":...}`) and counts an event delivered when the peer's reply
with that id arrives (a reply with "error", or none within `timeout` ms, is a
failure); event_param="name" adds the event name as the first parameter
(first array element for positional parameters; not added without parameters).

Requests are pipelined, never waiting for a reply before the next one. A
connection that drops loses nothing that was not fully written (or, in
reliable mode, answered): it is sent again after the reconnect.
"""

from __future__ import annotations

import json
import os
import random
import socket
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Optional

from ..events.core import Occurrence, SocketError, Subscriber, syntax_check
from ..events.links import LinkWorker
from ..events.payload import encode, notification
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

MODULE = "event_stream"
CONNECT_TIMEOUT = 3.0
READ_SIZE = 65536
MAX_REPLY_BUFFER = 1 << 20      # unparsable reply data beyond this closes the connection


@dataclass(frozen=True)
class StreamEndpoint:
    host: str                               # as written
    port: int
    method: str = ""                        # "" means the event name
    target: tuple[str, int] = field(default=("", 0), compare=False)


@dataclass(frozen=True, slots=True)
class StreamMessage:
    id: int                                 # 0 outside reliable mode
    payload: bytes


def split_stream(rest: str) -> tuple[str, int, str]:
    """host, port and method of "host:port[/method]" (SocketError); nothing resolved yet."""
    host, tail = split_host(rest, MODULE, "stream_parse")
    port_text, _, method = tail.partition("/")
    port = parse_port(port_text)
    if not port:
        raise SocketError("malformed port: %s" % port_text, MODULE, "stream_parse")
    return host, port, method


def parse_stream(rest: str) -> StreamEndpoint:
    host, port, method = split_stream(rest)
    address = resolve_ipv4(host, MODULE, "stream_parse")
    return StreamEndpoint(host, port, method, (address, port))


class StreamTransport(QueuedTransport):
    proto = "tcp"
    module = MODULE
    check_syntax = syntax_check(split_stream)
    parse = staticmethod(parse_stream)

    def describe(self, endpoint: StreamEndpoint) -> str:
        method = "/" + endpoint.method if endpoint.method else ""
        return "tcp:%s:%d%s" % (endpoint.host, endpoint.port, method)

    def deliver(self, occurrence: Occurrence, endpoint: StreamEndpoint,
                subscriber: Subscriber, on_failure=None) -> int:
        message = self.owner.message(occurrence, endpoint.method or occurrence.name)
        job = Job(message, subscriber, occurrence.name, on_failure)
        return self.owner.submit(self.destination(endpoint), job)


class EventStream(SenderModule):
    name = MODULE
    transport_classes = (StreamTransport,)
    params = (
        ModParam("reliable_mode", "int", 0),
        ModParam("event_param", "str", None),
        ModParam("timeout", "int", 1000),
    )

    def init(self) -> None:
        super().init()
        self.reliable = bool(self.param("reliable_mode"))
        self.event_param: Optional[str] = self.param("event_param")
        self.timeout = max(int(self.param("timeout")), 0) / 1000.0
        # ids as OpenSIPS makes them: pid in the low bits, random above, step 4
        self._last_id = (os.getpid() & 0xFFFF) | (random.getrandbits(29) << 2)

    def _next_id(self) -> int:
        """Positive, never 0 (0 means "no id" in a payload)."""
        self._last_id = max((self._last_id + 4) & 0x7FFFFFFF, 1)
        return self._last_id

    def message(self, occurrence: Occurrence, method: str) -> StreamMessage:
        params = occurrence.params
        if self.event_param is not None and params:
            name = self.event_param if params[0][0] is not None else None
            params = ((name, occurrence.name),) + params
        if not self.reliable:
            if params is occurrence.params and method == occurrence.name:
                return StreamMessage(0, occurrence.payload_bytes())
            return StreamMessage(0, encode(notification(method, params)))
        request_id = self._next_id()
        return StreamMessage(request_id, encode(notification(method, params, request_id)))

    def make_worker(self, key: tuple[str, int]) -> LinkWorker:
        return LinkWorker("tcp:%s:%d" % key, self.log, self.settings,
                          lambda worker: StreamLink(worker, key, self.reliable, self.timeout))


@dataclass(eq=False)
class Pending:
    job: Job
    deadline: float


class StreamLink:
    """The connection to one address, driven by its LinkWorker."""

    def __init__(self, worker: LinkWorker, address: tuple[str, int], reliable: bool,
                 timeout: float) -> None:
        self.worker = worker
        self.log = worker.log
        self.address = address
        self.reliable = reliable
        self.timeout = timeout
        self.sock: Optional[socket.socket] = None
        self.output: deque[tuple[Job, memoryview]] = deque()    # being written, in order
        self.waiting: dict[int, Pending] = {}                   # written, awaiting a reply
        self.replies = b""

    @property
    def peer(self) -> str:
        return "%s:%d" % self.address

    # ------------------------------------------------ Link

    def accepting(self) -> bool:
        return not self.output

    def send(self, jobs: list[Job]) -> None:
        if self.sock is None:
            self._connect(jobs)
        self.output.extend((job, memoryview(job.data.payload)) for job in jobs)
        self._write()

    def watch(self) -> tuple[Optional[socket.socket], bool]:
        return self.sock, bool(self.output)

    def ready(self, readable: bool, writable: bool) -> None:
        if writable:
            self._write()
        if readable:
            self._read()

    def tick(self, now: float) -> Optional[float]:
        expired = []
        while self.waiting:
            request_id, pending = next(iter(self.waiting.items()))
            if pending.deadline > now:
                break
            del self.waiting[request_id]
            expired.append(pending.job)
            self.log.info("stream_cleanup_old", "Handling JSON-RPC command [%s] timed out!"
                          % pending.job.data.payload.decode("utf-8", "replace"))
        if expired:
            self.worker.failed(expired)
        first = next(iter(self.waiting.values()), None)
        return first.deadline if first is not None else None

    def in_flight(self) -> list[Job]:
        # list() first: the shutdown report may call this while the worker runs
        return ([p.job for p in list(self.waiting.values())]
                + [job for job, _ in list(self.output)])

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
            self.sock = None
        self.output.clear()
        self.waiting.clear()
        self.replies = b""

    # ------------------------------------------------ connection

    def _connect(self, jobs: list[Job]) -> None:
        try:
            sock = connect_tcp(self.address, CONNECT_TIMEOUT)
        except OSError as err:
            self.log.error("stream_new_con", "cannot connect to %s[%s]"
                           % (self.address[0], describe_error(err)))
            self.log.error("handle_new_stream", "cannot create new connection!")
            raise LinkDown(jobs) from None
        sock.setblocking(False)
        self.sock = sock

    def _down(self, jobs: list[Job]) -> LinkDown:
        return LinkDown(self.in_flight() + jobs)

    def _write(self) -> None:
        written = []
        while self.output:
            job, view = self.output[0]
            try:
                count = self.sock.send(view)
            except BlockingIOError:
                break
            except OSError:
                self.log.error("handle_write_jsonrpc", "error while writing on connection to "
                               "%s" % self.peer)
                raise self._down([]) from None
            if count < len(view):
                self.output[0] = (job, view[count:])
                continue
            self.output.popleft()
            if self.reliable:
                pending = Pending(job, time.monotonic() + self.timeout)
                self.waiting[job.data.id] = pending
            else:
                written.append(job)
        if written:
            self.worker.delivered(written)

    def _read(self) -> None:
        try:
            data = self.sock.recv(READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            self.log.error("handle_reply_jsonrpc", "error while reading reply from %s"
                           % self.peer)
            raise self._down([]) from None
        if not data:
            self.log.info("handle_reply_jsonrpc", "connection to %s closed!" % self.peer)
            raise self._down([])
        if self.reliable:
            self._replies(data)

    # ------------------------------------------------ reliable mode

    def _replies(self, data: bytes) -> None:
        self.replies += data
        text = self.replies.decode("utf-8", "surrogateescape")
        decoder = json.JSONDecoder()
        position = 0
        while True:
            while position < len(text) and text[position].isspace():
                position += 1
            if position == len(text):
                break
            try:
                reply, position = decoder.raw_decode(text, position)
            except ValueError:
                break           # incomplete: wait for the rest
            self._reply(reply)
        self.replies = text[position:].encode("utf-8", "surrogateescape")
        if len(self.replies) > MAX_REPLY_BUFFER:
            self._protocol_error("cannot parse reply [%s]"
                                 % self.replies[:200].decode("utf-8", "replace"))

    def _reply(self, reply) -> None:
        if not isinstance(reply, dict) or "id" not in reply:
            self._protocol_error("reply does not have an ID!")
        request_id = reply["id"]
        if isinstance(request_id, bool) or not isinstance(request_id, (int, float)):
            self._protocol_error("json does not have an integer id!")
        pending = self.waiting.pop(int(request_id), None)
        if pending is None:
            self.log.info("handle_cmd_reply", "no pending queries with id %d found!"
                          % int(request_id))
        elif "error" in reply:
            self.worker.failed([pending.job])
        else:
            self.worker.delivered([pending.job])

    def _protocol_error(self, message: str) -> None:
        """A peer that does not speak JSON-RPC: what waits for a reply fails,
        the connection is dropped, unsent events go out on a new one."""
        self.log.error("handle_cmd_reply", message)
        self.worker.failed([p.job for p in self.waiting.values()])
        self.waiting.clear()
        raise self._down([])
