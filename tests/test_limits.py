"""Limits, each with a clear error: deep nesting and long operator chains are
parsed, checked, compiled and run up to the parser's depth limit, and refused
past it with a positioned error; memory stays within a small multiple of the
input; event payloads are capped (65457-byte datagrams, 16384-byte AMQP
bodies), the queue of an unreachable destination holds --queue-size events,
and MI requests are capped per transport (65457-byte datagrams, 1 MB HTTP
bodies and FIFO requests). The other limits are tested next to their
features (see the note above the payload caps)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

import pika
import pytest
from scripting import load_engine, log_lines
from support import free_port
from support.child import RunningScript

from cfgscript.check import check_source
from cfgscript.diagnostics import render
from cfgscript.mi.fifo import MAX_REQUEST as MI_FIFO_REQUEST
from cfgscript.mi.http import MAX_BODY as MI_HTTP_BODY
from cfgscript.mi.servers import MAX_DATAGRAM as MI_DATAGRAM
from cfgscript.modules.event_datagram import MAX_DATAGRAM
from cfgscript.modules.event_rabbitmq import MAX_PAYLOAD as MAX_AMQP
from cfgscript.syntax.parser import MAX_DEPTH
from cfgscript.syntax.source import load_text

TIMEOUT = 60


def nested_blocks(levels: int) -> str:
    return ("startup_route {\n" + "if (1) {\n" * levels + 'xlog("L_NOTICE", "deep\\n");\n'
            + "}\n" * levels + "}\n")


def long_sum(terms: int) -> str:
    return ("startup_route {\n$var(a) = " + " + ".join(["1"] * terms)
            + ';\nxlog("L_NOTICE", "sum $var(a)\\n");\n}\n')


def long_condition(terms: int) -> str:
    return ("startup_route {\n$var(a) = 0; if (" + " || ".join(["$var(a) == 1"] * (terms - 1))
            + ' || $var(a) == 0) xlog("L_NOTICE", "or\\n");\n}\n')


def else_if_chain(arms: int) -> str:
    arms_text = "".join('if ($var(a) == %d) { exit; } else ' % (i + 1) for i in range(arms))
    return "startup_route {\n" + arms_text + '{ xlog("L_NOTICE", "last\\n"); }\n}\n'


def cfgscript(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cfgscript", *args], capture_output=True,
                          text=True, timeout=TIMEOUT)


@pytest.mark.parametrize("text, printed", [
    (nested_blocks(10_000), "deep"),
    (long_sum(10_000), "sum 10000"),
    (long_condition(10_000), "or"),
    (else_if_chain(10_000), "last"),
], ids=["nested-blocks", "sum", "condition", "else-if"])
def test_ten_thousand_levels_check_and_run(tmp_path: Path, text: str, printed: str) -> None:
    script = tmp_path / "deep.cfg"
    script.write_text(text)
    checked = cfgscript("check", str(script))
    assert (checked.returncode, checked.stderr) == (0, "")
    ran = cfgscript("run", "--once", "--log-format", "plain", str(script))
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr.splitlines() == ["NOTICE:%s" % printed]


@pytest.mark.parametrize("text, where", [
    (nested_blocks(MAX_DEPTH), "}"),                # the blocks are closed from the inside
    (long_sum(MAX_DEPTH * 2), "+"),
], ids=["nested-blocks", "sum"])
def test_past_the_depth_limit_a_positioned_error(tmp_path: Path, text: str, where: str) -> None:
    script = tmp_path / "too-deep.cfg"
    script.write_text(text)
    lines = text.split("\n")
    for command in (("check",), ("run", "--once")):
        result = cfgscript(*command, str(script))
        assert result.returncode == 1
        headline = result.stderr.splitlines()[0]
        path, line, col, message = headline.split(":", 3)
        assert (path, message) == (str(script), " error: the script nests too deeply here: "
                                   "blocks, parentheses and operators more than %d levels deep"
                                   % MAX_DEPTH)
        assert lines[int(line) - 1][int(col) - 1] == where


MEGABYTE = 1024 * 1024


@pytest.mark.parametrize("text", [
    "startup_route {\n$var(%s) = 1;\n}\n" % ("a" * MEGABYTE),               # name in parentheses
    "startup_route {\n$var(a) = $a%s;\n}\n" % ("b:" * (MEGABYTE // 2)),      # name without
    "startup_route {\n/* %s */\nexit;\n}\n" % ("c" * MEGABYTE),              # block comment
    "startup_route {\nexit;\n}\n%s\n" % ("\xa0" * MEGABYTE),                 # passed over
    "startup_route {\n%s();\n}\n" % ("d" * MEGABYTE),                        # unknown function
], ids=["variable-name", "variable-tail", "comment", "passed-over", "identifier"])
def test_memory_stays_within_a_small_multiple_of_the_input(text: str) -> None:
    source = load_text(text, "big.cfg")
    tracemalloc.start()
    try:
        diagnostics = check_source(source, jobs=1)
        shown = [render(d, source.line_text) for d in diagnostics]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert all(len(line) < 3 * len(text) for line in shown)
    assert peak < 8 * len(text), "%.1f MB for %.1f MB of text" % (peak / 1e6, len(text) / 1e6)


# ---------------------------------------------------------------- payload caps
# (max_while_loops: test_interpreter.py; route nesting 100: test_interpreter.py;
# event nesting 100 and event names of 64 bytes: test_events.py; include depth
# 50: test_source.py; the command line's bounds: test_arguments.py)

def _raise_payload(socket_text: str, head: str, value: str):
    """An engine that raised E_CAP once to socket_text with one parameter, v."""
    engine = load_engine(
        '%sstartup_route {\n    subscribe_event("E_CAP", "%s");\n'
        '    $avp(n) = "v"; $avp(v) = $argv(v);\n'
        '    raise_event("E_CAP", $avp(n), $avp(v));\n'
        '    xlog("L_NOTICE", "rc=$rc\\n");\n}\n' % (head, socket_text), argv={"v": value})
    engine.run_startup()
    return engine


def test_a_datagram_of_65457_bytes_goes_out_one_byte_more_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        listener.bind(("127.0.0.1", 0))
        listener.settimeout(5)
        udp = "udp:127.0.0.1:%d" % listener.getsockname()[1]
        head = 'loadmodule "event_datagram.so"\n'
        _raise_payload(udp, head, "x")
        overhead = len(listener.recv(70000)) - 1
        at_cap = _raise_payload(udp, head, "x" * (MAX_DATAGRAM - overhead))
        assert len(listener.recv(70000)) == MAX_DATAGRAM
        assert log_lines(at_cap)[-1] == "NOTICE:rc=1"
        over = _raise_payload(udp, head, "x" * (MAX_DATAGRAM - overhead + 1))
        assert ("ERROR:event_datagram:datagram_raise: event payload of 65458 bytes is over the "
                "65457-byte datagram limit; not sent") in log_lines(over)
        assert log_lines(over)[-1] == "NOTICE:rc=-1"
        listener.settimeout(0.3)
        with pytest.raises(TimeoutError):
            listener.recv(70000)


def _through_the_broker(channel, queue: str, value: str):
    """Raise once to the queue, shut down (which flushes); the engine and the
    body that arrived (None when none did)."""
    engine = _raise_payload("rabbitmq:127.0.0.1/" + queue, 'loadmodule "event_rabbitmq.so"\n',
                            value)
    engine.shutdown()
    _, _, body = channel.basic_get(queue, auto_ack=True)
    return engine, body


def test_an_amqp_body_of_16384_bytes_goes_out_one_byte_more_is_refused() -> None:
    connection = pika.BlockingConnection(pika.ConnectionParameters(
        "127.0.0.1", 5672, "/", pika.PlainCredentials("guest", "guest"), socket_timeout=3))
    channel = connection.channel()
    queue = "cfgscript_limits_%s" % uuid.uuid4().hex[:12]
    channel.queue_declare(queue)
    try:
        _, small = _through_the_broker(channel, queue, "x")
        overhead = len(small) - 1
        at_cap, body = _through_the_broker(channel, queue, "x" * (MAX_AMQP - overhead))
        assert len(body) == MAX_AMQP
        assert log_lines(at_cap)[-1] == "NOTICE:rc=1"
        over, body = _through_the_broker(channel, queue, "x" * (MAX_AMQP - overhead + 1))
        assert body is None
        assert ("ERROR:event_rabbitmq:rmq_raise: event E_CAP: payload of 16385 bytes is over the "
                "16384-byte AMQP limit; not sent") in log_lines(over)
        assert log_lines(over)[-1] == "NOTICE:rc=-1"
    finally:
        channel.queue_delete(queue)
        connection.close()


# ---------------------------------------------------------------- queue bounds

def test_the_queue_of_an_unreachable_destination_holds_queue_size_events() -> None:
    port = free_port()                      # nothing listens there: every connect is refused
    engine = load_engine(
        'max_while_loops = 1000\nloadmodule "event_rabbitmq.so"\n'
        'startup_route {\n    subscribe_event("E_Q", "rabbitmq:127.0.0.1:%d/q");\n'
        '    $var(i) = 0;\n    while ($var(i) < 250) { raise_event("E_Q"); $var(i) += 1; }\n}\n'
        % port, queue_size=100, flush_timeout=0.2)
    engine.run_startup()
    (sub,) = engine.events.get("E_Q").subscribers
    assert sub.sent + sub.failed + sub.buffered + sub.dropped == 250
    assert sub.buffered <= 100 and sub.dropped >= 150, sub
    full = "queue to rabbitmq:guest@127.0.0.1:%d full (100 events): event E_Q dropped" % port
    assert any(full in line for line in log_lines(engine))
    engine.shutdown()
    assert (sub.sent, sub.buffered, sub.failed + sub.dropped) == (0, 0, 250), sub
    assert any("event(s) to rabbitmq:guest@127.0.0.1:%d not delivered at shutdown" % port
               in line for line in log_lines(engine))


# ---------------------------------------------------------------- MI request size

def _version_request(size: int) -> bytes:
    """A `version` request of exactly `size` bytes (a long unknown member)."""
    base = '{"jsonrpc":"2.0","method":"version","pad":"","id":1}'
    return base.replace('"pad":""', '"pad":"%s"' % ("x" * (size - len(base)))).encode()


def _write_fifo(path: str, data: bytes, timeout: float = 10.0) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    deadline = time.monotonic() + timeout
    try:
        while data and time.monotonic() < deadline:
            try:
                data = data[os.write(fd, data):]
            except BlockingIOError:
                time.sleep(0.01)
    finally:
        os.close(fd)
    assert not data, "the FIFO was not read"


def _http_status(port: int, body: bytes, headers_only: bool = False) -> int:
    """POST body to /mi; with headers_only, only its Content-Length goes out
    (the server answers a body over its cap before reading it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("POST", "/mi")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(None if headers_only else body)
        return connection.getresponse().status
    finally:
        connection.close()


def test_mi_requests_are_capped_per_transport(tmp_path: Path) -> None:
    udp_port, http_port, fifo = free_port(), free_port(), str(tmp_path / "mi.fifo")
    with RunningScript('startup_route { xlog("started\\n"); }\n',
                       "--mi", "udp:127.0.0.1:%d" % udp_port,
                       "--mi", "http:127.0.0.1:%d/mi" % http_port, "--mi", "fifo:" + fifo) as child:
        child.wait_for("NOTICE:started", 30)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:   # mi_datagram: 65457
            client.settimeout(10)
            client.sendto(_version_request(MI_DATAGRAM), ("127.0.0.1", udp_port))
            assert "result" in json.loads(client.recv(70000))
            client.sendto(_version_request(MI_DATAGRAM + 1), ("127.0.0.1", udp_port))
            assert json.loads(client.recv(70000))["error"] == {"code": -32700,
                                                               "message": "Parse error"}
        assert _http_status(http_port, _version_request(MI_HTTP_BODY)) == 200   # mi_http: 1 MB
        assert _http_status(http_port, _version_request(MI_HTTP_BODY + 1), headers_only=True) \
            == 413
        # mi_fifo: a request growing past 1 MB is dropped; the next one is answered
        _write_fifo(fifo, b":reply:" + _version_request(MI_FIFO_REQUEST + 10)[:-3])
        answered = cfgscript("mi", "--mi", "fifo:" + fifo, "--timeout", "10", "version")
        assert answered.returncode == 0 and "Server" in answered.stdout, answered
    assert "Traceback" not in child.text
