"""Fuzzing the parser with hypothesis.

Inputs are the conformance scripts and generated valid scripts, mutated at the
token level (tokens deleted, duplicated, swapped; quotes, braces, '$', comment
marks, include lines or random bytes inserted; the text truncated), plus plain
random text. The property: parse_text() raises nothing but DiagnosticError
(an include problem, as documented), and every diagnostic names a file, a line
and a column >= 1 and renders. Unmutated generated scripts parse cleanly.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.script_fuzz import (
    CORPUS,
    FRAGMENTS,
    ScriptGenerator,
    include_files,
    mutate,
    random_mutations,
)

from cfgscript.diagnostics import DiagnosticError, render
from cfgscript.syntax import ast
from cfgscript.syntax.parser import parse_text

FUZZ_SETTINGS = settings(max_examples=5000, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- the property


@pytest.fixture(scope="module", autouse=True)
def sandbox(tmp_path_factory):
    """Run in a directory of its own, with a few files for include lines to find."""
    root = tmp_path_factory.mktemp("fuzz")
    include_files(str(root))
    previous = os.getcwd()
    os.chdir(root)
    yield root
    os.chdir(previous)


def check(text: str) -> list:
    """Parse; check the documented contract; return the diagnostics."""
    try:
        result = parse_text(text, "fuzz.cfg")
    except DiagnosticError as err:
        diagnostics, lookup = err.diagnostics, None
        assert diagnostics
    else:
        diagnostics, lookup = result.diagnostics, result.source.line_text
        for node in ast.walk(result.script):
            assert node.file and node.line >= 1 and node.col >= 1, node
    for diag in diagnostics:
        assert diag.file, diag
        assert diag.line >= 1 and diag.col >= 1, diag
        assert diag.headline() in render(diag, lookup)
    return diagnostics


# ---------------------------------------------------------------- mutations

position = st.integers(min_value=0, max_value=1 << 16)
mutation = st.one_of(
    st.tuples(st.just("delete"), position),
    st.tuples(st.just("duplicate"), position),
    st.tuples(st.just("swap"), position, position),
    st.tuples(st.just("insert"), position, st.sampled_from(FRAGMENTS)),
    st.tuples(st.just("insert"), position, st.text(max_size=4)),
    st.tuples(st.just("insert"), position,
              st.binary(max_size=4).map(lambda b: b.decode("utf-8", "surrogateescape"))),
    st.tuples(st.just("truncate"), position),
)
mutations = st.lists(mutation, min_size=1, max_size=6)


randoms = st.randoms(use_true_random=False)
SCRIPTS = randoms.map(lambda rnd: ScriptGenerator(rnd).script())
MUTATED_SCRIPTS = randoms.map(lambda rnd: mutate(ScriptGenerator(rnd).script(),
                                                 random_mutations(rnd)))
RANDOM_TEXT = st.text(alphabet=st.sampled_from(list('route{}()[];,$"\'#/*\\\n =!&|<>~+-0189x.:_')),
                      max_size=200)


# ---------------------------------------------------------------- the tests

@FUZZ_SETTINGS
@given(base=st.sampled_from(CORPUS), ops=mutations)
def test_mutated_conformance_scripts(base, ops):
    check(mutate(base, ops))


@FUZZ_SETTINGS
@given(st.one_of(
    SCRIPTS.map(lambda text: (text, True)),
    MUTATED_SCRIPTS.map(lambda text: (text, False)),
    RANDOM_TEXT.map(lambda text: (text, False)),
))
def test_generated_and_random_scripts(case):
    text, valid = case
    diagnostics = check(text)
    if valid:
        assert diagnostics == [], (text, [d.headline() for d in diagnostics])
