"""Script inputs for fuzzing: the conformance scripts, valid scripts from a
hand-written generator of the language, and token-level mutations of either
(tokens deleted, duplicated, swapped; quotes, braces, '$', comment marks,
include lines or random bytes inserted; the text truncated). Everything is
driven by one random.Random, so a seed reproduces an input."""

from __future__ import annotations

import glob
import os
import re

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return f.read()


CORPUS = [_read(p) for p in sorted(glob.glob(os.path.join(TESTS, "conformance", "*", "*.cfg")))]

TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|\$\(?\w+(?:\([^()]*\))?|\w+|\s+|.', re.S)
FRAGMENTS = [
    '"', "'", "{", "}", "(", ")", "[", "]", "$", "$(", "$$", ";", ",", ":", ".", "-", "+",
    "/*", "*/", "#", "//", "\\", "\\\n", "\n", "\r\n", "\t", " ", "\x00", "\ufeff", "\udcff",
    "==", "=~", "=", ":=", "!", "~", "&&", "||", "<<", "route", "if", "else", "while",
    "switch", "case 1:", "default:", "break;", "return", "NULL", "yes", "08", "0x", "1.2.3.4",
    "10.0.0.0/8", "::1", "$var(", "$(avp(x)[", "{s.len}", "include_file \"inc_route.cfg\"\n",
    "include_file \"inc_body.cfg\"\n", "import_file \"inc_loop.cfg\"\n",
    "include_file \"missing.cfg\"\n", "include_file\n", "timer_route[t, 5] { exit; }",
    "event_route[E, async]", "route[x] {", "é", "\x08", "\x0c",
]


def mutate(text: str, ops: list[tuple]) -> str:
    tokens = TOKEN_RE.findall(text) or [""]
    for kind, at, *rest in ops:
        i = at % len(tokens)
        if kind == "delete":
            del tokens[i]
        elif kind == "duplicate":
            tokens.insert(i, tokens[i])
        elif kind == "swap":
            j = rest[0] % len(tokens)
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif kind == "insert":
            tokens.insert(i, rest[0])
        else:
            del tokens[i:]
        tokens = tokens or [""]
    return "".join(tokens)


# ---------------------------------------------------------------- valid scripts

LHS = ["$var(a)", "$avp(b)", "$(avp(c)[0])", "$(avp(c)[*])", "$json(j/k)", "$avp($var(n))",
       "$shv(s)"]
VARS = LHS + ["$(var(d){s.len})", "$(avp(e)[-1]{s.int}{s.len})", "$rc", "$Ts", "$param(1)",
              "$route.name", "$(route[*])", "$ru"]
STRINGS = ['"text"', "'raw \\n'", '"esc\\n\\t\\x41\\101\\1\\q"', '""', '"multi\nline"',
           '"$var(a) # not a comment /* nor this */"', '"joined\\\nline"', "'say \"hi\"'"]
NUMBERS = ["0", "1", "-1", "+7", "- 2", "0x1F", "010", "yes", "off", "-on", "2147483648",
           "4294967296"]
ADDRESSES = ["NULL", "null", "10.0.0.1", "10.0.0.0/8", "::1", "fe80::/10", "1.2.3.4/255.255.0.0"]
VALUE_OPS = ["+", "-", "*", "/", "%", "|", "&", "^", "<<", ">>"]
ASSIGN_OPS = ["=", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^="]
SIMPLE_STATEMENTS = [
    "exit;", "exit();", "drop;", "drop();", "return;", "return();", "return -1;", "return(2);",
    "return $var(a);", 'return(1, $var(a), "s", NULL);', "return(, 5);", 'error("a", "b");', ";",
    'xdbg("d");', 'xlog("L_ERR", "fmt $var(a)\\n" \'more\');', "log('text');", 'log(-1, "t");',
    "async(f(), r1);", 'launch(f(1), r1, "p");', "async(f(,2), r1, 10);", "$var(a) = NULL;",
    "$avp(b) := null;",
]
ROUTE_HEADERS = [
    "route", "route[r1]", "route [my_route]", 'route["quoted-name"]', "route[7]",
    "branch_route[b]", "failure_route[f]", "onreply_route", "onreply_route[o]", "error_route",
    "local_route", "startup_route", "timer_route[t, 10]", "event_route[E_SCRIPT]",
]
TOP_LINES = [
    "log_level=-1", "udp_workers=4", "socket=udp:127.0.0.1:5060",
    "socket=udp:127.0.0.1:5060 as 1.2.3.4:5060 use_workers 4", 'mpath="a":"b"',
    "alias=my-host.example.com", "debug_mode=yes", 'log_prefix="x"', 'loadmodule "json.so"',
    'modparam("json", "p", "a" "b")', 'modparam("j.*", "p", -5)', "# a comment",
    "/* a /* nested */ comment */",
]


class ScriptGenerator:
    """Valid scripts from the grammar of the language, driven by one Random."""

    def __init__(self, rnd):
        self.rnd = rnd

    def pick(self, items):
        return self.rnd.choice(items)

    def arg(self) -> str:
        return self.pick([self.pick(STRINGS), self.pick(NUMBERS), self.pick(VARS)])

    def call(self) -> str:
        args = [self.pick([self.arg(), ""]) for _ in range(self.rnd.randrange(4))]
        return "%s(%s)" % (self.pick(["f", "save", "raise_event"]), ", ".join(args))

    def route_call(self) -> str:
        args = "".join(", " + self.pick([self.arg(), "NULL"]) for _ in range(self.rnd.randrange(3)))
        return "route(%s%s)" % (self.pick(["r1", "7", '"quoted-name"', "$var(r)"]), args)

    def comparison(self) -> str:
        op = self.pick(["==", "!=", ">", "<=", "=~", "!~"])
        if op in ("==", "!="):
            right = self.pick([self.arg(), self.pick(ADDRESSES)])
        elif op in ("=~", "!~"):
            right = self.pick([self.pick(STRINGS), self.pick(VARS)])
        else:
            right = self.arg()
        return "%s %s %s" % (self.pick(VARS), op, right)

    def value(self, depth: int) -> str:
        kind = self.rnd.randrange(8 if depth > 0 else 5)
        if kind < 2:
            return self.arg()
        if kind == 2:
            return self.comparison()
        if kind == 3:
            return self.call()
        if kind == 4:
            return self.route_call()
        if kind == 5:
            return "(%s)" % self.value(depth - 1)
        if kind == 6:
            return "~" + self.value(depth - 1)
        return "%s %s %s" % (self.value(depth - 1), self.pick(VALUE_OPS), self.value(depth - 1))

    def condition(self, depth: int) -> str:
        kind = self.rnd.randrange(9 if depth > 0 else 5)
        if kind == 0:
            return self.pick([self.pick(VARS), self.pick(NUMBERS)])
        if kind == 1:
            return self.comparison()
        if kind == 2:
            return self.pick([self.call(), self.route_call()])
        if kind == 3:
            return "[ %s ]" % self.value(2)
        if kind == 4:
            return "%s = %s" % (self.pick(LHS), self.value(1))
        if kind == 5:
            return self.pick(["!", "not "]) + self.condition(depth - 1)
        if kind == 6:
            return "(%s)" % self.condition(depth - 1)
        if kind == 7:
            return "{ %s }" % self.statement(0)
        return "%s %s %s" % (self.condition(depth - 1), self.pick(["&&", "||", "and", "or"]),
                             self.condition(depth - 1))

    def body(self, depth: int) -> str:
        if self.rnd.random() < 0.5:
            return self.statement(depth)
        return "{ %s }" % " ".join(self.statement(depth) for _ in range(self.rnd.randrange(3)))

    def statement(self, depth: int) -> str:
        kind = self.rnd.randrange(10 if depth > 0 else 5)
        if kind == 0:
            return self.pick(SIMPLE_STATEMENTS)
        if kind == 1:
            return "%s %s %s;" % (self.pick(LHS), self.pick(ASSIGN_OPS), self.value(2))
        if kind == 2:
            return self.pick([self.call(), self.route_call()]) + ";"
        if kind == 3:
            return 'xlog(%s"fmt $var(a)\\n" \'$$\');' % self.pick(["", '"L_ERR", '])
        if kind == 4:
            return 'assert(%s, "why");' % self.condition(2)
        if kind == 5:
            return "if (%s) %s" % (self.condition(2), self.body(depth - 1))
        if kind == 6:
            return "if (%s) %s else %s" % (self.condition(2), self.body(depth - 1),
                                           self.body(depth - 1))
        if kind == 7:
            return "while (%s) { %s break; }" % (self.condition(2), self.statement(depth - 1))
        if kind == 8:
            return "for ($var(i) in $(avp(l)[*])) %s" % self.body(depth - 1)
        return 'switch ($var(s)) { case 1: %s break; case -2: case "x": %s default: %s }' % (
            self.statement(depth - 1), self.statement(depth - 1), self.statement(depth - 1))

    def script(self) -> str:
        items = []
        for _ in range(self.rnd.randint(1, 5)):
            if self.rnd.random() < 0.4:
                items.append(self.pick(TOP_LINES))
            else:
                stmts = [self.statement(3) for _ in range(self.rnd.randint(1, 4))]
                items.append("%s {\n    %s\n}" % (self.pick(ROUTE_HEADERS), "\n    ".join(stmts)))
        return "\n".join(items)


def random_mutations(rnd) -> list[tuple]:
    """Mutations like those of `mutations`, drawn from a Random (much cheaper)."""
    ops = []
    for _ in range(rnd.randint(1, 6)):
        kind = rnd.choice(["delete", "duplicate", "swap", "insert", "insert", "truncate"])
        at = rnd.randrange(1 << 16)
        if kind == "swap":
            ops.append((kind, at, rnd.randrange(1 << 16)))
        elif kind == "insert":
            junk = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4)))
            ops.append((kind, at, rnd.choice([rnd.choice(FRAGMENTS),
                                              junk.decode("utf-8", "surrogateescape")])))
        else:
            ops.append((kind, at))
    return ops


INCLUDED = {
    "inc_route.cfg": 'route[included] {\n  xlog("inc");\n}\n',
    "inc_body.cfg": "  $var(i) = 1;\n  if ($var(i) == ) exit;\n",
    "inc_loop.cfg": 'include_file "inc_loop.cfg"\n',
}


def include_files(folder: str) -> None:
    """The files the include lines of FRAGMENTS name, written into folder."""
    for name, text in INCLUDED.items():
        with open(os.path.join(folder, name), "w") as f:
            f.write(text)
