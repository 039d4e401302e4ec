"""Malformed MI requests (tests/support/mi_fuzz.py: a seeded generator) over
mi_datagram, mi_http and mi_fifo: each is answered or ignored, the next good
request is always answered, and the server never prints a traceback. The
10,000-per-transport run is tests/perf/fuzz_mi.py."""

from __future__ import annotations

import pytest
from support.mi_fuzz import FUZZERS, FuzzServer

COUNT = 3000
SEED = 20261202


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = FuzzServer.start(tmp_path_factory.mktemp("fuzz"))
    yield server
    stderr = server.stop()
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr[-3000:]


@pytest.mark.parametrize("transport", sorted(FUZZERS))
def test_malformed_requests_never_break_the_server(server: FuzzServer, transport: str) -> None:
    tally = FUZZERS[transport](server, COUNT, SEED)
    assert tally.problems == []
    assert tally.sent == COUNT and 0 < tally.answered <= COUNT
    assert tally.resent <= COUNT // 100
    assert "Traceback" not in server.stderr.read_text(errors="replace")
