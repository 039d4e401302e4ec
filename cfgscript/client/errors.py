"""What can go wrong on the client side, each with a one-line message."""

from __future__ import annotations

from typing import Any, Optional


class ClientError(Exception):
    """A bad address, argument or a failed exchange: one line for the user."""


class AddressError(ClientError):
    """An MI address or listener socket that cannot be parsed."""


class ArgumentError(ClientError):
    """Command arguments that cannot become JSON-RPC params."""


class TransportError(ClientError):
    """No answer: refused, unreachable, timed out, or not JSON-RPC."""


class RPCError(ClientError):
    """The server answered with a JSON-RPC error."""

    def __init__(self, code: Any, message: str, data: Optional[Any] = None):
        self.code, self.message, self.data = code, message, data
        text = "%s %s" % (code, message)
        if data not in (None, ""):
            text += " (%s)" % (data if isinstance(data, str) else repr(data))
        super().__init__(text)
