"""The shipped catalog files: the newest release whole, every older one as a delta against it.

    python -m tools.catalog.delta SRC [--rev 3.4=REV ...] [--out DIR] [--check]

SRC is an OpenSIPS git directory (or a checkout with .git). Each release is read at its
revision (default: the release branch, master for the newest), and the files
cfgscript/data/catalog.json and catalog-<release>.json are written, with
descriptions.json (the newest release's one-line descriptions), or with --check
compared byte for byte. catalog_delta() is the inverse of cfgscript.catalog.apply_delta.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

from cfgscript.catalog import DEFAULT_RELEASE, RELEASES, catalog_path, descriptions_path

from .descriptions import build_descriptions, coverage
from .generate import build_catalog, dump_catalog
from .tree import SourceTree

DEFAULT_REVISIONS = {release: release for release in RELEASES}
DEFAULT_REVISIONS[DEFAULT_RELEASE] = "master"


def catalog_delta(base: dict, target: dict) -> dict:
    """The delta that turns `base` into `target`, key order included."""
    delta: dict = {}
    removed = [key for key in base if key not in target]
    nested = {key: catalog_delta(base[key], value) for key, value in target.items()
              if key in base and base[key] != value
              and isinstance(value, dict) and isinstance(base[key], dict)}
    replaced = {key: value for key, value in target.items()
                if key not in nested and (key not in base or base[key] != value)}
    if removed:
        delta["-"] = removed
    if nested:
        delta["~"] = nested
    if replaced:
        delta["+"] = replaced
    kept = [key for key in base if key in target]
    added = [key for key in target if key not in base]
    if kept + added != list(target):
        delta["^"] = list(target)
    return delta


def release_files(catalogs: Mapping[str, dict]) -> dict[str, str]:
    """File name -> text of every shipped catalog file, from the full catalog of each release."""
    newest = catalogs[DEFAULT_RELEASE]
    files = {os.path.basename(catalog_path(DEFAULT_RELEASE)): dump_catalog(newest)}
    for release in RELEASES:
        if release != DEFAULT_RELEASE:
            delta = catalog_delta(newest, catalogs[release])
            files[os.path.basename(catalog_path(release))] = dump_catalog(delta)
    return files


def build_releases(location: str, revisions: Mapping[str, str]) -> dict[str, dict]:
    """The full catalog of every release, read from `location` at its revision."""
    return {release: build_catalog(SourceTree.open(location, revisions[release]))
            for release in RELEASES}


def shipped_files(location: str, revisions: Mapping[str, str]) -> dict[str, str]:
    """File name -> text of every data file the generator writes: catalogs and descriptions."""
    catalogs = build_releases(location, revisions)
    files = release_files(catalogs)
    newest = catalogs[DEFAULT_RELEASE]
    tree = SourceTree.open(location, revisions[DEFAULT_RELEASE])
    descriptions = build_descriptions(tree, newest)
    files[os.path.basename(descriptions_path())] = dump_catalog(descriptions)
    for kind, (described, total) in coverage(newest, descriptions).items():
        print("descriptions: %-9s %4d of %4d (%.1f%%)" % (kind, described, total,
                                                          100 * described / max(total, 1)),
              file=sys.stderr)
    return files


def _revisions(pairs: list[str]) -> dict[str, str]:
    revisions = dict(DEFAULT_REVISIONS)
    for pair in pairs:
        release, _, revision = pair.partition("=")
        if release not in revisions or not revision:
            raise SystemExit("--rev wants RELEASE=REVISION with RELEASE one of %s"
                             % ", ".join(RELEASES))
        revisions[release] = revision
    return revisions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.catalog.delta",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("source", help="OpenSIPS git directory or checkout")
    parser.add_argument("--rev", action="append", default=[], metavar="RELEASE=REV")
    parser.add_argument("--out", default=os.path.dirname(catalog_path()))
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    files = shipped_files(args.source, _revisions(args.rev))
    differing = []
    for name, text in files.items():
        path = os.path.join(args.out, name)
        if args.check:
            with open(path, encoding="utf-8") as f:
                if f.read() != text:
                    differing.append(name)
            continue
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print("%s: %d bytes" % (path, len(text.encode())))
    if differing:
        print("differ from the sources: %s" % ", ".join(differing), file=sys.stderr)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
