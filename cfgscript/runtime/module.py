"""How a runtime module declares its exports, the way an OpenSIPS module's
export tables do: script functions with parameter kinds, pseudo-variables,
module parameters with types and defaults, Event Interface transports and MI
commands.

    class Cfgutils(Module):
        name = "cfgutils"
        params = (ModParam("initial_probability", "int", 10), ...)

        @function("rand_event", Arg("int", optional=True))
        def rand_event(self, ctx, probability): ...

        @pvar("RANDOM")
        def random_var(self, spec, compiler): ...    # returns a reader (and writer)

A function receives the run context and its arguments already converted to
what each kind means: "int" an int, "str" a str, "regex" a `Regex` (runtime/regex),
"var" a `VarRef` (read and write the variable given by the script).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .host import Interpreter


@dataclass(frozen=True, slots=True)
class Arg:
    kind: str                           # "int", "str", "var", "regex"
    optional: bool = False
    avp_only: bool = False              # a "var" that must be an $avp
    writable: bool = False              # a "var" that is written to
    expand: bool = True                 # a "str" literal is a format string


@dataclass(frozen=True, slots=True)
class ModParam:
    name: str
    type: str                           # "int", "str" or "int|str"
    default: Any = None
    repeatable: bool = False            # each modparam adds a value (a list)


@dataclass(frozen=True)
class FunctionExport:
    name: str
    args: tuple[Arg, ...]
    method: str

    @property
    def min_args(self) -> int:
        required = [i for i, a in enumerate(self.args) if not a.optional]
        return required[-1] + 1 if required else 0


@dataclass(frozen=True)
class PVarExport:
    name: str
    method: str                         # (self, spec, compiler) -> Accessor


@dataclass(frozen=True)
class MICommand:
    name: str                           # full name, e.g. "evi:raise"
    recipes: tuple[tuple[str, ...], ...]
    method: str
    aliases: tuple[str, ...] = ()


def function(name: str, *args: Arg) -> Callable:
    """Declare a script function implemented by the decorated method."""
    def mark(method):
        method.__function_export__ = FunctionExport(name, tuple(args), method.__name__)
        return method
    return mark


def pvar(*names: str) -> Callable:
    """Declare pseudo-variables; the method compiles a spec into an Accessor."""
    def mark(method):
        method.__pvar_exports__ = [PVarExport(name, method.__name__) for name in names]
        return method
    return mark


def mi_command(name: str, *recipes: tuple[str, ...], aliases: tuple[str, ...] = ()) -> Callable:
    def mark(method):
        method.__mi_export__ = MICommand(name, tuple(recipes) or ((),), method.__name__, aliases)
        return method
    return mark


class Module:
    """Base of runtime modules. Subclasses set `name` and declare exports."""
    name: ClassVar[str] = ""
    params: ClassVar[tuple[ModParam, ...]] = ()
    transport_classes: ClassVar[tuple[type, ...]] = ()   # Event Interface transports
    events: ClassVar[tuple[str, ...]] = ()      # events the module publishes

    functions: ClassVar[dict[str, FunctionExport]]
    pvars: ClassVar[dict[str, PVarExport]]
    mi_commands: ClassVar[dict[str, MICommand]]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.functions, cls.pvars, cls.mi_commands = {}, {}, {}
        for attr in vars(cls).values():
            if hasattr(attr, "__function_export__"):
                cls.functions[attr.__function_export__.name] = attr.__function_export__
            for export in getattr(attr, "__pvar_exports__", ()):
                cls.pvars[export.name] = export
            if hasattr(attr, "__mi_export__"):
                cls.mi_commands[attr.__mi_export__.name] = attr.__mi_export__

    def __init__(self, engine: Interpreter):
        self.engine = engine
        self.param_values: dict[str, Any] = {
            p.name: ([] if p.repeatable else p.default) for p in self.params}

    def param(self, name: str) -> Any:
        return self.param_values[name]

    def set_param(self, name: str, value: Any) -> bool:
        """modparam: False when the module has no such parameter or the type is wrong.
        Parameters the catalog knows but this module does not use are accepted."""
        spec = next((p for p in self.params if p.name == name), None)
        if spec is None:
            known = self.engine.catalog.module_params(self.name).get(name)
            spec = ModParam(name, known, None, "func" in known) if known else None
        if spec is None or ("int" if isinstance(value, int) else "str") not in spec.type.split("|"):
            return False
        if spec.repeatable and name not in self.param_values:
            self.param_values[name] = []
        if spec.repeatable:
            self.param_values[name].append(value)
        else:
            self.param_values[name] = value
        return True

    def init(self) -> None:
        """Called once every modparam is set, before the script starts."""

    def shutdown(self) -> None:
        """Called when the engine stops."""


@dataclass
class ModuleRegistry:
    """The modules cfgscript implements, by OpenSIPS module name."""
    classes: dict[str, type[Module]] = field(default_factory=dict)

    def register(self, cls: type[Module]) -> type[Module]:
        self.classes[cls.name] = cls
        return cls
