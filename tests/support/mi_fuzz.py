"""Malformed MI requests from a seeded generator, sent to a `cfgscript run` over
mi_datagram (UDP), mi_http and mi_fifo. After each one a good request must be
answered; whatever the server answered to the bad one must be JSON-RPC 2.0
(datagram, FIFO) or an HTTP status mi_http gives; its stderr must never show a
traceback. Used by tests/test_mi_fuzz.py and tests/perf/fuzz_mi.py."""

from __future__ import annotations

import array
import fcntl
import json
import os
import random
import socket
import subprocess
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import MI_SERVERS, free_port, free_udp_port, start_run, stop, wait_until

SCRIPT = ('loadmodule "event_datagram.so"\n' + MI_SERVERS
          + 'event_route[E_FUZZ] { xlog("fuzz $param(1)\\n"); }\n'
          + 'startup_route { xlog("started\\n"); }\n')
HTTP_STATUSES = {200, 202, 400, 405, 406, 413, 414, 431, 501, 505}
METHODS = ["core:pwd", "evi:raise", "evi:subscribe", "evi:subscribers", "evi:list", "which",
           "version", "statistics:get", "raise_event", "help", "log_level", "E_FUZZ", ""]
WAIT = 3.0                  # for the answer to a good request
FIFO_WAIT = 0.5             # before a FIFO request is sent again
MAX_PROBLEMS = 10           # a fuzz run stops after this many


# ---------------------------------------------------------------- generators

def json_value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**31, -2**63, 2**64, 10**30, 1.5, -0.0, 1e308])
    if kind in (3, 4, 5):
        return rng.choice(["", "E_FUZZ", "udp:127.0.0.1:1", "tcp:", "x" * rng.randrange(300),
                           "é\u0000\ud7ff", "{\"a\":1}", "[1,2]", "{bad", "\\", "all", "-1"])
    if kind in (6, 7):
        return [json_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(["event", "socket", "expire", "params", "statistics", "x", ""]):
            json_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def bad_body(rng: random.Random) -> bytes:
    """One malformed (or merely odd) JSON-RPC request body."""
    request = {"jsonrpc": rng.choice(["2.0", "2.0", "1.0", 2.0, None]),
               "method": rng.choice(METHODS + [1, None, [], {}]),
               "id": rng.choice([1, "x", None, [], {}, 1.5, True, 2**70])}
    if rng.random() < 0.7:
        request["params"] = json_value(rng)
    for key in rng.sample(sorted(request), rng.randrange(3)):
        del request[key]
    text = json.dumps(request).encode()
    choice = rng.randrange(12)
    if choice == 0:
        return text[:rng.randrange(len(text))]                  # cut short
    if choice == 1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
    if choice == 2:                                             # nested (too) deep
        depth = rng.choice([rng.randrange(500, 5000), rng.randrange(20000, 60000)])
        if rng.random() < 0.5:
            return b"[" * depth
        depth //= 4
        return (b'{"jsonrpc":"2.0","method":"evi:raise","id":1,"params":["E_FUZZ",'
                + b"[" * depth + b"]" * depth + b"]}")
    if choice == 3:
        return b"[" + b",".join([text] * rng.randrange(1, 4)) + b"]"     # a batch
    if choice == 4:
        return json.dumps(json_value(rng)).encode()             # not an object
    if choice == 5:
        cut = rng.randrange(len(text))
        return text[:cut] + bytes([rng.randrange(256)]) + text[cut + 1:]  # one byte flipped
    if choice == 6:
        return text + b" trailing"
    return text


def good_body(request_id: int) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "method": "core:pwd", "id": request_id}).encode()


def http_request(rng: random.Random, body: bytes) -> bytes:
    method = rng.choice([b"POST"] * 6 + [b"GET", b"PUT", b"DELETE", b"OPTIONS", b"P\x00ST", b""])
    path = rng.choice([b"/mi"] * 5 + [b"/mi/", b"/", b"//mi", b"/mi?x=1", b"/other", b"*",
                       b"/" + b"a" * rng.randrange(70000), b"/mi%00"])
    version = rng.choice([b"HTTP/1.1"] * 5 + [b"HTTP/1.0", b"HTTP/2.0", b"HTTP/9", b"", b"XYZ"])
    headers = [b"Host: 127.0.0.1"]
    chunked = rng.random() < 0.3
    if chunked:
        headers.append(rng.choice([b"Transfer-Encoding: chunked",
                                   b"Transfer-Encoding: gzip, chunked",
                                   b"Transfer-Encoding: chunked, gzip",
                                   b"transfer-encoding:   CHUNKED"]))
        body = chunk(rng, body)
    else:
        length = rng.choice([len(body)] * 4 + [len(body) + rng.randrange(1, 50),
                                               max(0, len(body) - 3), -1, "abc", "1e3",
                                               " %d" % len(body), 2**40, "0x10", ""])
        if rng.random() < 0.9:
            headers.append(b"Content-Length: " + str(length).encode())
        if rng.random() < 0.1:
            headers.append(b"Content-Length: 7")
    for _ in range(rng.randrange(3)):
        headers.append(rng.choice([b"X-Odd:", b"NoColon", b" folded continuation",
                                   b"Content-Type: text/plain", b"Expect: 100-continue",
                                   b"X-Long: " + b"v" * rng.randrange(70000),
                                   b"Connection: close", b"\xff\xfe: \x00"]))
    ending = rng.choice([b"\r\n", b"\r\n", b"\n"])
    head = method + b" " + path + (b" " + version if version else b"")
    return ending.join([head, *headers]) + ending + ending + body


