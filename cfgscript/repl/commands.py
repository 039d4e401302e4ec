"""Every meta-command, by name (importing the modules registers them)."""

from __future__ import annotations

from . import event_commands, inspect_commands, listen_commands, script_commands
from .registry import COMMANDS, PREFIX, CommandError, MetaCommand

__all__ = ["COMMANDS", "PREFIX", "CommandError", "MetaCommand", "find"]
_MODULES = (event_commands, listen_commands, inspect_commands, script_commands)


def find(name: str) -> MetaCommand:
    """A command by its name or an unambiguous prefix of it (":sub" is not one)."""
    command = COMMANDS.get(name)
    if command is not None:
        return command
    matches = [c for n, c in COMMANDS.items() if n.startswith(name)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CommandError("%s is ambiguous: %s" % (name, ", ".join(c.name for c in matches)), 1)
    raise CommandError("unknown meta-command %s (see :help)" % name, 1)
