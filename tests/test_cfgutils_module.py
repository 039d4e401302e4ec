"""cfgutils where the conformance cases cannot go: what OpenSIPS would hang or
crash on (a lock taken twice, set_count() over a variable with no indexes,
strings_share_lock()), the config file hash over MI with a real file, and
time recurrences at the hours a time zone changes."""

from __future__ import annotations

import calendar
import hashlib
import json
import subprocess
import sys
from pathlib import Path

from scripting import load_engine, run_startup, values

from cfgscript.mi.core import handle
from cfgscript.modules.cfgutils_time_expression import check_time_rec
from cfgscript.modules.hashing import core_hash

HEAD = 'loadmodule "cfgutils.so"\n'


def test_a_lock_taken_twice_is_an_error_not_a_hang() -> None:
    lines = run_startup('get_static_lock("a"); xlog("@ first $rc\\n");'
                        'get_static_lock("a"); xlog("@ again $rc\\n");'
                        'release_static_lock("a"); get_static_lock("a"); xlog("@ after $rc\\n");',
                        head=HEAD)
    assert [line for line in lines if "@" in line] == [
        "NOTICE:@ first 1", "NOTICE:@ again -1", "NOTICE:@ after 1"]
    assert ("ERROR:cfgutils:get_static_lock: static lock 'a' is already held by this "
            "process: OpenSIPS would wait for it forever") in lines


def _sharing_pair(size: int) -> tuple[str, str]:
    seen: dict[int, str] = {}
    for number in range(10_000):
        key = "key%d" % number
        bucket = core_hash(key, size)
        if bucket in seen:
            return seen[bucket], key
        seen[bucket] = key
    raise AssertionError("no two keys share a lock")


def test_two_keys_on_one_dynamic_lock_deadlock_as_in_opensips() -> None:
    first, second = _sharing_pair(32)
    lines = run_startup('get_dynamic_lock("%s"); get_dynamic_lock("%s"); xlog("@ rc=$rc\\n");'
                        % (first, second), head=HEAD)
    assert "NOTICE:@ rc=-1" in lines
    assert any("taken for '%s', same pool entry" % first in line for line in lines)


def test_core_hash_spreads_keys_over_a_power_of_two() -> None:
    assert {core_hash("k%d" % n, 8) for n in range(200)} == set(range(8))
    assert core_hash("\xe9t\xe9", 0) != core_hash("ete", 0)     # bytes as signed chars


def test_set_count_over_a_variable_with_no_indexes_is_refused() -> None:
    lines = run_startup('$var(v) = 3; set_count($var(v), $var(n)); xlog("@ rc=$rc\\n");'
                        'set_count($var(unset), $var(n)); xlog("@ unset rc=$rc n=$var(n)\\n");',
                        head=HEAD)
    assert "NOTICE:@ rc=-1" in lines
    assert "NOTICE:@ unset rc=1 n=0" in lines
    assert ("ERROR:cfgutils:pv_set_count: $var has no indexes: OpenSIPS would count it "
            "forever") in lines


def test_strings_share_lock_says_why_it_cannot_run() -> None:
    lines = run_startup('strings_share_lock("a"); xlog("@ rc=$rc\\n");', head=HEAD)
    assert "NOTICE:@ rc=-1" in lines
    assert any("declares one parameter" in line for line in lines)


def _mi(engine, method: str) -> dict:
    request = {"jsonrpc": "2.0", "method": method, "id": 1}
    return json.loads(handle(engine.mi, json.dumps(request).encode()))


def test_config_hash_follows_the_file(tmp_path: Path) -> None:
    watched = tmp_path / "watched.cfg"
    watched.write_text("first\n")
    engine = load_engine(HEAD + 'modparam("cfgutils", "hash_file", "%s")\n'
                         'startup_route { exit; }\n' % watched)
    engine.run_startup()
    try:
        stored = _mi(engine, "get_config_hash")["result"]
        assert stored == hashlib.md5(b"first\n").hexdigest()
        assert _mi(engine, "check_config_hash")["result"] == (
            "The actual config file hash is identical to the stored one.")
        watched.write_text("second\n")
        assert _mi(engine, "check_config_hash")["error"] == {
            "code": 400, "message": "The actual config file hash is not identical to the "
                                    "stored one."}
        assert _mi(engine, "get_config_hash")["result"] == stored
        watched.unlink()
        assert _mi(engine, "check_config_hash")["error"]["code"] == 500
    finally:
        engine.shutdown()


def test_mi_shv_get_lists_every_shared_variable() -> None:
    engine = load_engine(HEAD + 'modparam("cfgutils", "shvset", "a=i:1")\n'
                         'startup_route { $shv(b) = "two"; }\n')
    engine.run_startup()
    try:
        assert _mi(engine, "shv_get")["result"] == [[
            {"name": "a", "type": "integer", "value": 1},
            {"name": "b", "type": "string", "value": "two"}]]
    finally:
        engine.shutdown()


def _at(*fields: int) -> int:
    return calendar.timegm(fields + (0,) * (6 - len(fields)))


def test_time_recurrence_in_a_zone_across_its_summer_time_change() -> None:
    daily = "Europe/Bucharest|20240101T090000|20240101T100000||daily"
    assert check_time_rec(daily, _at(2024, 3, 30, 7, 30))[0] == 1      # 09:30 EET
    assert check_time_rec(daily, _at(2024, 3, 31, 6, 30))[0] == 1      # 09:30 EEST
    assert check_time_rec(daily, _at(2024, 3, 31, 7, 30))[0] == -1     # 10:30 EEST


def test_time_recurrence_errors_are_the_lines_opensips_logs() -> None:
    result, errors = check_time_rec("20240101T000000|20240101T010000 & / x", 0)
    assert result == -2
    assert errors == [
        ("_tmrec_expr_check_str", "failed to parse time rec (unexpected '/')"),
        ("_tmrec_expr_check_str", "input given: '20240101T000000|20240101T010000 & / x'")]


def test_check_time_rec_without_a_time_uses_now() -> None:
    assert values('check_time_rec("20200101T000000"); xlog("@ $rc\\n");', head=HEAD) == ["1"]


def test_naming_a_shared_variable_creates_it_as_opensips_does() -> None:
    engine = load_engine(HEAD + 'startup_route { xlog("$shv(seen)\\n"); }\n')
    engine.run_startup()
    try:
        assert _mi(engine, "shv_get")["result"] == [[
            {"name": "seen", "type": "integer", "value": 0}]]
    finally:
        engine.shutdown()


def test_an_unknown_ctime_field_stops_the_start(tmp_path: Path) -> None:
    script = tmp_path / "ctime.cfg"
    script.write_text(HEAD + 'startup_route {\n    xlog("$ctime(bogus)\\n");\n}\n')
    result = subprocess.run([sys.executable, "-m", "cfgscript", "run", "--once", str(script)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].endswith("error: unknown PV time name bogus")
