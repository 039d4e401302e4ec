"""One-line descriptions of what the catalog lists, read from the documentation.

Each module's README.md has a section per exported parameter, function,
pseudo-variable, event and MI command, grouped under headings such as
"Exported Functions"; the core's are the manual pages of docs/manual/. The
description of an item is the first sentence of the first paragraph of its
section, with the markup stripped and the whitespace collapsed. Only items the
catalog lists are kept, so the file stays small and every entry names something
real.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase

from .docs import Section, sections
from .tree import SourceTree

KINDS = ("functions", "params", "pvars", "events", "mi")

# Group headings of a module README -> the kind of the items below them.
_GROUPS = (
    (re.compile(r"\bMI\b", re.IGNORECASE), "mi"),
    (re.compile(r"\bEvents\b", re.IGNORECASE), "events"),
    (re.compile(r"Variables", re.IGNORECASE), "pvars"),
    (re.compile(r"Parameters", re.IGNORECASE), "params"),
    (re.compile(r"^(Exported |Available )?(Asynchronous )?Functions$", re.IGNORECASE), "functions"),
)

# Core manual page -> (kind, heading level of its items); every other level is grouping.
CORE_PAGES = {
    "docs/manual/Script-CoreFunctions.md": ("functions", 2),
    "docs/manual/Script-CoreParameters.md": ("params", 3),
    "docs/manual/Script-CoreVar.md": ("pvars", 3),
    "docs/manual/Interface-CoreEvents.md": ("events", 2),
    "docs/manual/Interface-CoreMI.md": ("mi", 3),
}

_LIST_ITEM = ("- ", "* ", "|")
_ABBREVIATIONS = ("e.g", "i.e", "etc", "vs", "ex", "eg", "ie", "approx", "no")
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z(\"'`*]|\s*$)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(.+?)\1")
_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^>]*>")
# Paragraphs that say how an item is called rather than what it does.
_METADATA = re.compile(
    r"Replaces obsolete|Name:|Default value|(Command )?Parameters?( \([^)]*\))?:( none)?$|"
    r"Arguments?:|Output:|Example|Usage:|Naming:|(MI )?(FIFO )?Command Format|>",
    re.IGNORECASE,
)
_ALTERNATION = re.compile(r"\[([\w|]+\|[\w|]+)\]")
_NAMING = re.compile(r"(Naming|Alias): \$\(?([A-Za-z_][\w.]*)")
_VARIABLE = re.compile(r"\$\(?([A-Za-z_][\w.]*)(\(\w*\))?(\[\w*\])?\)?")
_ITEM_NAME = re.compile(r"[$]?[A-Za-z_*][\w.:*]*")
_PLACEHOLDER = re.compile(r"\[[\w -]+\]")


def plain(text: str) -> str:
    """Markdown inline markup removed, whitespace collapsed."""
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    for _ in range(2):  # nested emphasis: **`name`**
        text = _EMPHASIS.sub(r"\2", text)
    text = text.replace("\\", "")
    return " ".join(text.split())


def paragraphs(body: list[str]) -> Iterator[str]:
    """Runs of prose lines, outside code blocks; each list item starts a paragraph."""
    lines: list[str] = []
    in_code = False
    for line in body + [""]:
        stripped = line.strip()
        fence = stripped.startswith("```")
        in_code = in_code != fence
        if lines and (in_code or fence or not stripped or stripped.startswith(_LIST_ITEM)):
            yield " ".join(lines)
            lines = []
        if stripped and not in_code and not fence:
            lines.append(stripped)


def first_sentence(text: str) -> str:
    for match in _SENTENCE_END.finditer(text):
        before = text[: match.start()].rsplit(None, 1)
        word = before[-1].lower() if before else ""
        if word.rstrip(".") in _ABBREVIATIONS or re.fullmatch(r"\w", word):
            continue
        return text[: match.end()]
    return text


def _meaningful(part: Section) -> Iterator[str]:
    """The plain-text paragraphs of a section that say what an item does."""
    return (
        t
        for t in map(plain, paragraphs(part.body))
        if t and not _METADATA.match(t) and not t.startswith(_LIST_ITEM)
    )


def _without_name(sentence: str, name: str) -> str:
    """ "`$name` - what it is" (how variable sections start) -> "what it is"."""
    head, dash, rest = sentence.partition(" - ")
    if dash and head.startswith("$") and " " not in head:
        return rest.strip()
    if sentence.startswith(name + ": "):
        return sentence[len(name) + 2 :]
    return sentence


def describe(part: Section, name: str) -> str:
    """The one-line description of one item section ("" when it has no prose)."""
    return _without_name(first_sentence(next(_meaningful(part), "")), name)


def item_names(kind: str, title: str) -> list[str]:
    """The exported names a section heading is about: "$tls_[peer|my]_serial" names two."""
    if kind == "pvars" and " - $" in title:
        title = title.rsplit(" - ", 1)[1]  # "Call-Id - $ci"
    names = [plain(title).lstrip()]
    while (alternation := _ALTERNATION.search(names[0])) is not None:
        names = [
            n[: alternation.start()] + choice + n[alternation.end() :]
            for n in names
            for choice in alternation.group(1).split("|")
        ]
    if kind == "functions":
        names = [call for n in names for call in _calls(n)] or names
    elif kind == "params":
        names = _params(names[0])
    found = (_ITEM_NAME.match(n) for n in names)
    return [m.group().lstrip("$").rstrip(".") for m in found if m is not None]


def _params(title: str) -> list[str]:
    """ "sp1_uri, sp2_uri, ..., sp16_uri" -> sp*_uri; "app[index]_call_state_column (string)"
    -> app*_call_state_column: a "*" stands for any run of characters."""
    title = _PLACEHOLDER.sub("*", title.split(" (", 1)[0].split("(", 1)[0])
    names = [name.strip() for name in title.split(",") if name.strip()]
    if "..." in names or "…" in names:
        return [re.sub(r"\d+", "*", names[0])]
    return names


def _calls(title: str) -> list[str]:
    """The functions a heading shows calls of: "uac_restore_from() uac_restore_to()"."""
    names, depth = [], 0
    for match in re.finditer(r"[A-Za-z_]\w*\s*\(|[()]", title):
        token = match.group()
        if token.endswith("(") and depth == 0 and token != "(":
            names.append(token[:-1].strip())
        depth += 1 if token.endswith("(") else -1
    return names


def variables_named_inside(part: Section, described: str) -> Iterator[tuple[str, str]]:
    """Variables a core manual section defines besides its own: aliases and variants."""
    for text in map(plain, paragraphs(part.body)):
        naming = _NAMING.match(text)
        if naming:
            yield naming.group(2), described
            continue
        head, dash, rest = text.partition(" - ")
        variable = _VARIABLE.fullmatch(head) if dash else None
        if variable:
            sentence = first_sentence(rest.strip())
            yield variable.group(1), described if sentence.startswith("same as") else sentence


def _group_kind(title: str) -> str | None:
    return next((kind for pattern, kind in _GROUPS if pattern.search(title)), None)


def readme_items(parts: list[Section]) -> Iterator[tuple[str, Section]]:
    """(kind, section) of every item section under a group heading of a module README."""
    group: tuple[str, int] | None = None
    for part in parts:
        if group is not None and part.level <= group[1]:
            group = None
        if group is None:
            kind = _group_kind(part.title)
            if kind is not None and part.title.lower().startswith(
                ("exported", "available", "functions", "variables")
            ):
                group = (kind, part.level)
            continue
        if part.level == group[1] + 1:
            yield group[0], part


@dataclass
class Documented:
    """Descriptions of one module (or the core), by kind, then by exported name."""

    texts: dict[str, dict[str, str]]

    @classmethod
    def empty(cls) -> Documented:
        return cls({kind: {} for kind in KINDS})

    def add(self, kind: str, name: str, text: str) -> None:
        if name and text:
            self.texts[kind].setdefault(name, text)

    def keep(self, exported: dict[str, list[str]]) -> dict[str, dict[str, str]]:
        """Only the exported names, in the catalog's order; kinds with none left out."""
        kept: dict[str, dict[str, str]] = {}
        for kind in KINDS:
            table = self.texts[kind]
            patterns = [(name, text) for name, text in table.items() if "*" in name]
            found = {}
            for name in exported.get(kind, ()):
                text = table.get(name) or next(
                    (text for pattern, text in patterns if fnmatchcase(name, pattern)), None
                )
                if text:
                    found[name] = text
            if found:
                kept[kind] = found
        return kept


