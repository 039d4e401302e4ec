"""Fuzzed socket strings of every transport (udp, unix, tcp, rabbitmq, xmlrpc,
flatstore, virtual, route) through the syntax check and the subscribe path:
subscribe answers 1 or -1 and logs one line, never raises, and a password
never shows in the log or in the subscriber listing
(tests/support/socket_fuzz.py). The 100,000-input run is
tests/perf/fuzz_targets.py --target sockets."""

from __future__ import annotations

import pytest
from support.fuzz_targets import fuzz_examples, sandboxed_targets
from support.socket_fuzz import PASSWORD

fuzz_targets = pytest.fixture(scope="module")(sandboxed_targets)


def test_fuzzed_socket_strings(fuzz_targets) -> None:
    fuzz_examples(fuzz_targets["sockets"], 5000)


@pytest.mark.parametrize("socket", [
    "rabbitmq:u:%s@127.0.0.1/q" % PASSWORD,
    "rabbitmq:u:%s@@127.0.0.1:5672/exchange=x?q" % PASSWORD,
    "rabbitmq:u::%s@[::1]/q" % PASSWORD,
    "virtual:PARALLEL udp:127.0.0.1:9 rabbitmq:u:%s@127.0.0.1/q" % PASSWORD,
    "virtual:FAILOVER\trabbitmq:u:%s@127.0.0.1:0/q" % PASSWORD,
])
def test_passwords_never_show(fuzz_targets, socket: str) -> None:
    assert fuzz_targets["sockets"].feed((socket, True)) is None
