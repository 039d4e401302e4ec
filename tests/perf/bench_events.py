"""raise_event() throughput, measured in one run.

    python tests/perf/bench_events.py [--events N]

  1. N raise_event() calls in a while loop (startup_route) to one UDP
     subscriber, with 3 named parameters, then without parameters; a listener
     in another process counts the datagrams (none may be lost);
  2. a bare Python loop that builds the same JSON-RPC payload and calls
     sendto(), for comparison;
  3. raising to an event_route only: the time until the N-th event route ran.

Targets on a 2-core machine: >= 45,000 events/s with 3 params, >= 70,000/s
without, >= 100,000/s to an event_route. Real OpenSIPS 4.1 did ~30,000/s with 3
params and ~93,000/s without (raising from startup_route), the bare Python
loop does ~70,000/s.
"""

from __future__ import annotations

import argparse
import io
import json
import socket
import subprocess
import sys
import time

from cfgscript.engine import Engine, tune_collector
from cfgscript.runtime.logger import Logger
from cfgscript.runtime.settings import RunOptions
from cfgscript.syntax.parser import parse_text

LISTENER = r"""
import socket, sys, time
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024 * 1024)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
expected, count = int(sys.argv[1]), 0
sock.settimeout(10)
try:
    while count < expected:
        sock.recv(70000)
        count += 1
except socket.timeout:
    pass
print(count, flush=True)
"""

RAISE_LOOP = """
max_while_loops = 10000000
loadmodule "event_datagram.so"
startup_route {
    subscribe_event("E_BENCH", "udp:127.0.0.1:%(port)d");
    %(avps)s
    $var(i) = 0;
    while ($var(i) < %(events)d) {
        raise_event(%(call)s);
        $var(i) = $var(i) + 1;
    }
}
"""

ROUTE_LOOP = """
max_while_loops = 10000000
loadmodule "cfgutils.so"
startup_route {
    $var(i) = 0;
    while ($var(i) < %(events)d) {
        raise_event("E_BENCH");
        $var(i) = $var(i) + 1;
    }
}
event_route[E_BENCH] {
    $shv(seen) = $shv(seen) + 1;
}
"""

NAMED = ('$avp(n) = "caller"; $avp(v) = "alice@example.com";\n'
         '    $avp(n) = "duration"; $avp(v) = 42;\n'
         '    $avp(n) = "state"; $avp(v) = "confirmed";')


def load(text: str) -> Engine:
    engine = Engine(parse_text(text, "<bench>").script, RunOptions(plain_log=True),
                    logger=Logger(stream=io.StringIO(), plain=True))
    problems = engine.load()
    assert not problems, problems
    tune_collector()                    # as `cfgscript run` does
    return engine


def start_listener(events: int) -> tuple[subprocess.Popen, int]:
    child = subprocess.Popen([sys.executable, "-c", LISTENER, str(events)],
                             stdout=subprocess.PIPE, text=True)
    return child, int(child.stdout.readline())


def received(child: subprocess.Popen) -> int:
    out, _ = child.communicate(timeout=30)
    return int(out.strip())


def script_rate(events: int, avps: str, call: str) -> tuple[float, int]:
    child, port = start_listener(events)
    engine = load(RAISE_LOOP % {"port": port, "avps": avps, "events": events, "call": call})
    start = time.perf_counter()
    engine.run_startup()
    elapsed = time.perf_counter() - start
    engine.shutdown()
    return events / elapsed, received(child)


def bare_rate(events: int) -> tuple[float, int]:
    child, port = start_listener(events)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    target = ("127.0.0.1", port)
    params = {"state": "confirmed", "duration": 42, "caller": "alice@example.com"}
    start = time.perf_counter()
    for _ in range(events):
        payload = json.dumps({"jsonrpc": "2.0", "method": "E_BENCH", "params": params},
                             separators=(",", ":"))
        sock.sendto(payload.encode(), target)
    elapsed = time.perf_counter() - start
    sock.close()
    return events / elapsed, received(child)


def route_rate(events: int) -> float:
    engine = load(ROUTE_LOOP % {"events": events})
    start = time.perf_counter()
    engine.run_startup()
    engine.drain()
    elapsed = time.perf_counter() - start
    assert engine.modules["cfgutils"].shared["seen"] == events
    return events / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    n = args.events
    named, named_got = script_rate(n, NAMED, '"E_BENCH", $avp(n), $avp(v)')
    bare_named, bare_got = bare_rate(n)
    plain, plain_got = script_rate(n, "", '"E_BENCH"')
    routed = route_rate(n)
    print("%d events per case" % n)
    print("  UDP, 3 named params    %9.0f events/s  received %d  (target >= 45,000)"
          % (named, named_got))
    print("  UDP, no params         %9.0f events/s  received %d  (target >= 70,000)"
          % (plain, plain_got))
    print("  bare Python + sendto   %9.0f events/s  received %d" % (bare_named, bare_got))
    print("  event_route only       %9.0f events/s             (target >= 100,000)" % routed)
    print("  ratio to the bare loop: 3 params %.2f, no params %.2f"
          % (named / bare_named, plain / bare_named))
    return 0 if named_got == plain_got == n else 1


if __name__ == "__main__":
    sys.exit(main())