def module_descriptions(tree: SourceTree, path: str) -> Documented:
    readme = path + "/README.md"
    documented = Documented.empty()
    if not tree.exists(readme):
        return documented
    for kind, part in readme_items(sections(tree.read(readme))):
        for name in item_names(kind, part.title):
            if kind == "mi":
                name = name.rsplit(":", 1)[-1]  # "dialog:list" -> "list"
            documented.add(kind, name, describe(part, name))
    return documented


def core_descriptions(tree: SourceTree) -> Documented:
    documented = Documented.empty()
    for page, (kind, level) in CORE_PAGES.items():
        if not tree.exists(page):
            continue
        for part in sections(tree.read(page)):
            if part.level > level:
                continue
            names = item_names(kind, part.title) if part.level == level else []
            for name in names:
                name = "core:" + name if kind == "mi" and ":" not in name else name
                documented.add(kind, name, describe(part, name))
            if kind == "pvars":
                own = (
                    describe(part, names[0])
                    if names
                    else first_sentence(next(_meaningful(part), ""))
                )
                for name, text in variables_named_inside(part, own):
                    documented.add(kind, name, text)
    return documented


def _module_exports(entry: dict, name: str) -> dict[str, list[str]]:
    functions = entry.get("functions", {})
    script_functions = [n for n, data in functions.items() if not data.get("internal")]
    return {
        # internal: C API bindings other modules look up, not callable from a script
        "functions": script_functions
        + [n for n in entry.get("async_functions", {}) if n not in functions],
        "params": list(entry.get("params", {})),
        "pvars": list(entry.get("pvars", ())),
        "events": list(entry.get("events", {})),
        "mi": list(entry.get("mi", {})),
    }


