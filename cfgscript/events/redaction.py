"""How socket strings are shown: in logs, MI answers, errors and statistics
names, never with a password.

Every place that prints a socket (or a part of one, or a server URI) passes it
through redact_socket(). The rule follows the `[user[:password]@]host...`
grammar the transports parse, erring on the side of hiding too much:

  * the user name ends at the first ':' or '@';
  * the credentials end at the last '@' before the first '/' after the first
    '@': a password with an unescaped '@' (or '/') is hidden whole, although
    the parser splits it at its first '@';
  * "host:PORT/..." is an address and a port, not a user and a password,
    even when the routing key that follows holds an '@';
  * whatever lies between the user name and that last '@' becomes ":***".

Each whitespace-separated word is redacted on its own, so the members of a
`virtual:` socket are, and so is a URI inside a longer message.
"""

from __future__ import annotations

import re

_WORDS = re.compile(r"(\s+)")
HIDDEN = "***"


def redact_socket(text: str, has_proto: bool = True) -> str:
    """text with every password in it replaced by ***. has_proto=False: the
    text is what follows "proto:" (the parsers of the transports see that)."""
    words = _WORDS.split(text)
    for index in range(0, len(words), 2):           # odd indexes hold the separators
        word = words[index]
        if "@" not in word:
            continue
        if has_proto or index:
            proto, sep, address = word.partition(":")
            words[index] = proto + sep + _redact_address(address) if sep else word
        else:
            words[index] = _redact_address(word)
    return "".join(words)


def _redact_address(address: str) -> str:
    first_at = address.find("@")
    if first_at < 0:
        return address
    slash = address.find("/", first_at)
    last_at = address.rfind("@", 0, slash if slash >= 0 else len(address))
    colon = address.find(":")
    user_end = colon if 0 <= colon < first_at else first_at
    if user_end == last_at:
        return address                              # user@host: nothing secret
    if user_end == colon and _is_port_then_path(address, colon, first_at):
        return address
    return address[:user_end] + ":" + HIDDEN + address[last_at:]


def _is_port_then_path(address: str, colon: int, first_at: int) -> bool:
    """host:5672/key@... : the ':' starts a port, the '@' is in the path."""
    slash = address.find("/", colon)
    return 0 <= slash < first_at and address[colon + 1:slash].isdigit()
