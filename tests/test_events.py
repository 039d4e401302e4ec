"""The Event Interface: subscriptions, expiry, raising, event routes, datagrams."""

from __future__ import annotations

import io
import json
import os
import socket
import tempfile
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scripting import load_engine, log_lines, values

from cfgscript.events.core import EventCore, SocketError
from cfgscript.modules.event_datagram import MAX_DATAGRAM
from cfgscript.runtime.logger import Logger


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def udp_listener():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2)
    yield sock
    sock.close()


def receive_all(sock: socket.socket, limit: int = 1000) -> list[bytes]:
    sock.settimeout(0.3)
    out = []
    try:
        while len(out) < limit:
            out.append(sock.recv(70000))
    except TimeoutError:
        pass
    return out


def engine_with_clock(script: str):
    engine = load_engine(script)
    clock = Clock()
    engine.events.clock = clock
    return engine, clock


# ---------------------------------------------------------------- subscriptions


def test_expiry_is_lazy_and_silent(udp_listener) -> None:
    port = udp_listener.getsockname()[1]
    engine, clock = engine_with_clock(
        'loadmodule "event_datagram.so"\n'
        'route[r] { raise_event("E_EXP"); xlog("@ rc=$rc\\n"); }\n'
        'startup_route { subscribe_event("E_EXP", "udp:127.0.0.1:%d", 2); }' % port)
    engine.run_startup()
    event = engine.events.get("E_EXP")
    raise_route = engine.routes["r"]
    clock.now += 2                      # since + expire == now: still alive
    engine.run_top(raise_route)
    assert len(receive_all(udp_listener)) == 1
    clock.now += 1                      # since + expire < now: expired
    engine.run_top(raise_route)
    assert receive_all(udp_listener) == []
    assert event.subscribers == []
    assert [x for x in log_lines(engine) if "@ " in x] == ["NOTICE:@ rc=1", "NOTICE:@ rc=1"]


def test_expiry_in_real_time(udp_listener) -> None:
    port = udp_listener.getsockname()[1]
    engine = load_engine('loadmodule "event_datagram.so"\n'
                         'route[r] { raise_event("E_RT"); }\n'
                         'startup_route { subscribe_event("E_RT", "udp:127.0.0.1:%d", 1); }' % port)
    engine.run_startup()
    engine.run_top(engine.routes["r"])
    assert len(receive_all(udp_listener)) == 1
    deadline = time.time() + 5
    while engine.events.live_subscribers(engine.events.get("E_RT")) and time.time() < deadline:
        time.sleep(0.2)
    engine.run_top(engine.routes["r"])
    assert receive_all(udp_listener) == []


def test_resubscribe_refreshes_without_duplicates() -> None:
    engine, clock = engine_with_clock(
        'loadmodule "event_datagram.so"\n'
        'startup_route {\n'
        '  subscribe_event("E_R", "udp:127.0.0.1:41999", 5);\n'
        '  subscribe_event("E_R", "udp:127.0.0.1:41999");\n'
        '  subscribe_event("E_R", "udp:127.0.0.1:41998");\n'
        '}')
    engine.run_startup()
    subs = engine.events.get("E_R").subscribers
    assert [s.socket for s in subs] == ["udp:127.0.0.1:41998", "udp:127.0.0.1:41999"]
    assert subs[1].expiring and subs[1].expire == 5      # no expire: only a refresh
    assert not subs[0].expiring


def test_mi_expire_zero_unsubscribes() -> None:
    core = EventCore(Logger(plain=True), Clock())
    core.register_transport(_NullTransport())
    core.publish("E_MI")
    assert core.subscribe("E_MI", "null:x", 0, from_mi=True) == 1
    event = core.get("E_MI")
    assert core.live_subscribers(event)
    core.clock.now += 1
    assert core.live_subscribers(event) == []


def test_event_names_are_limited_to_64_bytes() -> None:
    core = EventCore(Logger(stream=io.StringIO(), plain=True))
    assert core.publish("E" * 64) is not None
    assert core.publish("E" * 65) is None


