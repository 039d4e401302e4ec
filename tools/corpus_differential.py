"""A synthetic corpus drawn from the catalog, judged by real OpenSIPS and by `check`.

    python -m tools.corpus_differential PREFIX [--kind functions|routes|globals] [--jobs N]

PREFIX is an OpenSIPS install (PREFIX/sbin/opensips and its modules); its release
(`opensips -V`) picks the catalog. Each script is small:

  functions  every module function of the catalog, its parameters all ints, all
             strings, or all variables, in the main route
  routes     every module function with arguments of its parameters' kinds, in each
             kind of route block and in a sub-route called from an onreply_route
  globals    every core global set to a number, a negative number, a string, yes,
             and a bare word

Printed: each script where the two verdicts differ, as NAME, OpenSIPS's first error
and ours. "ours=ERR" against "opensips=ok" is a false error unless ours is one that
only a real start-up gives (`-C` runs no fixups: "must be an AVP", a bad format
string); "opensips=ERR" against "ours=ok" is a refusal check does not know.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

from cfgscript.catalog import Catalog, Function, load_catalog
from cfgscript.check import check_source
from cfgscript.diagnostics import ERROR
from cfgscript.syntax.source import load_text
from tools.corpus_opensips import ACCEPTED, binary_release, module_directory, opensips_verdict

SOCKET = 'socket=udp:127.0.0.1:5060\nloadmodule "proto_udp.so"\n'
# loaded in every function script: the usual companions, and a database and a cache
# for the modules that need one of some kind
BASE_MODULES = ("sl", "tm", "signaling", "db_sqlite", "cachedb_local", "usrloc", "dialog", "rr")
ROUTE_BLOCKS = {
    "failure": 'route { t_on_failure("f"); }\nfailure_route[f] {\n  %s\n}\n',
    "onreply": "route { exit; }\nonreply_route {\n  %s\n}\n",
    "branch": 'route { t_on_branch("b"); }\nbranch_route[b] {\n  %s\n}\n',
    "local": "route { exit; }\nlocal_route {\n  %s\n}\n",
    "startup": "route { exit; }\nstartup_route {\n  %s\n}\n",
    "timer": "route { exit; }\ntimer_route[t, 5] {\n  %s\n}\n",
    "event": "route { exit; }\nevent_route[E_CORE_THRESHOLD] {\n  %s\n}\n",
    "error": "route { exit; }\nerror_route {\n  %s\n}\n",
    "sub": "route { route(s); }\nonreply_route { route(s); }\nroute[s] {\n  %s\n}\n",
}
KIND_ARGUMENT = {"int": "1", "var": "$avp(x)"}              # anything else: a string
GLOBAL_VALUES = {"int": "4", "neg": "-1", "str": '"abc"', "yes": "yes", "id": "LOG_LOCAL0"}


def _with_dependencies(catalog: Catalog, module: str) -> list[str]:
    """The module after the ones it cannot start without, those first."""
    order: list[str] = []

    def visit(name: str) -> None:
        for wanted in catalog.module_depends(name):
            if wanted not in order:
                visit(wanted)
        if name not in order:
            order.append(name)
    visit(module)
    return order


def _head(modules: Sequence[str]) -> str:
    loads = "".join('loadmodule "%s.so"\n' % m for m in dict.fromkeys(modules))
    return SOCKET + loads + 'modparam("usrloc", "db_url", "sqlite:///tmp/cfgscript-x.db")\n'


FunctionCase = tuple[str, Function, list[str]]        # label, function, modules to load


def _function_scripts(catalog: Catalog, built: set[str]) -> Iterator[FunctionCase]:
    for module in catalog.module_names:
        modules = list(BASE_MODULES) + _with_dependencies(catalog, module)
        if not set(modules) <= built:
            continue
        for name in catalog.module_functions(module):
            fn = catalog.module_function(module, name)
            if fn is not None:
                yield "%s.%s" % (module, name), fn, modules


def scripts(kind: str, catalog: Catalog, built: set[str]) -> Iterator[tuple[str, str]]:
    if kind == "globals":
        for name in catalog.global_names:
            for form, value in GLOBAL_VALUES.items():
                yield "%s.%s" % (name, form), "%s = %s\n%sroute { exit; }\n" % (
                    name, value, SOCKET)
        return
    for label, fn, modules in _function_scripts(catalog, built):
        if kind == "functions":
            for form, value in (("int", "1"), ("str", '"a"'), ("var", "$var(x)")):
                call = "%s(%s);" % (fn.name, ", ".join([value] * fn.max_args))
                yield "%s.%s" % (label, form), _head(modules) + "route {\n  %s\n}\n" % call
        else:
            args = ", ".join(KIND_ARGUMENT.get(p.main_kind, '"a"') for p in fn.params)
            for block, template in ROUTE_BLOCKS.items():
                body = template % ("%s(%s);" % (fn.name, args))
                yield "%s.%s" % (label, block), _head(modules) + body


def compare(binary: str, modules: str, catalog: Catalog, directory: str,
            name: str, text: str) -> Optional[str]:
    path = os.path.join(directory, name + ".cfg")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    verdict = opensips_verdict(binary, modules, path, 30.0)
    ours = [d.message for d in check_source(load_text(text, path), catalog, jobs=1)
            if d.severity == ERROR]
    if (verdict.status == ACCEPTED) == (not ours):
        return None
    return "%s\topensips=%s\tours=%s\t%s\t%s" % (
        name, "ok" if verdict.status == ACCEPTED else "ERR", "ERR" if ours else "ok",
        verdict.message, ours[0] if ours else "")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.corpus_differential",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("prefix", metavar="PREFIX", help="an OpenSIPS install")
    parser.add_argument("--kind", choices=("functions", "routes", "globals"),
                        default="functions")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    binary = os.path.join(args.prefix, "sbin", "opensips")
    modules = module_directory(args.prefix)
    catalog = load_catalog(binary_release(binary))
    built = {name[:-3] for name in os.listdir(modules) if name.endswith(".so")}
    built |= {"proto_udp", "proto_tcp"}
    cases = list(scripts(args.kind, catalog, built))
    with tempfile.TemporaryDirectory(prefix="cfgscript-differential-") as directory, \
            ThreadPoolExecutor(max(1, args.jobs)) as pool:
        found = pool.map(lambda case: compare(binary, modules, catalog, directory, *case),
                         cases)
        differences = [line for line in found if line]
    print("\n".join(differences))
    print("%d scripts, %d verdicts differ" % (len(cases), len(differences)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
