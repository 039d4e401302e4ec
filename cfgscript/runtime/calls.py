"""Calls of module functions, compiled: each argument is converted once at load
time when it can be (a literal, a regex, the variable of a "var" parameter) and
per call otherwise; the function runs only when every argument converts, as
OpenSIPS's get_cmd_fixups() decides.
"""

from __future__ import annotations

from collections.abc import Callable

from ..syntax import ast
from ..syntax.pvspec import parse_format
from .accessor import Accessor
from .compiler import CompileError, Compiler
from .context import E_UNSPEC, RunContext
from .logger import Logger
from .module import Arg, FunctionExport, Module
from .regex import Regex, RegexError, compile_regex
from .values import Value, has_int, has_str, int_of, text


def bind_call(module: Module, export: FunctionExport, node: ast.Call,
               compiler: Compiler) -> Callable[[RunContext], int]:
    """Compile a call: arguments are converted once here or per call, the
    function runs only when every argument converts (get_cmd_fixups)."""
    method = getattr(module, export.method)
    log = module.engine.logger
    converters = [_converter(index, arg, spec, compiler, log)
                  for index, (arg, spec) in enumerate(zip(node.args, export.args), 1)]
    converters += [_Constant(None)] * max(len(export.args) - len(node.args), 0)
    if all(type(c) is _Constant for c in converters):
        constant_args = tuple(c.value for c in converters)
        return lambda ctx: method(ctx, *constant_args)
    converters = [(lambda ctx, v=c.value: v) if type(c) is _Constant else c for c in converters]
    failed = "Failed to get fixups for command <%s> in %s, line %d" % (export.name, node.file,
                                                                        node.line)

    def call(ctx: RunContext) -> int:
        args = []
        for convert in converters:
            value = convert(ctx)
            if value is _FAILED:
                log.error("core", "do_action", failed)
                return E_UNSPEC
            args.append(value)
        return method(ctx, *args)
    return call


class _Constant:
    """An argument known at load time (a literal, or the variable of a "var" param)."""
    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value


_FAILED = object()


class VarRef:
    """A "var" argument: the variable itself, for the function to read or write."""
    __slots__ = ("spec", "accessor", "read")

    def __init__(self, spec, accessor: Accessor, read):
        self.spec, self.accessor, self.read = spec, accessor, read

    def write(self, ctx: RunContext, value: Value, op: str = "=") -> bool:
        if self.accessor.write is None:
            return False
        if value is None:
            return self.accessor.delete(ctx, op) if self.accessor.delete else False
        return self.accessor.write(ctx, op, value)

    def values(self, ctx: RunContext) -> list[Value]:
        """Every value, first to last, as for-each walks them: index 0, 1, ...
        until one is NULL; a variable without indexes has its one value, if any."""
        item = self.accessor.item
        if item is None:
            value = self.read(ctx)
            return [] if value is None else [value]
        values = []
        while True:
            value = item(ctx, len(values))
            if value is None:
                return values
            values.append(value)


def parameter_regex(pattern: str) -> Regex:
    """fixup_regcomp(): REG_EXTENDED|REG_ICASE|REG_NEWLINE."""
    return compile_regex(pattern, icase=True, newline=True)


def _converter(index: int, arg, spec: Arg, compiler: Compiler, log: Logger):
    """How one argument is obtained: a _Constant, or a function of the run context."""
    if arg is None:
        return _Constant(None)
    if spec.kind == "var":
        return _Constant(VarRef(arg.spec, compiler.accessor(arg.spec),
                                compiler.compile_read(arg.spec)))
    if isinstance(arg, ast.Var):
        read = compiler.compile_read(arg.spec)
        return _variable_converter(index, spec.kind, read, log)
    if spec.kind == "int":
        return _Constant(arg.value)
    if spec.kind == "regex":
        try:
            return _Constant(parameter_regex(arg.value))
        except RegexError:
            raise CompileError("bad re %s" % arg.value, arg) from None
    if spec.expand:
        fmt = parse_format(arg.value)
        return _Constant(fmt.text) if fmt.is_constant else compiler.compile_format(arg.value)
    return _Constant(arg.value)


def _variable_converter(index: int, kind: str, read, log: Logger):
    if kind == "int":
        def as_int(ctx: RunContext):
            value = read(ctx)
            if value is None or not has_int(value):
                log.error("core", "get_cmd_fixups", "Variable in param [%d] is not an integer"
                          % index)
                return _FAILED
            return int_of(value)
        return as_int

    def as_str(ctx: RunContext):
        value = read(ctx)
        if value is None or not has_str(value):
            log.error("core", "get_cmd_fixups", "Variable in param [%d] is not a string" % index)
            return _FAILED
        if kind == "regex":
            try:
                return parameter_regex(str(value))
            except RegexError:
                log.error("core", "get_cmd_fixups", "bad re %s" % value)
                return _FAILED
        return text(value)
    return as_str
