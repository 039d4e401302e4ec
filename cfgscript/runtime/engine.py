"""The engine: one interpreter thread running every route, one at a time, like
one OpenSIPS worker.

Loading applies the global parameters, loads the modules the script asks for
(implemented ones run, the others are known by name from the catalog),
applies the modparams and compiles every route. Running means: startup_route,
then timer routes on schedule, queued event routes, MI requests, until stopped.
"""

from __future__ import annotations

import gc
import heapq
import os
import queue
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional

from .. import ast
from ..catalog import CORE, Catalog, load_catalog
from ..diagnostics import ERROR, Diagnostic
from ..events.core import EventCore, Occurrence
from ..events.publish import publish_events
from ..events.route import RouteTransport
from ..events.sender import DEFAULT_FLUSH_SECONDS, DEFAULT_QUEUE_SIZE
from ..mi.commands import core_commands
from ..mi.core import Command as MICommand
from ..mi.core import Registry
from ..mi.core import handle as handle_mi
from ..pvspec import parse_format
from .compiler import CompileError, Compiler
from .context import (
    E_UNSPEC,
    FL_RETURN,
    MAX_ROUTE_DEPTH,
    AvpStore,
    ParamFrame,
    RouteFrame,
    RunContext,
)
from .logger import L_NOTICE, Logger
from .module import Accessor, Arg, FunctionExport, Module
from .values import Value, VInt, has_int, has_str, int_of, text

# Routes and event routes nest up to 100 deep, each level a few dozen Python frames.
PYTHON_RECURSION_LIMIT = 20000
MI_TIMEOUT = 10.0       # an MI request waits this long for the interpreter thread


@dataclass
class Settings:
    """Core global parameters that change how scripts run."""
    log_level: int = L_NOTICE
    xlog_level: int = L_NOTICE
    xlog_print_level: int = L_NOTICE
    stderror_enabled: bool = True
    log_prefix: str = ""
    log_event_enabled: bool = False
    max_while_loops: int = 10000
    enable_asserts: bool = False
    abort_on_assert: bool = False
    xlog_force_color: bool = False
    xlog_buf_size: int = 4096

    FIELDS = {"log_level": int, "xlog_level": int, "xlog_print_level": int,
              "stderror_enabled": bool, "log_prefix": str, "log_event_enabled": bool,
              "max_while_loops": int, "enable_asserts": bool, "abort_on_assert": bool,
              "xlog_force_color": bool, "xlog_buf_size": int}


@dataclass(eq=False)
class CompiledRoute:
    kind: str
    name: Optional[str]
    node: ast.Route
    body: Optional[Callable[[RunContext], int]] = None
    interval: Optional[int] = None
    top_frame: Optional[RouteFrame] = None

    @property
    def frame(self) -> RouteFrame:
        """How the route shows in $route when it runs at the top."""
        unnamed = self.kind in ("startup_route", "error_route", "local_route") or (
            self.kind == "route" and self.name in (None, "0"))
        return RouteFrame(self.kind, None if unnamed else self.name)


class StrictStop(Exception):
    """--strict: the script called something cfgscript cannot run."""


class ScriptAbort(Exception):
    """abort_on_assert, or a fatal problem while running."""


@dataclass
class RunOptions:
    plain_log: bool = False
    strict: bool = False
    argv: dict[str, str] = field(default_factory=dict)
    queue_size: int = DEFAULT_QUEUE_SIZE        # events buffered per network destination
    flush_timeout: float = DEFAULT_FLUSH_SECONDS    # for the senders at shutdown


