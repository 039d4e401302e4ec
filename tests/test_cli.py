"""`cfgscript run` from the command line: options, exit statuses, MI servers."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

CFGSCRIPT = [sys.executable, "-m", "cfgscript"]


def run(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*CFGSCRIPT, *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout)


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_script_from_stdin_with_argv() -> None:
    result = run("run", "--once", "--log-format", "plain", "-o", "who=world", "-",
                 stdin='startup_route { xlog("hello $argv(who)\\n"); }\n')
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "NOTICE:hello world\n")


def test_full_log_format_has_date_and_pid() -> None:
    result = run("run", "--once", "-", stdin='startup_route { xlog("x\\n"); }\n')
    assert result.returncode == 0
    assert re.fullmatch(r"[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \[\d+\] NOTICE:x\n", result.stderr)


def test_usage_errors_exit_2_on_one_line() -> None:
    for args in (["run", "--queue-size", "0", "-"], ["run", "--duration", "-1", "-"],
                 ["run", "-o", "novalue", "-"], ["run", "--mi", "tcp:1", "-"],
                 ["run", "/no/such/script.cfg"]):
        result = run(*args, stdin="startup_route { exit; }\n")
        assert result.returncode == 2, args
        assert result.stderr.count("\n") <= 2 and "Traceback" not in result.stderr, args


def test_script_errors_exit_1_with_position() -> None:
    result = run("run", "--once", "-", stdin="startup_route { nope(); }\n")
    assert result.returncode == 1
    assert result.stderr.startswith("-:1:17: error: unknown command <nope>")


def test_strict_stops_at_a_function_cfgscript_cannot_run() -> None:
    script = 'loadmodule "uuid.so"\nstartup_route { uuid($var(u)); xlog("after\\n"); }\n'
    lenient = run("run", "--once", "--log-format", "plain", "-", stdin=script)
    strict = run("run", "--once", "--strict", "--log-format", "plain", "-", stdin=script)
    assert lenient.returncode == 0 and "after" in lenient.stderr
    assert "not available in cfgscript" in lenient.stderr
    assert strict.returncode == 1 and "after" not in strict.stderr


def test_mi_over_udp_and_http_with_graceful_sigterm() -> None:
    udp_port, http_port = free_port(), free_port(socket.SOCK_STREAM)
    script = ('timer_route[tick, 1] { $var(n) = $var(n) + 1; }\n'
              'startup_route { xlog("started\\n"); }\n')
    child = subprocess.Popen([*CFGSCRIPT, "run", "--log-format", "plain",
                              "--mi", "udp:127.0.0.1:%d" % udp_port,
                              "--mi", "http:127.0.0.1:%d/mi" % http_port, "-"],
                             stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        child.stdin.write(script)
        child.stdin.close()
        assert child.stderr.readline() == "NOTICE:started\n"
        request = json.dumps({"jsonrpc": "2.0", "method": "which", "id": 1}).encode()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(5)
            sock.sendto(request, ("127.0.0.1", udp_port))
            answer = json.loads(sock.recv(65535))
        assert answer["id"] == 1 and "evi:subscribers" in answer["result"]
        post = urllib.request.Request("http://127.0.0.1:%d/mi" % http_port, data=request,
                                      headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(post, timeout=5) as reply:
            assert "core:which" in json.loads(reply.read())["result"]
        child.send_signal(signal.SIGTERM)
        assert child.wait(10) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(5)


def test_mi_address_in_use_is_a_clear_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        result = run("run", "--once", "--mi", "udp:127.0.0.1:%d" % port, "-",
                     stdin="startup_route { exit; }\n")
        script = ('loadmodule "mi_datagram.so"\n'
                  'modparam("mi_datagram", "socket_name", "udp:127.0.0.1:%d")\n'
                  'startup_route { exit; }\n' % port)
        from_script = run("run", "--once", "-", stdin=script)
    assert result.returncode == 2
    assert result.stderr == ("cfgscript: error: --mi cannot bind udp:127.0.0.1:%d: "
                             "Address already in use\n" % port)
    assert from_script.returncode == 1
    assert from_script.stderr.startswith(
        "-:1:1: error: module mi_datagram cannot start: cannot bind udp:127.0.0.1:%d: "
        "Address already in use" % port)


def test_duration_stops_the_run() -> None:
    started = time.monotonic()
    result = run("run", "--duration", "0.5", "--log-format", "plain", "-",
                 stdin='timer_route[t, 1] { xlog("tick\\n"); }\nstartup_route { exit; }\n')
    assert result.returncode == 0
    assert 0.5 <= time.monotonic() - started < 10
