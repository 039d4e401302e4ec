"""MI errors: a JSON-RPC error code, its message, and optional data."""

from __future__ import annotations

from typing import Optional

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
AMBIGUOUS = -32001
SERVER_ERROR = -32000


class MIError(Exception):
    def __init__(self, code: int, message: str, data: Optional[str] = None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data

    def as_json(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def invalid_params(data: str) -> MIError:
    return MIError(INVALID_PARAMS, "Invalid params", data)


class ServerError(OSError):
    """An MI server cannot start; the message names the address or the file."""
