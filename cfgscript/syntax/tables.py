"""The grammar (grammar/opensips.lark) compiled into lexer and LALR(1) tables.

lark reads the grammar and computes the LALR(1) parse table. This module turns
lark's result into plain tables (dicts, lists, strings) that lexer.py and
parser.py drive directly, and caches them on disk keyed by a checksum of the
grammar text, so a normal run never imports lark or recomputes the table.
(Start-up time matters here: the module keeps to cheap imports.)
"""

from __future__ import annotations

import marshal
import os
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

FORMAT_VERSION = 6

# How a reduction builds its value. Rules named "_x" are inlined: their
# children are spliced into the parent's, as in lark's trees.
UNIT = 0    # inlined, one child: the value stays as it is
PASS = 1    # inlined, one child kept (the others are dropped _TERMINALS)
CALL = 2    # a named rule: the builder method of that name makes the value
LIST = 3    # inlined, several children: a Splice of them
GRAMMAR_FILE = "opensips.lark"
END = "$END"


def grammar_path() -> str:
    """The grammar shipped in the package, or the one at the top of a source checkout."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    for candidate in (os.path.join(package, "grammar", GRAMMAR_FILE),
                      os.path.join(os.path.dirname(package), "grammar", GRAMMAR_FILE)):
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError("grammar file %s not found next to %s" % (GRAMMAR_FILE, package))


@dataclass(frozen=True)
class Tables:
    # lexing
    token_patterns: list[tuple[str, str]]   # (terminal, regex) in match order
    ignore_pattern: str                     # whitespace, comments, line continuations
    keywords: dict[str, str]                # "if" -> "IF": words that are keywords
    operators: dict[str, str]               # "==" -> "__ANON_3": punctuation terminals
    displays: dict[str, str]                # terminal -> how messages show it
    # parsing
    actions: list[dict[str, int]]           # per state: symbol -> shift/goto state, or ~rule
    rule_names: list[str]                   # builder callback (alias or rule name)
    rule_sizes: list[int]
    rule_origins: list[str]
    rule_kinds: list[int]                   # UNIT, PASS, CALL or LIST (see below)
    rule_splices: list[bool]                # some child may be an inlined rule's splice
    rule_keep: list                         # indices of the children kept, or None for all
    start_state: int
    end_state: int

    def expected(self, state: int) -> list[str]:
        """Terminals acceptable in a parser state, as messages show them."""
        row = self.actions[state]
        return sorted({self.displays[s] for s in row if s in self.displays})


def _cache_dir() -> str:
    configured = os.environ.get("CFGSCRIPT_CACHE_DIR")
    if configured:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cfgscript")


def _build(grammar_text: str) -> dict:
    """Compute the tables with lark (slow: only when the cache is missing)."""
    import logging

    from lark import Lark, logger
    from lark.lexer import PatternStr

    logger.setLevel(logging.ERROR)  # shift/reduce conflicts (dangling else) are resolved as shift
    lark = Lark(grammar_text, parser="lalr", lexer="contextual", keep_all_tokens=True)
    terminals = {t.name: t for t in lark.terminals}
    ignore = set(lark.ignore_tokens)

    keywords, operators, displays, regex_terms = {}, {}, {}, []
    for term in terminals.values():
        if term.name in ignore:
            continue
        if isinstance(term.pattern, PatternStr):
            text = term.pattern.value
            (keywords if text[:1].isalpha() else operators)[text] = term.name
            displays[term.name] = "'%s'" % text
        else:
            regex_terms.append(term)
            displays[term.name] = term.name
    displays[END] = "end of file"
    # lark's order: higher priority first, then longer patterns
    regex_terms.sort(key=lambda t: (-t.priority, -t.pattern.max_width, t.name))
    token_patterns = [(t.name, t.pattern.to_regexp()) for t in regex_terms]
    # whitespace first: it is by far the most frequent
    ignored = sorted(ignore, key=lambda name: (name != "WS", name))
    ignore_pattern = "|".join("(?:%s)" % terminals[name].pattern.to_regexp() for name in ignored)

    parse_table = lark.parser.parser.parser.parse_table
    rules = sorted({rule for row in parse_table.states.values()
                    for action, rule in row.values() if action.name == "Reduce"},
                   key=lambda r: (r.origin.name, r.order))
    rule_index = {rule: i for i, rule in enumerate(rules)}
    actions = []
    for state in range(len(parse_table.states)):
        row = {}
        for symbol, (action, arg) in parse_table.states[state].items():
            row[symbol] = arg if action.name == "Shift" else ~rule_index[arg]
        actions.append(row)
    return {
        "version": FORMAT_VERSION,
        "token_patterns": token_patterns,
        "ignore_pattern": ignore_pattern,
        "keywords": keywords,
        "operators": operators,
        "displays": displays,
        "actions": actions,
        "rule_names": [str(rule.alias or rule.origin.name) for rule in rules],
        "rule_sizes": [len(rule.expansion) for rule in rules],
        "rule_origins": [str(rule.origin.name) for rule in rules],
        "rule_kinds": [_rule_kind(rule) for rule in rules],
        "rule_splices": [any(not s.is_term and s.name.startswith("_") for s in rule.expansion)
                         for rule in rules],
        "rule_keep": [_kept_children(rule) for rule in rules],
        "start_state": parse_table.start_states["start"],
        "end_state": parse_table.end_states["start"],
    }


def _rule_kind(rule) -> int:
    if not rule.origin.name.startswith("_") or rule.alias:
        return CALL
    keep = _kept_children(rule)
    if keep is None:
        return UNIT if len(rule.expansion) == 1 else LIST
    return PASS if len(keep) == 1 else LIST


def _kept_children(rule) -> Optional[list[int]]:
    """Terminals the grammar names with one leading underscore (_SEMI) are
    dropped from a rule's children, as lark does with its filtered terminals."""
    keep = [i for i, sym in enumerate(rule.expansion)
            if not (sym.is_term and sym.name[0] == "_" and sym.name[1:2].isalpha())]
    return None if len(keep) == len(rule.expansion) else keep


def _read_cache(path: str) -> Optional[dict]:
    try:
        with open(path, "rb") as f:
            data = marshal.loads(f.read())     # marshal.load(f) reads in many small calls
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return data if isinstance(data, dict) and data.get("version") == FORMAT_VERSION else None


def _write_cache(path: str, data: dict) -> None:
    import tempfile

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tables-")
        with os.fdopen(fd, "wb") as f:
            marshal.dump(data, f)
        os.replace(tmp, path)
    except OSError:
        pass    # an unwritable cache only costs time


@lru_cache(maxsize=1)
def load_tables() -> Tables:
    with open(grammar_path(), encoding="utf-8") as f:
        grammar_text = f.read()
    encoded = grammar_text.encode()
    key = "%d-%08x-%x" % (FORMAT_VERSION, zlib.crc32(encoded), len(encoded))
    cache_file = os.path.join(_cache_dir(), "tables-%s.marshal" % key)
    data = _read_cache(cache_file)
    if data is None:
        data = _build(grammar_text)
        _write_cache(cache_file, data)
    data.pop("version")
    return Tables(**data)
