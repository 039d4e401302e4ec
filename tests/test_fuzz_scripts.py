"""Fuzzed scripts through the parser, check, lint and `run --once` (in-process,
stopped after RUN_BOUND seconds): hand-written and grammar-derived scripts,
token and byte mutations of those and of the conformance scripts
(tests/support/fuzz_targets.py says what counts as a crash: an undocumented
exception, a diagnostic without a position, a traceback or an internal error
in the log). The 100,000-input runs are tests/perf/fuzz_targets.py."""

from __future__ import annotations

import subprocess
import sys

import pytest
from scripting import load_engine, log_lines
from support.fuzz_targets import fuzz_examples, private_addresses, sandboxed_targets

EXAMPLES = 2000

fuzz_targets = pytest.fixture(scope="module")(sandboxed_targets)


@pytest.mark.parametrize("name", ["parse", "check", "lint", "run"])
def test_fuzzed_scripts(fuzz_targets, name: str) -> None:
    fuzz_examples(fuzz_targets[name], EXAMPLES)


def test_fuzzed_runs_never_reach_the_conformance_receivers() -> None:
    text = ('subscribe_event("E", "udp:127.0.0.1:42106"); "unix:/tmp/cfgscript-conformance/a.sock"'
            ' "tcp:[::1]:42141" "xmlrpc:localhost:42125:m"')
    assert private_addresses(text) == ('subscribe_event("E", "udp:127.0.0.1:9"); "unix:a.sock"'
                                       ' "tcp:[::1]:9" "xmlrpc:localhost:9:m"')


# found by the run target: a shvset/varset int that is no number ended in a
# ValueError out of the module's start-up; it is logged and left out
def test_a_shared_variable_int_that_is_no_number(fuzz_targets) -> None:
    script = ('loadmodule "cfgutils.so"\n'
              'modparam("cfgutils", "shvset", "neg=i:-3""neg=i:-3")\n'
              'modparam("cfgutils", "varset", "v=i:x1")\n'
              'modparam("cfgutils", "shvset", "ok=i:-3")\n'
              'startup_route {\n    xlog("L_NOTICE", "$shv(neg) $shv(ok) $var(v)\\n");\n}\n')
    assert fuzz_targets["run"].feed(script) is None
    engine = load_engine(script)
    engine.run_startup()
    assert log_lines(engine) == [
        "ERROR:cfgutils:param_set_xvar: unable to set shv parameter [neg=i:-3neg=i:-3]",
        "ERROR:cfgutils:param_set_xvar: unable to set var parameter [v=i:x1]",
        "NOTICE:0 -3 <null>"]


def test_an_httpd_ip_that_cannot_be_encoded(fuzz_targets, tmp_path) -> None:
    script = tmp_path / "h.cfg"
    script.write_bytes(b'loadmodule "httpd.so"\nloadmodule "mi_http.so"\n'
                       b'modparam("httpd", "ip", "\xff")\nstartup_route { exit; }\n')
    ran = subprocess.run([sys.executable, "-m", "cfgscript", "run", "--once", str(script)],
                         capture_output=True, text=True, timeout=60)
    assert ran.returncode == 1
    assert ran.stderr.splitlines()[0] == (
        "%s:2:1: error: module mi_http cannot start: cannot bind http://\\udcff:8888/mi: "
        "encoding of hostname failed" % script)
