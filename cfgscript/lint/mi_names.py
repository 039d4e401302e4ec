"""Which MI command a name given to mi() reaches on a release, and what to call it
on another release.

Up to 3.6 an MI command has one flat name ("dlg_list"). From 4.0 every command has
a full name, its module's group and a local name ("dialog:list"); mi/mi.c accepts
the full name, a legacy alias the module declares ("dlg_list"), or the bare local
name when exactly one command of the loaded modules has it ("list" is ambiguous,
"end_dlg" is not). The catalogs list each release's commands with their aliases;
the few replacements no name says are in MI_SUCCESSORS.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Optional

from ..catalog import CORE, Catalog

# mi/mi.c of 4.0: MI_MODULE_SEP, lookup_mi_cmd_local() and the mi_cmd_alias table
NAMESPACED_SINCE = (4, 0)

# old name -> (first release without it, what to call instead)
MI_SUCCESSORS = {
    # commit 9041b64b "core: move provisioning framework parsing out of pi_http":
    # the core's pi_reload reloads the framework tables and commands
    "pi_reload_tbls_and_cmds": ("4.1", "pi_reload"),
    "reload_tbls_and_cmds": ("4.1", "pi_reload"),
    "pi_http:reload_tbls_and_cmds": ("4.1", "pi_reload"),
}


@dataclass(frozen=True)
class MICommand:
    full_name: str  # "dialog:list" (4.0 on); up to 3.6 "module:name"
    local_name: str  # "list"; up to 3.6 the one name it is called by
    module: str
    aliases: tuple[str, ...]


def _version(release: str) -> tuple[int, ...]:
    return tuple(int(part) for part in release.split("."))


def namespaced(catalog: Catalog) -> bool:
    return _version(catalog.release) >= NAMESPACED_SINCE


def commands(catalog: Catalog, loaded: Iterable[str]) -> list[MICommand]:
    """The MI commands of the core and of the loaded modules."""
    available = set(loaded) | {CORE}
    return [
        MICommand(full, full.partition(":")[2], data["module"], tuple(data["aliases"]))
        for full, data in catalog.mi_commands().items()
        if data["module"] in available
    ]


def reached(catalog: Catalog, name: str, loaded: Iterable[str]) -> list[MICommand]:
    """The commands `name` can mean: none (unknown), one, or several (ambiguous)."""
    known = commands(catalog, loaded)
    if not namespaced(catalog):
        return [c for c in known if c.local_name == name]
    exact = [c for c in known if c.full_name == name or name in c.aliases]
    return exact or [c for c in known if c.local_name == name]


def _same_name(old: str, new: str) -> bool:
    """ "domain_dump" / "dump", "refreshWatchers" / "refresh_watchers"."""
    flat = old.replace("_", "").lower()
    return old.endswith("_" + new) or flat == new.replace("_", "").lower()


def call_name(catalog: Catalog, command: MICommand) -> str:
    return command.full_name if namespaced(catalog) else command.local_name


def counterpart(before: MICommand, later: Catalog, loaded: Iterable[str]) -> Optional[str]:
    """What to call `before` (a command of another release) on the release `later`."""
    own_module = [c for c in commands(later, loaded) if c.module == before.module]
    names = (before.full_name, before.local_name, *before.aliases)
    for command in own_module:
        if command.local_name in names or set(command.aliases) & set(names):
            return call_name(later, command)
    for command in own_module:
        if _same_name(before.local_name, command.local_name) or _same_name(
            command.local_name, before.local_name
        ):
            return call_name(later, command)
    return None


def successor(name: str, release: str) -> Optional[str]:
    """The table's replacement for an MI name that `release` no longer has."""
    entry = MI_SUCCESSORS.get(name)
    if entry is None or _version(entry[0]) > _version(release):
        return None
    return entry[1]
