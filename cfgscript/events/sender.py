"""Sender workers: how queued transports (rabbitmq, xmlrpc, tcp) deliver events.

raise_event never waits on a network peer: a transport turns the event into a
`Job` and hands it to the worker of its destination, one thread per
destination, created on first use. The worker owns the connection:

  * its `Outbox` is a bounded FIFO (10,000 events by default); when it is full
    the new event is refused: counted in Subscriber.dropped, logged (the first
    at once, then a summary at most once a second), and the raise gets -1;
  * queueing takes a lock and, during a burst, nothing else: a worker that has
    just sent something polls its outbox for a moment instead of being woken;
  * a lost or refused connection is retried with exponential backoff; the
    events sent but not confirmed go back to the front of the queue, so after
    the reconnect everything is delivered in raise order (at least once);
  * a job that carries an `on_failure` callback (an event_virtual FAILOVER
    member) is never held for a reconnect: it fails at once and its callback
    runs, so the event moves on to the next member;
  * Subscriber.sent / failed / buffered are kept current (buffered: accepted,
    not yet confirmed);
  * at shutdown every worker gets the same deadline to flush; a destination
    that is down gets one last connection attempt; what is left is counted as
    failed and logged;
  * a worker whose destination no live subscriber uses any more (unsubscribed,
    expired) retires: it gets the flush time to deliver what was raised before,
    then closes its connection and ends, what is left counted as failed and
    logged; a later subscriber to the same destination gets a new worker.

Two worker shapes share this: `LinkWorker` (links.py) drives a blocking-style
`Link` (event_stream, event_xmlrpc) from its own select loop and retires;
event_rabbitmq runs pika's ioloop in a `Worker` subclass of its own, which
never needs to (OpenSIPS never drops a rabbitmq: subscriber).

Worker threads log straight to the engine's log stream, without the
E_CORE_LOG listeners (OpenSIPS's sender processes suppress that event too).
The queue size and the shutdown flush time are run options
(`cfgscript run --queue-size N --flush-timeout S`).
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Optional

from ..runtime.logger import L_ERR, L_INFO, L_NOTICE, L_WARN, Logger
from ..runtime.module import Module
from ..runtime.settings import DEFAULT_FLUSH_SECONDS, DEFAULT_QUEUE_SIZE
from .core import SocketError, Subscriber, TransportBase

BATCH = 512                 # jobs taken from the outbox at a time
POLL_INTERVAL = 0.002       # a worker that just sent looks at its outbox this often...
LINGER = 0.05               # ...for this long, before it sleeps until woken
ABORT_GRACE = 1.0           # after the flush deadline, time for a worker to notice
REPORT_INTERVAL = 1.0       # repeated problems are summed up at most this often
USE_CHECK_INTERVAL = 1.0    # how often a worker asks whether its destination is still used


@dataclass(frozen=True)
class SenderSettings:
    queue_size: int = DEFAULT_QUEUE_SIZE
    flush_seconds: float = DEFAULT_FLUSH_SECONDS
    backoff_first: float = 0.1
    backoff_limit: float = 5.0



@dataclass(eq=False, slots=True)
class Job:
    """One event for one subscriber, ready for the wire."""
    data: Any                           # what the link sends (bytes, a message...)
    subscriber: Subscriber
    event: str
    on_failure: Optional[Callable[[], None]] = None
    settled: bool = False               # counted as sent or failed (never twice)


class OutboxClosed(Exception):
    """The worker retired: the job must go to a new worker of the destination."""


class LinkDown(Exception):
    """The connection failed; `jobs` were sent (or being sent) but not confirmed."""

    def __init__(self, jobs: list[Job] = ()) -> None:
        super().__init__()
        self.jobs = list(jobs)


# ---------------------------------------------------------------- logging

@dataclass(frozen=True)
class ModuleLog:
    """"LEVEL:module:function: message" lines, safe from any thread."""
    logger: Logger
    module: str

    def line(self, level: int, function: str, message: str) -> None:
        self.logger.log_quietly(level, self.module, function, message)

    def error(self, function: str, message: str) -> None:
        self.line(L_ERR, function, message)

    def warning(self, function: str, message: str) -> None:
        self.line(L_WARN, function, message)

    def notice(self, function: str, message: str) -> None:
        self.line(L_NOTICE, function, message)

    def info(self, function: str, message: str) -> None:
        self.line(L_INFO, function, message)


@dataclass(eq=False)
class RateLimited:
    """A problem that can repeat thousands of times a second: the first
    occurrence is logged at once, the later ones are counted and summed up at
    most once per interval (and by flush())."""
    log: ModuleLog
    level: int
    function: str
    interval: float = REPORT_INTERVAL
    _pending: int = 0
    _next: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, message: str) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                self._pending += 1
                return
            extra, self._pending, self._next = self._pending, 0, now + self.interval
        suffix = " (and %d more like it before)" % extra if extra else ""
        self.log.line(self.level, self.function, message + suffix)

    def flush(self, message: str) -> None:
        """Log the occurrences not reported yet: `message` gets their count."""
        with self._lock:
            extra, self._pending = self._pending, 0
        if extra:
            self.log.line(self.level, self.function, message % extra)


# ---------------------------------------------------------------- queueing

class Outbox:
    """The bounded FIFO between the raising thread and one worker.

    put() reports when the worker must be woken: only when it went to sleep
    on an empty queue. A worker that has just sent something polls for a while
    instead (LINGER), so a burst of raises makes no wake-up call at all: a
    wake-up is a system call, which hands the GIL to the worker at once.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lock = threading.Lock()
        self._jobs: deque[Job] = deque()
        self._idle = True
        self.closed = False                 # retired: no job is taken any more

    def __len__(self) -> int:
        return len(self._jobs)

    def put(self, job: Job) -> Optional[bool]:
        """None when full, else whether the worker needs a wake-up; raises
        OutboxClosed once the worker retired."""
        with self.lock:
            if self.closed:
                raise OutboxClosed
            if len(self._jobs) >= self.limit:
                return None
            self._jobs.append(job)
            job.subscriber.buffered += 1
            wake, self._idle = self._idle, False
            return wake

    def take(self, count: int) -> list[Job]:
        """Up to count jobs, oldest first."""
        with self.lock:
            jobs = self._jobs
            return [jobs.popleft() for _ in range(min(count, len(jobs)))]

    def sleep_if_empty(self) -> bool:
        """The worker goes to sleep (the next put() wakes it), unless jobs wait."""
        with self.lock:
            if self._jobs:
                return False
            self._idle = True
            return True

    def push_front(self, jobs: list[Job]) -> None:
        """Jobs that must go before everything queued (after a reconnect); never refused."""
        with self.lock:
            self._jobs.extendleft(reversed(jobs))

    def extract(self, keep: Callable[[Job], bool]) -> list[Job]:
        """Remove and return the queued jobs for which keep() is False."""
        with self.lock:
            removed = [job for job in self._jobs if not keep(job)]
            if removed:
                self._jobs = deque(job for job in self._jobs if keep(job))
            return removed

    def drain(self) -> list[Job]:
        return self.extract(lambda job: False)

    def close_if_empty(self) -> bool:
        """Close to new jobs, unless some wait; whether it closed."""
        with self.lock:
            self.closed = self.closed or not self._jobs
            return self.closed

    def close(self) -> list[Job]:
        """Close to new jobs; the ones still queued."""
        with self.lock:
            self.closed = True
        return self.drain()


