"""Core pseudo-variables (OpenSIPS pvar.c): $var, $avp, $param, $rc, $return,
time and process variables, $route, $cfg_line, log levels and $C. The SIP
message variables are in runtime/msgvars.py.

Each @pvar method compiles one spec (name, index, dynamic name) into an
Accessor once, at load time; the returned closures do only run-time work.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Optional

from ..syntax.pvspec import PVSpec
from .accessor import Accessor
from .context import RouteFrame, RunContext
from .logger import L_WARN
from .module import Module, pvar
from .values import StrInt, Value, VInt, has_int, has_str, text
from .values import stored as to_stored

AVP_JOIN_LIMIT = 511        # $(avp(x)[*]) is printed into a buffer of this size

# $C(xy) colour letters: x foreground, y background
_COLOURS = {"x": None, "s": 0, "r": 1, "g": 2, "y": 3, "b": 4, "p": 5, "c": 6, "w": 7}


class NameResolver:
    """A variable's inner name: constant text, or computed from another variable."""

    def __init__(self, spec: PVSpec, compiler) -> None:
        self.constant: Optional[str] = None if spec.dynamic is not None else spec.inner
        self.reader: Optional[Callable] = (compiler.compile_read(spec.dynamic)
                                           if spec.dynamic is not None else None)

    def __call__(self, ctx: RunContext) -> Optional[str]:
        if self.reader is None:
            return self.constant
        value = self.reader(ctx)
        return None if value is None or value == "" else text(value)


def index_reader(spec: PVSpec, compiler) -> Callable[[RunContext], object]:
    """The index as an int, "*", "append" or None; variable indexes read at run time."""
    index = spec.index
    if isinstance(index, PVSpec):
        read = compiler.compile_read(index)

        def dynamic(ctx: RunContext):
            value = read(ctx)
            return int(value) if has_int(value) else None
        return dynamic
    return lambda ctx: index


