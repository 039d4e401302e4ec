"""Build the whole catalog of one OpenSIPS source version, and write it.

    python -m tools.catalog SOURCE [--commit REV] [-o OUT.json]

SOURCE is a checkout or a git directory (then REV, default HEAD, names the
commit). The output is compact JSON, the format of cfgscript/data/catalog.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

from . import core_exports as ce
from . import core_grammar as cg
from .docs import Docs
from .grammar import Grammar, Lexicon
from .module_catalog import core_macros, module_catalog, module_dirs
from .modules import ROUTE_TYPE_NAMES, event_names
from .tree import SourceTree

NOTES = os.path.join(os.path.dirname(__file__), "notes.json")


def opensips_version(tree: SourceTree) -> str:
    """MAJOR.MINOR.SUBMINOR[-BUILD] from Makefile.defs."""
    fields = dict(re.findall(r'^(VERSION_\w+)[ \t]*=[ \t]*(\S*)', tree.read("Makefile.defs"), re.M))
    version = ".".join(fields.get(k, "0") for k in ("VERSION_MAJOR", "VERSION_MINOR",
                                                    "VERSION_SUBMINOR"))
    build = fields.get("VERSION_BUILD", "")
    return version + ("-" + build if build else "")


def build_core(tree: SourceTree, docs: Docs, macros: dict[str, str], known: set[str]) -> dict:
    src = ce.core_source(tree, macros, known)
    cfg_y = tree.read("cfg.y")
    lexicon, grammar = Lexicon.parse(tree.read("cfg.lex")), Grammar.parse(cfg_y)
    forms = cg.statements(lexicon, grammar)
    detail = cg.globals_detail(lexicon, grammar, cfg_y)
    pvars = ce.core_pvars(src)
    classes, transformations = ce.core_transformations(src)
    return {
        "functions": ce.core_functions(src),
        "statements": sorted(forms),
        "statement_forms": forms,
        "route_blocks": cg.route_blocks(lexicon, grammar),
        "globals": cg.flat_globals(detail),
        "globals_detail": detail,
        "module_statements": cg.module_statements(lexicon, grammar),
        "literals": cg.literals(lexicon),
        "operators": cg.operators(lexicon),
        "preprocessor_directives": ce.preprocessor_directives(tree),
        "statement_requires_module": ce.statements_requiring_modules(tree, module_dirs(tree)),
        "pvars": list(pvars),
        "pvar_details": pvars,
        "transformation_classes": classes,
        "transformations": transformations,
        "events": docs.core_events(event_names(src)),
        "mi": ce.core_mi(src),
        "event_transports": ce.core_transports(src),
    }


def build_catalog(tree: SourceTree) -> dict:
    """The full catalog of one source version."""
    macros, known = core_macros(tree)
    docs = Docs(tree)
    with open(NOTES, encoding="utf-8") as f:
        notes = json.load(f)
    return {
        "opensips_version": opensips_version(tree),
        "source_commit": tree.commit_id,
        "route_types": {name: 1 << i for i, name in enumerate(ROUTE_TYPE_NAMES)},
        "route_types_all_mask": (1 << len(ROUTE_TYPE_NAMES)) - 1,
        "notes": notes,
        "core": build_core(tree, docs, macros, known),
        "modules": module_catalog(tree, docs),
    }


def dump_catalog(catalog: dict) -> str:
    """The catalog as the package ships it: compact JSON, no trailing newline."""
    return json.dumps(catalog, separators=(",", ":"), ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.catalog",
                                     description="Build the catalog of an OpenSIPS source tree.")
    parser.add_argument("source", help="an OpenSIPS checkout or git directory")
    parser.add_argument("--commit", help="branch, tag or commit (git directory)")
    parser.add_argument("-o", "--output", help="output file (default: standard output)")
    args = parser.parse_args(argv)
    tree = SourceTree.open(args.source, args.commit)
    if not tree.exists("cfg.y"):
        print("%s: not an OpenSIPS source tree (no cfg.y)" % args.source, file=sys.stderr)
        return 2
    text = dump_catalog(build_catalog(tree))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0
