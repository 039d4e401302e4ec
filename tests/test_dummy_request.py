"""The dummy request beyond the recorded conformance cases (tests/conformance/lang/f5_*,
f6_*): q values as text, and the changes of a run staying out of event routes it runs
nested (an MI evi:raise runs them inline)."""

from __future__ import annotations

import pytest
from scripting import load_engine, log_lines

from cfgscript.runtime.msgvars import q_text


@pytest.mark.parametrize("q, shown", [(-1, ""), (0, "0"), (1, "0.001"), (10, "0.01"),
                                      (500, "0.5"), (999, "0.999"), (1000, "1"), (2000, "1")])
def test_q_values_print_as_opensips_prints_them(q, shown):
    assert q_text(q) == shown


def test_an_event_route_run_inline_gets_a_request_of_its_own():
    engine = load_engine(
        'event_route[E_INNER] { xlog("@ inner $ru [$mf] $msg.branch.q\\n"); }\n'
        'event_route[E_OUTER] { $ru = "sip:outer@o.com"; setflag("F"); $ru_q = 5;\n'
        '    raise_event("E_INNER"); xlog("@ outer $ru [$mf] $msg.branch.q\\n"); }\n')
    try:
        engine.run_as_event_job(lambda: engine.events.raise_event(
            engine.events.get("E_OUTER"), ()))
        engine.drain()
    finally:
        engine.shutdown()
    marked = [line.split("@ ", 1)[1] for line in log_lines(engine) if "@ " in line]
    assert marked == ["inner sip:user@dummy.com [] ", "outer sip:outer@o.com [F] 0.005"]
