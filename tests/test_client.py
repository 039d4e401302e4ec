"""`cfgscript mi` and `cfgscript listen` against `cfgscript run`, over every MI
transport and every listener transport (RabbitMQ: the broker on 127.0.0.1:5672)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
from support import free_port, free_udp_port, serving, wait_until

from cfgscript.client.arguments import build_params
from cfgscript.client.mi_client import MIClient

CFGSCRIPT = [sys.executable, "-m", "cfgscript"]
SCRIPT = ('loadmodule "event_datagram.so"\nloadmodule "event_stream.so"\n'
          'loadmodule "event_rabbitmq.so"\n'
          'modparam("event_stream", "reliable_mode", 1)\n'
          'startup_route { xlog("started\\n"); }\n'
          'timer_route[tick, 1] { $avp(v) = "tick"; raise_event("E_TICK", , $avp(v)); }\n')


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A `cfgscript run` serving MI on udp, unix, http and fifo: their addresses."""
    folder = tmp_path_factory.mktemp("mi")
    addresses = {"udp": "udp:127.0.0.1:%d" % free_udp_port(),
                 "unix": "unix:%s" % (folder / "mi.sock"),
                 "http": "http://127.0.0.1:%d/mi" % free_port(),
                 "fifo": "fifo:%s" % (folder / "fifo")}
    served = [a.replace("http://", "http:") for a in addresses.values()]
    script = folder / "script.cfg"
    script.write_text(SCRIPT)
    with serving(script, folder / "run.log", *[arg for a in served for arg in ("--mi", a)]):
        yield addresses


