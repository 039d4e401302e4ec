"""Safe defaults: servers and listeners bind loopback unless an address says
otherwise, unix sockets and FIFOs are made 0600 unless a module's mode
parameter says otherwise, nothing in the package runs a shell or dynamic code,
and $env reads the process environment only."""

from __future__ import annotations

import ast
import stat
from pathlib import Path

import pytest
from scripting import load_engine, run_startup
from support import free_port

import cfgscript
from cfgscript.client.errors import TransportError
from cfgscript.client.listener import DatagramListener, StreamListener
from cfgscript.mi.servers import open_server

PACKAGE = Path(cfgscript.__file__).parent


def _no_answer(data: bytes) -> None:
    return None


@pytest.mark.parametrize("address", ["udp::%d", "http::%d/mi"])
def test_mi_servers_without_a_host_bind_loopback(address: str) -> None:
    server = open_server(address % free_port(), _no_answer)
    try:
        bound = server.sock if hasattr(server, "sock") else server.httpd.socket
        assert bound.getsockname()[0] == "127.0.0.1"
    finally:
        server.stop()


def test_httpd_without_an_ip_binds_loopback() -> None:
    engine = load_engine('loadmodule "httpd.so"\nloadmodule "mi_http.so"\n'
                         'modparam("httpd", "port", %d)\n' % free_port())
    try:
        assert engine.modules["httpd"].address[0] == "127.0.0.1"
    finally:
        engine.shutdown()


@pytest.mark.parametrize("mode_param, mode", [("", 0o600),
                                              ('modparam("mi_datagram", "unix_socket_mode", '
                                               '0660)\n', 0o660)])
def test_mi_unix_socket_mode(tmp_path: Path, mode_param: str, mode: int) -> None:
    path = tmp_path / "mi.sock"
    engine = load_engine('loadmodule "mi_datagram.so"\n'
                         'modparam("mi_datagram", "socket_name", "unix:%s")\n%s'
                         % (path, mode_param))
    try:
        assert stat.S_IMODE(path.stat().st_mode) == mode
    finally:
        engine.shutdown()
    assert not path.exists()


def test_listener_unix_socket_is_0600_and_never_replaces_a_file(tmp_path: Path) -> None:
    path = tmp_path / "events.sock"
    listener = DatagramListener("unix:%s" % path)
    listener.start()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    listener.close()
    assert not path.exists()
    path.write_text("keep me")
    with pytest.raises(TransportError, match="is a regular file, not a socket"):
        DatagramListener("unix:%s" % path).start()
    assert path.read_text() == "keep me"


@pytest.mark.parametrize("make, text", [(DatagramListener, "udp::0"),
                                        (StreamListener, "tcp::0")])
def test_listeners_without_a_host_bind_loopback(make, text: str) -> None:
    listener = make(text)
    listener.start()
    try:
        bound = listener.sock if isinstance(listener, DatagramListener) else listener.server
        assert bound.getsockname()[0] == "127.0.0.1"
        assert listener.socket.startswith(text[:4] + "127.0.0.1:")
    finally:
        listener.close()


# what may run code that is not the package's own: nothing, but its own
# forked children (forked.py) and the fixed table of runtime modules
_FORBIDDEN_CALLS = {"eval", "exec", "compile", "system", "popen", "execv", "execve",
                    "execvp", "spawnv", "__import__"}
_FORBIDDEN_IMPORTS = {"subprocess", "pty", "code", "codeop"}


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in _FORBIDDEN_CALLS and not (name == "compile" and _is_regex(node)):
                found.append("%s:%d: %s()" % (path.name, node.lineno, name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) \
                else [node.module or ""]
            found += ["%s:%d: import %s" % (path.name, node.lineno, n) for n in names
                      if n.split(".")[0] in _FORBIDDEN_IMPORTS]
    return found


def _is_regex(call: ast.Call) -> bool:
    """re.compile(...) (or another module's compile), not the builtin."""
    return isinstance(call.func, ast.Attribute)


# the only places allowed, each for a reason that involves no script text:
# the exec module runs commands only with `run --allow-exec` (tests/test_exec_module.py);
# the language server compiles position movers from its own dataclasses' fields
_ALLOWED = {"modules/exec.py": {"import subprocess"}, "lsp/moves.py": {"exec()"}}


def _allowed(path: Path, problem: str) -> bool:
    relative = path.relative_to(PACKAGE).as_posix()
    return problem.split(": ", 1)[1] in _ALLOWED.get(relative, ())


def test_no_shell_and_no_dynamic_code_in_the_package() -> None:
    problems = [p for path in sorted(PACKAGE.rglob("*.py")) for p in _problems(path)
                if not _allowed(path, p)]
    assert problems == []


def test_env_reads_the_process_environment_only(monkeypatch) -> None:
    monkeypatch.setenv("CFGSCRIPT_SAFE_ENV", "from the environment")
    monkeypatch.delenv("CFGSCRIPT_NOT_SET", raising=False)
    lines = run_startup('xlog("@ $env(CFGSCRIPT_SAFE_ENV)|$env(CFGSCRIPT_NOT_SET)|'
                        '$argv(CFGSCRIPT_NOT_SET)\\n");',
                        head='loadmodule "cfgutils.so"\n',
                        argv={"CFGSCRIPT_NOT_SET": "an argument"})
    assert "NOTICE:@ from the environment|<null>|an argument" in lines

