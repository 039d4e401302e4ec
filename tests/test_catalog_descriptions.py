"""One-line descriptions from the OpenSIPS documentation: the shipped file, its API, and
the extractor that builds it (tools/catalog/descriptions.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cfgscript.catalog import (
    CORE,
    DEFAULT_RELEASE,
    catalog_path,
    describe_event,
    describe_function,
    describe_mi,
    describe_param,
    describe_pvar,
    descriptions_path,
    load_catalog,
)
from tools.catalog.descriptions import (
    coverage,
    first_sentence,
    item_names,
    paragraphs,
    plain,
    readme_items,
)
from tools.catalog.docs import sections

ROOT = Path(__file__).resolve().parents[1]


def test_each_kind_of_item_has_its_description() -> None:
    assert describe_function("dialog", "create_dialog") == (
        "The function creates the dialog for the currently processed request."
    )
    assert describe_function(CORE, "forward").startswith("Forward the SIP request")
    assert describe_param("tm", "fr_timeout")
    assert describe_param(CORE, "advertised_port").startswith("The port advertised")
    assert describe_pvar("dialog", "DLG_count").startswith("Returns the number of current")
    assert describe_pvar(CORE, "ru") == "reference to request's URI"
    assert describe_event("dialog", "E_DLG_STATE_CHANGED").startswith("This event is raised")
    assert describe_event(CORE, "E_CORE_LOG") == "Log message produced."
    assert describe_mi("dialog", "dialog:list").startswith("Lists the description of the dialogs")
    assert describe_mi("dialog", "list") == describe_mi("dialog", "dialog:list")
    assert describe_mi(CORE, "uptime") == describe_mi(CORE, "core:uptime") is not None


def test_what_is_not_documented_has_no_description() -> None:
    assert describe_function("dialog", "load_dlg") is None  # a C API binding
    assert describe_function("no_such_module", "x") is None
    assert describe_pvar(CORE, "no_such_variable") is None


def test_descriptions_are_one_plain_line() -> None:
    data = json.loads(Path(descriptions_path()).read_text(encoding="utf-8"))
    texts = [
        text
        for side in [data["core"], *data["modules"].values()]
        for table in side.values()
        for text in table.values()
    ]
    assert len(texts) > 2500
    for text in texts:
        assert text == " ".join(text.split()) and text
        assert "](" not in text and "**" not in text and "```" not in text


def test_the_file_is_for_the_newest_catalog_and_names_only_what_it_exports() -> None:
    data = json.loads(Path(descriptions_path()).read_text(encoding="utf-8"))
    catalog = load_catalog(DEFAULT_RELEASE)
    assert data["source_commit"] == catalog.source_commit
    for module, kinds in data["modules"].items():
        assert catalog.has_module(module)
        assert set(kinds.get("params", {})) <= set(catalog.module_params(module))


def test_loading_a_catalog_does_not_read_the_descriptions() -> None:
    probe = (
        "import cfgscript.catalog as c\n"
        "c.load_catalog('3.6'); c.load_catalog('4.1')\n"
        "assert c._descriptions.cache_info().currsize == 0\n"
        "assert c.describe_function('tm', 't_relay')\n"
        "assert c._descriptions.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True)


def test_older_releases_use_the_newest_text() -> None:
    # sl_send_reply() is in every release; its text comes from the one file
    for release in ("3.4", "4.0"):
        assert load_catalog(release).module_function("sl", "sl_send_reply") is not None
    assert describe_function("sl", "sl_send_reply")


def test_coverage_figure() -> None:
    catalog = json.loads(Path(catalog_path()).read_text(encoding="utf-8"))
    descriptions = json.loads(Path(descriptions_path()).read_text(encoding="utf-8"))
    figures = coverage(catalog, descriptions)
    for kind, (described, total) in figures.items():
        print(
            "descriptions: %-9s %4d of %4d (%.1f%%)"
            % (kind, described, total, 100 * described / total)
        )
    share = {kind: described / total for kind, (described, total) in figures.items()}
    # what is left undocumented is mostly the C API bindings modules export as functions
    assert share["functions"] > 0.85 and share["params"] > 0.85
    assert share["events"] > 0.95 and share["mi"] > 0.95 and share["pvars"] > 0.85


# ---------------------------------------------------------------- the extractor

README = """\
### Exported Parameters

