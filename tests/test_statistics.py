"""The statistics module and the MI statistics commands: $stat, update_stat(),
reset_stat(), statistics:get with names, groups and all, and the cfgscript group
that counts what the Event Interface raised."""

from __future__ import annotations

import json

from scripting import load_engine, log_lines

from cfgscript.mi.core import handle

SCRIPT = ('loadmodule "statistics.so"\n'
          'modparam("statistics", "variable", "calls")\n'
          'modparam("statistics", "variable", "peak/no_reset")\n'
          'event_route[E_COUNT] { xlog("count\\n"); }\n'
          'startup_route {\n'
          '    update_stat("calls", 3);\n'
          '    update_stat("peak", 7);\n'
          '    $var(c) = $stat(calls);\n'
          '    xlog("calls=$var(c)\\n");\n'
          '    raise_event("E_COUNT");\n'
          '}\n')


def mi(engine, method: str, params=None) -> dict:
    request = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        request["params"] = params
    return json.loads(handle(engine.mi, json.dumps(request).encode()))


def test_stat_counts_and_mi_reads_them() -> None:
    engine = load_engine(SCRIPT)
    try:
        engine.run_startup()
        engine.drain()
        assert log_lines(engine) == ["NOTICE:calls=3", "NOTICE:count"]
        answer = mi(engine, "statistics:get", {"statistics": ["calls", "peak"]})["result"]
        assert answer == {"script:calls": 3, "script:peak": 7}
        assert mi(engine, "get_statistics", {"statistics": ["script:"]})["result"] == answer
        assert mi(engine, "statistics:reset", {"statistics": ["calls", "peak"]})["result"] == "OK"
        after = mi(engine, "statistics:get", {"statistics": ["script:"]})["result"]
        assert after == {"script:calls": 0, "script:peak": 7}      # peak is no_reset
        everything = mi(engine, "statistics:get", {"statistics": ["all"]})["result"]
        assert everything["cfgscript:E_COUNT:raised"] == 1
        assert mi(engine, "statistics:get", {"statistics": ["nope"]})["error"]["code"] == 404
    finally:
        engine.shutdown()


def test_mi_selectors_are_bare_names_in_any_case() -> None:
    engine = load_engine(SCRIPT)
    try:
        assert mi(engine, "statistics:get", {"statistics": ["RCV_Requests"]})["result"] == \
            {"core:rcv_requests": 0}
        # OpenSIPS looks "group:name" up as a name: nothing has it
        assert mi(engine, "statistics:get", {"statistics": ["core:rcv_requests"]})["error"] == \
            {"code": 404, "message": "Statistics Not Found"}
        assert mi(engine, "statistics:get", {"statistics": ["load", "dns:"]})["result"] == \
            {"load:load": 0, "dns:dns_total_queries": 0, "dns:dns_slow_queries": 0}
    finally:
        engine.shutdown()