def chunk(rng: random.Random, body: bytes) -> bytes:
    pieces, position = [], 0
    while position < len(body):
        size = rng.randrange(1, 64)
        piece = body[position:position + size]
        position += size
        label = rng.choice(["%x" % len(piece)] * 6 + ["%X;ext=1" % len(piece), "zz",
                                                      "%x" % (len(piece) + 5), "-1", ""])
        pieces.append(label.encode() + b"\r\n" + piece + b"\r\n")
    if rng.random() < 0.85:
        pieces.append(rng.choice([b"0\r\n\r\n", b"0\r\nTrailer: x\r\n\r\n", b"0\r\n"]))
    return b"".join(pieces)


def fifo_write(rng: random.Random, body: bytes) -> bytes:
    """What one client might write to the FIFO, at most PIPE_BUF bytes."""
    name = rng.choice([b"fuzzreply"] * 4 + [b"", b"nobody_reads", b"../x", b"a.b", b"a/b",
                                            b"a\\b"])
    choice = rng.randrange(8)
    if choice == 0:
        data = body                                             # no ":name:" at all
    elif choice == 1:
        data = b":" + name                                      # no second ':'
    elif choice == 2:
        data = b"\n \t:" + name + b":\n" + body + b"\n"
    elif choice == 3:
        data = b":" + name + b":" + body + b":" + name + b":" + body
    else:
        data = b":" + name + b":" + body
    return data[:4096]


# ---------------------------------------------------------------- the server

@dataclass
class FuzzServer:
    folder: Path
    udp: int
    http: int
    child: subprocess.Popen
    stderr: Path

    @classmethod
    def start(cls, folder: Path) -> FuzzServer:
        udp, http = free_udp_port(), free_port()
        script = folder / "fuzz.cfg"
        script.write_text(SCRIPT % {"udp": udp, "http": http, "folder": folder,
                                    "fifo": folder / "fifo"})
        stderr = folder / "stderr.log"
        server = cls(folder, udp, http, start_run(script, stderr), stderr)
        if not wait_until(lambda: "NOTICE:started" in stderr.read_text(), 20):
            server.stop()
            raise RuntimeError("cfgscript run did not start: " + stderr.read_text())
        return server

    def stop(self) -> str:
        """Stop the server; its stderr."""
        stop(self.child)
        return self.stderr.read_text(errors="replace")


@dataclass
class Tally:
    sent: int = 0
    answered: int = 0           # the bad request got an answer
    resent: int = 0             # FIFO: good requests sent again (see fuzz_fifo)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def hopeless(self, server: FuzzServer) -> bool:
        """Whether to stop: the server died, or enough problems to go on with."""
        if server.child.poll() is not None:
            self.problems.append("the server exited with status %d" % server.child.returncode)
            return True
        return len(self.problems) >= MAX_PROBLEMS


def is_jsonrpc(value) -> bool:
    return (isinstance(value, dict) and value.get("jsonrpc") == "2.0"
            and ("result" in value) != ("error" in value) and "id" in value)


# ---------------------------------------------------------------- transports

def fuzz_datagram(server: FuzzServer, count: int, seed: int) -> Tally:
    rng, tally, start = random.Random(seed), Tally(), time.monotonic()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(WAIT)
        target = ("127.0.0.1", server.udp)
        for index in range(count):
            if tally.hopeless(server):
                break
            bad = bad_body(rng)
            sock.sendto(bad[:65000], target)
            sock.sendto(good_body(index), target)
            tally.sent += 1
            while True:
                try:
                    answer = json.loads(sock.recv(65535))
                except (TimeoutError, ValueError) as err:
                    tally.problem("udp #%d %r: %r" % (index, bad[:80], err))
                    break
                if answer.get("id") == index and answer.get("result") is not None:
                    break
                tally.answered += 1
                if not is_jsonrpc(answer):
                    tally.problem("udp #%d: not JSON-RPC: %r" % (index, answer))
    tally.seconds = time.monotonic() - start
    return tally