#### hash_size (integer)

The size of the hash table, e.g. 4096. Must be a power of two.

### Exported Functions

#### do_thing([flags])

```opensips
do_thing();
```

Does the **thing** with [flags](#flags), i.e. everything.
- first flag

#### $tls_[peer|my]_version

`$tls_[peer|my]_version` - the version of the certificate.

### Exported MI Functions

#### mod:list

Replaces obsolete MI command: *mod_list*.

Lists all the things.
"""


def test_items_are_found_under_their_group_headings() -> None:
    found = [(kind, part.title) for kind, part in readme_items(sections(README))]
    assert found == [
        ("params", "hash_size (integer)"),
        ("functions", "do_thing([flags])"),
        ("functions", "$tls_[peer|my]_version"),
        ("mi", "mod:list"),
    ]


def test_first_sentence_of_the_first_prose_paragraph() -> None:
    parts = {part.title: part for part in sections(README)}
    body = parts["do_thing([flags])"].body
    assert first_sentence(plain(next(paragraphs(body)))) == (
        "Does the thing with flags, i.e. everything."
    )
    assert first_sentence("The size, e.g. 4096. Must be.") == "The size, e.g. 4096."
    assert first_sentence("No full stop") == "No full stop"


def test_item_names_expand_alternatives_and_drop_decorations() -> None:
    assert item_names("pvars", "$tls_[peer|my]_version") == ["tls_peer_version", "tls_my_version"]
    assert item_names("pvars", "Call-Id - $ci") == ["ci"]
    assert item_names("functions", "load_dialog_ctx( dialog [, id_type])") == ["load_dialog_ctx"]
    assert item_names("params", "hash_size (integer)") == ["hash_size"]


# ---------------------------------------------------------------- cfgscript rule NAME


def test_rule_command_describes_a_function_variable_event_or_mi_command(capsys) -> None:
    from cfgscript.cli import main

    assert main(["rule", "t_relay()"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("t_relay() — function of module tm\n")
    assert describe_function("tm", "t_relay") in out and "Allowed in: REQUEST" in out
    assert main(["rule", "$ru"]) == 0
    assert "reference to request's URI" in capsys.readouterr().out
    assert main(["rule", "E_DLG_STATE_CHANGED"]) == 0
    assert "Parameters: id, db_id, callid" in capsys.readouterr().out
    assert main(["rule", "dlg_list"]) == 0
    assert capsys.readouterr().out.startswith("dialog:list — MI command of module dialog\n")


def test_rule_command_refuses_an_unknown_name(capsys) -> None:
    from cfgscript.cli import main

    assert main(["rule", "no_such_thing"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "cfgscript rule: error: no rule, function, variable, event or MI command no_such_thing\n"
    )


def test_headings_naming_several_parameters_or_functions() -> None:
    assert item_names("params", "sp1_uri, sp2_uri, ..., sp16_uri") == ["sp*_uri"]
    assert item_names("params", "app[index]_call_state_column(string)") == [
        "app*_call_state_column"
    ]
    assert item_names("params", "private_key, ca_certificates") == [
        "private_key",
        "ca_certificates",
    ]
    assert item_names("functions", "uac_restore_from() uac_restore_to()") == [
        "uac_restore_from",
        "uac_restore_to",
    ]
    assert describe_param("osp", "sp3_uri") and describe_param("b2b_sca", "app2_call_state_column")
    assert describe_function("uac", "uac_restore_to")
