"""MI requests: the JSON-RPC 2.0 envelope, command lookup and parameter recipes.

As OpenSIPS 4.x handles them (mi/mi.c, mi/mi_trace.c):

  * a request needs "jsonrpc": "2.0", a string "method" and, if present,
    array or object "params" (else -32600); unparsable JSON is -32700;
  * without "id" it is a notification: it runs, but only envelope errors
    get an answer;
  * commands have full names (evi:raise), legacy aliases (raise_event) and
    may be called by their bare local name when that is unique (else -32001);
  * positional params pick the recipe with as many parameters; named params
    must match one recipe's names exactly (-32602 otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional

from .errors import (
    AMBIGUOUS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    SERVER_ERROR,
    MIError,
    invalid_params,
)

Handler = Callable[..., Any]
_COMPACT = {"separators": (",", ":"), "ensure_ascii": False}


@dataclass
class Command:
    name: str                               # full name, "evi:raise"
    recipes: tuple[tuple[str, ...], ...]
    handler: Handler                        # called with the matched params (a dict)
    aliases: tuple[str, ...] = ()
    help: str = ""

    @property
    def local_name(self) -> str:
        return self.name.split(":", 1)[-1]

    @property
    def group(self) -> str:
        return self.name.split(":", 1)[0] if ":" in self.name else "core"


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)

    def add(self, command: Command) -> None:
        self.commands[command.name] = command

    def resolve(self, method: str) -> Command:
        command = self.commands.get(method)
        if command is not None:
            return command
        aliased = [c for c in self.commands.values() if method in c.aliases]
        if aliased:
            return aliased[0]
        local = [c for c in self.commands.values() if c.local_name == method]
        if len(local) == 1:
            return local[0]
        if len(local) > 1:
            raise MIError(AMBIGUOUS, "Method ambiguous",
                          "supported names: " + ", ".join(sorted(c.name for c in local)))
        raise MIError(METHOD_NOT_FOUND, "Method not found")

    def names(self) -> list[str]:
        return sorted(self.commands)


def match_recipe(command: Command, params: Any) -> dict[str, Any]:
    """The parameters by name, following the command's recipes."""
    if params is None or params == [] or params == {}:
        params = []
    if isinstance(params, list):
        recipes = [r for r in command.recipes if len(r) == len(params)]
        if not recipes:
            raise invalid_params("Too few or too many parameters")
        if len(recipes) > 1:
            raise invalid_params("Ambiguous call, use named parameters instead")
        return dict(zip(recipes[0], params))
    if not any(len(r) == len(params) for r in command.recipes):
        raise invalid_params("Too few or too many parameters")
    if not any(set(r) == set(params) for r in command.recipes):
        raise invalid_params("Named parameters do not match")
    return dict(params)


# ---------------------------------------------------------------- parameter types

def get_str(params: dict, name: str) -> str:
    """A string parameter: a string, or a number given as text."""
    value = params.get(name)
    if isinstance(value, bool) or value is None or value == "":
        raise invalid_params("Bad type for parameter '%s'" % name)
    if isinstance(value, (int, float)):
        return str(int(value)) if isinstance(value, int) or value.is_integer() else str(value)
    if not isinstance(value, str):
        raise invalid_params("Bad type for parameter '%s'" % name)
    return value


def get_int(params: dict, name: str) -> int:
    """An integer parameter: a number, or a numeric string."""
    value = params.get(name)
    if isinstance(value, bool):
        raise invalid_params("Bad type for parameter '%s'" % name)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    raise invalid_params("Bad type for parameter '%s'" % name)


# ---------------------------------------------------------------- the envelope

def _reply(request_id: Any, result: Any = None, error: Optional[MIError] = None) -> str:
    body: dict[str, Any] = {"jsonrpc": "2.0"}
    if error is not None:
        body["error"] = error.as_json()
    else:
        body["result"] = result
    body["id"] = request_id
    return json.dumps(body, **_COMPACT)


def handle(registry: Registry, data: bytes) -> Optional[str]:
    """Answer one request (None: a notification, no answer)."""
    try:
        request = json.loads(data.decode("utf-8", "replace"))
    except (ValueError, RecursionError):    # nesting too deep, as cJSON's limit refuses it
        return _reply(None, error=MIError(PARSE_ERROR, "Parse error"))
    if not isinstance(request, dict):
        return _reply(None, error=MIError(INVALID_REQUEST, "Invalid Request"))
    request_id = request.get("id")
    if (request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str)
            or ("params" in request and not isinstance(request["params"], (list, dict)))):
        return _reply(request_id, error=MIError(INVALID_REQUEST, "Invalid Request"))
    notification = "id" not in request
    try:
        command = registry.resolve(request["method"])
        params = match_recipe(command, request.get("params"))
        result = command.handler(params)
        if result is None:
            raise MIError(SERVER_ERROR, "Server error", "Command handler returned null")
        answer = _reply(request_id, result)
    except MIError as err:
        return None if notification else _reply(request_id, error=err)
    except RecursionError:          # params nested too deep to handle or to print
        err = MIError(SERVER_ERROR, "Server error", "Parameters nested too deep")
        return None if notification else _reply(request_id, error=err)
    return None if notification else answer
