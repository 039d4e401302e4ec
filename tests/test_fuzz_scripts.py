"""Fuzzed scripts through the parser, check, lint and `run --once` (in-process,
stopped after RUN_BOUND seconds): hand-written and grammar-derived scripts,
token and byte mutations of those and of the conformance scripts
(tests/support/fuzz_targets.py says what counts as a crash: an undocumented
exception, a diagnostic without a position, a traceback or an internal error
in the log). The 100,000-input runs are tests/perf/fuzz_targets.py."""

from __future__ import annotations

import pytest
from support.fuzz_targets import fuzz_examples, sandboxed_targets

EXAMPLES = 2000

fuzz_targets = pytest.fixture(scope="module")(sandboxed_targets)


@pytest.mark.parametrize("name", ["parse", "check", "lint", "run"])
def test_fuzzed_scripts(fuzz_targets, name: str) -> None:
    fuzz_examples(fuzz_targets[name], EXAMPLES)
