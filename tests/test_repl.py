"""The REPL's session model and its piped mode, with real sockets and files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfgscript.cli import repl_loader
from cfgscript.client.listener import DatagramListener
from cfgscript.repl.session import MAX_INPUT, Session, SessionOptions
from cfgscript.runtime.settings import RunOptions

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "repl.cfg"
SESSION = ROOT / "examples" / "repl_session.txt"
GOLDEN = ROOT / "tests" / "snapshots" / "repl" / "repl_session.transcript"
TIMEOUT = 60


class Recorder:
    """An Output keeping what the session printed."""
    pretty = False

    def __init__(self) -> None:
        self.lines: list[str] = []

    def show(self, text: str) -> None:
        self.lines.extend(text.split("\n"))

    def error(self, text: str) -> None:
        self.lines.extend(text.split("\n"))

    def take(self) -> list[str]:
        taken, self.lines = self.lines, []
        return taken


def piped(args: list[str], commands: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "cfgscript", "repl", *args], input=commands,
                          capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd, env=env)


@pytest.fixture
def udp_listener():
    """The listener of `cfgscript listen`, on a free loopback port."""
    with DatagramListener("udp:127.0.0.1:0") as listener:
        yield listener


def receive(listener: DatagramListener, count: int) -> list[bytes]:
    return [event.raw for event in listener.events(count, timeout=10)]


@pytest.fixture
def session(tmp_path, capsys):
    """A session over a small script; the engine's log lines go to stdout."""
    script = tmp_path / "s.cfg"
    script.write_text('loadmodule "event_datagram.so"\n'
                      'max_while_loops = 2000000000\n'
                      'startup_route { $var(boot) = 1; }\n'
                      'route[echo] { xlog("echo $param(1) $param(2)\\n"); }\n'
                      'event_route[E_SEEN] { xlog("seen a=$param(a)\\n"); }\n')
    options = RunOptions(plain_log=True)
    out = Recorder()
    opened = Session(repl_loader(options), SessionOptions(str(script), run=options), out)
    assert opened.open()
    yield opened
    opened.close()


def logged(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


# ---------------------------------------------------------------- piped mode


def test_piped_session_gives_the_golden_transcript() -> None:
    done = piped(["examples/repl.cfg", "--log-format", "plain"], SESSION.read_text())
    assert done.stdout == GOLDEN.read_text()
    assert done.stderr == ""
    assert done.returncode == 1             # the session ends with two failing inputs


def test_piped_session_without_failures_exits_0() -> None:
    done = piped([], ':vars\n$var(x) = 2;\n:vars\n')
    assert done.returncode == 0
    assert done.stdout == "no $var set\n$var(x) = 2\n"
    assert "\033" not in done.stdout


def test_a_comment_runs_over_lines_and_one_left_open_is_an_error() -> None:
    done = piped([], '$var(x) = 1;\n/* over\ntwo lines */ $var(x) = 2;\n:vars\n'
                     '/* /* nested */ still open\n$var(x) = 3;\n')
    assert done.returncode == 1
    assert done.stdout == ("$var(x) = 2\n"
                           "<repl>:1:1: error: unterminated /* comment\n"
                           "/* /* nested */ still open\n"
                           "^\n")


def test_raised_events_arrive_with_opensips_bytes(udp_listener, tmp_path) -> None:
    script = tmp_path / "demo.cfg"
    script.write_text('loadmodule "event_datagram.so"\n'
                      'route[publish] { raise_event("E_DEMO"); }\n')
    socket_text = udp_listener.socket
    commands = "\n".join([
        ':subscribe E_DEMO %s' % socket_text,
        ':raise E_DEMO b="x\\"y" a=1 list=[1, 2] flag=true',
        ':raise E_DEMO 5 "five" word',
        ':raise E_DEMO',
        # the same event raised by script code, for comparison
        '$avp(n) = "a"; $avp(v) = 1; $avp(n) = "b"; $avp(v) = "x\\"y";',
        'raise_event("E_DEMO", $avp(n), $avp(v));',
        ':subscribers E_DEMO',
    ]) + "\n"
    done = piped([str(script), "--log-format", "plain"], commands)
    assert done.returncode == 0, done.stdout
    assert receive(udp_listener, 4) == [
        b'{"jsonrpc":"2.0","method":"E_DEMO","params":{"b":"x\\"y","a":1,"list":"[1,2]",'
        b'"flag":"true"}}',
        b'{"jsonrpc":"2.0","method":"E_DEMO","params":[5,"five","word"]}',
        b'{"jsonrpc":"2.0","method":"E_DEMO"}',
        b'{"jsonrpc":"2.0","method":"E_DEMO","params":{"b":"x\\"y","a":1}}']
    assert "sent 4  failed 0" in done.stdout.splitlines()[-1]


def test_an_event_arrives_on_a_listen_socket() -> None:
    commands = ":listen udp:127.0.0.1:0\n"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-m", "cfgscript", "repl"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        child.stdin.write(commands)
        child.stdin.flush()
        heading = child.stdout.readline()
        assert heading.startswith("listening on udp:127.0.0.1:")
        port = int(heading.rsplit(":", 1)[1])
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b'{"jsonrpc":"2.0","method":"E_IN","params":{"k":1}}',
                          ("127.0.0.1", port))
        assert child.stdout.readline() == '{"jsonrpc":"2.0","method":"E_IN","params":{"k":1}}\n'
    finally:
        child.stdin.close()
        child.wait(TIMEOUT)
    assert child.returncode == 0


