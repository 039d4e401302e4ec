"""The OpenSIPS project's own clients against `cfgscript run`: opensips-cli
(its command line, `mi` and `diagnose`) and python-opensips (its MI and
Event APIs, and its opensips-event command) over mi_datagram (UDP and unix),
mi_http and mi_fifo, as they talk to a real OpenSIPS 4.1."""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from opensips.event import OpenSIPSEventHandler
from opensips.mi import OpenSIPSMI, OpenSIPSMIException
from support import MI_SERVERS, free_port, free_udp_port, serving, stop, wait_until

BIN = Path(sys.executable).parent
SCRIPT = r'''loadmodule "event_datagram.so"
loadmodule "event_stream.so"
loadmodule "statistics.so"
''' + MI_SERVERS + r'''modparam("statistics", "variable", "interop_beats")

event_route[E_INTEROP] { xlog("E_INTEROP ran: $param(1)\n"); }
startup_route { xlog("started\n"); }
timer_route[beat, 1] {
    update_stat("interop_beats", 1);
    $avp(k) = "text"; $avp(v) = "quote \" é";
    $avp(k) = "n"; $avp(v) = 7;
    raise_event("E_INTEROP_BEAT", $avp(k), $avp(v));
}
'''
BEAT = '{"jsonrpc":"2.0","method":"E_INTEROP_BEAT","params":{"n":7,"text":"quote \\" é"}}'
SERVER = "OpenSIPS (4.1.0-dev (%s/linux))" % platform.machine()
KINDS = ["udp", "unix", "http", "fifo"]


@dataclass
class Server:
    folder: Path
    log: Path
    options: dict[str, dict[str, str]]      # per MI transport, opensips-cli's settings

    def mi(self, kind: str) -> OpenSIPSMI:
        """python-opensips's MI connector for one transport."""
        settings = dict(self.options[kind])
        kind_name = settings.pop("communication_type")
        return OpenSIPSMI(kind_name, **settings)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("interop")
    ports = {"udp": free_udp_port(), "http": free_port()}
    script = folder / "interop.cfg"
    fifo = str(folder / "opensips_fifo")
    script.write_text(SCRIPT % dict(ports, folder=folder, fifo=fifo))
    options = {
        "udp": {"communication_type": "datagram", "datagram_ip": "127.0.0.1",
                "datagram_port": str(ports["udp"]), "datagram_timeout": "5"},
        "unix": {"communication_type": "datagram", "datagram_timeout": "5",
                 "datagram_unix_socket": str(folder / "mi.sock")},
        "http": {"communication_type": "http", "url": "http://127.0.0.1:%d/mi" % ports["http"]},
        "fifo": {"communication_type": "fifo", "fifo_file": fifo, "fifo_file_fallback": fifo,
                 "fifo_reply_dir": str(folder)},
    }
    log = folder / "run.log"
    with serving(script, log, "--mi", "unix:%s" % (folder / "mi.sock")):
        yield Server(folder, log, options)
    assert "Traceback" not in log.read_text()


@pytest.fixture
def receiver():
    """A UDP socket events are sent to, and its socket string."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        yield sock, "udp:127.0.0.1:%d" % sock.getsockname()[1]


def opensips_cli(server: Server, kind: str, *words: str,
                 extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """`opensips-cli -o ... -x WORDS` with no configuration file of the user's."""
    settings = [arg for key, value in server.options[kind].items()
                for arg in ("-o", "%s=%s" % (key, value))]
    env = dict(os.environ, HOME=str(server.folder))
    return subprocess.run([str(BIN / "opensips-cli"), *settings, *extra, "-x", "--", *words],
                          capture_output=True, text=True, timeout=60, env=env,
                          cwd=server.folder)


def cli_result(server: Server, kind: str, *words: str):
    done = opensips_cli(server, kind, "mi", *words)
    assert done.returncode == 0, (words, done.stdout, done.stderr)
    return json.loads(done.stdout)


