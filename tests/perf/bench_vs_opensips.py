"""cfgscript beside the real OpenSIPS, the same scripts, measured in one run.

    python tests/perf/bench_vs_opensips.py [--opensips BIN --mpath DIR] [--runs N] [--only NAME]

Every script times its own work inside startup_route with $Ts/$Tsm and prints
`@ us=N`; the harness reads that line, so process start-up is not counted.
Rows: a 1M-iteration arithmetic loop; a 100k-call event handler (transformations,
$json, switch, regex, AVPs, raise_event to UDP); raise_event to a UDP subscriber
with three named parameters and with none; raising to an event_route only; `check`
(`opensips -C` for OpenSIPS) of the 22k- and 215k-line synthetic configurations;
`check` of a one-line script from process start; and `run --once` loading the
215k-line configuration (time and peak memory).

Without --opensips only the cfgscript column is printed, beside the bare-Python
reference where one applies (a datagram sender loop). Ratios are time ratios
(cfgscript / OpenSIPS) for work and rate ratios for raise_event (higher is better).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_config import SHAPES, generate  # noqa: E402

HEADER = """log_level=2
udp_workers=1
socket=udp:127.0.0.1:{sip_port}
max_while_loops=100000000
loadmodule "proto_udp.so"
{modules}
"""
# $Ts is time() and $Tsm the microseconds of gettimeofday(): read apart, or with
# time() lagging a clock tick behind, they disagree by a second near a second's
# edge. So the start is read away from an edge (after a short spin), and the end
# instant's second is read once the clock is away from the edge again.
AWAY_FROM_EDGE = "    while ($Tsm < 20000 || $Tsm > 980000) { $var(spin) = 1; }\n"
TIMER_START = AWAY_FROM_EDGE + "    $var(s0) = $Ts; $var(u0) = $Tsm;\n"
TIMER_END = ('    $var(u1) = $Tsm;\n' + AWAY_FROM_EDGE +
             '    $var(s1) = $Ts;\n'
             '    if ($var(u1) > 980000) { $var(s1) = $var(s1) - 1; }\n'
             '    $var(us) = ($var(s1) - $var(s0)) * 1000000 + ($var(u1) - $var(u0));\n'
             '    xlog("L_ERR", "@ us=$var(us)\\n");\n')

LOOP = """startup_route {
    $var(i) = 0;
""" + TIMER_START + """    while ($var(i) < 1000000) {
        $var(i) = $var(i) + 1;
        $var(m) = $var(i) % 3;
        if ($var(m) == 0) { $var(s) = "x" + $var(i); }
    }
""" + TIMER_END + "}\n"

HANDLER_MODULES = ('loadmodule "json.so"\nloadmodule "event_datagram.so"\n'
                   'loadmodule "cfgutils.so"\n')
HANDLER = """route[handler] {
    $var(callid) = $param(1);
    $var(user) = $(param(2){uri.user});
    $var(host) = $(param(2){uri.host});
    $var(code) = $param(3);
    $json(call) := "{}";
    $json(call/id) = $var(callid);
    $json(call/user) = $var(user);
    $json(call/code) = $var(code);
    switch ($var(code)) {
        case 200: $var(kind) = "ok"; break;
        case 486: $var(kind) = "busy"; break;
        default: $var(kind) = "other";
    }
    if ($var(user) =~ "^[0-9]+$") { $var(kind) = $var(kind) + "-num"; }
    $var(len) = $(var(callid){s.len});
    $avp(n) := "callid"; $avp(v) := $var(callid);
    $avp(n) = "kind"; $avp(v) = $var(kind);
    $avp(n) = "host"; $avp(v) = $var(host);
    raise_event("E_CALL_DONE", $avp(n), $avp(v));
}
startup_route {
    subscribe_event("E_CALL_DONE", "udp:127.0.0.1:{sink_port}");
    $var(i) = 0;
""" + TIMER_START + """    while ($var(i) < 100000) {
        $var(i) = $var(i) + 1;
        $var(cid) = "call-" + $var(i);
        $var(uri) = "sip:" + $var(i) + "@example.org";
        route(handler, $var(cid), $var(uri), 200);
    }
""" + TIMER_END + "}\n"

RAISE_MODULES = 'loadmodule "event_datagram.so"\n'
RAISE_PARAMS = """startup_route {
    subscribe_event("E_BENCH", "udp:127.0.0.1:{sink_port}");
    $avp(n) = "a"; $avp(v) = 1;
    $avp(n) = "b"; $avp(v) = "two";
    $avp(n) = "c"; $avp(v) = 3;
    $var(i) = 0;
""" + TIMER_START + """    while ($var(i) < 50000) {
        $var(i) = $var(i) + 1;
        raise_event("E_BENCH", $avp(n), $avp(v));
    }
""" + TIMER_END + "}\n"
RAISE_BARE = RAISE_PARAMS.replace('raise_event("E_BENCH", $avp(n), $avp(v));',
                                  'raise_event("E_BENCH");')
# from a timer route: OpenSIPS's startup_route runs before the workers that take
# event-route jobs exist, so 50k raises there fill the IPC pipe and block
RAISE_ROUTE = """event_route[E_BENCH] {
    $var(seen) = $param(a);
}
timer_route[bench, 1] {
    if ($var(done) == 1) { exit; }
    $var(done) = 1;
    $avp(n) = "a"; $avp(v) = 1;
    $var(i) = 0;
""" + TIMER_START + """    while ($var(i) < 50000) {
        $var(i) = $var(i) + 1;
        raise_event("E_BENCH", $avp(n), $avp(v));
    }
""" + TIMER_END + "}\n"


@dataclass(frozen=True)
class Work:
    name: str
    body: str
    modules: str = ""
    events: int = 0                 # > 0: report a rate of this many raises


WORKS = (Work("loop", LOOP), Work("handler", HANDLER, HANDLER_MODULES),
         Work("raise-3-params", RAISE_PARAMS, RAISE_MODULES, 50000),
         Work("raise-no-params", RAISE_BARE, RAISE_MODULES, 50000),
         Work("raise-event-route", RAISE_ROUTE, "", 50000))
MARKER = re.compile(r"@ us=(-?\d+)")


class Sink:
    """A UDP socket that drains whatever arrives, so that senders never block."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while not self._stop.is_set():
            try:
                self.sock.recv(65536)
                self.count += 1
            except OSError:
                continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def script_text(work: Work, sink_port: int, mpath: Optional[str]) -> str:
    text = HEADER.format(sip_port=_free_port(), modules=work.modules) + work.body
    text = text.replace("{sink_port}", str(sink_port))
    return ('mpath="%s"\n' % mpath + text) if mpath else text


def run_timed(argv: list[str], budget: float = 120) -> Optional[float]:
    """Seconds the script measured itself, None when it did not say so within
    the budget; the process is stopped once it has said so."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + budget
    try:
        for line in proc.stdout:
            match = MARKER.search(line)
            if match:
                return int(match.group(1)) / 1e6
            if time.monotonic() > deadline:
                break
        return None
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure_work(work: Work, runtime: str, args, tmp: Path) -> float:
    sink = Sink()
    try:
        path = tmp / ("%s-%s.cfg" % (work.name, runtime))
        if runtime == "opensips":
            path.write_text(script_text(work, sink.port, args.mpath))
            argv = [args.opensips, "-F", "-f", str(path)]
        else:
            path.write_text(script_text(work, sink.port, None))
            argv = [sys.executable, "-m", "cfgscript", "run", "--log-format", "plain", str(path)]
        # OpenSIPS's timer route sometimes stalls on the IPC jobs of event
        # routes: such a run says nothing and is tried again
        times: list[float] = []
        for _ in range(2 * args.runs + 1):
            seconds = run_timed(argv)
            if seconds is not None:
                times.append(seconds)
            if len(times) == args.runs:
                return min(times)
        if times:
            return min(times)
        raise SystemExit("no timing line from %s" % " ".join(argv))
    finally:
        sink.close()


def wall(argv: list[str], runs: int) -> tuple[float, float]:
    """(median wall seconds, peak RSS in MB) of a command run `runs` times."""
    walls, peak = [], 0.0
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        walls.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit("%s failed (status %d)" % (" ".join(argv),
                                                        os.waitstatus_to_exitcode(status)))
        peak = max(peak, usage.ru_maxrss / 1024)
    return statistics.median(walls), peak


def bare_python_sender_rate(count: int = 200000) -> float:
    sink = Sink()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            payload, target = b'{"jsonrpc":"2.0","method":"E_BENCH"}', ("127.0.0.1", sink.port)
            start = time.perf_counter()
            for _ in range(count):
                out.sendto(payload, target)
            return count / (time.perf_counter() - start)
    finally:
        sink.close()


def print_work(work: Work, mine: float, theirs: Optional[float]) -> None:
    if work.events:
        rate = work.events / mine
        line = "%-18s cfgscript %9.0f/s" % (work.name, rate)
        if theirs:
            line += "   OpenSIPS %9.0f/s   rate ratio %.2f" % (work.events / theirs,
                                                               theirs / mine)
    else:
        line = "%-18s cfgscript %7.3f s" % (work.name, mine)
        if theirs:
            line += "   OpenSIPS %7.3f s   time ratio %.2f" % (theirs, mine / theirs)
    print(line, flush=True)


def bench_check(args, tmp: Path) -> None:
    one_line = tmp / "one.cfg"
    one_line.write_text("startup_route { exit; }\n")
    seconds, _ = wall([sys.executable, "-m", "cfgscript", "check", str(one_line)], args.runs)
    print("%-18s cfgscript %7.3f s (from process start)" % ("check-one-line", seconds))
    for name in SHAPES:
        path = tmp / ("%s.cfg" % name)
        path.write_text(generate(SHAPES[name]))
        mine, mine_mb = wall([sys.executable, "-m", "cfgscript", "check", str(path)], args.runs)
        line = "%-18s cfgscript %7.3f s %4.0f MB" % ("check-" + name, mine, mine_mb)
        if args.opensips:
            theirs, theirs_mb = wall(_opensips_check(args, path, tmp), args.runs)
            line += "   opensips -C %7.3f s %4.0f MB   time ratio %.2f" % (
                theirs, theirs_mb, mine / theirs)
        print(line, flush=True)
        if name == "big":
            loaded, loaded_mb = wall([sys.executable, "-m", "cfgscript", "run", "--once",
                                      "--log-format", "plain", str(path)], 1)
            print("%-18s cfgscript %7.3f s %4.0f MB   (%.1f x check)"
                  % ("run-once-big", loaded, loaded_mb, loaded / mine), flush=True)


def _opensips_check(args, path: Path, tmp: Path) -> list[str]:
    """opensips -C on a copy that loads nothing: the synthetic configs name modules
    cfgscript knows from the catalog, and -C needs every .so to exist."""
    copy = tmp / ("opensips-" + path.name)
    copy.write_text('mpath="%s"\n' % args.mpath + path.read_text())
    return [args.opensips, "-M", "1024", "-C", "-f", str(copy)]     # -M: pkg memory, MB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opensips", help="the real OpenSIPS binary")
    parser.add_argument("--mpath", help="its module directory")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", help="one row: a work name, or 'check'")
    args = parser.parse_args()
    if args.opensips and not args.mpath:
        parser.error("--opensips needs --mpath")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for work in WORKS:
            if args.only in (None, work.name):
                mine = measure_work(work, "cfgscript", args, tmp)
                theirs = measure_work(work, "opensips", args, tmp) if args.opensips else None
                print_work(work, mine, theirs)
        if args.only in (None, "check"):
            bench_check(args, tmp)
    print("bare Python datagram sender: %.0f/s (the ceiling for a Python sender)"
          % bare_python_sender_rate())
    print("python %s, load average %.2f" % (sys.version.split()[0], os.getloadavg()[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