@pytest.mark.parametrize("socket_text", ["udp:", "udp:nohost", "udp:127.0.0.1:0",
                                         "udp:127.0.0.1:70000", "udp:127.0.0.1:abc",
                                         "UDP:127.0.0.1:5", "foo:bar", "", "/tmp/x.sock",
                                         "route:E_NO_ROUTE"])
def test_bad_sockets_are_refused(socket_text: str) -> None:
    body = 'subscribe_event("E_BAD", "%s"); xlog("@ $rc\\n");' % socket_text
    assert values(body, head='loadmodule "event_datagram.so"') == ["-1"]


# ---------------------------------------------------------------- raising


def test_payload_is_cjson_compact(udp_listener) -> None:
    port = udp_listener.getsockname()[1]
    values('subscribe_event("E_P", "udp:127.0.0.1:%d");'
           ' $avp(n) = "a"; $avp(v) = 1; $avp(n) = "b"; $avp(v) = "x\\"y";'
           ' raise_event("E_P", $avp(n), $avp(v));'
           ' $avp(p) = 5; raise_event("E_P", , $avp(p)); raise_event("E_P");' % port,
           head='loadmodule "event_datagram.so"')
    assert receive_all(udp_listener) == [
        b'{"jsonrpc":"2.0","method":"E_P","params":{"b":"x\\"y","a":1}}',
        b'{"jsonrpc":"2.0","method":"E_P","params":[5]}',
        b'{"jsonrpc":"2.0","method":"E_P"}']


def test_oversized_datagram_is_refused(udp_listener) -> None:
    port = udp_listener.getsockname()[1]
    lines = values('subscribe_event("E_BIG", "udp:127.0.0.1:%d");'
                   ' $var(s) = "x"; $var(i) = 0;'
                   ' while ($var(i) < 16) { $var(s) = $var(s) + $var(s); $var(i) += 1; }'
                   ' $avp(v) = $var(s); raise_event("E_BIG", , $avp(v));'
                   ' xlog("@ rc=$rc len=$(var(s){s.len})\\n");' % port,
                   head='loadmodule "event_datagram.so"\nmax_while_loops=100')
    assert lines == ["rc=-1 len=65536"]
    assert MAX_DATAGRAM < 65536
    assert receive_all(udp_listener) == []


def test_dead_endpoints_do_not_block(udp_listener) -> None:
    live = udp_listener.getsockname()[1]
    free = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    free.bind(("127.0.0.1", 0))
    dead = free.getsockname()[1]
    free.close()
    missing = os.path.join(tempfile.gettempdir(), "cfgscript-no-such-%d.sock" % os.getpid())
    start = time.monotonic()
    lines = values('subscribe_event("E_D", "udp:127.0.0.1:%d");'
                   ' subscribe_event("E_D", "unix:%s");'
                   ' subscribe_event("E_D", "udp:127.0.0.1:%d");'
                   ' $var(i) = 0; while ($var(i) < 50) { raise_event("E_D"); $var(i) += 1; }'
                   ' xlog("@ rc=$rc\\n"); raise_event("E_D"); xlog("@ raise rc=$rc\\n");'
                   % (live, missing, dead), head='loadmodule "event_datagram.so"')
    assert time.monotonic() - start < 5
    assert lines == ["rc=1", "raise rc=-1"]            # the unix subscriber fails: -1
    assert len(receive_all(udp_listener)) == 51        # the live one still gets them all


# ---------------------------------------------------------------- event routes


def test_queued_then_inline_order() -> None:
    tail = ('event_route[E_A] { xlog("@ A start\\n"); raise_event("E_B"); xlog("@ A end\\n"); }'
            ' event_route[E_B] { xlog("@ B\\n"); }')
    body = 'raise_event("E_A"); xlog("@ after raise\\n"); raise_event("E_B"); xlog("@ done\\n");'
    assert values(body, tail=tail) == ["after raise", "done", "A start", "B", "A end", "B"]


