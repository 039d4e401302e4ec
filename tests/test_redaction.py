"""Passwords in socket strings never show: not in logs, MI answers, statistics
names or errors, also when a sender queue is full and when the password holds
an '@' (which the socket grammar splits at)."""

from __future__ import annotations

import json

import pytest
from scripting import load_engine, log_lines
from support import free_port

from cfgscript.events.redaction import redact_socket
from cfgscript.mi.core import handle as handle_mi


@pytest.mark.parametrize("socket, shown", [
    ("rabbitmq:bob:s3cret@h/q", "rabbitmq:bob:***@h/q"),
    ("rabbitmq:bob:s3cr@et@h:5672/q", "rabbitmq:bob:***@h:5672/q"),
    ("rabbitmq:bob:s3c/ret@h/q", "rabbitmq:bob:***@h/q"),
    ("rabbitmq:bob@x@h/q", "rabbitmq:bob:***@h/q"),
    ("rabbitmq:bob@h/alice@example.com", "rabbitmq:bob@h/alice@example.com"),
    ("rabbitmq:h:5672/alice@example.com", "rabbitmq:h:5672/alice@example.com"),
    ("rabbitmq:guest@h/exchange=a@b?key", "rabbitmq:guest@h/exchange=a@b?key"),
    ("virtual:PARALLEL rabbitmq:u:p@w@h/q\tudp:127.0.0.1:9",
     "virtual:PARALLEL rabbitmq:u:***@h/q\tudp:127.0.0.1:9"),
    ("unix:/tmp/a@b.sock", "unix:/tmp/a@b.sock"),
    ("xmlrpc:h:8080/RPC2@x:method", "xmlrpc:h:8080/RPC2@x:method"),
    ("[a] uri=amqp://u:s3cr@et@h:1/vhost; exchange=x",
     "[a] uri=amqp://u:***@h:1/vhost; exchange=x"),
])
def test_redact_socket(socket: str, shown: str) -> None:
    assert redact_socket(socket) == shown


def test_redact_the_text_after_the_protocol() -> None:
    assert redact_socket("bob:s3cr@et@h/q", has_proto=False) == "bob:***@h/q"


def _mi(engine, method: str, **params) -> dict:
    request = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": 1})
    return json.loads(handle_mi(engine.mi, request.encode()))


def _everything_shown(engine) -> str:
    """Logs, the evi:subscribers answer and the cfgscript statistics, as text."""
    answers = [_mi(engine, "evi:subscribers"), _mi(engine, "get_statistics",
                                                   statistics=["cfgscript:"])]
    return "\n".join(log_lines(engine) + [json.dumps(answer) for answer in answers])


@pytest.mark.parametrize("policy", ["PARALLEL", "ROUND-ROBIN"])
def test_full_queue_of_a_virtual_member_logs_no_password(policy: str) -> None:
    """Nothing listens on the port: the member's queue (size 1) fills at once,
    and every later raise logs the member that failed."""
    member = "rabbitmq:bob:s3cr@et@127.0.0.1:%d/q" % free_port()
    engine = load_engine(
        'loadmodule "event_rabbitmq.so"\nloadmodule "event_virtual.so"\n'
        'startup_route {\n'
        '    subscribe_event("E_V", "virtual:%s %s");\n'
        '    $var(i) = 0;\n'
        '    while ($var(i) < 5) { raise_event("E_V"); $var(i) = $var(i) + 1; }\n'
        '}\n' % (policy, member), queue_size=1, flush_timeout=0.2)
    try:
        engine.run_startup()
        shown = _everything_shown(engine)
    finally:
        engine.shutdown()
    shown += "\n".join(log_lines(engine))
    assert "unable to raise socket rabbitmq:bob:***@127.0.0.1:" in shown
    assert "virtual:%s rabbitmq:bob:***@127.0.0.1:" % policy in shown
    assert "s3cr" not in shown and "et@" not in shown


def test_password_with_an_at_sign_is_hidden_in_listings_and_logs() -> None:
    port = free_port()
    engine = load_engine(
        'loadmodule "event_rabbitmq.so"\n'
        'startup_route {\n'
        '    subscribe_event("E_R", "rabbitmq:bob:s3cr@et@127.0.0.1:%d/q");\n'
        '    raise_event("E_R");\n'
        '    subscribe_event("E_R", "rabbitmqq:bob:s3cr@et@127.0.0.1/q");\n'
        '}\n' % port, flush_timeout=0.3)
    try:
        engine.run_startup()
        listed = _mi(engine, "evi:subscribers", event="E_R")
        found = _mi(engine, "evi:subscribers", event="E_R",
                    socket="rabbitmq:bob:***@127.0.0.1/q")
        shown = _everything_shown(engine)
    finally:
        engine.shutdown()
    shown += "\n".join(log_lines(engine))
    (subscriber,) = listed["result"]["Event"]["Subscribers"]
    assert subscriber["socket"] == "rabbitmq:bob:***@127.0.0.1/q"
    assert found["result"]["Event"]["Subscriber"]["socket"] == subscriber["socket"]
    assert "cannot connect to RabbitMQ server ***@127.0.0.1:%d" % port in shown
    assert "couldn't find a protocol to support rabbitmqq:bob:***@127.0.0.1/q" in shown
    assert "s3cr" not in shown and "et@" not in shown