def _core_exports(core: dict) -> dict[str, list[str]]:
    return {
        "functions": list(core.get("functions", {})),
        "params": list(core.get("globals", {})),
        "pvars": list(core.get("pvars", ())),
        "events": list(core.get("events", {})),
        "mi": list(core.get("mi", {})),
    }


def build_descriptions(tree: SourceTree, catalog: dict) -> dict:
    """The descriptions file of one source version, for the catalog built from it."""
    modules = {}
    for name, entry in catalog["modules"].items():
        kept = module_descriptions(tree, entry["path"]).keep(_module_exports(entry, name))
        if kept:
            modules[name] = kept
    return {
        "source_commit": catalog.get("source_commit", ""),
        "core": core_descriptions(tree).keep(_core_exports(catalog["core"])),
        "modules": modules,
    }


def coverage(catalog: dict, descriptions: dict) -> dict[str, tuple[int, int]]:
    """Kind -> (items with a description, items), over the core and every module."""
    totals = {kind: [0, 0] for kind in KINDS}
    sides = [(_core_exports(catalog["core"]), descriptions["core"])]
    sides += [
        (_module_exports(entry, name), descriptions["modules"].get(name, {}))
        for name, entry in catalog["modules"].items()
    ]
    for exported, described in sides:
        for kind in KINDS:
            names = exported.get(kind, ())
            totals[kind][0] += sum(1 for n in names if n in described.get(kind, {}))
            totals[kind][1] += len(names)
    return {kind: (done, total) for kind, (done, total) in totals.items()}