def test_event_route_sees_params_not_the_raisers_avps() -> None:
    tail = ('event_route[E_P] { xlog("@ name=$param(who) 1=$param(1) avp=$avp(mine)'
            ' missing=$param(nope)\\n"); $var(p) = $param(n) + 1; xlog("@ n+1=$var(p)\\n"); }')
    body = ('$avp(mine) = "secret"; $avp(k) = "n"; $avp(v) = 41; $avp(k) = "who";'
            ' $avp(v) = "alice"; raise_event("E_P", $avp(k), $avp(v));')
    assert values(body, tail=tail) == ["name=alice 1=alice avp=<null> missing=<null>", "n+1=42"]


def test_nested_event_routes_stop_at_depth_100() -> None:
    tail = ('event_route[E_LOOP] { $var(depth) += 1; $avp(d) = $var(depth);'
            ' raise_event("E_LOOP", , $avp(d)); }')
    engine = load_engine('startup_route { $var(depth) = 0; raise_event("E_LOOP"); }\n' + tail)
    engine.run_startup()
    engine.drain()
    assert engine.script_vars["depth"] == 100
    assert any("route recursion limit reached" in line for line in log_lines(engine))


def test_core_log_events_skip_lines_logged_while_handling_events() -> None:
    script = ('log_event_enabled=yes\n'
              'event_route[E_CORE_LOG] { xlog("L_NOTICE", "@ got [$param(message)]\\n"); }\n'
              'timer_route[t, 1] { xlog("L_ERR", "first\\n"); }\n'
              'startup_route { xlog("L_ERR", "from startup\\n"); }')
    engine = load_engine(script)
    engine.run_startup()
    engine.drain()
    engine.run_top(engine.timer_routes[0])
    engine.drain()
    assert [x for x in log_lines(engine) if "@ " in x] == ["NOTICE:@ got [first]"]


class _NullTransport:
    proto = "null"
    module = "test"
    expirable = True
    queued = False

    def parse(self, rest: str) -> str:
        return rest

    def describe(self, endpoint: str) -> str:
        return "null:" + endpoint

    def deliver(self, occurrence, endpoint, subscriber) -> int:
        json.loads(occurrence.payload())
        return 0


# ---------------------------------------------------------------- fuzzed socket strings

_SOCKET_ALPHABET = ("udp:unix:tcp:xmlrpc:rabbitmq:virtual:flatstore:route:"
                    "/@?=;.%0123456789 \tabcFAILOVER")


def _numeric_only(host, *args, **kwargs):
    """getaddrinfo for numeric hosts and localhost only: random host names
    must not become DNS queries (the tests stay on loopback)."""
    if host not in (None, "localhost"):
        kwargs["flags"] = kwargs.get("flags", 0) | socket.AI_NUMERICHOST
    return _real_getaddrinfo(host, *args, **kwargs)


_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture(scope="module")
def all_transports():
    patch = pytest.MonkeyPatch()
    patch.setattr(socket, "getaddrinfo", _numeric_only)
    engine = load_engine("".join('loadmodule "%s.so"\n' % m for m in (
        "event_datagram", "event_flatstore", "event_virtual", "event_rabbitmq", "event_xmlrpc",
        "event_stream")) + 'event_route[E_R] { exit; }\nstartup_route { exit; }\n')
    yield engine
    engine.shutdown()
    patch.undo()


@settings(max_examples=3000, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(
    st.text(alphabet=_SOCKET_ALPHABET, max_size=60),
    st.sampled_from(["udp:", "unix:", "tcp:", "xmlrpc:", "rabbitmq:", "virtual:", "flatstore:",
                     "route:"]).flatmap(lambda proto: st.text(max_size=50).map(
                         lambda rest: proto + rest))))
def test_any_socket_string_parses_or_gives_a_socket_error(all_transports, text: str) -> None:
    """Whatever the text, parsing gives an endpoint or a SocketError with a
    message, never another exception."""
    try:
        all_transports.events.parse_socket(text)
    except SocketError as err:
        assert str(err)