class CoreVariables(Module):
    name = "core"

    # ------------------------------------------------------------ $var

    @pvar("var")
    def var(self, spec: PVSpec, compiler) -> Accessor:
        store = self.engine.script_vars
        name = spec.inner or ""

        def read(ctx: RunContext) -> Value:
            return store.get(name)

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            store[name] = to_stored(value)
            return True

        def delete(ctx: RunContext, op: str) -> bool:
            store[name] = None
            return True

        return Accessor(read, write, delete)

    # ------------------------------------------------------------ $avp

    @pvar("avp")
    def avp(self, spec: PVSpec, compiler) -> Accessor:
        name_of = NameResolver(spec, compiler)
        index_of = index_reader(spec, compiler)

        def read(ctx: RunContext) -> Value:
            stack = ctx.avps.stacks.get(name_of(ctx))
            if not stack:
                return None
            index = index_of(ctx)
            if index is None or index == "append":
                return stack[-1]
            if index == "*":
                return _join_avps(stack)
            position = _avp_position(len(stack), index)
            return None if position is None else stack[position]

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            name = name_of(ctx)
            if name is None:
                return False
            stored = to_stored(value)
            stacks = ctx.avps.stacks
            index = index_of(ctx)
            if op == ":=" or index == "*":
                stacks[name] = [stored]
            elif index == "append":
                stacks.setdefault(name, []).insert(0, stored)
            elif isinstance(index, int):
                stack = stacks.get(name) or []
                position = _avp_position(len(stack), index)
                if position is None:
                    return False
                stack[position] = stored
            else:
                stacks.setdefault(name, []).append(stored)
            return True

        def delete(ctx: RunContext, op: str) -> bool:
            name = name_of(ctx)
            stack = ctx.avps.stacks.get(name)
            if not stack:
                return True
            index = index_of(ctx)
            if op == ":=" or index == "*":
                del ctx.avps.stacks[name]
                return True
            position = _avp_position(len(stack), index if isinstance(index, int) else 0)
            if position is not None:
                del stack[position]
            if not stack:
                del ctx.avps.stacks[name]
            return True

        def item(ctx: RunContext, index: int) -> Value:
            stack = ctx.avps.stacks.get(name_of(ctx))
            if not stack:
                return None
            position = _avp_position(len(stack), index)
            return None if position is None else stack[position]

        return Accessor(read, write, delete, item)

    # ------------------------------------------------------------ $param, $rc, $return

    @pvar("param")
    def param(self, spec: PVSpec, compiler) -> Accessor:
        key_of = _param_key(spec, compiler)
        log = self.engine.logger

        def read(ctx: RunContext) -> Value:
            if not ctx.params:
                return None
            frame = ctx.params[-1]
            key = key_of(ctx)
            if frame.kind == "route":
                if not isinstance(key, int):
                    if key is not None:
                        log.error("core", "route_param_get",
                                  "route $param variable accepts only integer indexes")
                    return None
                return frame.values[key - 1] if 1 <= key <= len(frame.values) else None
            return _event_param(frame, key, log)

        return Accessor(read)

    @pvar("rc")
    def rc(self, spec: PVSpec, compiler) -> Accessor:
        return Accessor(lambda ctx: VInt(ctx.rc))

    @pvar("retcode")
    def retcode(self, spec: PVSpec, compiler) -> Accessor:
        return Accessor(lambda ctx: VInt(ctx.rc))

    @pvar("return")
    def return_value(self, spec: PVSpec, compiler) -> Accessor:
        key_of = _param_key(spec, compiler)

        def read(ctx: RunContext) -> Value:
            index = key_of(ctx)
            if not isinstance(index, int) or not 0 <= index < len(ctx.last_returns):
                return None
            return ctx.last_returns[index]
        return Accessor(read)

    # ------------------------------------------------------------ time and process

    @pvar("time")
    def time_fmt(self, spec: PVSpec, compiler) -> Accessor:
        fmt = spec.inner or ""

        def read(ctx: RunContext) -> Value:
            out = time.strftime(fmt, time.localtime())
            return out or None
        return Accessor(read)

    @pvar("Ts")
    def now_seconds(self, spec: PVSpec, compiler) -> Accessor:
        return Accessor(lambda ctx: VInt(int(time.time())))

    @pvar("Tsm")
    def now_micros(self, spec: PVSpec, compiler) -> Accessor:
        return Accessor(lambda ctx: VInt(int(time.time() * 1_000_000) % 1_000_000))

    @pvar("TS")
    def start_seconds(self, spec: PVSpec, compiler) -> Accessor:
        started = VInt(int(self.engine.started))
        return Accessor(lambda ctx: started)

    @pvar("Tf")
    def now_text(self, spec: PVSpec, compiler) -> Accessor:
        return Accessor(lambda ctx: time.ctime())

    @pvar("pp")
    def pid(self, spec: PVSpec, compiler) -> Accessor:
        pid = VInt(os.getpid())
        return Accessor(lambda ctx: pid)

    @pvar("argv")
    def argv(self, spec: PVSpec, compiler) -> Accessor:
        value = self.engine.argv.get(spec.inner or "")
        return Accessor(lambda ctx: value)

    # ------------------------------------------------------------ logging levels

    @pvar("log_level")
    def log_level(self, spec: PVSpec, compiler) -> Accessor:
        return self._level_accessor("log_level", "default_log_level")

    @pvar("xlog_level")
    def xlog_level(self, spec: PVSpec, compiler) -> Accessor:
        return self._level_accessor("xlog_level", "default_xlog_level")

    def _level_accessor(self, attr: str, default_attr: str) -> Accessor:
        log = self.engine.logger

        def read(ctx: RunContext) -> Value:
            return VInt(getattr(log, attr))

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            if not has_int(value) or type(value) is StrInt:
                log.error("core", "pv_set_" + attr, "%s must be an integer" % attr)
                return False
            setattr(log, attr, int(value))
            return True

        def delete(ctx: RunContext, op: str) -> bool:
            setattr(log, attr, getattr(log, default_attr))
            return True

        return Accessor(read, write, delete)

    # ------------------------------------------------------------ script position, routes

    @pvar("cfg_line")
    def cfg_line(self, spec: PVSpec, compiler) -> Accessor:
        return Accessor(lambda ctx: VInt(ctx.line))

    @pvar("cfg_file")
    def cfg_file(self, spec: PVSpec, compiler) -> Accessor:
        return Accessor(lambda ctx: ctx.file)

    @pvar("route")
    def route(self, spec: PVSpec, compiler) -> Accessor:
        index_of = index_reader(spec, compiler)

        def read(ctx: RunContext) -> Value:
            index = index_of(ctx)
            if index == "*":
                return " > ".join(_frame_text(f, i == 0) for i, f in enumerate(ctx.routes))
            frame = _stack_frame(ctx.routes, index)
            return None if frame is None else _frame_text(frame, frame is ctx.routes[0])
        return Accessor(read)

    @pvar("route.name")
    def route_name(self, spec: PVSpec, compiler) -> Accessor:
        return _frame_accessor(spec, compiler, _frame_name)

    @pvar("route.type")
    def route_type(self, spec: PVSpec, compiler) -> Accessor:
        return _frame_accessor(spec, compiler, lambda frame: frame.kind)

    # ------------------------------------------------------------ colours and SIP

    @pvar("C")
    def colour(self, spec: PVSpec, compiler) -> Accessor:
        """The escape sequence of $C(xy) when xlog_force_color is on. OpenSIPS
        lower-cases the name it keeps when it first reads an upper-case one, so
        each occurrence is bold the first time only."""
        name = spec.inner or "xx"
        bold = [name[:1].isupper()]
        engine = self.engine

        def read(ctx: RunContext) -> str:
            if not engine.settings.xlog_force_color:
                return ""
            font = "1" if bold[0] else "0"
            bold[0] = False
            return _colour_code(font, name)
        return Accessor(read, per_occurrence=True)