@dataclass
class Backoff:
    first: float
    limit: float
    current: float = 0.0

    def next(self) -> float:
        self.current = min(self.limit, self.current * 2 if self.current else self.first)
        return self.current

    def reset(self) -> None:
        self.current = 0.0


# ---------------------------------------------------------------- workers

class Worker(threading.Thread):
    """The sender of one destination: a thread, its outbox and the accounting."""

    def __init__(self, label: str, log: ModuleLog, settings: SenderSettings) -> None:
        super().__init__(name="%s sender %s" % (log.module, label), daemon=True)
        self.label = label                          # the destination, without secrets
        self.log = log
        self.settings = settings
        self.outbox = Outbox(settings.queue_size)
        self.backoff = Backoff(settings.backoff_first, settings.backoff_limit)
        self.stopping = threading.Event()
        self.deadline = float("inf")
        self.down = False                           # the last connection attempt failed
        self.retry_at = 0.0                         # when the next attempt is due
        self.last_taken = 0.0                       # when jobs were last taken
        self.in_use: Callable[[], bool] = lambda: True  # a live subscriber uses the destination
        self.retire_by: Optional[float] = None      # unused: when the flush time runs out
        self._next_use_check = 0.0
        self._drops = RateLimited(log, L_ERR, "sender")

    # ------------------------------------------------ raising thread

    def submit(self, job: Job) -> bool:
        """Queue a job (never blocks); False when it is refused."""
        if job.on_failure is not None and time.monotonic() < self.retry_at:
            job.subscriber.failed += 1
            return False        # down: a failover job moves on to the next member now
        wake = self.outbox.put(job)
        if wake is None:
            job.subscriber.dropped += 1
            self._drops.hit("queue to %s full (%d events): event %s dropped"
                            % (self.label, self.outbox.limit, job.event))
            return False
        if wake:
            self.wake()
        return True

    def wake(self) -> None:
        """Make the worker look at its outbox (called from other threads)."""
        raise NotImplementedError

    # ------------------------------------------------ worker thread

    def take(self, count: int) -> list[Job]:
        jobs = self.outbox.take(count)
        if jobs:
            self.last_taken = time.monotonic()
        return jobs

    def idle_wait(self) -> Optional[float]:
        """With the outbox found empty: seconds until the next look (polling
        for LINGER after the last jobs), or None to sleep until woken."""
        if time.monotonic() - self.last_taken < LINGER:
            return POLL_INTERVAL
        return None if self.outbox.sleep_if_empty() else 0.0

    def delivered(self, jobs: list[Job]) -> None:
        self._settle(jobs, sent=True)
        if self.down:
            self.down = False
            self.log.notice("sender", "connection to %s is back, %d event(s) waiting"
                            % (self.label, len(self.outbox)))
        self.retry_at = 0.0
        self.backoff.reset()

    def _settle(self, jobs: list[Job], sent: bool) -> list[Job]:
        """Count each job once, as sent or as failed: the shutdown report may
        settle jobs a stuck worker still holds. The ones counted now."""
        counted = []
        with self.outbox.lock:
            for job in jobs:
                if job.settled:
                    continue
                job.settled = True
                subscriber = job.subscriber
                subscriber.buffered -= 1
                if sent:
                    subscriber.sent += 1
                else:
                    subscriber.failed += 1
                counted.append(job)
        return counted

    def failed(self, jobs: list[Job]) -> int:
        """Count the jobs as failed and run their failure callbacks; how many were counted."""
        counted = self._settle(jobs, sent=False)
        for job in counted:
            if job.on_failure is not None:
                try:
                    job.on_failure()
                except Exception as err:     # a callback must not kill the sender
                    self.log.error("sender", "failure callback for %s: %r" % (job.event, err))
        return len(counted)

    def requeue(self, jobs: list[Job], retry_in: float) -> None:
        """After a failed connection: unconfirmed jobs go back in front (failover
        jobs fail instead, also those still queued) until the next attempt."""
        self.down = True
        self.retry_at = time.monotonic() + retry_in
        self.failed([job for job in jobs if job.on_failure is not None])
        self.outbox.push_front([job for job in jobs if job.on_failure is None])
        self.failed(self.outbox.extract(lambda job: job.on_failure is None))

    def in_flight(self) -> list[Job]:
        """Jobs handed to the connection and not confirmed yet."""
        return []

    def check_use(self) -> None:
        """At most once per USE_CHECK_INTERVAL: start retiring when no live
        subscriber uses the destination, stop when one does again."""
        now = time.monotonic()
        if now < self._next_use_check or self.stopping.is_set():
            return
        self._next_use_check = now + USE_CHECK_INTERVAL
        if self.in_use():
            self.retire_by = None
        elif self.retire_by is None:
            self.retire_by = now + self.settings.flush_seconds

    def may_retire(self) -> bool:
        """Whether a retiring worker may end now: nothing left to send (its
        outbox then closes to new jobs), or the flush time is over (what is
        left fails, the caller drops the connection)."""
        if self.retire_by is None:
            return False
        if not self.in_flight() and self.outbox.close_if_empty():
            return True
        if time.monotonic() < self.retire_by:
            return False
        left = self.in_flight() + self.outbox.close()
        self.failed(left)
        self.log.error("sender", "%d event(s) to %s not delivered: no subscriber uses it "
                       "any more" % (len(left), self.label))
        return True

    # ------------------------------------------------ shutdown (engine thread)

    def stop(self, deadline: float) -> None:
        self.deadline = deadline
        self.stopping.set()
        self.wake()

    def finish(self) -> None:
        """Wait for the flush (until the deadline), then report what is left."""
        self.join(max(0.0, self.deadline - time.monotonic()))
        if self.is_alive():
            self.join(ABORT_GRACE)
        left = self.failed(self.in_flight() + self.outbox.drain())
        if left:
            self.log.error("mod_destroy", "%d event(s) to %s not delivered at shutdown"
                           % (left, self.label))
        self._drops.flush("queue to %s was full: %%d more event(s) dropped" % self.label)

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline


