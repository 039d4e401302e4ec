"""Command lines for cfgscript.cli.main, from the argument parser itself: a
subcommand, then some of its options (the long or short spelling) and
positionals, each with a value from a pool of valid and bad ones (numbers at
and past their bounds, nan, inf, paths that are missing, directories or
files, addresses of every kind), sometimes a junk word. Every command line
ends on its own: `run` always gets --once, `mi` and `listen` a short
--timeout (an option given later wins, so the pools hold short valid times
only), and addresses are loopback ports nothing answers on."""

from __future__ import annotations

import argparse
import os
import random

from cfgscript import cli

from .socket_fuzz import PASSWORD

NUMBERS = ["0", "1", "0.01", "-1", "nan", "inf", "-inf", "1e308", "1e9", "1000000001", "x",
           "", "0x10", "2147483648", "9" * 30, " 1", "1_0", "NaN", "100000001"]
SHORT_TIMES = ["0.01", "0.02", "1e-3"]
WORDS = ["-", "--", "-x", "--nope", "=", "é", "\x7f", "a" * 500, "--once=1", "-j", "E_X",
         "evi:subscribers", "which", "version", "arg=1", '{"a": 1}']
GUARDS = {"run": ["--once"], "mi": ["--timeout", "0.05"], "listen": ["--timeout", "0.05"]}
SKIPPED = {"lsp"}       # a server reading stdin until it closes; its one option is --stdio


def cli_files(folder: str) -> None:
    """The scripts the path pool names."""
    with open(os.path.join(folder, "ok.cfg"), "w") as f:
        f.write('startup_route {\n    xlog("ok\\n");\n}\n')
    with open(os.path.join(folder, "bad.cfg"), "w") as f:
        f.write("startup_route {\n    $var(a) = ;\n}\n")


def _paths(folder: str) -> list[str]:
    return [os.path.join(folder, "ok.cfg"), os.path.join(folder, "bad.cfg"),
            os.path.join(folder, "missing.cfg"), folder, "-", "", "/dev/null",
            os.path.join(folder, "ok.cfg", "x"), "\x00"]


def _addresses(folder: str) -> list[str]:
    return ["udp:127.0.0.1:9", "udp:127.0.0.1:0", "udp:[::1]:9", "udp:127.0.0.1:99999",
            "udp:nohost.invalid:9", "unix:" + os.path.join(folder, "mi.sock"), "unix:" + folder,
            "unix:", "http:127.0.0.1:0", "http://127.0.0.1:9/mi", "http:127.0.0.1:0/" + "r" * 300,
            "fifo:" + os.path.join(folder, "fifo"), "fifo:" + folder, "tcp:127.0.0.1:9",
            "rabbitmq:u:%s@127.0.0.1:9/q" % PASSWORD, "nope:1", "udp:", ":", "udp:0.0.0.0:0",
            "udp:\udcff:9", "http:\udcff:9", "tcp:\udcff:9",    # a byte that is no UTF-8
            "http:\u20ac:9", "http://127.0.0.1:9/\udcff", "http://127.0.0.1:9/a\nb",
            "udp:a\nb:9", "udp:a..b:9", "http://[::1:9/", "unix:" + folder + "/\x1b"]


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: sub for name, sub in action.choices.items() if name not in SKIPPED}


SUBCOMMANDS = _subcommands()


def _value(rnd: random.Random, action: argparse.Action, folder: str) -> str:
    if action.choices and rnd.random() < 0.7:
        return str(rnd.choice(list(action.choices)))
    if "timeout" in action.dest:
        return rnd.choice(SHORT_TIMES + ["0", "-1", "nan", "inf", "x", "1e309"])
    pool = rnd.choice([NUMBERS, _paths(folder), _addresses(folder), WORDS])
    return rnd.choice(pool)


def _words(rnd: random.Random, action: argparse.Action, folder: str) -> list[str]:
    if action.option_strings:
        words = [rnd.choice(action.option_strings)]
        if action.nargs == 0:
            return words
        return words + [_value(rnd, action, folder) for _ in range(rnd.choice([1, 1, 1, 2]))]
    return [_value(rnd, action, folder) for _ in range(rnd.choice([1, 1, 2]))]


def arguments(rnd: random.Random, folder: str) -> list[str]:
    if rnd.random() < 0.05:
        return rnd.sample(WORDS + NUMBERS, rnd.randrange(3))
    name = rnd.choice(sorted(SUBCOMMANDS))
    parser = SUBCOMMANDS[name]
    actions = [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]
    argv = [name, *GUARDS.get(name, [])]
    positionals = [a for a in actions if not a.option_strings]
    options = [a for a in actions if a.option_strings]
    for _ in range(rnd.randrange(4)):
        argv += _words(rnd, rnd.choice(options), folder)
    if rnd.random() < 0.2:
        argv.append(rnd.choice(WORDS))
    for action in positionals:
        if rnd.random() < 0.95:
            argv += _words(rnd, action, folder)
    if rnd.random() < 0.02:
        argv.append(rnd.choice(["--help", "-h", "--version"]))
    return argv