@pytest.mark.parametrize("kind", KINDS)
def test_opensips_cli_core_and_evi_commands(server: Server, kind: str, receiver) -> None:
    sock, address = receiver
    assert cli_result(server, kind, "core:version") == {"Server": SERVER}
    assert cli_result(server, kind, "core:version", "revision") == {"Server": SERVER,
                                                                     "git": "8f4f1e1b"}
    assert {"core:version", "evi:raise", "evi:subscribe", "statistics:get"} <= set(
        cli_result(server, kind, "core:which"))
    names = [event["name"] for event in cli_result(server, kind, "evi:list")["Events"]]
    assert {"E_INTEROP", "E_INTEROP_BEAT", "E_CORE_THRESHOLD"} <= set(names)
    assert cli_result(server, kind, "evi:subscribe", "E_INTEROP", address, "30") == "OK"
    listed = cli_result(server, kind, "evi:subscribers", "E_INTEROP")["Event"]["Subscribers"]
    assert {"socket": address, "expire": 30} in [
        {"socket": s["socket"], "expire": s["expire"]} for s in listed]
    assert cli_result(server, kind, "evi:raise", "E_INTEROP", "a", "b") == "OK"
    assert sock.recv(65535) == b'{"jsonrpc":"2.0","method":"E_INTEROP","params":["a","b"]}'
    assert cli_result(server, kind, "-j", "evi:raise", "event=E_INTEROP",
                      'params={"a": 1, "b": "x"}') == "OK"
    assert sock.recv(65535) == b'{"jsonrpc":"2.0","method":"E_INTEROP","params":{"a":1,"b":"x"}}'
    assert cli_result(server, kind, "evi:subscribe", "E_INTEROP", address, "0") == "OK"
    stats = cli_result(server, kind, "statistics:get", "all")
    assert stats["script:interop_beats"] >= 0 and stats["core:rcv_requests"] == 0
    assert wait_until(lambda: server.log.read_text().count("E_INTEROP ran: a") >= 1, 5)


@pytest.mark.parametrize("kind", KINDS)
def test_python_opensips_legacy_command_names(server: Server, kind: str, receiver) -> None:
    sock, address = receiver
    mi = server.mi(kind)
    assert mi.execute("version") == {"Server": SERVER}
    assert "E_INTEROP" in [event["name"] for event in mi.execute("events_list")["Events"]]
    assert mi.execute("event_subscribe", ["E_INTEROP", address, 30]) == "OK"
    event = mi.execute("subscribers_list", ["E_INTEROP"])["Event"]
    assert address in [s["socket"] for s in event["Subscribers"]]
    assert mi.execute("raise_event", ["E_INTEROP", ["p1", "p2"]]) == "OK"
    assert sock.recv(65535) == b'{"jsonrpc":"2.0","method":"E_INTEROP","params":["p1","p2"]}'
    assert mi.execute("raise_event", {"event": "E_INTEROP", "params": '{"k": "v", "i": 2}'}) \
        == "OK"
    assert sock.recv(65535) == b'{"jsonrpc":"2.0","method":"E_INTEROP","params":{"k":"v","i":2}}'
    stats = mi.execute("get_statistics", {"statistics": ["all"]})
    assert {"core:slow_messages", "dns:dns_total_queries", "load:load"} <= set(stats)
    with pytest.raises(OpenSIPSMIException, match="-32601: Method not found"):
        mi.execute("evi:subscribers_list")          # as OpenSIPS 4.1: no such name
    assert mi.execute("event_subscribe", ["E_INTEROP", address, 0]) == "OK"


def run_until(server: Server, words: tuple[str, ...], seen: str, extra=(),
              also: Callable[[], bool] = lambda: True) -> tuple[str, str]:
    """Run a looping opensips-cli command until `seen` is printed and `also()`
    holds, then ^C it."""
    settings = [arg for key, value in server.options["udp"].items()
                for arg in ("-o", "%s=%s" % (key, value))]
    env = dict(os.environ, HOME=str(server.folder), TERM="dumb")
    child = subprocess.Popen([str(BIN / "opensips-cli"), *settings, *extra, "-x", "--",
                              *words], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env, cwd=server.folder)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(child.stdout), daemon=True)
    reader.start()
    try:
        assert wait_until(lambda: child.poll() is not None
                          or (any(seen in line for line in lines) and also()), 20), lines
        assert child.poll() is None, "".join(lines) + child.stderr.read()     # it gave up
    finally:
        stop(child, signal.SIGINT)
    reader.join(5)
    return "".join(lines), child.stderr.read()


def test_opensips_cli_diagnose_summary_reads_the_statistics(server: Server) -> None:
    out, err = run_until(server, ("diagnose",), "SIP Processing:")
    assert "OpenSIPS Overview" in out and "Worker Capacity: OK" in out
    assert "SIP Processing:  OK" in out and "DNS Queries:     OK" in out
    assert "Traceback" not in err and "ERROR" not in err, err