def test_a_script_that_does_not_load_ends_the_session_with_1(tmp_path) -> None:
    bad = tmp_path / "bad.cfg"
    bad.write_text("route { nope(); }\n")
    done = piped([str(bad)], ":vars\n")
    assert done.returncode == 1
    assert "bad.cfg:1:9: error: unknown command <nope>" in done.stdout


def test_an_mi_server_answers_while_the_prompt_runs(tmp_path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-m", "cfgscript", "repl", "--mi",
                              "udp:127.0.0.1:%d" % port], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        child.stdin.write("$var(x) = 7;\n:vars\n")
        child.stdin.flush()
        assert child.stdout.readline() == "$var(x) = 7\n"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(10)
            client.sendto(b'{"jsonrpc":"2.0","method":"evi:list","id":1}', ("127.0.0.1", port))
            answer = json.loads(client.recv(65535))
        assert "E_CORE_LOG" in [e["name"] for e in answer["result"]["Events"]]
    finally:
        child.stdin.close()
        child.wait(TIMEOUT)


# ---------------------------------------------------------------- the session model


def test_code_keeps_avps_between_inputs(session, capsys) -> None:
    assert session.execute('$avp(a) = 1;')
    assert session.execute('$avp(a) = "two"; xlog("a=$avp(a)\\n");')
    assert session.execute(':avps')
    assert session.out.take() == ['$avp(a) = "two", 1']
    assert logged(capsys) == ["NOTICE:a=two"]


def test_a_block_needs_more_lines_while_its_braces_are_open(session, capsys) -> None:
    assert session.needs_more("if ($var(boot) == 1) {")
    assert session.needs_more('if ($var(boot) == 1) {\n  xlog("{\\n");')
    text = '# a comment first\nif ($var(boot) == 1) {\n  xlog("boot\\n");\n}'
    assert not session.needs_more(text)
    assert session.execute(text)
    assert logged(capsys) == ["NOTICE:boot"]
    assert not session.needs_more(":raise E_X {")
    assert session.needs_more("/* a comment")             # and while a /* comment is open
    assert session.needs_more("/* /* nested */ one level left")
    assert not session.needs_more("/* /* nested */ closed */")


def test_bad_code_gets_the_positioned_error_of_check(session) -> None:
    assert not session.execute("$var(x) = ;")
    assert session.out.take() == ["<repl>:1:11: error: syntax error: unexpected ';'",
                                  "$var(x) = ;", "          ^"]
    assert not session.execute("if (1) {\n  nope();\n}")
    assert session.out.take() == ["<repl>:2:3: error: unknown command <nope>, missing "
                                  "loadmodule? [E130]", "  nope();", "  ^~~~~~"]
    assert session.execute("$var(x) = 1;")          # and the session goes on
    assert session.failures == 2


