"""Publishing to RabbitMQ: cfgscript against a bare pika loop, in one run.

    python tests/perf/bench_rabbitmq.py [--events N] [--rounds R]

  1. `cfgscript run --once` on a script that raises N events (one int
     parameter) in a while loop from startup_route to a rabbitmq: subscriber;
     the clock runs from the loop's start (the script prints it) until the
     queue holds all N messages (polled with queue.declare, passive);
  2. the same N bodies published by a bare pika BlockingConnection loop, until
     the queue holds them all.

It prints both rates, their ratio, and how long the raising loop itself took
(the broker never slows it: raise_event only queues). cfgscript runs with
--queue-size N: the loop raises ~100,000 events/s, five times what the broker
takes, so the default bound (10,000 per destination) would refuse part of a
20,000 burst by design. Needs the broker on 127.0.0.1:5672 (guest/guest); the
queue is named cfgscript_bench_* and deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass

import pika

BROKER = pika.ConnectionParameters("127.0.0.1", 5672, "/", pika.PlainCredentials("guest", "guest"),
                                   socket_timeout=5, stack_timeout=10)
POLL = 0.005
TIMEOUT = 60.0

SCRIPT = """
max_while_loops = 10000000
loadmodule "event_rabbitmq.so"
startup_route {
    subscribe_event("E_BENCH", "rabbitmq:127.0.0.1/%(queue)s");
    xlog("L_NOTICE", "@ start $Ts $Tsm\\n");
    $var(i) = 0;
    while ($var(i) < %(events)d) {
        $avp(i) := $var(i);
        raise_event("E_BENCH", , $avp(i));
        $var(i) = $var(i) + 1;
    }
    xlog("L_NOTICE", "@ raised $Ts $Tsm\\n");
}
"""


@dataclass
class Result:
    seconds: float                  # first event raised/published -> all in the queue
    loop_seconds: float             # the raising/publishing loop alone

    def rate(self, events: int) -> float:
        return events / self.seconds


def queued(channel, queue: str) -> int:
    return channel.queue_declare(queue, passive=True).method.message_count


def wait_for_all(channel, queue: str, events: int) -> float:
    """time.time() when the queue holds `events` messages."""
    deadline = time.monotonic() + TIMEOUT
    while queued(channel, queue) < events:
        if time.monotonic() > deadline:
            raise SystemExit("only %d of %d messages arrived" % (queued(channel, queue), events))
        time.sleep(POLL)
    return time.time()


def run_cfgscript(channel, queue: str, events: int) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".cfg") as cfg:
        cfg.write(SCRIPT % {"queue": queue, "events": events})
        cfg.flush()
        process = subprocess.Popen(
            [sys.executable, "-m", "cfgscript", "run", "--once", "--log-format", "plain",
             "--queue-size", str(events), cfg.name], stderr=subprocess.PIPE, text=True)
        marks: dict[str, float] = {}
        lines: list[str] = []

        def read() -> None:
            for line in process.stderr:
                lines.append(line)
                if "@ " in line:
                    name, seconds, micros = line.split("@ ", 1)[1].split()
                    marks[name] = int(seconds) + int(micros) / 1e6
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        done = wait_for_all(channel, queue, events)
        process.wait(TIMEOUT)
        reader.join(5)
    if "start" not in marks or "raised" not in marks:
        raise SystemExit("cfgscript failed:\n" + "".join(lines))
    return Result(done - marks["start"], marks["raised"] - marks["start"])


def run_bare_pika(channel, queue: str, events: int) -> Result:
    connection = pika.BlockingConnection(BROKER)
    publisher = connection.channel()
    bodies = [json.dumps({"jsonrpc": "2.0", "method": "E_BENCH", "params": [i]},
                         separators=(",", ":")).encode() for i in range(events)]
    start = time.time()
    for body in bodies:
        publisher.basic_publish("", queue, body)
    looped = time.time()
    done = wait_for_all(channel, queue, events)
    connection.close()
    return Result(done - start, looped - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each")
    args = parser.parse_args()
    connection = pika.BlockingConnection(BROKER)
    channel = connection.channel()
    queue = "cfgscript_bench_%s" % uuid.uuid4().hex[:12]
    channel.queue_declare(queue)
    results: dict[str, list[Result]] = {"cfgscript": [], "bare pika": []}
    try:
        for _ in range(args.rounds):
            for name, run in (("cfgscript", run_cfgscript), ("bare pika", run_bare_pika)):
                channel.queue_purge(queue)
                results[name].append(run(channel, queue, args.events))
    finally:
        channel.queue_delete(queue)
        connection.close()
    rates = {}
    for name, runs in results.items():
        rates[name] = statistics.median(r.rate(args.events) for r in runs)
        loop = statistics.median(r.loop_seconds for r in runs)
        print("%-10s %8.0f events/s end to end (median of %d; runs: %s); loop %.3f s"
              % (name, rates[name], len(runs),
                 ", ".join("%.0f" % r.rate(args.events) for r in runs), loop))
    print("ratio cfgscript / bare pika: %.2f" % (rates["cfgscript"] / rates["bare pika"]))


if __name__ == "__main__":
    main()
