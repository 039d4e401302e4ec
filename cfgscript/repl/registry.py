"""Meta-commands: each a function with its usage and help text beside it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .host import Host
from .words import Word

PREFIX = ":"

Action = Callable[[Host, list[Word]], bool]


class CommandError(Exception):
    """Bad use of a meta-command (one line, with a column when one is known)."""

    def __init__(self, message: str, column: int = 0):
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class MetaCommand:
    name: str
    usage: str                  # the arguments, e.g. "EVENT SOCKET [EXPIRE]"
    summary: str                # one line for :help
    details: str                # the rest of :help COMMAND
    action: Action
    takes: tuple[str, ...] = ()     # what each argument is, for completion

    def run(self, host: Host, words: list[Word]) -> bool:
        return self.action(host, words)


COMMANDS: dict[str, MetaCommand] = {}


def meta_command(name: str, usage: str = "", takes: tuple[str, ...] = ()
                 ) -> Callable[[Action], Action]:
    """Register a meta-command; the first line of its docstring is the summary."""
    def register(action: Action) -> Action:
        summary, _, details = (action.__doc__ or "").strip().partition("\n")
        COMMANDS[name] = MetaCommand(name, usage, summary.strip(),
                                     "\n".join(line.strip() for line in details.splitlines())
                                     .strip(), action, takes)
        return action
    return register


def arity(words: list[Word], low: int, high: int, usage: str) -> None:
    if not low <= len(words) <= high:
        raise CommandError("usage: %s" % usage)
