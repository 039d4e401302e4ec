"""MI servers as the real clients use them: mi_fifo requests without a trailing
newline (opensips-cli and python-opensips send none), several FIFO clients at
once without cross-talk, reply files that are not FIFOs refused, mi_http's status
codes, and the unix socket server refusing to delete a regular file."""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
from pathlib import Path

import pytest
from support.mi_fuzz import wait_read

from cfgscript.mi.errors import ServerError
from cfgscript.mi.servers import open_server


def echo(request: bytes) -> bytes | None:
    """Answers with the request's id and method (None for a notification)."""
    data = json.loads(request)
    if "id" not in data:
        return None
    return json.dumps({"jsonrpc": "2.0", "id": data["id"], "result": data["method"]}).encode()


class ReplyFifo:
    """A client's reply FIFO, opened for reading before the request goes out
    (as cfgscript mi does; see the late-reader test for opensips-cli's way)."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path, 0o600)
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)

    def read(self, timeout: float = 5.0) -> dict:
        chunks: list[bytes] = []
        pause = threading.Event()
        try:
            for _ in range(int(timeout / 0.02)):
                try:
                    chunk = os.read(self.fd, 65536)
                except BlockingIOError:
                    chunk = None
                if chunk:
                    chunks.append(chunk)
                    try:
                        return json.loads(b"".join(chunks))
                    except ValueError:
                        pass
                pause.wait(0.02)
        finally:
            os.close(self.fd)
        raise AssertionError("no reply")


@pytest.fixture
def fifo(tmp_path: Path):
    path = tmp_path / "mi.fifo"
    server = open_server("fifo:%s" % path, echo)
    yield path
    server.stop()


def write_requests(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def test_fifo_requests_without_newline_are_answered_each_to_its_own_reply(fifo: Path) -> None:
    replies = [ReplyFifo(fifo.parent / name) for name in ("reply_a", "reply_b")]
    write_requests(fifo, b':reply_a:{"jsonrpc":"2.0","id":1,"method":"first"}'
                         b':reply_b:{"jsonrpc":"2.0","id":2,"method":"second"}')
    assert replies[0].read() == {"jsonrpc": "2.0", "id": 1, "result": "first"}
    assert replies[1].read() == {"jsonrpc": "2.0", "id": 2, "result": "second"}


def test_fifo_several_clients_at_once_get_their_own_answers(fifo: Path) -> None:
    names = ["client_%d" % i for i in range(8)]
    results: dict[str, dict] = {}

    def client(index: int, name: str) -> None:
        reply = ReplyFifo(fifo.parent / name)
        write_requests(fifo, b':%s:{"jsonrpc":"2.0","id":%d,"method":"m%d"}'
                       % (name.encode(), index, index))
        results[name] = reply.read()

    threads = [threading.Thread(target=client, args=(i, n)) for i, n in enumerate(names)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert {n: r["result"] for n, r in results.items()} == {n: "m%d" % i
                                                          for i, n in enumerate(names)}


def test_fifo_client_that_opens_its_reply_fifo_after_writing_gets_the_answer(
        fifo: Path) -> None:
    """python-opensips (opensips-cli) writes the request, then opens the reply
    FIFO with a blocking open: the server waits for it a little, as mi_fifo does."""
    reply = fifo.parent / "late_reader"
    os.mkfifo(reply, 0o666)
    answers: list[bytes] = []

    def read_late() -> None:
        with open(reply, "rb") as stream:       # blocks until the server opens it
            answers.append(stream.readline())

    reader = threading.Thread(target=read_late, daemon=True)
    write_requests(fifo, b':late_reader:{"jsonrpc":"2.0","id":5,"method":"late"}')
    threading.Event().wait(0.15)
    reader.start()
    reader.join(5)
    if reader.is_alive():                       # unblock the reader, then fail
        os.close(os.open(reply, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(5)
    assert answers and json.loads(answers[0]) == {"jsonrpc": "2.0", "id": 5, "result": "late"}


def test_fifo_reply_to_a_regular_file_or_a_link_is_refused(fifo: Path, tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.write_text("keep me")
    (fifo.parent / "as_link").symlink_to(target)
    (fifo.parent / "as_file").write_text("keep me too")
    write_requests(fifo, b':as_link:{"jsonrpc":"2.0","id":1,"method":"x"}'
                         b':as_file:{"jsonrpc":"2.0","id":2,"method":"y"}')
    good = ReplyFifo(fifo.parent / "good")
    write_requests(fifo, b':good:{"jsonrpc":"2.0","id":3,"method":"z"}')
    assert good.read()["result"] == "z"
    assert target.read_text() == "keep me"
    assert (fifo.parent / "as_file").read_text() == "keep me too"


def test_fifo_is_created_0600(fifo: Path) -> None:
    assert fifo.stat().st_mode & 0o777 == 0o600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def http_port():
    port = free_port()
    server = open_server("http:127.0.0.1:%d/mi" % port, echo)
    yield port
    server.stop()


def http_request(port: int, method: str, body: bytes | None = None,
                 headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, "/mi", body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_http_status_codes_are_mi_http_ones(http_port: int) -> None:
    status, body = http_request(http_port, "POST", b'{"jsonrpc":"2.0","id":7,"method":"m"}',
                                {"Content-Type": "application/json"})
    assert status == 200 and json.loads(body)["result"] == "m"
    assert http_request(http_port, "POST", b'{"jsonrpc":"2.0","method":"n"}',
                        {"Content-Type": "application/json"})[0] == 202
    assert http_request(http_port, "GET")[0] == 405
    assert http_request(http_port, "POST", b"", {"Content-Type": "application/json"})[0] == 400


def test_http_chunked_body_is_decoded(http_port: int) -> None:
    body = b'{"jsonrpc":"2.0","id":9,"method":"chunked"}'
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    status, answer = http_request(http_port, "POST", chunked,
                                  {"Transfer-Encoding": "chunked",
                                   "Content-Type": "application/json"})
    assert status == 200 and json.loads(answer)["result"] == "chunked"


def test_http_bad_content_length_is_answered_and_the_server_goes_on(http_port: int) -> None:
    with socket.create_connection(("127.0.0.1", http_port), timeout=5) as sock:
        sock.sendall(b"POST /mi HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n{}")
        assert sock.recv(100).startswith(b"HTTP/1.1 400")
    status, _ = http_request(http_port, "POST", b'{"jsonrpc":"2.0","id":1,"method":"m"}',
                             {"Content-Type": "application/json"})
    assert status == 200


def test_unix_server_does_not_delete_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "not-a-socket"
    path.write_text("data")
    with pytest.raises(ServerError):
        open_server("unix:%s" % path, echo)
    assert path.read_text() == "data"


def test_fifo_request_left_incomplete_gives_way_to_the_next_client(fifo: Path) -> None:
    """A client that died halfway: its piece is dropped when the next client's
    whole request arrives (OpenSIPS drops an unparsable read at once)."""
    reply = ReplyFifo(fifo.parent / "next_client")
    fd = os.open(fifo, os.O_WRONLY)
    try:
        os.write(fd, b':dead_client:{"jsonrpc":"2.0","id":1,"method":"cut')
        wait_read(fd)                       # two separate reads, as two clients make
        os.write(fd, b':next_client:{"jsonrpc":"2.0","id":2,"method":"whole"}')
    finally:
        os.close(fd)
    assert reply.read(timeout=0.8) == {"jsonrpc": "2.0", "id": 2, "result": "whole"}