def test_meta_command_errors_point_at_the_word(session) -> None:
    assert not session.execute(":subscribe E_SEEN udp:127.0.0.1:9 soon")
    assert session.out.take() == ["<repl>:1:35: error: EXPIRE: expected whole seconds, got soon",
                                  ":subscribe E_SEEN udp:127.0.0.1:9 soon",
                                  " " * 34 + "^"]
    assert not session.execute(":raise E_SEEN a=1 2")
    assert session.out.take()[0] == "<repl>:1:19: error: name every parameter (name=value) or none"
    assert not session.execute(':raise E_SEEN a="open')
    assert session.out.take()[:2] == ["<repl>:1:17: error: bad string: Unterminated string "
                                      "starting at", ':raise E_SEEN a="open']
    assert not session.execute(":s")
    assert session.out.take()[0].startswith("<repl>:1:1: error: :s is ambiguous: :subscribe")


def test_raise_reaches_the_event_route(session, capsys) -> None:
    assert session.execute(":raise E_SEEN a=41")
    assert session.out.take() == ["raised E_SEEN to 1 subscriber(s)"]
    assert logged(capsys) == ["NOTICE:seen a=41"]


def test_raise_without_subscribers_fails(session) -> None:
    assert session.execute('$var(n) = "E_QUIET"; subscribe_event("E_QUIET", "udp:127.0.0.1:9");')
    assert session.execute(":unsubscribe E_QUIET udp:127.0.0.1:9")
    time.sleep(1.1)                         # expire 0: gone from the next second on
    assert not session.execute(":raise E_QUIET")
    assert session.out.take()[-1] == "E_QUIET has no subscribers: nothing sent (see :subscribe)"


def test_run_calls_a_route_with_arguments(session, capsys) -> None:
    assert session.execute(':run echo 5 "five words"')
    assert logged(capsys) == ["NOTICE:echo 5 five words"]
    assert not session.execute(":run nowhere")


def test_input_size_is_limited(session) -> None:
    assert not session.execute("#" * (MAX_INPUT + 1))
    assert session.out.take() == ["error: input too long: %d characters (at most %d)"
                                  % (MAX_INPUT + 1, MAX_INPUT)]
    assert not session.needs_more("{" * (MAX_INPUT + 1))


def test_ctrl_c_interrupts_a_long_loop_and_the_session_goes_on(session) -> None:
    outcome: list[bool] = []
    worker = threading.Thread(target=lambda: outcome.append(
        session.execute("while (1) { $var(spin) = 1; }")))
    worker.start()
    deadline = time.monotonic() + 10
    while not session.interrupt() and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.join(10)
    assert outcome == [False]
    assert session.out.take()[-1].startswith("cfgscript: interrupted in ")
    assert session.execute("$var(after) = 1;")
    assert session.execute(":vars")
    assert "$var(after) = 1" in session.out.take()


def test_ctrl_c_before_the_work_begins_is_not_lost(session) -> None:
    """A Ctrl-C between Enter and the start of the input's work (the interpreter
    thread busy with a timer, say) stops that work as it begins."""
    busy, release = threading.Event(), threading.Event()

    def occupy() -> None:
        busy.set()
        release.wait(10)
    session.engine.post(occupy)
    assert busy.wait(10)
    outcome: list[bool] = []
    worker = threading.Thread(target=lambda: outcome.append(
        session.execute("while (1) { $var(spin) = 1; }")))
    worker.start()
    deadline = time.monotonic() + 10
    while not session.interrupt() and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    worker.join(10)
    if worker.is_alive():               # the Ctrl-C was lost: stop the loop to end the test
        session.interrupt()
        worker.join(10)
    assert outcome == [False]
    assert session.out.take()[-1] == "cfgscript: interrupted in the input"
    assert not session.interrupt()      # between inputs there is nothing to stop
    assert session.execute("$var(after) = 1;")


def test_reload_keeps_the_old_script_when_the_new_one_fails(session, capsys) -> None:
    path = Path(session.script_path)
    good = path.read_text()
    path.write_text(good + "route { broken( }\n")
    assert not session.execute(":reload")
    assert session.execute(":raise E_SEEN a=1")         # the old script still runs
    path.write_text(good.replace("seen a=", "now a="))
    assert session.execute(":reload")
    capsys.readouterr()
    assert session.execute(":raise E_SEEN a=2")
    assert logged(capsys) == ["NOTICE:now a=2"]