def cli(*args: str, timeout: float = 30, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*CFGSCRIPT, *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def subscribers(address: str) -> list[str]:
    with MIClient(address) as client:
        event = client.call("evi:subscribers", ["E_TICK"])["Event"]
    # rabbitmq subscriptions never expire: the rabbitmq test leaves one
    return [s["socket"] for s in event.get("Subscribers", [])
            if s.get("ttl") != "expired" and not s["socket"].startswith("rabbitmq:")]


@pytest.mark.parametrize("kind", ["udp", "unix", "http", "fifo"])
def test_mi_commands_over_each_transport(server, kind: str, tmp_path) -> None:
    address = server[kind]
    listed = cli("mi", "--mi", address, "evi:list")
    assert listed.returncode == 0, listed.stderr
    assert {"name": "E_TICK", "id": 8} in json.loads(listed.stdout)["Events"]
    assert listed.stdout.count("\n") == 1            # compact when piped
    missing = cli("mi", "--mi", address, "no:such")
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr == "cfgscript: error: no:such: -32601 Method not found\n"
    if kind == "fifo":
        assert sorted(os.listdir(os.path.dirname(address[5:]))) == ["fifo", "mi.sock", "run.log",
                                                                   "script.cfg"]


def test_mi_raise_with_array_and_object_params_reaches_a_listener(server) -> None:
    listener = subprocess.Popen([*CFGSCRIPT, "listen", "udp:127.0.0.1:0", "--subscribe",
                                 "E_TICK", "--mi", server["udp"], "--count", "6",
                                 "--timeout", "20"], stdout=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: len(subscribers(server["udp"])) == 1, 10)
        array = cli("mi", "--mi", server["udp"], "evi:raise", "E_TICK", "a", "b")
        named = cli("mi", "--mi", server["http"], "evi:raise", "E_TICK", '{"n": 1, "s": "x"}')
        assert (array.returncode, array.stdout) == (0, '"OK"\n')
        assert (named.returncode, named.stdout) == (0, '"OK"\n')
        out, _ = listener.communicate(timeout=30)
    finally:
        if listener.poll() is None:
            listener.kill()
    messages = [json.loads(line) for line in out.splitlines()]
    assert {"jsonrpc": "2.0", "method": "E_TICK", "params": ["a", "b"]} in messages
    assert {"jsonrpc": "2.0", "method": "E_TICK", "params": {"n": 1, "s": "x"}} in messages
    assert listener.returncode == 0
    assert wait_until(lambda: subscribers(server["udp"]) == [], 5)


@pytest.mark.parametrize("socket_text", ["udp:127.0.0.1:0", "unix:{tmp}/events.sock",
                                         "tcp:127.0.0.1:0"])
def test_listen_with_subscribe_on_each_transport(server, socket_text: str, tmp_path) -> None:
    result = cli("listen", socket_text.format(tmp=tmp_path), "--subscribe", "E_TICK",
                 "--mi", server["fifo"], "--count", "2", "--timeout", "15")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2 and all(m["method"] == "E_TICK" and m["params"] == ["tick"]
                                   for m in lines)
    if socket_text.startswith("tcp"):            # reliable_mode: requests with ids, answered
        assert all(isinstance(m["id"], int) for m in lines)
    assert not os.path.exists(tmp_path / "events.sock")
    assert wait_until(lambda: subscribers(server["fifo"]) == [], 5)


def test_listen_rabbitmq_declares_its_queue(server) -> None:
    queue = "cfgscript_listen_%s" % uuid.uuid4().hex[:10]
    socket_text = "rabbitmq:127.0.0.1/" + queue
    listener = subprocess.Popen([*CFGSCRIPT, "listen", socket_text, "--count", "1",
                                 "--timeout", "20"], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)                         # the queue is declared at start
        subscribed = cli("mi", "--mi", server["udp"], "evi:subscribe", "E_TICK", socket_text)
        assert subscribed.returncode == 0, subscribed.stderr
        out, _ = listener.communicate(timeout=30)
    finally:
        if listener.poll() is None:
            listener.kill()
        import pika
        with pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", 5672)) as conn:
            conn.channel().queue_delete(queue)
    assert listener.returncode == 0
    assert json.loads(out) == {"jsonrpc": "2.0", "method": "E_TICK", "params": ["tick"]}


def test_subscription_is_renewed_before_it_expires(server) -> None:
    listener = subprocess.Popen([*CFGSCRIPT, "listen", "udp:127.0.0.1:0", "--subscribe",
                                 "E_TICK", "--mi", server["unix"], "--expire", "2",
                                 "--timeout", "5"], stdout=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: len(subscribers(server["unix"])) == 1, 10)
        seen = []
        for _ in range(4):                      # 4 s: twice the expire
            time.sleep(1)
            seen.append(len(subscribers(server["unix"])))
        assert seen == [1, 1, 1, 1]
        assert listener.wait(15) == 0
    finally:
        if listener.poll() is None:
            listener.kill()
    assert wait_until(lambda: subscribers(server["unix"]) == [], 5)


def test_sigterm_leaves_no_subscription(server) -> None:
    listener = subprocess.Popen([*CFGSCRIPT, "listen", "udp:127.0.0.1:0", "--subscribe",
                                 "E_TICK", "--mi", server["http"]], stdout=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: len(subscribers(server["http"])) == 1, 10)
        listener.send_signal(signal.SIGTERM)
        assert listener.wait(15) == 0
    finally:
        if listener.poll() is None:
            listener.kill()
    assert wait_until(lambda: subscribers(server["http"]) == [], 5)


def test_default_address_from_the_environment_and_pyproject(server, tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.cfgscript]\nmi = "%s"\n' % server["udp"])
    (tmp_path / "sub").mkdir()
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    env.pop("CFGSCRIPT_MI", None)
    from_file = subprocess.run([*CFGSCRIPT, "mi", "evi:list"], cwd=tmp_path / "sub", env=env,
                               capture_output=True, text=True, timeout=30)
    env["CFGSCRIPT_MI"] = server["http"]
    from_env = subprocess.run([*CFGSCRIPT, "mi", "version"], cwd=tmp_path / "sub", env=env,
                              capture_output=True, text=True, timeout=30)
    assert from_file.returncode == 0 and "E_TICK" in from_file.stdout
    assert from_env.returncode == 0, from_env.stderr


@pytest.mark.parametrize("args", [["mi", "--mi", "tcp:1", "version"],
                                  ["mi", "--mi", "udp:127.0.0.1", "version"],
                                  ["listen", "ftp:x"], ["listen", "udp:127.0.0.1:0",
                                                         "--count", "0"],
                                  ["listen", "udp:127.0.0.1:0", "--mi", "udp:127.0.0.1:1"]])
def test_bad_arguments_are_one_line_and_exit_2(args: list[str]) -> None:
    result = cli(*args)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("cfgscript: error: ")


def test_no_answer_is_a_timeout_not_a_hang(tmp_path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        address = "udp:127.0.0.1:%d" % silent.getsockname()[1]
        result = cli("mi", "--mi", address, "--timeout", "0.5", "version")
    assert result.returncode == 2
    assert result.stderr == "cfgscript: error: %s: no answer within 0.5 s\n" % address
    missing = cli("mi", "--mi", "fifo:%s" % (tmp_path / "nobody"), "version")
    assert missing.returncode == 2 and "nobody" in missing.stderr
    assert os.listdir(tmp_path) == []


def test_arguments_follow_opensips_cli() -> None:
    assert build_params("version", []) is None
    assert build_params("evi:subscribe", ["E", "udp:h:1", "5"]) == ["E", "udp:h:1", "5"]
    assert build_params("evi:subscribe", ["event=E", "socket=udp:h:1"]) == \
        {"event": "E", "socket": "udp:h:1"}
    assert build_params("evi:raise", ["E", "a", "b"]) == ["E", ["a", "b"]]
    assert build_params("raise_event", ["E"]) == ["E"]
    assert build_params("evi:raise", ["E", '{"a": 1}']) == ["E", '{"a": 1}']
    assert build_params("evi:raise", ["event=E", "params=a 'b c'"]) == \
        {"event": "E", "params": ["a", "b c"]}
    assert build_params("evi:raise", ["E", '{"a":1}'], decode_json=True) == ["E", '{"a":1}']
    assert build_params("evi:raise", ["E", '["x", 2]'], decode_json=True) == ["E", ["x", 2]]
    assert build_params("evi:subscribe", ["E", "s", "5"], decode_json=True) == ["E", "s", 5]
    assert build_params("statistics:get", ["a", "b"]) == [["a", "b"]]


def test_fifo_reply_dir_of_a_server_that_answers_elsewhere(tmp_path) -> None:
    """mi_fifo writes answers to its reply_dir; --reply-dir says where that is."""
    fifo, replies = tmp_path / "run" / "fifo", tmp_path / "replies"
    fifo.parent.mkdir()
    replies.mkdir()
    script = tmp_path / "fifo.cfg"
    script.write_text('loadmodule "mi_fifo.so"\nmodparam("mi_fifo", "fifo_name", "%s")\n'
                      'modparam("mi_fifo", "reply_dir", "%s/")\n'
                      'startup_route { xlog("started\\n"); }\n' % (fifo, replies))
    with serving(script, tmp_path / "run.log"):
        lost = cli("mi", "--mi", "fifo:%s" % fifo, "--timeout", "0.5", "pwd")
        assert lost.returncode == 2
        assert "give it with --reply-dir" in lost.stderr and str(fifo.parent) in lost.stderr
        found = cli("mi", "--mi", "fifo:%s" % fifo, "--reply-dir", str(replies), "pwd")
        assert (found.returncode, json.loads(found.stdout)) == (0, {"WD": os.getcwd()})
        assert os.listdir(replies) == []


def udp_port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def test_listen_prints_a_one_line_message_as_it_arrived() -> None:
    """Duplicate keys (OpenSIPS's array params) and key order survive."""
    port = free_udp_port()
    listener = subprocess.Popen([*CFGSCRIPT, "listen", "udp:127.0.0.1:%d" % port, "--count",
                                 "2", "--timeout", "15"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    sent = [b'{"jsonrpc":"2.0","method":"E_X","params":{"":"s1","":"s2"}}',
            b'{"jsonrpc": "2.0",\n "method": "E_Y"}']
    assert wait_until(lambda: udp_port_taken(port), 10)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for datagram in sent:
            sock.sendto(datagram, ("127.0.0.1", port))
    out, _ = listener.communicate(timeout=20)
    lines = out.splitlines()
    assert lines == [sent[0].decode(), '{"jsonrpc":"2.0","method":"E_Y"}']