def test_opensips_cli_diagnose_parses_the_version_and_subscribes(server: Server) -> None:
    """diagnose dns reads major.minor from `version` (4.1: event_stream), then
    subscribes a tcp: socket to E_CORE_THRESHOLD over MI."""
    port = free_port()
    mi = server.mi("udp")
    socket_text = "tcp:127.0.0.1:%d" % port

    def subscribed() -> bool:
        event = mi.execute("evi:subscribers", ["E_CORE_THRESHOLD"])["Event"]
        return socket_text in [s["socket"] for s in event.get("Subscribers", [])]

    # the subscription lives from diagnose's start to its ^C, a fraction of a
    # second: it is looked for before the ^C, not beside it
    out, err = run_until(server, ("diagnose", "dns"), "exceeded threshold",
                         extra=("-o", "diagnose_listen_port=%d" % port), also=subscribed)
    assert "DNS Queries [OK]" in out and "0 / 0 queries (0%) exceeded threshold" in out
    assert "Can't detect OpenSIPS version" not in err and "Traceback" not in err, err
    assert wait_until(lambda: not subscribed(), 5)      # ^C unsubscribes (expire 0)


def json_objects(text: str) -> list:
    """The JSON values printed one after the other in text."""
    decoder, position, values = json.JSONDecoder(), 0, []
    while text[position:].strip():
        position += len(text[position:]) - len(text[position:].lstrip())
        value, position = decoder.raw_decode(text, position)
        values.append(value)
    return values


def test_opensips_event_command_prints_what_the_script_raised(server: Server) -> None:
    options = server.options["udp"]
    done = subprocess.run([str(BIN / "opensips-event"), "-t", "datagram", "-i", "127.0.0.1",
                           "-p", options["datagram_port"], "-li", "127.0.0.1", "-e", "3",
                           "E_INTEROP_BEAT"], capture_output=True, text=True, timeout=30,
                          cwd=server.folder, env=dict(os.environ, HOME=str(server.folder)))
    assert done.returncode == 0, done.stderr
    printed = json_objects(done.stdout)
    assert 1 <= len(printed) <= 4
    assert all(obj == json.loads(BEAT) for obj in printed)
    assert done.stdout.startswith(json.dumps(json.loads(BEAT), indent=4))


def test_python_opensips_event_api_gets_the_bytes_the_script_raised(server: Server,
                                                                     receiver) -> None:
    """The handler's listener and a plain UDP socket subscribed beside it get
    the same payload, key order and bytes as OpenSIPS sends them."""
    sock, address = receiver
    mi = server.mi("fifo")
    assert mi.execute("evi:subscribe", ["E_INTEROP_BEAT", address, 30]) == "OK"
    handler = OpenSIPSEventHandler(mi, "datagram", ip="127.0.0.1", port=0)
    got: list[dict] = []
    two = threading.Event()

    def on_event(message) -> None:
        got.append(message)
        if len(got) >= 2:
            two.set()

    event = handler.subscribe("E_INTEROP_BEAT", on_event)
    try:
        assert two.wait(10)
    finally:
        event.unsubscribe()
        assert mi.execute("evi:subscribe", ["E_INTEROP_BEAT", address, 0]) == "OK"
    assert sock.recv(65535) == BEAT.encode()
    assert [json.dumps(m, separators=(",", ":"), ensure_ascii=False) for m in got[:2]] == \
        [BEAT, BEAT]
    subscribers = mi.execute("evi:subscribers", ["E_INTEROP_BEAT"])["Event"]
    assert all(s.get("ttl") == "expired" for s in subscribers.get("Subscribers", []))


FIFO_CLIENT = r'''
import sys
from opensips.mi import OpenSIPSMI
fifo, reply_dir, name, count = sys.argv[1:5]
mi = OpenSIPSMI("fifo", fifo_file=fifo, fifo_file_fallback=fifo, fifo_reply_dir=reply_dir)
wrong = 0
for _ in range(int(count)):
    answer = mi.execute("statistics:get", {"statistics": [name.split(":")[1]]})
    wrong += list(answer) != [name]
print("wrong=%d" % wrong)
'''


def test_several_python_opensips_clients_at_once_over_fifo(server: Server) -> None:
    """Each process asks for its own statistic again and again: every answer
    names that statistic, none went to another client."""
    names = ["core:rcv_requests", "core:rcv_replies", "core:fwd_requests", "core:fwd_replies",
             "core:drop_requests", "core:drop_replies", "dns:dns_total_queries",
             "sql:sql_total_queries"]
    options = server.options["fifo"]
    children = [subprocess.Popen([sys.executable, "-c", FIFO_CLIENT, options["fifo_file"],
                                  options["fifo_reply_dir"], name, "25"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 cwd=server.folder) for name in names]
    outcomes = []
    for child in children:
        try:
            out, err = child.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            out, err = child.communicate()
        outcomes.append((child.returncode, out.strip(), err[-300:]))
    assert outcomes == [(0, "wrong=0", "")] * len(names)
    assert not list(server.folder.glob("opensips_fifo_reply_*"))
