"""`cfgscript lsp` on the ~22k-line synthetic configuration (gen_config.py medium),
through its stdio protocol as an editor uses it:

    python tests/perf/bench_lsp.py [--runs N]

  * opening the file (the first, full analysis) until its diagnostics arrive;
  * a one-line change (a statement edited in place, a line added near the top,
    a syntax error typed and removed): from didChange sent to the diagnostics
    received (target <= 300 ms);
  * completion inside a route and after `$` (target <= 50 ms).

Prints the best and median times of each.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_config import SHAPES, generate  # noqa: E402


class Connection:
    """A bare JSON-RPC client over a server's standard input and output."""

    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(HERE.parents[1]))
        self.process = subprocess.Popen([sys.executable, "-m", "cfgscript", "lsp"], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0

    def send(self, method: str, params, request: bool = False) -> int:
        message = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()
        return self.next_id

    def receive(self) -> dict:
        length = 0
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the server exited")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.process.stdout.read(length))

    def request(self, method: str, params) -> dict:
        wanted = self.send(method, params, request=True)
        while True:
            message = self.receive()
            if message.get("id") == wanted and "method" not in message:
                return message

    def diagnostics(self, uri: str, version: int) -> list:
        while True:
            message = self.receive()
            params = message.get("params") or {}
            if (message.get("method") == "textDocument/publishDiagnostics"
                    and params.get("uri") == uri and params.get("version") == version):
                return params["diagnostics"]

    def close(self) -> None:
        self.request("shutdown", None)
        self.send("exit", None)
        self.process.wait(timeout=30)


def change(line: int, start: int, end: int, text: str) -> dict:
    return {"range": {"start": {"line": line, "character": start},
                      "end": {"line": line, "character": end}}, "text": text}


def report(name: str, times: list[float], target: float) -> None:
    best, median = min(times) * 1000, statistics.median(times) * 1000
    verdict = "ok" if median <= target * 1000 else "OVER TARGET"
    print("%-38s best %7.1f ms  median %7.1f ms  (target %d ms: %s)"
          % (name, best, median, target * 1000, verdict))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "medium.cfg"
        text = generate(SHAPES["medium"])
        path.write_text(text)
        lines = text.split("\n")
        uri = path.as_uri()
        server = Connection()
        server.request("initialize", {"processId": os.getpid(), "rootUri": Path(tmp).as_uri(),
                                      "capabilities": {}})
        server.send("initialized", {})
        started = time.perf_counter()
        server.send("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "opensips", "version": 1, "text": text}})
        found = server.diagnostics(uri, 1)
        print("open, first full analysis: %.0f ms (%d diagnostics, %d lines)"
              % ((time.perf_counter() - started) * 1000, len(found), len(lines)))
        version = 1
        target = next(n for n, line in enumerate(lines) if "xlog(" in line and n > len(lines) // 2)
        indent = len(lines[target]) - len(lines[target].lstrip())
        edits = {
            "one line edited (middle of the file)": lambda i: [
                change(target, indent, indent, "$var(bench%d) = %d; " % (i, i))],
            "one line added near the top": lambda i: [change(30, 0, 0, "    $var(top) = 1;\n")],
            "a syntax error typed, then removed": lambda i: [
                change(target, indent, indent, "xlog(")] if i % 2 == 0 else [
                change(target, indent, indent + 5, "")],
        }
        for name, edit in edits.items():
            times = []
            for i in range(runs):
                version += 1
                started = time.perf_counter()
                server.send("textDocument/didChange", {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": edit(i)})
                server.diagnostics(uri, version)
                times.append(time.perf_counter() - started)
            report(name, times, 0.3)
        for name, column_text in (("completion of functions in a route", ""),
                                  ("completion after $", "$")):
            version += 1
            server.send("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [change(target, 0, 0, " " * indent + column_text + "\n")]})
            server.diagnostics(uri, version)
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                answer = server.request("textDocument/completion", {
                    "textDocument": {"uri": uri},
                    "position": {"line": target, "character": indent + len(column_text)}})
                times.append(time.perf_counter() - started)
                assert answer.get("result"), answer
            report(name, times, 0.05)
        server.close()


if __name__ == "__main__":
    main()
