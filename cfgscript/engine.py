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
from typing import Any, NoReturn, Optional

from .catalog import CORE, Catalog, load_catalog
from .diagnostics import ERROR, Diagnostic
from .events.core import EventCore, Occurrence
from .events.mi_commands import event_commands, event_statistics
from .events.publish import publish_events
from .events.route import RouteTransport
from .mi.commands import core_commands
from .mi.core import Command as MICommand
from .mi.core import Registry
from .mi.core import handle as handle_mi
from .mi.statistics import Statistics, core_statistics, statistics_commands
from .modules import core_modules, implemented_module
from .runtime.accessor import Accessor
from .runtime.calls import bind_call
from .runtime.compiler import CompileError, Compiler
from .runtime.context import (
    E_UNSPEC,
    ERROR_ROUTE_FRAME,
    FL_RETURN,
    MAX_ROUTE_DEPTH,
    NO_PARAMS,
    AvpStore,
    ParamFrame,
    RouteFrame,
    RunContext,
    ScriptAbort,
    StopRequested,
    StrictStop,
)
from .runtime.logger import Logger
from .runtime.module import Module
from .runtime.msgvars import name_assigned_flags
from .runtime.request import Flags
from .runtime.routes import CompiledRoute
from .runtime.settings import RunOptions, Settings
from .runtime.values import Value, VInt
from .syntax import ast

# Routes and event routes nest up to 100 deep, each level a few dozen Python frames.
PYTHON_RECURSION_LIMIT = 20000
MI_TIMEOUT = 10.0       # an MI request waits this long for the interpreter thread
# A signal taken by another thread does not wake the interpreter thread from a
# blocking wait; its handler runs when that thread next runs Python code, so
# the waits of the interpreter thread are cut into slices of this length.
SIGNAL_POLL = 0.05


