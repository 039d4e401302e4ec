"""Input highlighting: script code through the opensips Pygments lexer, a
meta-command's name in its own style."""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.lexers import Lexer, PygmentsLexer

from .commands import PREFIX


class InputLexer(Lexer):
    def __init__(self) -> None:
        # built on the first code typed: the first prompt shows an empty line
        self._code: Optional[PygmentsLexer] = None

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        if not document.text:
            return lambda number: []
        if not document.text.lstrip().startswith(PREFIX):
            if self._code is None:
                from ..highlight import OpensipsLexer

                self._code = PygmentsLexer(OpensipsLexer)
            return self._code.lex_document(document)
        lines = document.lines

        def line(number: int) -> StyleAndTextTuples:
            text = lines[number] if number < len(lines) else ""
            if number:
                return [("", text)]
            lead = len(text) - len(text.lstrip())
            name_end = lead + len(text[lead:].split(" ", 1)[0])
            return [("", text[:lead]), ("class:meta-command", text[lead:name_end]),
                    ("", text[name_end:])]
        return line
