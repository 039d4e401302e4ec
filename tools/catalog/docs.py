"""What a module's documentation (its README.md) adds to the catalog.

The C code publishes an event by name only; the parameter names an event
carries are listed in the "Exported Events" section of the module README.
The first sentence under each function, parameter, variable and event heading
gives a one-line description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .tree import SourceTree

_HEADING = re.compile(r'^(#{2,5})\s+(.*?)\s*$')
_EVENT_PARAM = re.compile(r'^[-*]\s+\*([A-Za-z0-9_.]+)(?: \([^)]*\))?(\*?)\*')
_SAME_AS = re.compile(r'same (?:parameters )?as (?:the )?[\[*]([A-Za-z0-9_ ]+)[\]*]', re.IGNORECASE)


@dataclass
class Section:
    title: str
    level: int
    body: list[str] = field(default_factory=list)
    parent: str = ""


def sections(text: str) -> list[Section]:
    """Headings in order, each with the lines up to the next heading."""
    out: list[Section] = []
    parents: dict[int, str] = {}
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        m = None if in_code else _HEADING.match(line)
        if m:
            level = len(m.group(1))
            parents[level] = m.group(2)
            out.append(Section(m.group(2), level, parent=parents.get(level - 1, "")))
        elif out:
            out[-1].body.append(line)
    return out


@dataclass
class ModuleDoc:
    """The parsed README.md of one module (empty when it has none)."""
    parts: list[Section]

    @classmethod
    def read(cls, tree: SourceTree, module_dir: str) -> ModuleDoc:
        path = module_dir + "/README.md"
        return cls(sections(tree.read(path)) if tree.exists(path) else [])

    def event_section(self, event: str) -> Section | None:
        for part in self.parts:
            if part.title.split()[0:1] == [event] or part.title.strip("`*") == event:
                return part
        return None

    def event_params(self, event: str) -> tuple[list[str], list[str]]:
        """(parameter names, names that stand for values configured by a modparam)."""
        part = self.event_section(event)
        names: list[str] = []
        from_modparams: list[str] = []
        for line in part.body if part else ():
            m = _EVENT_PARAM.match(line)
            if m:
                (from_modparams if m.group(2) else names).append(m.group(1))
        same = _SAME_AS.search(" ".join(part.body)) if part and not names else None
        if same and same.group(1).replace(" ", "_") != event:
            return self.event_params(same.group(1).replace(" ", "_"))
        return names, from_modparams


_CORE_EVENT_PARAM = re.compile(r'^\*\s+\*\*([A-Za-z0-9_.]+)\*\*')
CORE_EVENTS_MANUAL = "docs/manual/Interface-CoreEvents.md"


def core_event_params(text: str) -> dict[str, list[str]]:
    """Event name -> parameter names, from the core events manual page."""
    table: dict[str, list[str]] = {}
    same_as: dict[str, str] = {}
    for part in sections(text):
        name = part.title.split()[0] if part.title else ""
        if re.fullmatch(r'E_[A-Z0-9_]+', name):
            table[name] = [m.group(1) for line in part.body
                           if (m := _CORE_EVENT_PARAM.match(line))]
            other = re.search(r'same parameters as\s+\**(E_[A-Z0-9_]+)', " ".join(part.body))
            if not table[name] and other:
                same_as[name] = other.group(1)
    for name, other in same_as.items():
        table[name] = list(table.get(other, []))
    return table


class Docs:
    """Documentation lookups for the catalog builder."""

    def __init__(self, tree: SourceTree):
        self.tree = tree

    def core_events(self, names: list[str]) -> dict[str, list[str]]:
        path = CORE_EVENTS_MANUAL
        documented = core_event_params(self.tree.read(path)) if self.tree.exists(path) else {}
        return {name: documented.get(name, []) for name in names}

    def events(self, module_dir: str, names: list[str]) -> tuple[dict, dict]:
        doc = ModuleDoc.read(self.tree, module_dir)
        events: dict[str, list[str]] = {}
        from_modparams: dict[str, list[str]] = {}
        for name in names:
            params, extra = doc.event_params(name)
            events[name] = params
            if extra:
                from_modparams[name] = extra
        return events, from_modparams