class Engine:
    def __init__(self, script: ast.Script, options: Optional[RunOptions] = None,
                 logger: Optional[Logger] = None, catalog: Optional[Catalog] = None):
        sys.setrecursionlimit(max(sys.getrecursionlimit(), PYTHON_RECURSION_LIMIT))
        self.script = script
        self.options = options or RunOptions()
        self.logger = logger or Logger(plain=self.options.plain_log)
        self.catalog = catalog or load_catalog()
        self.settings = Settings()
        self.argv = dict(self.options.argv)
        self.started = time.time()
        self.script_vars: dict[str, Value] = {}
        self.flags = Flags()
        self.last_rc = 0                # $rc carries over from one run to the next
        self.modules: dict[str, Module] = {}
        self.known_modules: list[str] = []
        self.core = [cls(self) for cls in core_modules()]
        self.routes: dict[str, CompiledRoute] = {}          # route[name]
        self.event_routes: dict[str, CompiledRoute] = {}
        self.timer_routes: list[CompiledRoute] = []
        self.singletons: dict[str, CompiledRoute] = {}      # startup, error, main route
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()  # work for the interpreter thread
        self.stopping = False                   # stop(): running script code ends early
        self._stop_asked = threading.Event()    # wakes pause()
        self._error_route_active = False
        self.events = EventCore(self.logger)
        self.events.register_transport(RouteTransport(self))
        self.statistics = Statistics()
        core_statistics(self.statistics, lambda: int(time.time() - self.started))
        self.statistics.add_provider("cfgscript", event_statistics(self.events))
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
                self.settings.apply(item.name, item.value)
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
        name_assigned_flags(self.script, self.flags)
        problems = self._compile_routes([self._register_route(node)
                                         for node in self.script.routes()])
        if not problems:
            publish_events(self.events, list(self.event_routes),
                           [(name, module.name) for module in self.modules.values()
                            for name in module.events], self.script)
            self.logger.listeners.append(self._log_event)
        return problems

    def _compile_routes(self, routes: list[CompiledRoute]) -> list[Diagnostic]:
        """Compile every route body. Top-level routes and the named routes route()
        can reach from them keep their code; a named route nothing reaches (no
        route() names it, and none computes a name) is compiled only for its
        errors, and its code is dropped until something runs it as a top route."""
        found: dict[int, Diagnostic] = {}

        def compile_body(index: int, keep: bool) -> None:
            route = routes[index]
            try:
                body = self.compiler.block(route.node.body)
            except CompileError as err:
                where = err.node or route.node
                found[index] = Diagnostic(ERROR, str(err), where.file, where.line, where.col)
                return
            route.body = body if keep or body is None else self._compiled_when_run(route)

        position = {id(route): index for index, route in enumerate(routes)}
        named = {index for index, route in enumerate(routes) if route.kind == "route"
                 and route.name not in (None, "0")}
        for index in range(len(routes)):
            if index not in named:
                compile_body(index, True)
        calls = self.compiler.route_calls
        reached: set[str] = set()
        while True:
            wanted = set(self.routes) if calls.dynamic else calls.targets
            names = sorted((name for name in wanted - reached if name in self.routes),
                           key=lambda name: position[id(self.routes[name])])
            if not names:
                break
            for name in names:
                reached.add(name)
                named.discard(position[id(self.routes[name])])
                compile_body(position[id(self.routes[name])], True)
        for index in sorted(named):
            compile_body(index, False)
        return [found[index] for index in sorted(found)]

    def _compiled_when_run(self, route: CompiledRoute) -> Callable[[RunContext], int]:
        """A body that compiles the route's code the first time it runs."""
        def compile_and_run(ctx: RunContext) -> int:
            body = route.body = self.compiler.block(route.node.body)
            return body(ctx)
        return compile_and_run

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

    def _load_module(self, item: ast.LoadModule) -> None:
        name = item.module
        if name in self.modules or name in self.known_modules:
            return
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
        route.call_frame = RouteFrame("route", route.name)
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
        for command in (core_commands(self) + event_commands(self)
                        + statistics_commands(self.statistics)):
            registry.add(command)
        for module in self._all_modules():
            for export in module.mi_commands.values():
                registry.add(MICommand(export.name, export.recipes, getattr(module, export.method),
                                       export.aliases))
        return registry

    def mi_request(self, data: bytes, timeout: float = MI_TIMEOUT) -> Optional[bytes]:
        """Answer an MI request on the interpreter thread (called by MI servers).
        A request not started within the timeout is dropped, never run late."""
        done = threading.Event()
        abandoned = threading.Event()
        answer: list = []

        def job() -> None:
            try:
                if not abandoned.is_set():
                    answer.append(handle_mi(self.mi, data))
            finally:                    # also when a stop cuts the request short
                done.set()
        self.post(job)
        if not done.wait(timeout):
            abandoned.set()
            return None
        return answer[0].encode("utf-8") if answer and answer[0] is not None else None

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

    def compile_call(self, node: ast.Call) -> Callable[[RunContext], int]:
        for module in self._all_modules():
            export = module.functions.get(node.name)
            if export is not None:
                return bind_call(module, export, node, self.compiler)
        return self._unavailable(node)

    def compile_async(self, node: ast.Async | ast.Launch) -> Callable[[RunContext], int]:
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
        if self.stopping:
            raise StopRequested("the call of route[%s]" % route.name)
        ctx.routes.append(route.call_frame)
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
        ctx.rc = self.last_rc
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
            self.last_rc = ctx.rc
        flags = ctx.flags
        ctx.flags = 0
        return flags

    def run_startup(self) -> None:
        route = self.singletons.get("startup_route")
        if route is not None:
            ctx = self.new_context()
            ctx.request.ruri_q = 0      # the dummy request is still as first made, not reset
            self.run_top(route, ctx=ctx)
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
        try:                    # its exit ends the whole run; its return only error_route
            ctx.routes.append(ERROR_ROUTE_FRAME)
            ctx.params.append(NO_PARAMS)
            self._run_actions(ctx, route.body)
            ctx.params.pop()
            ctx.routes.pop()
        finally:
            ctx.error_info = None
            self._error_route_active = False

    def abort(self, reason: str) -> NoReturn:
        raise ScriptAbort(reason)

    # ------------------------------------------------------------ scheduling

    def post(self, job: Callable[[], None]) -> None:
        """Queue work for the interpreter thread (event routes, MI requests).
        Safe to call from any thread."""
        self.jobs.put(job)

    def drain(self) -> None:
        """Run every queued job, including the ones queued while draining,
        until a stop is asked for."""
        while not self.stopping:
            try:
                job = self.jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                job()

    def stop(self) -> None:
        """Ask serve() to return and running script code to end at its next
        loop iteration, route call or sleep (safe from signal handlers and
        other threads)."""
        self.stopping = True
        self._stop_asked.set()
        self.jobs.put(None)

    def resume(self) -> None:
        """Undo stop(): serve() may be called again (the REPL, once an
        interrupted statement has ended)."""
        self.stopping = False
        self._stop_asked.clear()

    def pause(self, seconds: float) -> None:
        """sleep()/usleep(): a sleep that a stop request cuts short."""
        end = time.monotonic() + seconds
        while not self._stop_asked.wait(min(SIGNAL_POLL, max(0.0, end - time.monotonic()))):
            if time.monotonic() >= end:
                return
        raise StopRequested("a sleep")

    def jobs_left(self) -> int:
        """Queued work not run (after a stop): event routes, MI requests."""
        left = 0
        while True:
            try:
                left += self.jobs.get_nowait() is not None
            except queue.Empty:
                return left

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
            timeout = SIGNAL_POLL if wake is None else min(SIGNAL_POLL,
                                                           max(0.0, wake - time.monotonic()))
            try:
                job = self.jobs.get(timeout=timeout)
            except queue.Empty:
                continue
            if job is not None:
                job()
                self.drain()

    def shutdown(self) -> None:
        left = self.jobs_left()
        if left:
            self.logger.warning("core", "shutdown", "%d queued job(s) (event routes, MI "
                                "requests) not run" % left)
        for module in reversed(self._all_modules()):
            module.shutdown()


def tune_collector() -> None:
    """For a process that runs one loaded engine (cfgscript run): what loading
    built lives as long as the process, so it is frozen out of the garbage
    collector's scans, and the young generation is collected less often (a run
    makes many short-lived objects and few cycles). About a third of the time
    of raising to an event_route went to collections without this. Loading runs
    with the collector off and leaves next to no cyclic garbage (some 1,700
    objects for a 22k-line script), so it is frozen as it is: a full collection
    first would cost seconds on a large script."""
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


def _recycled(ctx: RunContext) -> RunContext:
    """A finished top-level context made fresh again (its stacks are already empty)."""
    ctx.avps.stacks.clear()
    ctx.request.reset()
    ctx.flags = ctx.rc = ctx.depth_base = 0
    ctx.last_returns = []
    ctx.error_info = None
    return ctx


def _param_value(value) -> Value:
    """Event parameters as $param reads them: ints with their string form."""
    return VInt(value) if isinstance(value, int) else value