def http_exchange(port: int, request: bytes, timeout: float) -> bytes:
    """Send a raw request, close our side, read whatever comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
        except OSError:             # the server may close early on a huge line
            pass
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk_ = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk_:
                break
            data += chunk_
        return data


def http_status(data: bytes) -> int:
    """The final status of an answer (after any 100 Continue), 0 if there is
    only that (the body never came), -1 if it is not HTTP."""
    while data.startswith(b"HTTP/1.1 100 "):
        data = data.partition(b"\r\n\r\n")[2]
    if not data:
        return 0
    if not data.startswith(b"HTTP/1."):
        return -1
    return int(data[9:12]) if data[9:12].isdigit() else -1


def fuzz_http(server: FuzzServer, count: int, seed: int) -> Tally:
    rng, tally, start = random.Random(seed), Tally(), time.monotonic()
    for index in range(count):
        if tally.hopeless(server):
            break
        request = http_request(rng, bad_body(rng))
        tally.sent += 1
        try:
            data = http_exchange(server.http, request, WAIT)
        except OSError as err:
            tally.problem("http #%d %r: %r" % (index, request[:80], err))
            continue
        status = http_status(data) if data else 0
        if status:
            tally.answered += 1
            if status not in HTTP_STATUSES:
                tally.problem("http #%d %r: answered %r" % (index, request[:80], data[:80]))
        body = good_body(index)
        good = (b"POST /mi HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
        answer = http_exchange(server.http, good, WAIT)
        if http_status(answer) != 200 or b'"id":%d' % index not in answer:
            tally.problem("http #%d: the good request got %r" % (index, answer[:120]))
    tally.seconds = time.monotonic() - start
    return tally


class ReplyReader:
    """A reply FIFO we keep open: the JSON values written to it, in order."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path, 0o600)
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.buffer = b""
        self.asked, self.resent = -1, 0     # the last good request asked; how often again

    def values(self) -> list:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            if not data:
                break
            self.buffer += data
        text, position, found = self.buffer.decode("utf-8", "replace"), 0, []
        decoder = json.JSONDecoder()
        while True:
            while position < len(text) and text[position].isspace():
                position += 1
            try:
                value, position = decoder.raw_decode(text, position)
            except ValueError:
                break
            found.append(value)
        self.buffer = text[position:].encode()
        return found

    def close(self) -> None:
        os.close(self.fd)


def fuzz_fifo(server: FuzzServer, count: int, seed: int) -> Tally:
    """Each bad write is read by the server before the good one goes (see
    wait_read); should both still reach it in one read, an incomplete bad
    request takes the good one with it, in OpenSIPS too. So the good request
    is sent again (counted in `resent`) until answered, at most three times."""
    rng, tally, start = random.Random(seed), Tally(), time.monotonic()
    bad_replies = ReplyReader(server.folder / "fuzzreply")
    good_replies = ReplyReader(server.folder / "goodreply")
    fifo = os.open(server.folder / "fifo", os.O_WRONLY)
    try:
        for index in range(count):
            if tally.hopeless(server):
                break
            data = fifo_write(rng, bad_body(rng))
            os.write(fifo, data)
            wait_read(fifo)
            tally.sent += 1
            if not any(good_fifo_answer(fifo, good_replies, index) for _ in range(3)):
                tally.problem("fifo #%d %r: the good request got no answer" % (index, data[:80]))
            for value in bad_replies.values():
                tally.answered += 1
                if not is_jsonrpc(value):
                    tally.problem("fifo #%d: not JSON-RPC: %r" % (index, value))
    finally:
        os.close(fifo)
        bad_replies.close()
        good_replies.close()
    tally.seconds = time.monotonic() - start
    tally.resent = good_replies.resent
    return tally


def wait_read(fifo: int, timeout: float = WAIT) -> None:
    """Until the server has read everything written to the FIFO, as it would
    when the next client comes a moment later."""
    waiting = array.array("i", [0])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fcntl.ioctl(fifo, termios.FIONREAD, waiting)
        if not waiting[0]:
            return
        time.sleep(0.0002)


def good_fifo_answer(fifo: int, replies: ReplyReader, index: int) -> bool:
    """Write the good request; whether its answer came within FIFO_WAIT."""
    replies.resent += replies.asked == index
    replies.asked = index
    os.write(fifo, b":goodreply:" + good_body(index))
    deadline = time.monotonic() + FIFO_WAIT
    while time.monotonic() < deadline:
        if any(isinstance(v, dict) and v.get("id") == index for v in replies.values()):
            return True
        time.sleep(0.0005)
    return False


FUZZERS = {"datagram": fuzz_datagram, "http": fuzz_http, "fifo": fuzz_fifo}