def _avp_position(size: int, index: int) -> Optional[int]:
    """Where AVP index `index` sits in a stack kept oldest first: 0 is the newest
    value, negative indexes count from the oldest (-1 is the first added)."""
    position = size - 1 - index if index >= 0 else -index - 1
    return position if 0 <= position < size else None


def _join_avps(stack: list) -> Value:
    """$(avp(x)[*]): the values newest first, joined with ", " (bounded, like OpenSIPS)."""
    joined = ", ".join(text(v) for v in reversed(stack))
    return joined[:AVP_JOIN_LIMIT]


def _param_key(spec: PVSpec, compiler) -> Callable[[RunContext], object]:
    """$param(N) / $param(name) / $param($var): an int index or a name."""
    if spec.dynamic is not None:
        read = compiler.compile_read(spec.dynamic)

        def dynamic(ctx: RunContext):
            value = read(ctx)
            if has_int(value):
                return int(value)
            return value if has_str(value) else None
        return dynamic
    inner = spec.inner or ""
    key = int(inner) if inner.lstrip("-").isdigit() else inner
    return lambda ctx: key


def _event_param(frame, key, log) -> Value:
    values, names = frame.values, frame.names
    if isinstance(key, int):
        if 1 <= key <= len(values):
            return values[key - 1]
        log.log(L_WARN, "core", "event_route_param_get", "Parameter %d not found for event %s"
                " - max %d" % (key, frame.event, len(values)))
        return None
    if names:
        for name, value in zip(names, values):
            if name == key:
                return value
    log.log(L_WARN, "core", "event_route_param_get", "Parameter <%s> not found for event <%s>"
            % (key, frame.event))
    return None


def _stack_frame(frames: list[RouteFrame], index) -> Optional[RouteFrame]:
    """$(route[i]): 0 is the current route, negative indexes count from the top."""
    if index is None or index == "append":
        index = 0
    if not isinstance(index, int):
        return None
    size = len(frames)
    if index < 0:
        index += size
    if not 0 <= index < size:
        return None
    return frames[size - index - 1]


def _frame_accessor(spec: PVSpec, compiler,
                    value_of: Callable[[RouteFrame], Value]) -> Accessor:
    """A $route.* variable: value_of the route frame its index names (NULL when none)."""
    index_of = index_reader(spec, compiler)

    def read(ctx: RunContext) -> Value:
        frame = _stack_frame(ctx.routes, index_of(ctx))
        return None if frame is None else value_of(frame)
    return Accessor(read)


def _frame_text(frame: RouteFrame, is_top: bool) -> str:
    """A frame as $route prints it; a name marked with "!" (error_route) prints as it is."""
    if is_top:
        return frame.kind if frame.name is None else "%s[%s]" % (frame.kind, frame.name)
    if frame.name is None:
        return "route"
    return frame.name[1:] if frame.name.startswith("!") else "route[%s]" % frame.name


def _frame_name(frame: RouteFrame) -> str:
    return "" if frame.name is None or frame.name.startswith("!") else frame.name


def _colour_code(font: str, name: str) -> str:
    foreground = _COLOURS.get(name[:1].lower())
    background = _COLOURS.get(name[1:2])
    return "\033[%s;%d;%dm" % (font, 39 if foreground is None else 30 + foreground,
                                49 if background is None else 40 + background)
