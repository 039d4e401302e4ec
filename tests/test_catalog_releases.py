"""The shipped catalogs of OpenSIPS 3.4 to 4.1 and the table of release differences.

Each release is checked for facts that hold there and not in another release (both
directions), the release table against the catalogs, the cold load time, and, when
OPENSIPS_SRC names an OpenSIPS git directory or checkout, that the generator
(tools/catalog) rebuilds the shipped files byte for byte from the recorded commits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cfgscript.catalog import DEFAULT_RELEASE, RELEASES, apply_delta, catalog_path, load_catalog
from cfgscript.releases import (
    FACTS,
    FUNCTION,
    GLOBAL,
    MODPARAM,
    MODULE,
    SUCCESSORS,
    Successor,
    release_value,
    successor,
)

ROOT = Path(__file__).resolve().parent.parent
OLDER = [r for r in RELEASES if r != DEFAULT_RELEASE]


def releases_where(predicate) -> list[str]:
    return [r for r in RELEASES if predicate(load_catalog(r))]


# ---------------------------------------------------------------- loading

def test_default_is_the_newest_release() -> None:
    assert load_catalog() is load_catalog(DEFAULT_RELEASE)
    assert load_catalog().release == DEFAULT_RELEASE == "4.1"


@pytest.mark.parametrize("release", RELEASES)
def test_each_release_loads_with_its_own_version(release: str) -> None:
    catalog = load_catalog(release)
    assert catalog.release == release
    assert catalog.has_module("tm") and catalog.function("t_relay", {"tm"}) is not None


def test_unknown_release_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown OpenSIPS release"):
        load_catalog("2.4")


def test_delta_application_leaves_the_base_alone() -> None:
    base = {"a": {"x": 1, "y": [1]}, "b": 2}
    delta = {"-": ["b"], "~": {"a": {"+": {"y": [2], "z": None}}}, "+": {"c": 3}, "^": ["c", "a"]}
    assert apply_delta(base, delta) == {"c": 3, "a": {"x": 1, "y": [2], "z": None}}
    assert list(apply_delta(base, delta)) == ["c", "a"]
    assert base == {"a": {"x": 1, "y": [1]}, "b": 2}


def test_older_releases_ship_as_small_deltas() -> None:
    whole = os.path.getsize(catalog_path())
    for release in OLDER:
        delta = json.loads(Path(catalog_path(release)).read_text(encoding="utf-8"))
        assert set(delta) <= {"-", "~", "+", "^"}
        assert os.path.getsize(catalog_path(release)) < whole / 2


def test_cold_load_of_every_release_is_fast() -> None:
    """A fresh process loads any release quickly (the target of 20 ms is measured by
    tests/perf/bench_catalog.py; this bound only catches gross regressions)."""
    child = ("import sys, time\nfrom cfgscript.catalog import load_catalog\n"
             "for r in sys.argv[1:]:\n"
             "    t = time.perf_counter(); load_catalog(r); print((time.perf_counter() - t) * 1e3)")
    for release in RELEASES:
        out = subprocess.run([sys.executable, "-c", child, release], cwd=ROOT, check=True,
                             capture_output=True, text=True, timeout=60).stdout
        assert float(out) < 150, (release, out)


# ---------------------------------------------------------------- facts per release

@pytest.mark.parametrize("name, releases", [
    ("log_stderror", ["3.4", "3.5", "3.6"]),
    ("log_facility", ["3.4", "3.5", "3.6"]),
    ("log_name", ["3.4", "3.5", "3.6"]),
    ("listen", ["3.4", "3.5", "3.6"]),
    ("tcp_parallel_read_on_workers", ["3.4", "3.5", "3.6"]),
    ("tcp_threads", ["4.0", "4.1"]),
    ("pi_framework", ["4.1"]),
    ("worker_reactor_timeout", ["4.1"]),
    ("socket", RELEASES),
    ("stderror_enabled", RELEASES),
])
def test_global_exists_exactly_in(name: str, releases: list[str]) -> None:
    assert releases_where(lambda c: c.global_type(name) is not None) == list(releases)


@pytest.mark.parametrize("module, releases", [
    ("avpops", ["3.4"]),
    ("sqlops", ["3.5", "3.6", "4.0", "4.1"]),
    ("http2d", ["3.5", "3.6", "4.0", "4.1"]),
    ("event_route", ["3.4", "3.5"]),
    ("rabbitmq", ["3.4", "3.5"]),
    ("janus", ["3.6", "4.0", "4.1"]),
    ("mi_xmlrpc_ng", ["3.4", "3.5", "3.6"]),
    ("mi_xmlrpc", ["4.0", "4.1"]),
    ("auth_web3", ["4.0", "4.1"]),
    ("uri", []),           # merged away before 3.4: no release here has it
    ("tm", RELEASES),
])
def test_module_exists_exactly_in(module: str, releases: list[str]) -> None:
    assert releases_where(lambda c: c.has_module(module)) == list(releases)


def test_route_transport_moved_into_the_core_in_3_6() -> None:
    owners = {r: load_catalog(r).transports.get("route") for r in RELEASES}
    assert owners == {"3.4": "event_route", "3.5": "event_route", "3.6": "core",
                      "4.0": "core", "4.1": "core"}


def test_return_with_values_is_a_3_6_statement_form() -> None:
    forms = {r: load_catalog(r).statement_forms("return") for r in RELEASES}
    with_values = "( script_var , return_params )"
    assert [r for r in RELEASES if with_values in forms[r]] == ["3.6", "4.0", "4.1"]


def test_avpops_functions_only_in_3_4() -> None:
    assert releases_where(lambda c: c.function("avp_db_query", {"avpops"}) is not None) == ["3.4"]
    assert releases_where(lambda c: c.function("sql_query", {"sqlops"}) is not None) == [
        "3.5", "3.6", "4.0", "4.1"]


# ---------------------------------------------------------------- the release table

def test_every_fact_has_a_value_for_every_release_and_a_source() -> None:
    assert len({fact.key for fact in FACTS}) == len(FACTS)
    for fact in FACTS:
        assert set(fact.values) == set(RELEASES), fact.key
        assert fact.source and fact.summary, fact.key


def test_deprecated_globals_exist_exactly_where_the_table_says() -> None:
    for release in RELEASES:
        catalog = load_catalog(release)
        for old, new in release_value("global.deprecated", release).items():
            assert catalog.global_type(old) is not None, (release, old)
            assert all(catalog.global_type(name) is not None for name in new), (release, old)


def test_log_stderror_names_its_replacement_where_it_is_gone() -> None:
    assert release_value("global.deprecated", "3.6")["log_stderror"] == (
        "stderror_enabled", "syslog_enabled")
    assert "log_stderror" not in release_value("global.deprecated", "4.0")
    assert load_catalog("4.0").global_type("log_stderror") is None
    assert successor(GLOBAL, "log_stderror").use == ("stderror_enabled", "syslog_enabled")


def _exists(catalog, entry: Successor, name: str) -> bool:
    if entry.kind == GLOBAL:
        return catalog.global_type(name) is not None
    if entry.kind == MODULE:
        return name == "core" or catalog.has_module(name)
    if entry.kind == MODPARAM:
        return name in catalog.module_params(entry.module) or catalog.global_type(name) is not None
    return bool(catalog.functions_named(name))


@pytest.mark.parametrize("entry", SUCCESSORS, ids=lambda e: e.name)
def test_successors_are_gone_where_the_table_says_and_their_replacements_live(
        entry: Successor) -> None:
    first_gone = RELEASES.index(entry.gone_in) if entry.gone_in in RELEASES else 0
    for release in RELEASES[first_gone:]:
        assert not _exists(load_catalog(release), entry, entry.name), (release, entry.name)
    if first_gone:
        assert _exists(load_catalog(RELEASES[first_gone - 1]), entry, entry.name), entry.name
    assert all(_exists(load_catalog(), entry, name) for name in entry.use), entry.name
    assert entry.use or entry.note, entry.name


def test_renames_keep_the_signature() -> None:
    for entry in SUCCESSORS:
        if entry.renamed and entry.kind == FUNCTION and entry.gone_in in RELEASES:
            before = load_catalog(RELEASES[RELEASES.index(entry.gone_in) - 1])
            old, = before.functions_named(entry.name)
            new, = load_catalog(entry.gone_in).functions_named(entry.use[0])
            assert (old.params, old.route_mask) == (new.params, new.route_mask), entry.name


def test_forms_the_table_dates_agree_with_the_grammar() -> None:
    for release in RELEASES:
        catalog = load_catalog(release)
        assert ("( script_var , return_params )" in catalog.statement_forms("return")) == (
            release_value("statement.return_values", release))
        assert ("( exp )" in catalog.statement_forms("assert")) == release_value(
            "statement.assert_without_message", release)


# ---------------------------------------------------------------- regeneration

@pytest.mark.skipif(not os.environ.get("OPENSIPS_SRC"),
                    reason="OPENSIPS_SRC does not name an OpenSIPS git directory or checkout")
def test_generator_rebuilds_the_shipped_files_byte_for_byte() -> None:
    from tools.catalog.delta import shipped_files

    revisions = {release: load_catalog(release).source_commit for release in RELEASES}
    files = shipped_files(os.environ["OPENSIPS_SRC"], revisions)
    assert "descriptions.json" in files
    data_dir = Path(catalog_path()).parent
    for name, text in files.items():
        assert (data_dir / name).read_text(encoding="utf-8") == text, name
