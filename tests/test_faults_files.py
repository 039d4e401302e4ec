"""File faults under `cfgscript run`: a flatstore directory that cannot be
written, and a full disk (a file size limit, RLIMIT_FSIZE, in the child).
The run goes on, each lost event is counted (the script sees -1 from
raise_event, the cfgscript statistics say failed) and no partial line is left.

As root, permissions do not stop writes: the child then runs without the
capabilities that override them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)."""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import socket
from pathlib import Path

from support.child import RunningScript

PR_CAPBSET_DROP = 24
DAC_CAPABILITIES = (1, 2)       # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
RAISES = 100
FILE_LIMIT = 4096
PAD = "x" * 100


def _without_permission_override() -> None:
    """preexec_fn: a root child lets file permissions apply to it."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in DAC_CAPABILITIES:
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _file_limit() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def _script(path: Path) -> str:
    return ('loadmodule "event_flatstore.so"\n'
            'startup_route {\n'
            '    subscribe_event("E_F", "flatstore:%s");\n'
            '    $avp(name) = "pad"; $avp(value) = "%s";\n'
            '    $var(i) = 0; $var(ok) = 0; $var(bad) = 0;\n'
            '    while ($var(i) < %d) {\n'
            '        if (raise_event("E_F", $avp(name), $avp(value)))\n'
            '            $var(ok) = $var(ok) + 1;\n'
            '        else\n'
            '            $var(bad) = $var(bad) + 1;\n'
            '        $var(i) = $var(i) + 1;\n'
            '    }\n'
            '    xlog("done ok=$var(ok) bad=$var(bad)\\n");\n'
            '}\n' % (path, PAD, RAISES))


def _statistics(port: int) -> dict:
    request = {"jsonrpc": "2.0", "method": "get_statistics",
               "params": {"statistics": ["cfgscript:"]}, "id": 1}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(json.dumps(request).encode(), ("127.0.0.1", port))
        return json.loads(sock.recv(65535))["result"]


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(path: Path, **child) -> tuple[int, int, dict, RunningScript]:
    """Run the script until it is done: (ok, bad, counters of the subscriber, child)."""
    port = _free_udp_port()
    with RunningScript(_script(path), "--mi", "udp:127.0.0.1:%d" % port, **child) as run:
        done = run.wait_for("NOTICE:done", 20)
        statistics = _statistics(port)
        run.send_signal(signal.SIGTERM)
        assert run.wait(5) == 0, run.lines
    ok, bad = (int(word.split("=")[1]) for word in done.split()[1:])
    prefix = "cfgscript:E_F:flatstore:%s:" % path
    counters = {name[len(prefix):]: value for name, value in statistics.items()
                if name.startswith(prefix)}
    return ok, bad, counters, run


def test_flatstore_directory_that_cannot_be_written(tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o555)
    try:
        ok, bad, counters, run = _run(directory / "events.log",
                                      preexec_fn=_without_permission_override)
    finally:
        directory.chmod(0o755)
    assert (ok, bad) == (0, RAISES)
    assert counters == {"sent": 0, "failed": RAISES, "buffered": 0, "dropped": 0}
    assert "ERROR:event_flatstore:flat_raise: cannot write to %s/events.log: Permission denied" \
        % directory in run.lines
    assert not (directory / "events.log").exists()


def test_full_disk_through_a_file_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "events.log"
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    ok, bad, counters, run = _run(path, preexec_fn=_file_limit, env=env)
    line = "E_F,%s\n" % PAD
    assert ok == FILE_LIMIT // len(line) and ok + bad == RAISES
    assert counters == {"sent": ok, "failed": bad, "buffered": 0, "dropped": 0}
    assert path.read_text() == line * ok            # whole lines only
    assert "ERROR:event_flatstore:flat_raise: cannot write to %s: short write (1 of %d bytes; " \
           "disk full or file size limit), taken back" % (path, len(line)) in run.lines