class WorkerPool:
    """The workers of one module, one per destination key, started on first use."""

    def __init__(self, create: Callable[[Hashable], Worker]) -> None:
        self._create = create
        self._workers: dict[Hashable, Worker] = {}
        self._lock = threading.Lock()          # creating workers, against shutdown

    def get(self, key: Hashable) -> Worker:
        """The destination's worker; a new one when there is none or it retired."""
        worker = self._workers.get(key)
        if worker is not None and not worker.outbox.closed:
            return worker
        with self._lock:
            worker = self._workers.get(key)
            if worker is None or worker.outbox.closed:
                worker = self._workers[key] = self._create(key)
                worker.start()
            return worker

    def close(self, flush_seconds: float) -> None:
        deadline = time.monotonic() + flush_seconds
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
        for worker in workers:
            worker.stop(deadline)
        for worker in workers:
            worker.finish()


# ---------------------------------------------------------------- sockets

def connect_tcp(address: tuple[str, int], timeout: float) -> socket.socket:
    """A connected IPv4 TCP socket (OSError on failure)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(address)
    except OSError:
        sock.close()
        raise
    return sock


def describe_error(err: OSError) -> str:
    """errno:text as OpenSIPS prints it ("111:Connection refused")."""
    code = 110 if isinstance(err, TimeoutError) and err.errno is None else err.errno or 0
    return "%d:%s" % (code, os.strerror(code) if code else str(err))



def parse_port(text: str) -> int:
    """A port as OpenSIPS's str2s() reads it (ASCII digits only, at most 5),
    0 when malformed; over 65535 is refused (OpenSIPS wraps it around)."""
    if not text or len(text) > 5 or not (text.isascii() and text.isdigit()):
        return 0
    value = int(text)
    return value if value <= 65535 else 0


def split_host(rest: str, module: str, function: str) -> tuple[str, str]:
    """"host:tail" as event_stream and event_xmlrpc split it (SocketError)."""
    if not rest:
        raise SocketError("no socket specified", module, function)
    host, sep, tail = rest.partition(":")
    if not sep or not host:
        raise SocketError("port not specified <%s>" % rest, module, function)
    if not tail:
        raise SocketError("invalid port number", module, function)
    return host, tail


def resolve_ipv4(host: str, module: str, function: str) -> str:
    """The IPv4 address of a host, resolved when subscribing (SocketError)."""
    try:
        return socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    except (OSError, UnicodeError):
        raise SocketError("cannot resolve host %s" % host, module, function) from None


# ---------------------------------------------------------------- modules

class SenderModule(Module):
    """Base of the modules whose transports queue events to sender workers."""

    def init(self) -> None:
        options = self.engine.options
        self.settings = SenderSettings(queue_size=options.queue_size,
                                       flush_seconds=options.flush_timeout)
        self.log = ModuleLog(self.engine.logger, self.name)
        self.pool = WorkerPool(self._new_worker)

    def _new_worker(self, key: Hashable) -> Worker:
        worker = self.make_worker(key)
        worker.in_use = functools.partial(self.in_use, key)
        return worker

    def make_worker(self, key: Hashable) -> Worker:
        """The worker for a destination key (started by the pool)."""
        raise NotImplementedError

    def submit(self, key: Hashable, job: Job) -> int:
        """Queue a job to its destination's worker: 0 queued, -1 refused."""
        while True:
            try:
                return 0 if self.pool.get(key).submit(job) else -1
            except OutboxClosed:    # it retired meanwhile: the pool makes a new one
                continue

    def in_use(self, key: Hashable) -> bool:
        """Whether a live subscriber (or a member of one) sends to the destination
        key through this module; callable from the sender threads."""
        return any(isinstance(transport, QueuedTransport) and transport.owner is self
                   and transport.destination(endpoint) == key
                   for transport, endpoint in self.engine.events.endpoints_in_use())

    def shutdown(self) -> None:
        self.pool.close(self.settings.flush_seconds)


class QueuedTransport(TransportBase):
    """Common parts of the transports that deliver through sender workers.
    They keep their subscribers' counters themselves (see deliver_to)."""
    owner: SenderModule
    queued = True

    @staticmethod
    def destination(endpoint) -> Hashable:
        """The key of the sender worker the endpoint's events go through."""
        return endpoint.target

    @staticmethod
    def refuse(subscriber: Subscriber) -> int:
        """An event that cannot even be queued (logged by the caller)."""
        subscriber.failed += 1
        return -1
