"""What one OpenSIPS module exports, read from its C export tables.

The tables are found through the module's `struct module_exports`: functions
(`cmd_export_t`, `acmd_export_t`), parameters (`param_export_t`), variables
(`pv_export_t`), MI commands (`mi_export_t`), transformations (`trans_export_t`)
and dependencies (`dep_export_t`); transports come from `register_event_mod`
calls and event names from E_* string literals.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from .csource import (
    Node,
    Preprocessor,
    Token,
    collect_defines,
    defined_symbols,
    expand,
    find_tables,
    macro_tokens,
    strip_comments,
)
from .tree import SourceTree

ROUTE_FLAG_BITS = {"REQUEST_ROUTE": 1, "FAILURE_ROUTE": 2, "ONREPLY_ROUTE": 4,
                   "BRANCH_ROUTE": 8, "ERROR_ROUTE": 16, "LOCAL_ROUTE": 32,
                   "STARTUP_ROUTE": 64, "TIMER_ROUTE": 128, "EVENT_ROUTE": 256,
                   "ALL_ROUTES": 511}
ROUTE_TYPE_NAMES = ["REQUEST", "FAILURE", "ONREPLY", "BRANCH", "ERROR", "LOCAL", "STARTUP",
                    "TIMER", "EVENT"]
PARAM_KINDS = [("CMD_PARAM_INT", "int"), ("CMD_PARAM_STR", "str"), ("CMD_PARAM_VAR", "var"),
               ("CMD_PARAM_REGEX", "regex")]
PARAM_FLAGS = [("CMD_PARAM_OPT", "opt"), ("CMD_PARAM_FIX_NULL", "fix_null"),
               ("CMD_PARAM_NO_EXPAND", "no_expand"), ("CMD_PARAM_STATIC", "static")]
MODPARAM_TYPES = [("INT_PARAM", "int"), ("STR_PARAM", "str"), ("USE_FUNC_PARAM", "func")]
MODULE_TYPES = {"MOD_TYPE_DEFAULT": "default", "MOD_TYPE_SQLDB": "sqldb",
                "MOD_TYPE_CACHEDB": "cachedb", "MOD_TYPE_AAA": "aaa"}
DEP_MISSING = [("DEP_ABORT", "abort"), ("DEP_SILENT", "silent"), ("DEP_WARN", "warn")]
MI_FLAGS = [("MI_ASYNC_RPL_FLAG", "async_reply"), ("MI_NAMED_PARAMS_ONLY", "named_params_only")]
FLAG_SYMBOLS = set(ROUTE_FLAG_BITS) | set(MODULE_TYPES) | {"MOD_TYPE_NULL"} | {
    symbol for table in (PARAM_KINDS, PARAM_FLAGS, MODPARAM_TYPES, DEP_MISSING, MI_FLAGS)
    for symbol, _ in table}
C_SUFFIXES = (".c", ".h", ".cpp")
# struct module_exports, positional fields (the same from 3.x to 4.x)
EXPORT_FIELDS = ["name", "type", "version", "dlflags", "load", "deps", "cmds", "acmds", "params",
                 "stats", "mi_cmds", "items", "trans", "procs"]
_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)
_EVENT_NAME = re.compile(r'^E_[A-Z0-9_]+$')
# E_* names in the code that no event is published under
NOT_PUBLISHED = {"E_ERROR"}     # event_route: stand-in name for a missing event name
_COMPARE_FUNCTIONS = {"memcmp", "strncasecmp", "strncmp", "strcasecmp", "strcmp"}
_MATCH_FUNCTIONS = {"str_match", "str_casematch", "str_strcmp", "str_strcasecmp"}


def bit_names(node: Node, table: list[tuple[str, str]]) -> list[str]:
    words = {t.text for t in node.tokens if t.kind == "id"}
    return [name for symbol, name in table if symbol in words]


def route_mask(node: Node) -> int:
    """The value of a route-flags expression such as `ALL_ROUTES & (~STARTUP_ROUTE)`."""
    parts = []
    for tok in node.tokens:
        if tok.kind == "id":
            parts.append(str(ROUTE_FLAG_BITS.get(tok.text, 0)))
        elif tok.kind == "num" or tok.text in ("|", "&", "~", "(", ")", "<<", ">>"):
            parts.append(tok.text)
    try:
        return eval(" ".join(parts) or "0", {"__builtins__": {}}) & 511  # digits and operators only
    except SyntaxError:
        return 0


def included_outside(tree: SourceTree, files: list[str], module_dir: str) -> list[str]:
    """Headers outside the module directory that its files include (transitively)."""
    seen: list[str] = []
    pending = list(files)
    while pending:
        current = pending.pop()
        base = posixpath.dirname(current)
        for inc in _INCLUDE.findall(tree.read(current)):
            target = posixpath.normpath(posixpath.join(base, inc))
            if (module_dir and target.startswith(module_dir + "/")) or target in seen \
                    or not tree.exists(target):
                continue
            seen.append(target)
            pending.append(target)
    return seen


@dataclass
class ModuleSource:
    """The preprocessed tokens and initialised tables of one module directory."""
    path: str
    tables: dict[str, tuple[str, Node]]
    tokens: list[Token]
    files: list[str]
    texts: list[str]                    # the files, comments stripped
    defines: dict[str, str]

    @classmethod
    def read(cls, tree: SourceTree, path: str, core_macros: dict[str, str],
             core_known: set[str]) -> ModuleSource:
        files = [p for p in tree.listdir(path) if p.endswith(C_SUFFIXES)]
        return cls.from_files(tree, path, files, core_macros, core_known)

    @classmethod
    def from_files(cls, tree: SourceTree, path: str, files: list[str],
                   core_macros: dict[str, str], core_known: set[str]) -> ModuleSource:
        tree.preload(files)
        defines = dict(core_macros)
        known = set(core_known)
        headers = included_outside(tree, files, path)
        for f in headers + sorted(files, key=lambda p: (p.endswith(".c"), p)):
            text = tree.read(f)
            defines.update(collect_defines(text))
            known |= defined_symbols(text)
        macros = macro_tokens(defines, FLAG_SYMBOLS)
        pre = Preprocessor(known)
        tokens: list[Token] = []
        tables: dict[str, tuple[str, Node]] = {}
        for f in sorted(files):
            file_tokens = expand(pre.tokens(tree.read(f)), macros)
            file_tables = find_tables(file_tokens)
            if any(t[0].endswith("module_exports") for t in file_tables.values()):
                tables.update(file_tables)      # the exporting file's names win
            else:
                for name, table in file_tables.items():
                    tables.setdefault(name, table)
            tokens.extend(file_tokens)
        texts = [strip_comments(tree.read(f)) for f in sorted(files)]
        return cls(path, tables, tokens, sorted(files), texts, defines)

    def named(self, name: str) -> Node:
        """A reference to the table `name` (as an exports field would hold it)."""
        return Node(tokens=[Token(name, "id")])

    def exports(self) -> dict[str, Node] | None:
        candidates = [self.tables.get("exports")] + [  # STATIC_<MOD> builds name it <mod>_exports
            t for n, t in self.tables.items() if n.endswith("_exports")]
        entry = next((t for t in candidates if t and t[0].endswith("module_exports")), None)
        if entry is None:
            return None
        items = entry[1].items or []
        return {name: items[i] for i, name in enumerate(EXPORT_FIELDS) if i < len(items)}

    def table(self, ref: Node | None) -> list[Node]:
        """The non-terminator entries of the table an exports field names."""
        name = ref.ident() if ref is not None else None
        if not name or name not in self.tables:
            return []
        node = self.tables[name][1]
        return [item for item in node.items or [] if item.items and not item.is_null()]

    def struct(self, ref: Node | None) -> Node | None:
        name = ref.ident() if ref is not None else None
        return self.tables[name][1] if name in self.tables else None


def _conditional(node: Node, data: dict) -> dict:
    if node.conditions:
        data["conditional"] = list(node.conditions)
    return data


def _param(pnode: Node) -> dict:
    pitems = pnode.items or []
    flags = bit_names(pitems[0], PARAM_FLAGS)
    param = {"kind": "|".join(bit_names(pitems[0], PARAM_KINDS)), "optional": "opt" in flags,
             "flags": flags}
    fixup = pitems[1].ident() if len(pitems) > 1 else None
    if fixup:
        param["fixup"] = fixup
    return param


def function_entry(node: Node, with_routes: bool) -> tuple[str, dict]:
    items = node.items or []
    params = []
    for pnode in (items[2].items or []) if len(items) > 2 else []:
        if pnode.is_null():
            break
        params.append(_param(pnode))
    mandatory = [i for i, p in enumerate(params) if not p["optional"]]
    data: dict = {"params": params, "min_args": (mandatory[-1] + 1) if mandatory else 0,
                  "max_args": len(params)}
    if with_routes:
        mask = route_mask(items[3]) if len(items) > 3 else 0
        data["route_types"] = [n for i, n in enumerate(ROUTE_TYPE_NAMES) if mask & (1 << i)]
        data["route_mask"] = mask
        if mask == 0:
            data["internal"] = True
    data["c_function"] = items[1].ident() if len(items) > 1 else None
    return items[0].string() or "", _conditional(node, data)


def functions(src: ModuleSource, ref: Node | None, with_routes: bool) -> dict[str, dict]:
    """Function name -> its entry; a name exported again adds a variant."""
    table: dict[str, dict] = {}
    for node in src.table(ref):
        name, data = function_entry(node, with_routes)
        if name in table:
            table[name].setdefault("variants", []).append(data)
        else:
            table[name] = data
    return table


def modparams(src: ModuleSource, ref: Node | None) -> tuple[dict[str, str], dict[str, list]]:
    """Parameter name -> types joined by |, and the conditions of conditional ones."""
    params: dict[str, str] = {}
    conditional: dict[str, list] = {}
    for node in src.table(ref):
        items = node.items or []
        name = items[0].string()
        types = bit_names(items[1], MODPARAM_TYPES) if len(items) > 1 else []
        if not name or not types:
            continue
        if name in params:      # declared once per accepted type
            types = [t for _, t in MODPARAM_TYPES if t in params[name].split("|") + types]
        params[name] = "|".join(types)
        if node.conditions:
            conditional[name] = list(node.conditions)
    return params, conditional


def _first_string(node: Node) -> str | None:
    return node.string() if node.items is None else (node.items[0].string()
                                                     if node.items else None)


def pvars(src: ModuleSource, ref: Node | None) -> dict[str, dict]:
    """Variable name -> writable (has a setter), name_arg, index (has those parsers)."""
    table: dict[str, dict] = {}
    for node in src.table(ref):
        items = node.items or []
        name = _first_string(items[0])
        if not name:
            continue
        present = [len(items) > i and not items[i].is_null() for i in (3, 4, 5)]
        details = {"writable": present[0], "name_arg": present[1], "index": present[2]}
        if name in table:       # the same name again, parsed another way
            table[name].setdefault("variants", []).append(details)
        else:
            table[name] = details
    return table


def _recipes(node: Node | None) -> list[list[str]]:
    recipes = []
    for rnode in (node.items or []) if node is not None else []:
        ritems = rnode.items or []
        if not ritems or ritems[0].is_null():     # OpenSIPS stops at a NULL handler
            break
        params = ritems[1].items if len(ritems) > 1 and ritems[1].items is not None else []
        recipes.append([s for p in params if (s := p.string())])
    return recipes


def mi_commands(src: ModuleSource, ref: Node | None, module: str) -> dict[str, dict]:
    group = module[len("proto_"):] if module.startswith("proto_") else module
    table: dict[str, dict] = {}
    for node in src.table(ref):
        items = node.items or []
        name = items[0].string()
        if not name:
            continue
        entry: dict = {"recipes": _recipes(items[4] if len(items) > 4 else None),
                       "aliases": [s for a in (items[5].items or []) if (s := a.string())]
                       if len(items) > 5 else []}
        flags = bit_names(items[2], MI_FLAGS) if len(items) > 2 else []
        if flags:
            entry["flags"] = flags
        entry["full_name"] = "%s:%s" % (group, name)
        table[name] = _conditional(node, entry)
    return table


def dependencies(src: ModuleSource, ref: Node | None) -> tuple[list[dict], dict[str, str]]:
    """Module dependencies (in table order) and modparam -> dependency function."""
    node = src.struct(ref)
    if node is None or not node.items:
        return [], {}
    modules = []
    for dep in node.items[0].items or []:
        ditems = dep.items or []
        if dep.is_null() or len(ditems) < 3 or ditems[0].text == "MOD_TYPE_NULL":
            continue
        missing = bit_names(ditems[2], DEP_MISSING)
        modules.append({"module": ditems[1].string(),
                        "mod_type": MODULE_TYPES.get(ditems[0].text, ditems[0].text),
                        "on_missing": missing[0] if missing else "abort"})
    params = {}
    for dep in (node.items[1].items or []) if len(node.items) > 1 else []:
        ditems = dep.items or []
        if not dep.is_null() and len(ditems) >= 2:
            params[ditems[0].string()] = ditems[1].ident()
    return modules, params


def transformations(src: ModuleSource, ref: Node | None) -> list[str]:
    """Transformation names: the class, with the sub-names its parser compares against.

    Names the parser assembles from a prefix, a middle and a suffix
    (s.sha256_hmac) come after all others."""
    names: list[str] = []
    assembled: list[str] = []
    for node in src.table(ref):
        items = node.items or []
        klass = _first_string(items[0])
        parser = items[1].ident() if len(items) > 1 else None
        found = compared_names(function_body(src.tokens, parser)) if parser else SubNames()
        subnames = found.plain + found.matched
        names.extend("%s.%s" % (klass, sub) for sub in subnames)
        assembled.extend("%s.%s" % (klass, sub) for sub in found.assembled)
        if not subnames and not found.assembled and klass:
            names.append(klass)
    return names + assembled


@dataclass
class SubNames:
    plain: list[str] = field(default_factory=list)      # strncasecmp(name.s, "len", 3)
    matched: list[str] = field(default_factory=list)    # str_match(&name, &str_init("x"))
    assembled: list[str] = field(default_factory=list)  # "sha" + "256" + "_hmac"


def _call_args(body: list[Token], start: int) -> list[list[Token]]:
    """The comma-separated arguments of the call whose "(" is body[start]."""
    args: list[list[Token]] = [[]]
    depth = 0
    for tok in body[start:]:
        if tok.text == "(":
            depth += 1
            if depth == 1:
                continue
        elif tok.text == ")":
            depth -= 1
            if depth == 0:
                break
        if tok.text == "," and depth == 1:
            args.append([])
        else:
            args[-1].append(tok)
    return args


def compared_names(body: list[Token]) -> SubNames:
    """String literals that the variable `name` is compared with in a parser body."""
    found = SubNames()
    prefixes: list[str] = []
    suffixes: list[str] = []
    middles: list[str] = []
    for i, tok in enumerate(body[:-2]):
        if body[i + 1].text != "(" or tok.text not in _COMPARE_FUNCTIONS | _MATCH_FUNCTIONS:
            continue
        args = _call_args(body, i + 1)
        if len(args) < 2:
            continue
        subject = "".join(t.text for t in args[0])
        literal = next((t.text[1:-1] for t in args[1] if t.kind == "str"), None)
        if literal is None:
            continue
        if tok.text in _MATCH_FUNCTIONS and subject == "&name":
            found.matched.append(literal)
        elif subject == "name.s":
            found.plain.append(literal)
        elif subject.startswith("name.s+(name.len"):
            suffixes.append(literal)
        elif re.fullmatch(r"name\.s\+\d+", subject):
            middles.append(literal)
    if suffixes and found.plain:
        prefixes.append(found.plain.pop())      # the test just before the suffix test
        found.assembled = [p + m + s for p in prefixes for s in suffixes for m in middles]
    found.plain = list(dict.fromkeys(found.plain))
    found.matched = [n for n in dict.fromkeys(found.matched) if n not in found.plain]
    return found


def _matching(tokens: list[Token], start: int, open_: str, close: str) -> int:
    """Index just past the bracket closing the one at tokens[start]."""
    depth = 0
    for k in range(start, len(tokens)):
        depth += {open_: 1, close: -1}.get(tokens[k].text, 0)
        if depth == 0:
            return k + 1
    return len(tokens)


def function_body(tokens: list[Token], function: str | None) -> list[Token]:
    for i, tok in enumerate(tokens[:-1]):
        if tok.text == function and tokens[i + 1].text == "(":
            j = _matching(tokens, i + 1, "(", ")")
            if j < len(tokens) and tokens[j].text == "{":
                return tokens[j:_matching(tokens, j, "{", "}")]
    return []


def transports(src: ModuleSource) -> list[str] | None:
    """Event Interface transports registered with register_event_mod(&export)."""
    names: list[str] = []
    toks = src.tokens
    for i, tok in enumerate(toks[:-3]):
        if tok.text != "register_event_mod":
            continue
        j = i + 1
        while j < len(toks) and toks[j].text in ("&", "("):
            j += 1
        entry = src.tables.get(toks[j].text)
        if entry and entry[1].items:
            name = _first_string(entry[1].items[0])
            if name and name not in names:
                names.append(name)
    return names or None


_STRINGIFYING_MACRO = re.compile(
    r'#\s*define\s+(\w+)\(\s*(\w+)\s*\)[^\n]*?("E_[A-Z0-9_]*"|\b\w+)\s*#\s*\2\b')


def event_names(src: ModuleSource) -> list[str]:
    """Event names, sorted: E_* string literals, and those a macro builds by
    pasting its argument onto an "E_..." prefix (`"E_CALL_" #_name`)."""
    names = {tok.text[1:-1] for tok in src.tokens if tok.kind == "str"
             and _EVENT_NAME.match(tok.text[1:-1])}
    texts = [text.replace("\\\n", " ") for text in src.texts]
    pasting = [(macro, src.defines.get(prefix, prefix).strip('"'))
               for text in texts for macro, _param, prefix in _STRINGIFYING_MACRO.findall(text)]
    for macro, prefix in pasting:
        for text in texts:
            for arg in re.findall(r'(?<![#\w])%s\(\s*(\w+)\s*\)' % macro, text):
                if _EVENT_NAME.match(prefix + arg):
                    names.add(prefix + arg)
    return sorted(names - NOT_PUBLISHED)