class Engine:
    def __init__(self, script: ast.Script, options: Optional[RunOptions] = None,
                 logger: Optional[Logger] = None, catalog: Optional[Catalog] = None):
        from ..modules import core_modules
        sys.setrecursionlimit(max(sys.getrecursionlimit(), PYTHON_RECURSION_LIMIT))
        self.script = script
        self.options = options or RunOptions()
        self.logger = logger or Logger(plain=self.options.plain_log)
        self.catalog = catalog or load_catalog()
        self.settings = Settings()
        self.argv = dict(self.options.argv)
        self.started = time.time()
        self.script_vars: dict[str, Value] = {}
        self.modules: dict[str, Module] = {}
        self.known_modules: list[str] = []
        self.core = [cls(self) for cls in core_modules()]
        self.routes: dict[str, CompiledRoute] = {}          # route[name]
        self.event_routes: dict[str, CompiledRoute] = {}
        self.timer_routes: list[CompiledRoute] = []
        self.singletons: dict[str, CompiledRoute] = {}      # startup, error, main route
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()  # work for the interpreter thread
        self.stopping = False
        self._error_route_active = False
        self.events = EventCore(self.logger)
        self.events.register_transport(RouteTransport(self))
        self._active: list[RunContext] = []     # runs in progress, innermost last
        self.event_jobs = 0                     # > 0: event routes run inline, nested
        self.log_events = False                 # E_CORE_LOG, on once startup is done
        self._log_suppressed = 0
        self._spare_context: Optional[RunContext] = None   # reused by queued event routes

    # ------------------------------------------------------------ loading

    def load(self) -> list[Diagnostic]:
        """Apply globals, modules and modparams, then compile the routes."""
        problems: list[Diagnostic] = []
        for item in self.script.items:
            if isinstance(item, ast.GlobalParam):
                self._apply_global(item)
            elif isinstance(item, ast.LoadModule):
                self._load_module(item)
            elif isinstance(item, ast.ModParam):
                problem = self._apply_modparam(item)
                if problem:
                    problems.append(problem)
        if problems:
            return problems
        self.logger.configure(log_level=self.settings.log_level,
                              xlog_level=self.settings.xlog_level,
                              stderr_enabled=self.settings.stderror_enabled,
                              prefix=self.settings.log_prefix)
        self.compiler = Compiler(self)
        self.mi = self._mi_registry()
        problem = self._init_modules()
        if problem:
            return [problem]
        compiled = [self._register_route(node) for node in self.script.routes()]
        for route in compiled:
            try:
                route.body = self.compiler.block(route.node.body)
            except CompileError as err:
                where = err.node or route.node
                problems.append(Diagnostic(ERROR, str(err), where.file, where.line, where.col))
        if not problems:
            publish_events(self)
            self.logger.listeners.append(self._log_event)
        return problems

    def _init_modules(self) -> Optional[Diagnostic]:
        """Start every module; when one cannot (a socket it cannot bind), stop
        those already started and say where the module was loaded."""
        started: list[Module] = []
        for module in self._all_modules():
            try:
                module.init()
            except OSError as err:
                for each in reversed(started):
                    each.shutdown()
                where = next((item for item in self.script.items
                              if isinstance(item, ast.LoadModule) and item.module == module.name),
                             self.script)
                return Diagnostic(ERROR, "module %s cannot start: %s"
                                  % (module.name, err.strerror if err.errno else err),
                                  where.file, where.line, where.col)
            started.append(module)
            for transport_class in module.transport_classes:
                self.events.register_transport(transport_class(module))
        return None

    def _apply_global(self, item: ast.GlobalParam) -> None:
        kind = Settings.FIELDS.get(item.name)
        if kind is None or item.value is None:
            return      # SIP-only or unknown parameters are accepted and ignored
        if kind is str and isinstance(item.value, str):
            setattr(self.settings, item.name, item.value)
        elif kind in (int, bool) and isinstance(item.value, int):
            setattr(self.settings, item.name, kind(item.value))

    def _load_module(self, item: ast.LoadModule) -> None:
        name = item.module
        if name in self.modules or name in self.known_modules:
            return
        from ..modules import implemented_module
        cls = implemented_module(name)
        if cls is not None:
            self.modules[name] = cls(self)
        else:
            self.known_modules.append(name)

    def _apply_modparam(self, item: ast.ModParam) -> Optional[Diagnostic]:
        pattern = re.compile("^(%s)$" % item.module, re.IGNORECASE)
        for name, module in self.modules.items():
            if pattern.match(name) and not module.set_param(item.param, item.value):
                return Diagnostic(ERROR, "parameter <%s> not found in module <%s> - can't set"
                                  % (item.param, name), item.file, item.line, item.col)
        return None

    def _all_modules(self) -> list[Module]:
        return self.core + list(self.modules.values())

    def _register_route(self, node: ast.Route) -> CompiledRoute:
        """Make the route known (bodies are compiled once every route is)."""
        route = CompiledRoute(node.kind, node.name, node, interval=node.interval)
        route.top_frame = route.frame
        if node.kind == "route" and node.name not in (None, "0"):
            self.routes[node.name] = route
        elif node.kind == "event_route":
            self.event_routes[node.name] = route
        elif node.kind == "timer_route":
            self.timer_routes.append(route)
        elif node.name is None or node.name == "0":
            self.singletons[node.kind] = route
        return route

    # ------------------------------------------------------------ exports

    def _mi_registry(self) -> Registry:
        registry = Registry()
        for command in core_commands(self):
            registry.add(command)
        for module in self._all_modules():
            for export in module.mi_commands.values():
                registry.add(MICommand(export.name, export.recipes, getattr(module, export.method),
                                       export.aliases))
        return registry

    def mi_request(self, data: bytes, timeout: float = MI_TIMEOUT) -> Optional[bytes]:
        """Answer an MI request on the interpreter thread (called by MI servers)."""
        done = threading.Event()
        answer: list = []

        def job() -> None:
            answer.append(handle_mi(self.mi, data))
            done.set()
        self.post(job)
        if not done.wait(timeout):
            return None
        return answer[0].encode("utf-8") if answer[0] is not None else None

    def compile_format(self, text: str) -> Callable[[RunContext], str]:
        """A format string for module use (e.g. a file name suffix)."""
        return self.compiler.compile_format(text)

    def pvar_factory(self, name: str) -> Optional[Callable[..., Accessor]]:
        for module in self._all_modules():
            export = module.pvars.get(name)
            if export is not None:
                return getattr(module, export.method)
        return None

    def named_route(self, name: str) -> Optional[CompiledRoute]:
        """A route[name] block (its body may still be compiling)."""
        return self.routes.get(name)

    def compile_call(self, node: ast.Call, compiler: Compiler) -> Callable[[RunContext], int]:
        for module in self._all_modules():
            export = module.functions.get(node.name)
            if export is not None:
                return _bind_call(module, export, node, compiler)
        return self._unavailable(node)

    def compile_async(self, node, compiler: Compiler) -> Callable[[RunContext], int]:
        keyword = "async" if isinstance(node, ast.Async) else "launch"
        log = self.logger
        where = "%s:%d" % (node.file, node.line)

        def unsupported(ctx: RunContext) -> int:
            log.error("core", "do_action", "%s: %s(%s()) is not supported in cfgscript"
                      % (where, keyword, node.call.name))
            return E_UNSPEC
        return unsupported

    def _unavailable(self, node: ast.Call) -> Callable[[RunContext], int]:
        owners = [fn.module for fn in self.catalog.functions_named(node.name)]
        module = next((m for m in owners if m in self.known_modules), owners[0] if owners else "?")
        message = "%s:%d: %s() of module %s is not available in cfgscript" % (
            node.file, node.line, node.name, module if module != CORE else "core")
        strict = self.options.strict
        log = self.logger

        def not_available(ctx: RunContext) -> int:
            log.error("core", "do_action", message)
            if strict:
                raise StrictStop(message)
            return E_UNSPEC
        return not_available

    # ------------------------------------------------------------ running routes

    def new_context(self) -> RunContext:
        return RunContext(self, AvpStore())

    def call_route(self, ctx: RunContext, route: CompiledRoute, params: tuple) -> int:
        """route(name, params...): run_actions() with a new parameter frame."""
        ctx.routes.append(RouteFrame("route", route.name))
        ctx.params.append(ParamFrame("route", params))
        try:
            return self._run_actions(ctx, route.body)
        finally:
            ctx.params.pop()
            ctx.routes.pop()

    def _run_actions(self, ctx: RunContext, body) -> int:
        if ctx.depth_base + len(ctx.routes) > MAX_ROUTE_DEPTH:
            top = ctx.routes[0]
            self.logger.error("core", "run_actions", "route recursion limit reached, giving up! "
                              "(nested routes: %d, first: '%s', last: '%s')!"
                              % (ctx.depth_base + len(ctx.routes), top.kind,
                                 ctx.routes[-1].name))
            return E_UNSPEC
        if body is None:
            self.logger.warning("core", "run_actions", "null action list (route stack size: %d)"
                                % len(ctx.routes))
            return 1
        ctx.returns.append([])
        ctx.last_returns = []
        try:
            ret = body(ctx)
        finally:
            ctx.last_returns = ctx.returns.pop()
        ctx.flags &= ~FL_RETURN
        return ret

    def run_top(self, route: CompiledRoute, frame: Optional[ParamFrame] = None,
                ctx: Optional[RunContext] = None) -> int:
        """run_top_route(): a fresh run of a top-level route; returns its action flags."""
        ctx = ctx or self.new_context()
        self._active.append(ctx)
        ctx.routes.append(route.top_frame)
        if frame is not None:
            ctx.params.append(frame)
        try:
            self._run_actions(ctx, route.body)
        finally:
            ctx.routes.pop()
            if frame is not None:
                ctx.params.pop()
            self._active.pop()
        flags = ctx.flags
        ctx.flags = 0
        return flags

    def run_startup(self) -> None:
        route = self.singletons.get("startup_route")
        if route is not None:
            self.run_top(route)
        self.log_events = self.settings.log_event_enabled

    # ------------------------------------------------------------ event routes

    def run_event_route(self, name: str, occurrence: Occurrence) -> None:
        """Run event_route[name] for an event: nested now when an event route or
        an MI request is running, otherwise after the current run (queued)."""
        if self.event_jobs > 0:
            self._event_route_now(name, occurrence)
        else:
            self.post(lambda: self._event_route_now(name, occurrence))

    def _event_route_now(self, name: str, occurrence: Occurrence) -> None:
        route = self.event_routes.get(name)
        if route is None:
            self.logger.error("core", "route_received", "event route [%s] no longer available "
                              "in script" % name)
            return
        parent = self._active[-1] if self._active else None
        if parent is None and self._spare_context is not None:
            ctx, self._spare_context = self._spare_context, None
        else:
            ctx = self.new_context()
        if parent is not None:
            ctx.depth_base = parent.depth_base + len(parent.routes)
        params = occurrence.params
        frame = ParamFrame("event", tuple([_param_value(v) for _, v in params]) if params else (),
                           tuple([n for n, _ in params]) if params else (), occurrence.name)
        self.event_jobs += 1
        self._log_suppressed += 1
        try:
            self.run_top(route, frame, ctx)
        finally:
            self.event_jobs -= 1
            self._log_suppressed -= 1
        if parent is None:
            self._spare_context = _recycled(ctx)

    def run_as_event_job(self, job: Callable[[], Any]) -> Any:
        """Run work the way OpenSIPS runs an IPC job (MI evi:raise): event
        routes it triggers run inline."""
        self.event_jobs += 1
        try:
            return job()
        finally:
            self.event_jobs -= 1

    def _log_event(self, level: str, module: Optional[str], function: Optional[str],
                   message: str, prefix: str) -> None:
        """E_CORE_LOG: each printed line, except those logged while handling an event."""
        if not self.log_events or self._log_suppressed:
            return
        event = self.events.get("E_CORE_LOG")
        if event is None or not self.events.has_subscribers(event):
            return
        params: list = [("time", time.strftime("%b %e %H:%M:%S")), ("pid", os.getpid()),
                        ("level", level)]
        if module is not None and function is not None:
            params += [("module", module), ("function", function)]
        if prefix:
            params.append(("prefix", prefix))
        params.append(("message", message))
        self._log_suppressed += 1
        try:
            self.events.raise_event(event, tuple(params))
        finally:
            self._log_suppressed -= 1

    def run_error_route(self, ctx: RunContext) -> None:
        route = self.singletons.get("error_route")
        if route is None or self._error_route_active:
            return
        self._error_route_active = True
        saved = ctx.flags
        ctx.flags = 0
        try:
            ctx.routes.append(RouteFrame("error_route", None))
            self._run_actions(ctx, route.body)
            ctx.routes.pop()
        finally:
            ctx.flags = saved
            ctx.error_info = None
            self._error_route_active = False

    def abort(self, reason: str) -> None:
        raise ScriptAbort(reason)

    # ------------------------------------------------------------ scheduling

    def post(self, job: Callable[[], None]) -> None:
        """Queue work for the interpreter thread (event routes, MI requests).
        Safe to call from any thread."""
        self.jobs.put(job)

    def drain(self) -> None:
        """Run every queued job, including the ones queued while draining."""
        while True:
            try:
                job = self.jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                job()

    def stop(self) -> None:
        """Ask serve() to return (safe from signal handlers and other threads)."""
        self.stopping = True
        self.jobs.put(None)

    def serve(self, duration: Optional[float] = None) -> None:
        """Run timer routes on schedule and queued jobs until stop() or the duration."""
        start = time.monotonic()
        deadline = start + duration if duration is not None else None
        timers = [(start + route.interval, index, route)
                  for index, route in enumerate(self.timer_routes) if route.interval]
        heapq.heapify(timers)
        while not self.stopping:
            now = time.monotonic()
            while timers and timers[0][0] <= now and not self.stopping:
                due, index, route = heapq.heappop(timers)
                self.run_top(route)
                self.drain()
                following = due + route.interval
                now = time.monotonic()
                heapq.heappush(timers, (max(following, now) if following < now - route.interval
                                        else following, index, route))
            wake = min([t[0] for t in timers[:1]] + ([deadline] if deadline else []), default=None)
            if deadline is not None and now >= deadline:
                return
            timeout = None if wake is None else max(0.0, wake - time.monotonic())
            try:
                job = self.jobs.get(timeout=timeout)
            except queue.Empty:
                continue
            if job is not None:
                job()
                self.drain()

    def shutdown(self) -> None:
        for module in reversed(self._all_modules()):
            module.shutdown()


def tune_collector() -> None:
    """For a process that runs one loaded engine (cfgscript run): what loading
    built lives as long as the process, so it is frozen out of the garbage
    collector's scans, and the young generation is collected less often (a run
    makes many short-lived objects and few cycles). About a third of the time
    of raising to an event_route went to collections without this."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


def _recycled(ctx: RunContext) -> RunContext:
    """A finished top-level context made fresh again (its stacks are already empty)."""
    ctx.avps.stacks.clear()
    ctx.msg_flags.clear()
    ctx.flags = ctx.rc = ctx.depth_base = 0
    ctx.last_returns = []
    ctx.error_info = None
    return ctx


def _param_value(value) -> Value:
    """Event parameters as $param reads them: ints with their string form."""
    return VInt(value) if isinstance(value, int) else value


# ---------------------------------------------------------------- function calls

def _bind_call(module: Module, export: FunctionExport, node: ast.Call,
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
        from .regex import compile_posix
        return _Constant(compile_posix(arg.value))
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
            from .regex import compile_posix
            try:
                return compile_posix(str(value))
            except re.error:
                log.error("core", "get_cmd_fixups", "bad re %s" % value)
                return _FAILED
        return text(value)
    return as_str
