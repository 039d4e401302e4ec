"""Meta-commands that listen where subscribers point."""

from __future__ import annotations

from .host import Host
from .registry import CommandError, arity, meta_command
from .words import Word


@meta_command(":listen", "SOCKET", takes=("socket",))
def listen(host: Host, words: list[Word]) -> bool:
    """Print the events arriving on a socket, above the prompt.
    SOCKET: udp:HOST:PORT (port 0: any free one), unix:PATH, tcp:HOST:PORT or
    rabbitmq:[user[:password]@]host[:port]/[params?]routing_key - the
    listener of `cfgscript listen`. Subscribe the socket it prints."""
    arity(words, 1, 1, ":listen SOCKET")
    where = host.listening.listen(words[0].text)
    host.out.show("listening on %s" % where)
    return True


@meta_command(":unlisten", "[SOCKET]", takes=("listening",))
def unlisten(host: Host, words: list[Word]) -> bool:
    """Stop listening on a socket (on every one without SOCKET)."""
    arity(words, 0, 1, ":unlisten [SOCKET]")
    closed = host.listening.unlisten(words[0].text if words else None)
    if words and not closed:
        raise CommandError("not listening on %s" % words[0].text, words[0].column)
    for where in closed:
        host.out.show("stopped listening on %s" % where)
    return True
