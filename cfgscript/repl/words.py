"""The words of a meta-command: bare words, "quoted" strings (JSON string
escapes), JSON arrays and objects, each maybe named (name=value)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Optional, Union

_NAME = re.compile(r"([A-Za-z_][\w.-]*)=")
_INT = re.compile(r"-?\d+\Z")
_JSON_WORDS = {"true": True, "false": False, "null": None}
_DECODER = json.JSONDecoder()

EventValue = Union[int, str]


class WordError(ValueError):
    """A word that cannot be read; column is 1-based in the command line."""

    def __init__(self, message: str, column: int):
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Word:
    text: str                   # as typed
    value: Any                  # int, str, or a decoded JSON value
    name: Optional[str] = None  # name=value
    column: int = 1
    quoted: bool = False        # typed as "..." (a string, whatever it holds)


def split_words(line: str, start: int = 0) -> list[Word]:
    """The words of line[start:]."""
    words = []
    position = start
    while True:
        while position < len(line) and line[position].isspace():
            position += 1
        if position >= len(line):
            return words
        word, position = _word(line, position)
        words.append(word)


def _word(line: str, position: int) -> tuple[Word, int]:
    begin = position
    name = None
    named = _NAME.match(line, position)
    if named:
        name, position = named.group(1), named.end()
    if position < len(line) and line[position] in '"[{':
        try:
            value, end = _DECODER.raw_decode(line, position)
        except ValueError as err:
            raise WordError("bad %s: %s" % ("string" if line[position] == '"' else "JSON value",
                                            getattr(err, "msg", err)), position + 1) from None
        if end < len(line) and not line[end].isspace():
            raise WordError("expected a space after the value", end + 1)
        return Word(line[begin:end], value, name, begin + 1, line[position] == '"'), end
    end = position
    while end < len(line) and not line[end].isspace():
        end += 1
    return Word(line[begin:end], _bare(line[position:end]), name, begin + 1), end


def _bare(text: str) -> Any:
    if _INT.match(text):
        return int(text)
    return _JSON_WORDS.get(text, text)


def event_value(word: Word) -> EventValue:
    """As an event parameter: ints stay ints, strings stay, other JSON values
    go as their compact JSON text."""
    value = word.value
    if word.quoted or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
