"""The grammar half of the catalog's core: globals, statements, route blocks,
module statements, literals and operators, read from cfg.lex and cfg.y."""

from __future__ import annotations

import re

from .grammar import Grammar, Lexicon

# cfg.y rules whose keyword-led alternatives are script statements, in catalog order
STATEMENT_RULES = ["cmd", "if_cmd", "brk_if_cmd", "while_cmd", "foreach_cmd", "switch_cmd",
                   "case_stm", "default_stm", "brk_action"]
ROUTE_BLOCK_TYPES = {"route": "REQUEST", "failure_route": "FAILURE", "onreply_route": "ONREPLY",
                     "branch_route": "BRANCH", "error_route": "ERROR", "local_route": "LOCAL",
                     "startup_route": "STARTUP", "timer_route": "TIMER", "event_route": "EVENT"}
# value types of the grammar symbols a global is assigned with
SYMBOL_TYPES = {"NUMBER": "int", "snumber": "int", "STRING": "str", "ID": "id",
                "listen_id": "host", "socket_def": "socket", "id_lst": "alias_list",
                "mpath_def_list": "path_list", "auto_scale_profile_def": "auto_scaling_profile"}
# symbols that, anywhere in a form, decide its type
STRUCTURED_TYPES = {"blst_def": "blacklist", "multi_string": "mem_group"}
LITERAL_TOKENS = {"true": "YES", "false": "NO", "null": "NULLV"}
OPERATOR_TOKENS = ["AND", "OR", "NOT", "PLUS", "MINUS", "MULT", "SLASH", "MODULO", "BAND", "BOR",
                   "BXOR", "BNOT", "BLSHIFT", "BRSHIFT", "COLONEQ", "PLUSEQ", "MINUSEQ", "SLASHEQ",
                   "MULTEQ", "MODULOEQ", "BANDEQ", "BOREQ", "BXOREQ"]
_BLOCK = ["LBRACE", "actions", "RBRACE"]
_ASSIGN_ERROR = re.compile(r'(\w+)\s+(?:EQUAL\s+)?error\s*\{[^}]*?yyerror\w*\(\s*"([^"]*)"')


def show(lexicon: Lexicon, symbols: list[str]) -> str:
    """A form as the catalog writes it: `( exp , STRING )`, `{ ... }` for a block."""
    out: list[str] = []
    i = 0
    while i < len(symbols):
        if symbols[i:i + 3] == _BLOCK:
            out.append("{ ... }")
            i += 3
            continue
        out.append(lexicon.display(symbols[i]))
        i += 1
    return " ".join(out)


def _keyword(lexicon: Lexicon, token: str) -> str | None:
    words = lexicon.words(token) if lexicon.is_literal(token) else []
    return words[0] if words and re.fullmatch(r'[a-z_]+', words[0]) else None


def statements(lexicon: Lexicon, grammar: Grammar) -> dict[str, list[str]]:
    """Statement keyword -> its forms; keywords used only inside forms get none."""
    forms: dict[str, list[str]] = {}
    inner: list[str] = []
    for rule in STATEMENT_RULES:
        for alt in grammar.alternatives(rule):
            keyword = _keyword(lexicon, alt[0]) if alt and alt[0] not in ("ID",) else None
            if keyword is None:
                continue
            form = show(lexicon, alt[1:])
            if form not in forms.setdefault(keyword, []):
                forms[keyword].append(form)
            inner.extend(w for s in alt[1:] if s.isupper() and (w := _keyword(lexicon, s)))
    for keyword in inner:
        forms.setdefault(keyword, [])
    return forms


def route_blocks(lexicon: Lexicon, grammar: Grammar) -> dict[str, dict]:
    blocks: dict[str, dict] = {}
    for rule in (r for r in grammar.rules if r.endswith("route_stm")):
        for alt in grammar.alternatives(rule):
            keyword = _keyword(lexicon, alt[0])
            if keyword not in ROUTE_BLOCK_TYPES:
                continue
            entry = blocks.setdefault(keyword, {"route_type": ROUTE_BLOCK_TYPES[keyword],
                                                "forms": []})
            form = show(lexicon, alt[1:])
            if form not in entry["forms"]:
                entry["forms"].append(form)
    return blocks


def module_statements(lexicon: Lexicon, grammar: Grammar) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for alt in grammar.alternatives("module_stm"):
        keyword = _keyword(lexicon, alt[0])
        if keyword:
            form = show(lexicon, alt[1:])
            if form not in out.setdefault(keyword, []):
                out[keyword].append(form)
    return out


def _form_type(form: list[str], boolean: bool) -> str:
    for symbol in form:
        if symbol in STRUCTURED_TYPES:
            return STRUCTURED_TYPES[symbol]
    first = form[0] if form else ""
    if first == "NUMBER" and boolean:
        return "bool"
    return SYMBOL_TYPES.get(first, first)


def globals_detail(lexicon: Lexicon, grammar: Grammar, cfg_y: str) -> dict[str, dict]:
    """Global name -> aliases, value types and forms, from `NAME EQUAL ...` rules.

    A number global is boolean when its error branch asks for a boolean."""
    boolean = {token for token, message in _ASSIGN_ERROR.findall(cfg_y)
               if "boolean" in message.lower()}
    detail: dict[str, dict] = {}
    for alt in grammar.alternatives("assign_stm"):
        if len(alt) < 3 or alt[1] != "EQUAL":
            continue
        words = lexicon.words(alt[0])
        if not words:
            continue
        entry = detail.setdefault(words[0], {"aliases": words[1:], "types": [], "forms": []})
        form_type = _form_type(alt[2:], alt[0] in boolean)
        if form_type not in entry["types"]:
            entry["types"].append(form_type)
        form = show(lexicon, alt[2:])
        if form not in entry["forms"]:
            entry["forms"].append(form)
    return detail


def flat_globals(detail: dict[str, dict]) -> dict[str, str]:
    """Every global name and alias -> its types joined by |, sorted by name."""
    table = {}
    for name, entry in detail.items():
        for spelling in [name] + entry["aliases"]:
            table[spelling] = "|".join(entry["types"])
    return dict(sorted(table.items()))


def literals(lexicon: Lexicon) -> dict[str, list[str]]:
    return {name: lexicon.spellings.get(token, []) for name, token in LITERAL_TOKENS.items()}


def operators(lexicon: Lexicon) -> dict[str, list[str]]:
    return {token: lexicon.spellings[token] for token in OPERATOR_TOKENS
            if token in lexicon.spellings}
