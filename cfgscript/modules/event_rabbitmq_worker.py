"""event_rabbitmq's sender worker: the connection to one server, a pika
SelectConnection ioloop in the worker's thread, publishing batches with
publisher confirms and reconnecting with backoff until the module shuts down."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Optional

import pika
from pika import spec
from pika.adapters.select_connection import SelectConnection

from ..events.sender import Job, ModuleLog, RateLimited, SenderSettings, Worker
from ..runtime.logger import L_ERR
from .event_rabbitmq_syntax import AmqpServer

MAX_UNCONFIRMED = 4096  # published, not yet confirmed by the broker
BATCH = 1024  # messages written per ioloop turn

_NO_EXCHANGE = re.compile(r"no exchange '(.*)' in vhost")


class AmqpWorker(Worker):
    """The connection to one server: a pika ioloop in this thread, reconnected
    with backoff until the module shuts down."""

    def __init__(
        self,
        server: AmqpServer,
        log: ModuleLog,
        settings: SenderSettings,
        parameters: Callable[[AmqpServer], pika.ConnectionParameters],
    ) -> None:
        super().__init__(server.label, log, settings)
        self.server = server
        self._parameters = parameters  # how to connect, asked again for each connection
        self._loop_lock = threading.Lock()
        self._ioloop = None  # while a connection's ioloop runs
        self._conn: Optional[SelectConnection] = None
        self._channel = None
        self._ready = False  # channel open, confirms on
        self._closing = False  # we close it: no reconnect
        self._deadline_armed = False
        self._drain_timer = False  # a _drain is scheduled
        self._retry_delay = 0.0
        self._tag = 0
        self._unconfirmed: deque[tuple[int, Job]] = deque()
        self._returned: set[int] = set()  # delivery tags of unroutable messages
        self._returns = RateLimited(log, L_ERR, "rmq_sendmsg")

    # ------------------------------------------------ other threads

    def wake(self) -> None:
        with self._loop_lock:
            if self._ioloop is not None:
                self._ioloop.add_callback_threadsafe(self._poke)

    def in_flight(self) -> list[Job]:
        return [job for _, job in list(self._unconfirmed)]

    # ------------------------------------------------ thread

    def run(self) -> None:
        try:
            while True:
                self._session()
                if self.stopping.is_set() or self.expired():
                    return
                self.stopping.wait(self._retry_delay)
        except Exception as err:  # a bug: say so, the engine carries on
            self.log.error("rmq_process", "sender for %s stopped: %r" % (self.label, err))
        finally:
            self._returns.flush("%d more message(s) returned by the broker")

    def _session(self) -> None:
        """One connection, from opening to close."""
        self._ready = self._closing = self._deadline_armed = self._drain_timer = False
        self._unconfirmed.clear()
        conn = SelectConnection(
            self._parameters(self.server),
            on_open_callback=self._on_open,
            on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_close,
        )
        self._conn = conn
        with self._loop_lock:
            self._ioloop = conn.ioloop
        if self.stopping.is_set():
            self._arm_deadline()
        try:
            conn.ioloop.start()
        finally:
            with self._loop_lock:
                self._ioloop = None
            conn.ioloop.close()
            self._conn = self._channel = None

    # ------------------------------------------------ connection events

    def _on_open(self, conn: SelectConnection) -> None:
        conn.channel(on_open_callback=self._on_channel)

    def _on_channel(self, channel) -> None:
        self._channel = channel
        self._tag = 0  # delivery tags start again with a channel
        self._returned.clear()
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(self._on_confirm, callback=self._on_confirm_mode)

    def _on_confirm_mode(self, _frame) -> None:
        self._ready = True
        self._drain()

    def _on_open_error(self, conn: SelectConnection, error: Exception) -> None:
        if not self._closing:
            self._connection_failed(error)
        conn.ioloop.stop()

    def _on_close(self, conn: SelectConnection, reason: Exception) -> None:
        self._ready = False
        jobs = [job for _, job in self._unconfirmed]
        self._unconfirmed.clear()
        if self._closing:
            self.outbox.push_front(jobs)  # left for the shutdown report
        else:
            self.log.error(
                "amqp_check_status",
                "[%s] connection closed (%s); %d message(s) "
                "to publish again" % (self.server.shown_host, _reason(reason), len(jobs)),
            )
            self._retry(jobs)
        conn.ioloop.stop()

    def _connection_failed(self, error: Exception) -> None:
        if isinstance(error, pika.exceptions.ProbableAuthenticationError):
            self.log.error(
                "rmq_error", "Logging in: server connection error 403, message: ACCESS_REFUSED"
            )
        else:
            self.log.error("rmq_server_reconnect", "cannot open AMQP socket")
        self.log.error(
            "rmq_basic_server_publish",
            "cannot connect to RabbitMQ server %s:%d (%s)"
            % (self.server.shown_host, self.server.port, _reason(error)),
        )
        self._retry([])

    def _retry(self, jobs: list[Job]) -> None:
        self._retry_delay = 0.0 if self.stopping.is_set() else self.backoff.next()
        self.requeue(jobs, self._retry_delay)

    def _on_channel_closed(self, channel, reason: Exception) -> None:
        """The broker closed the channel (a missing exchange, a refused publish):
        the culprits fail, the rest is published again on a new channel."""
        self._ready = False
        conn = self._conn
        if (
            not isinstance(reason, pika.exceptions.ChannelClosedByBroker)
            or conn is None
            or not conn.is_open
        ):
            return
        self.log.error(
            "rmq_error",
            "closing channel: server channel error %d, message: %s"
            % (reason.reply_code, reason.reply_text),
        )
        jobs = [job for _, job in self._unconfirmed]
        self._unconfirmed.clear()
        missing = _NO_EXCHANGE.search(reason.reply_text or "")
        if missing:

            def culprit(job: Job) -> bool:
                return job.data.route.exchange == missing.group(1)

            self.failed(
                [job for job in jobs if culprit(job)]
                + self.outbox.extract(lambda job: not culprit(job))
            )
            jobs = [job for job in jobs if not culprit(job)]
        else:
            self.failed(jobs[:1])
            jobs = jobs[1:]
        self.outbox.push_front(jobs)
        conn.ioloop.call_later(self.backoff.next(), self._reopen_channel)

    def _reopen_channel(self) -> None:
        if self._conn is not None and self._conn.is_open and not self._closing:
            self._conn.channel(on_open_callback=self._on_channel)

    # ------------------------------------------------ publishing

    def _poke(self) -> None:
        if self.stopping.is_set():
            self._arm_deadline()
        self._drain()

    def _drain(self) -> None:
        """Publish a batch of queued messages, in one write; then look again
        soon (acks get their turn first), or sleep until woken."""
        if not self._ready or self._closing:
            return
        room = MAX_UNCONFIRMED - len(self._unconfirmed)
        if room <= 0:
            return  # the next confirm drains again
        jobs = self.take(min(room, BATCH))
        if jobs:
            self._publish(jobs)
        if self._finish_if_flushed():
            return
        delay = 0.0 if len(self.outbox) else self.idle_wait()
        if delay is not None and not self._drain_timer:
            self._drain_timer = True
            self._conn.ioloop.call_later(delay, self._timed_drain)

    def _timed_drain(self) -> None:
        self._drain_timer = False
        self._drain()

    def _publish(self, jobs: list[Job]) -> None:
        channel = self._channel.channel_number
        body_max = self._conn.params.frame_max - 8
        frames: list[bytes] = []
        for job in jobs:
            message = job.data
            message.route.frames(channel, message.body, body_max, frames)
            self._tag += 1
            self._unconfirmed.append((self._tag, job))
        self._conn._output_marshaled_frames([b"".join(frames)])

    def _on_confirm(self, frame) -> None:
        method = frame.method
        confirmed = self._confirmed(method.delivery_tag, method.multiple)
        if isinstance(method, spec.Basic.Nack):
            self.log.error(
                "rmq_sendmsg",
                "%d message(s) to %s refused by the broker" % (len(confirmed), self.label),
            )
            self.failed([job for _, job in confirmed])
        elif self._returned:
            returned = self._returned
            self.failed([job for tag, job in confirmed if tag in returned])
            self.delivered([job for tag, job in confirmed if tag not in returned])
            returned.difference_update(tag for tag, _ in confirmed)
        else:
            self.delivered([job for _, job in confirmed])
        self._drain()

    def _confirmed(self, tag: int, multiple: bool) -> list[tuple[int, Job]]:
        """Take the messages a Basic.Ack/Nack covers off the unconfirmed list."""
        unconfirmed = self._unconfirmed
        if multiple:
            confirmed = []
            while unconfirmed and unconfirmed[0][0] <= tag:
                confirmed.append(unconfirmed.popleft())
            return confirmed
        for index, entry in enumerate(unconfirmed):
            if entry[0] == tag:
                del unconfirmed[index]
                return [entry]
        return []

    def _on_return(self, channel, method, properties, body: bytes) -> None:
        """Unroutable (mandatory): the broker returns it, then confirms it."""
        for tag, job in self._unconfirmed:
            route = job.data.route
            if (
                tag not in self._returned
                and route.routing_key == method.routing_key
                and route.exchange == method.exchange
                and job.data.body == body
            ):
                self._returned.add(tag)
                break
        hint = (
            " (no queue is bound to it; `cfgscript listen rabbitmq:...` declares one)"
            if method.reply_code == spec.NO_ROUTE
            else ""
        )
        self._returns.hit(
            'message for exchange "%s", routing key "%s" returned by the '
            "broker: %d %s%s"
            % (method.exchange, method.routing_key, method.reply_code, method.reply_text, hint)
        )

    # ------------------------------------------------ shutdown

    def _arm_deadline(self) -> None:
        if self._conn is not None and not self._deadline_armed:
            self._deadline_armed = True
            self._conn.ioloop.call_later(max(0.0, self.deadline - time.monotonic()), self._close)
        self._finish_if_flushed()

    def _finish_if_flushed(self) -> bool:
        """At shutdown, once everything is confirmed: close (True)."""
        if (
            self.stopping.is_set()
            and self._ready
            and not self._unconfirmed
            and not len(self.outbox)
        ):
            self._close()
            return True
        return False

    def _close(self) -> None:
        if self._closing or self._conn is None:
            return
        self._closing = True
        try:
            self._conn.close()
        except pika.exceptions.ConnectionWrongStateError:
            self._conn.ioloop.stop()


def _reason(error: BaseException) -> str:
    """A short, secret-free description of a pika error (its innermost cause)."""
    candidates = [
        *reversed(getattr(error, "exceptions", None) or ()),
        getattr(error, "exception", None),
        *error.args,
    ]
    cause = next((each for each in candidates if isinstance(each, BaseException)), None)
    if cause is not None:
        return _reason(cause)
    if isinstance(error, OSError):
        return error.strerror or str(error) or type(error).__name__
    return type(error).__name__
