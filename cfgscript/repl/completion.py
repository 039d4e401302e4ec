"""Tab completion at the prompt: what may come where the cursor is, read from
the text before it on its line."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Optional

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from . import candidates as found
from .commands import COMMANDS, PREFIX
from .session import Session

Source = Callable[[Session], list[found.Candidate]]

_BY_ARGUMENT: dict[str, Source] = {
    "event": found.events,
    "socket": found.sockets,
    "route": found.routes,
    "listening": lambda s: [found.Candidate(x, "listening here") for x in s.listening.sockets()],
    "topic": found.help_topics,
}
_REPEATED = ("param", "value")

# In script code, most specific first: (pattern ending at the cursor, source).
_CODE_CONTEXTS: list[tuple[re.Pattern, Source]] = [
    (re.compile(r'\bsubscribe_event\s*\(\s*"[^"]*"\s*,\s*"(?P<word>[^"]*)$'), found.sockets),
    (re.compile(r'\b(?:raise_event|subscribe_event)\s*\(\s*"(?P<word>\w*)$'), found.events),
    (re.compile(r'\broute\s*\(\s*(?P<word>[\w-]*)$'), found.routes),
    (re.compile(r'\$\(?var\((?P<word>\w*)$'), lambda s: found.script_variables(s, "var")),
    (re.compile(r'\$\(?avp\((?P<word>\w*)$'), lambda s: found.script_variables(s, "avp")),
    (re.compile(r'\$\([^(){}]*(?:\([^()]*\))?[^(){}]*(?:\{[^{}]*\})*\{(?P<word>[\w.]*)$'),
     found.transformations),
    (re.compile(r'(?P<word>\$\w*)$'), found.pseudo_variables),
    (re.compile(r'(?:^|[^\w$."])(?P<word>[A-Za-z_]\w*)$'), found.functions),
]


class ReplCompleter(Completer):
    def __init__(self, session: Session):
        self.session = session
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterator[Completion]:
        before = document.current_line_before_cursor
        if before.lstrip().startswith(PREFIX):
            if self._wants_file(before):
                word = before.split()[-1] if not before.endswith(" ") else ""
                yield from self.paths.get_completions(Document(word, len(word)), complete_event)
                return
            word, options = self._meta_context(before)
        else:
            word, options = self._code_context(before)
        for option in options:
            if option.text.lower().startswith(word.lower()) and option.text != word:
                yield Completion(option.text, -len(word), display_meta=option.meta)

    def _meta_context(self, before: str) -> tuple[str, list[found.Candidate]]:
        words = before.split()
        typed, word = (words, "") if before.endswith(" ") else (words[:-1], words[-1])
        if not typed:
            return word, found.meta_commands()
        command = COMMANDS.get(typed[0])
        kind = _argument_kind(command.takes if command else (), len(typed) - 1)
        if kind == "param":
            return ("", []) if "=" in word else (word, found.event_params(self.session, typed[1]))
        if kind == "subscriber":
            return word, found.subscribers(self.session, typed[1])
        source = _BY_ARGUMENT.get(kind or "")
        return word, source(self.session) if source else []

    def _code_context(self, before: str) -> tuple[str, list[found.Candidate]]:
        for pattern, source in _CODE_CONTEXTS:
            match = pattern.search(before)
            if match:
                return match.group("word"), source(self.session)
        return "", []

    @staticmethod
    def _wants_file(before: str) -> bool:
        words = before.split()
        command = COMMANDS.get(words[0]) if words else None
        count = len(words) - (0 if before.endswith(" ") else 1)
        return command is not None and _argument_kind(command.takes, count - 1) == "file"


def _argument_kind(takes: tuple[str, ...], index: int) -> Optional[str]:
    """What the index-th argument of a command is (the last kind may repeat)."""
    if index < 0 or not takes:
        return None
    if index < len(takes):
        return takes[index]
    return takes[-1] if takes[-1] in _REPEATED else None