def test_load_and_lint(session, tmp_path, capsys) -> None:
    other = tmp_path / "other.cfg"
    other.write_text('event_route[E_OTHER] { xlog("other\\n"); }\n')
    assert session.execute(":load %s" % other)
    assert session.execute(":routes")
    assert session.out.take()[-1].startswith("event_route[E_OTHER]")
    assert not session.execute(":lint")       # nothing raises E_OTHER: a warning
    assert "V201" in capsys.readouterr().out


def test_help_lists_every_command_and_details_one(session) -> None:
    assert session.execute(":help")
    listing = session.out.take()
    for name in (":raise", ":subscribe", ":unsubscribe", ":events", ":subscribers", ":listen",
                 ":unlisten", ":routes", ":run", ":vars", ":avps", ":timers", ":load",
                 ":reload", ":lint", ":help", ":quit"):
        assert any(line.startswith(name + " ") for line in listing), name
    assert session.execute(":help raise")
    assert session.out.take()[0] == ":raise EVENT [NAME=VALUE ... | VALUE ...]"


def test_help_explains_names_as_the_catalog_does(session) -> None:
    from cfgscript.lint.explain import explain_name

    for name in ("raise_event", "$param", "E_CORE_LOG", "evi:subscribe"):
        assert session.execute(":help %s" % name)
        assert session.out.take() == explain_name(session.catalog, name).split("\n"), name
    assert not session.execute(":help no_such_name")
    assert session.out.take()[0] == ("<repl>:1:7: error: no meta-command, function, "
                                     "$pseudo-variable, event or MI command no_such_name "
                                     "(see :help)")


def test_quit_ends_the_session(session) -> None:
    assert session.execute(":quit")
    assert session.done


# ---------------------------------------------------------------- random input

SLOWEST_INPUT = 10.0        # seconds: far above any input's time, far below a hang


@pytest.fixture(scope="module")
def fuzz_session(tmp_path_factory):
    from support.repl_fuzz import open_session

    opened = open_session(str(tmp_path_factory.mktemp("fuzz")))
    yield opened
    opened.close()


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.integers(1, 12))
def test_random_input_never_breaks_the_session(fuzz_session, rng, pieces) -> None:
    from support.repl_fuzz import feed, random_input

    text = random_input(rng, pieces)
    seconds, problems = feed(fuzz_session, text)
    assert problems == [], text
    assert seconds < SLOWEST_INPUT, text


# ---------------------------------------------------------------- completion


def completions(session, text: str) -> list[str]:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from cfgscript.repl.completion import ReplCompleter

    return [c.text for c in ReplCompleter(session).get_completions(Document(text),
                                                                   CompleteEvent())]


def test_completion_knows_commands_events_and_their_parameters(session) -> None:
    assert completions(session, ":subs") == [":subscribe", ":subscribers"]
    assert "E_SEEN" in completions(session, ":raise E_S")           # the script's
    assert "E_DLG_STATE_CHANGED" in completions(session, ":raise E_DLG")   # the catalog's
    assert completions(session, ":raise E_DLG_STATE_CHANGED old") == ["old_state="]
    assert completions(session, ":help rel") == ["reload"]
    assert completions(session, ":help raise_") == ["raise_event"]
    assert completions(session, ":help $para") == ["$param"]


def test_completion_offers_sockets_and_current_subscribers(session) -> None:
    offered = completions(session, ":subscribe E_SEEN ")
    assert "udp:127.0.0.1:9999" in offered and "route:EVENT_ROUTE_NAME" in offered
    assert completions(session, ":unsubscribe E_SEEN ") == ["route:E_SEEN"]


def test_completion_in_script_code(session) -> None:
    assert "subscribe_event(" in completions(session, "subscr")      # a loaded module's
    assert "xlog(" in completions(session, "xl")
    assert "$param(" in completions(session, "$para")
    assert "s.len" in completions(session, "$(var(x){s.le")
    assert completions(session, "route(ec") == ["echo"]
    assert completions(session, "$var(bo") == ["boot"]
    assert completions(session, 'raise_event("E_SE') == ["E_SEEN"]
