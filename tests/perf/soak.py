"""Soak: N events (1,000,000 by default) raised by one engine to three
subscribers, a UDP receiver, RabbitMQ (the broker on 127.0.0.1:5672, through
a loopback proxy this run controls) and an event_route, with the proxy cut
every --cut-every events (a plain cut and a one-second refusal in turn).

    nice python tests/perf/soak.py [--events N] [--burst B] [--cut-every C]

route[burst] raises B events in a while loop; after each burst the queued
event routes run and the run waits (at most 30 s) until the RabbitMQ sender
holds less than one burst, so the broker sets the pace without refusing by
design. Every 100,000 events (and at the start and the end) it prints the RSS
of the process and each subscriber's sent/failed/buffered/dropped. At the end,
after the shutdown, each subscriber's four counts must add up to what was
raised with nothing buffered, the event route must have run once per event,
and the RSS at the end may not exceed the RSS after the first 100,000 events
by more than --rss-slack MB: otherwise the exit status is 1.
"""

from __future__ import annotations

import argparse
import io
import sys
import threading
import time
import uuid
from pathlib import Path

import pika

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_vs_opensips import Sink  # noqa: E402
from scripting import load_engine  # noqa: E402
from support import wait_until  # noqa: E402
from support.tcp_proxy import TcpProxy  # noqa: E402

BROKER = ("127.0.0.1", 5672)
CREDENTIALS = pika.PlainCredentials("guest", "guest")
REPORT_EVERY = 100_000
PACE_TIMEOUT = 30.0

SCRIPT = """
max_while_loops = 100000000
loadmodule "event_datagram.so"
loadmodule "event_rabbitmq.so"
loadmodule "statistics.so"
event_route[E_SOAK] {
    update_stat("soak_routes", 1);
}
startup_route {
    subscribe_event("E_SOAK", "udp:127.0.0.1:%(udp)d");
    subscribe_event("E_SOAK", "rabbitmq:127.0.0.1:%(proxy)d/%(queue)s");
}
route[burst] {
    $var(i) = 0;
    while ($var(i) < %(burst)d) {
        $avp(n) := $var(i);
        raise_event("E_SOAK", , $avp(n));
        $var(i) = $var(i) + 1;
    }
}
"""


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class AmqpConsumer(threading.Thread):
    """Declares a queue and consumes it (directly from the broker), counting."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.queue = "cfgscript_soak_%s" % uuid.uuid4().hex[:12]
        self.connection = pika.BlockingConnection(pika.ConnectionParameters(
            *BROKER, "/", CREDENTIALS, socket_timeout=5, stack_timeout=10))
        self.channel = self.connection.channel()
        self.channel.queue_declare(self.queue)
        self.received = 0
        self.running = True

    def _count(self, channel, method, properties, body: bytes) -> None:
        self.received += 1

    def run(self) -> None:
        self.channel.basic_consume(self.queue, self._count, auto_ack=True)
        while self.running:
            self.connection.process_data_events(time_limit=0.2)

    def stop(self) -> None:
        """Consume what is left (at most 5 s), then delete the queue."""
        deadline = time.monotonic() + 5
        last = -1
        while time.monotonic() < deadline and self.received != last:
            last = self.received
            time.sleep(0.5)
        self.running = False
        self.join(5)
        self.channel.queue_delete(self.queue)
        self.connection.close()


class RouteRuns:
    """The soak_routes statistic the event route counts its runs in (made by
    its first update_stat)."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def current(self) -> int:
        stat = self.engine.statistics.find(None, "soak_routes")
        return stat.current if stat is not None else 0


def counts(sub) -> str:
    return "%d/%d/%d/%d" % (sub.sent, sub.failed, sub.buffered, sub.dropped)


def accounted(sub) -> int:
    return sub.sent + sub.failed + sub.buffered + sub.dropped


def report(raised: int, started: float, subs: dict, routes: int) -> None:
    print("%9d raised %7.0f s  RSS %6.1f MB  %s  event_route runs %d" % (
        raised, time.monotonic() - started, rss_mb(),
        "  ".join("%s %s" % (name, counts(sub)) for name, sub in subs.items()), routes),
        flush=True)


def soak(args: argparse.Namespace) -> int:
    udp, amqp = Sink(), AmqpConsumer()
    amqp.start()
    with TcpProxy(BROKER) as proxy:
        engine = load_engine(SCRIPT % {"udp": udp.port, "proxy": proxy.port,
                                       "queue": amqp.queue, "burst": args.burst},
                             flush_timeout=10)
        engine.logger.stream = log = io.StringIO()
        engine.run_startup()
        subs = {sub.socket.split(":")[0]: sub for sub in engine.events.get("E_SOAK").subscribers}
        routes = RouteRuns(engine)
        started = time.monotonic()
        print("subscribers (sent/failed/buffered/dropped): %s" % ", ".join(subs), flush=True)
        report(0, started, subs, 0)
        rss_after_first = None
        raised = cuts = 0
        while raised < args.events:
            engine.run_top(engine.routes["burst"])
            engine.drain()
            raised += args.burst
            wait_until(lambda: subs["rabbitmq"].buffered < args.burst, PACE_TIMEOUT, 0.005)
            if raised % args.cut_every == 0 and raised < args.events:
                if cuts % 2:
                    proxy.refuse(1.0)
                else:
                    proxy.cut()
                cuts += 1
            if raised % REPORT_EVERY == 0:
                report(raised, started, subs, routes.current())
                rss_after_first = rss_after_first or rss_mb()
        seconds = time.monotonic() - started
        engine.shutdown()
    report(raised, started, subs, routes.current())
    udp.close()
    amqp.stop()
    logged = log.getvalue().splitlines()
    print("%d events in %.0f s (%.0f/s), %d proxy cuts, %d reconnections; received: udp %d, "
          "rabbitmq %d; %d log lines" % (raised, seconds, raised / seconds, cuts,
                                         sum("is back" in line for line in logged),
                                         udp.count, amqp.received, len(logged)))
    wrong = ["%s: %s accounts for %d of %d" % (name, counts(sub), accounted(sub), raised)
             for name, sub in subs.items() if accounted(sub) != raised or sub.buffered]
    if routes.current() != raised:
        wrong.append("event_route ran %d times for %d events" % (routes.current(), raised))
    if rss_after_first and rss_mb() > rss_after_first + args.rss_slack:
        wrong.append("RSS grew from %.1f MB to %.1f MB" % (rss_after_first, rss_mb()))
    for line in wrong:
        print("WRONG: " + line)
    return 1 if wrong else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--burst", type=int, default=5_000)
    parser.add_argument("--cut-every", type=int, default=50_000)
    parser.add_argument("--rss-slack", type=float, default=20.0)
    args = parser.parse_args()
    if args.events % args.burst or args.cut_every % args.burst:
        parser.error("--events and --cut-every must be multiples of --burst")
    return soak(args)


if __name__ == "__main__":
    sys.exit(main())
