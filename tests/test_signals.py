"""SIGINT and SIGTERM stop `cfgscript run` also while script code runs: an
endless loop or a sleep ends at once, the transports are flushed and what was
left is reported; a second signal exits without waiting for the flush."""

from __future__ import annotations

import signal
import socket
import time

import pytest
from support.child import RunningScript

ENDLESS = "max_while_loops = 2000000000\n"
LOOP = '$var(i) = 0; while (1) { $var(i) = $var(i) + 1; }'
# what a stop may take on a loaded machine (measured: a few ms to the stop line)
STOP_BOUND = 0.5
EXIT_BOUND = 3.0


def _stop(child: RunningScript, signum: int) -> tuple[float, int]:
    """Send the signal; the seconds until the stop was reported, and the exit status."""
    sent = time.monotonic()
    child.send_signal(signum)
    child.wait_for("cfgscript: stopped in", EXIT_BOUND)
    stopped = time.monotonic() - sent
    return stopped, child.wait(EXIT_BOUND)


def _stopped_while_busy(script: str, started: str, signum: int) -> RunningScript:
    """Run the script; once it has logged `started` and is busy in its loop or
    sleep, stop it: it must report the stop within STOP_BOUND and exit with 0."""
    with RunningScript(script) as child:
        child.wait_for(started, 10)
        time.sleep(0.2)                 # well inside the loop
        stopped, status = _stop(child, signum)
    assert status == 0 and stopped < STOP_BOUND, (stopped, child.lines)
    return child


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_endless_loop_in_startup_route_stops(signum: int) -> None:
    script = ENDLESS + '''loadmodule "event_datagram.so"
event_route[E_LATER] { xlog("never\\n"); }
startup_route {
    raise_event("E_LATER");
    xlog("started\\n");
    %s
}
''' % LOOP
    child = _stopped_while_busy(script, "NOTICE:started", signum)
    assert "cfgscript: stopped in the while loop at -:7" in child.lines
    assert "WARNING:core:shutdown: 1 queued job(s) (event routes, MI requests) not run" \
        in child.lines
    assert "NOTICE:never" not in child.lines


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_endless_loop_in_a_timer_route_stops(signum: int) -> None:
    script = ENDLESS + '''timer_route[spin, 1] {
    xlog("spinning\\n");
    route(inner);
}
route[inner] { %s }
''' % LOOP
    child = _stopped_while_busy(script, "NOTICE:spinning", signum)
    assert "cfgscript: stopped in the while loop at -:6" in child.lines


def test_sleep_is_cut_short() -> None:
    script = ('loadmodule "cfgutils.so"\n'
              'startup_route { xlog("started\\n"); sleep(60); xlog("woke\\n"); }\n')
    child = _stopped_while_busy(script, "NOTICE:started", signal.SIGTERM)
    assert "cfgscript: stopped in a sleep" in child.lines
    assert "NOTICE:woke" not in child.lines


def test_second_sigint_exits_without_waiting_for_the_flush() -> None:
    """A peer that takes reliable_mode requests and never answers: the flush
    would wait its 60 s; the second SIGINT ends it."""
    with socket.socket() as peer:
        peer.bind(("127.0.0.1", 0))
        peer.listen(1)
        script = ('loadmodule "event_stream.so"\n'
                  'modparam("event_stream", "reliable_mode", 1)\n'
                  'modparam("event_stream", "timeout", 60000)\n'
                  'startup_route {\n'
                  '    subscribe_event("E_S", "tcp:127.0.0.1:%d");\n'
                  '    raise_event("E_S");\n'
                  '    xlog("started\\n");\n'
                  '}\n' % peer.getsockname()[1])
        with RunningScript(script, "--flush-timeout", "60") as child:
            child.wait_for("NOTICE:started", 10)
            peer.settimeout(5)
            connection, _ = peer.accept()       # the event is on its way, never answered
            with connection:
                child.send_signal(signal.SIGINT)
                time.sleep(0.3)
                assert child.process.poll() is None     # flushing
                sent = time.monotonic()
                child.send_signal(signal.SIGINT)
                status = child.wait(EXIT_BOUND)
                took = time.monotonic() - sent
    assert status == 128 + signal.SIGINT and took < STOP_BOUND, (took, child.lines)
    assert child.lines[-1] == "cfgscript: SIGINT again: exiting without flushing"


def test_idle_run_with_mi_threads_stops_at_once() -> None:
    """With other threads (an MI server) the kernel may hand the signal to one
    of them; the idle interpreter thread still notices it within its wait slice."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for _ in range(3):
        with RunningScript('startup_route { xlog("started\\n"); }\n',
                           "--mi", "udp:127.0.0.1:%d" % port) as child:
            child.wait_for("NOTICE:started", 10)
            sent = time.monotonic()
            child.send_signal(signal.SIGTERM)
            status = child.wait(EXIT_BOUND)
            took = time.monotonic() - sent
        assert status == 0 and took < STOP_BOUND + 0.5, (took, child.lines)
