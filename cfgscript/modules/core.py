"""Core script functions (OpenSIPS core_cmds.c) that make sense without SIP,
and those that change the dummy request non-SIP routes run on."""

from __future__ import annotations

import time
from typing import Optional

from ..events.host import ModuleHost
from ..runtime import ruri
from ..runtime.context import RunContext
from ..runtime.logger import L_NOTICE
from ..runtime.module import Arg, Module, function
from ..runtime.msgvars import current_ruri
from ..runtime.values import VInt, text
from .core_sockets import OwnAddresses, UriError, build_uri


def _avp_values(ctx: RunContext, ref) -> list:
    """An AVP's values, newest first."""
    if ref.spec.dynamic is None:        # a name as text: its stack, read at once
        stack = ctx.avps.stacks.get(ref.spec.inner)
        return stack[::-1] if stack else []
    return ref.values(ctx)


def _script_params(ctx: RunContext, attrs, vals, log) -> Optional[tuple]:
    """raise_event() parameters: the values AVP newest first, each paired with
    the attribute names AVP newest first; None on an error (logged)."""
    values = [int(v) if isinstance(v, int) else v for v in _avp_values(ctx, vals)]
    names = _avp_values(ctx, attrs) if attrs is not None else None
    if names is None:
        return tuple([(None, value) for value in values])
    if len(names) == len(values) and all(type(name) is str for name in names):
        return tuple(zip(names, values))         # the usual case: a name for each value
    params = []
    for index, value in enumerate(values):
        if index >= len(names):
            log.error("core", "evi_raise_script_event", "missing attribute")
            return None
        name = names[index]
        if type(name) is not str:
            log.error("core", "evi_raise_script_event", "invalid attribute name - must be string")
            return None
        params.append((name, value))
    if len(names) > len(values) and values:
        log.error("core", "evi_raise_script_event", "too many attribute names")
    return tuple(params)


class CoreFunctions(Module):
    engine: ModuleHost
    name = "core"
    own_addresses: Optional[OwnAddresses] = None     # read from the script on first use

    @function("pv_printf", Arg("var", writable=True), Arg("str"))
    def pv_printf(self, ctx: RunContext, target, value: str) -> int:
        return 1 if target.write(ctx, value) else -1

    @function("get_timestamp", Arg("var", avp_only=True), Arg("var", avp_only=True))
    def get_timestamp(self, ctx: RunContext, seconds, micros) -> int:
        now = time.time()
        seconds.write(ctx, VInt(int(now)))
        micros.write(ctx, VInt(int(now * 1_000_000) % 1_000_000))
        return 1

    @function("avp_print")
    def avp_print(self, ctx: RunContext) -> int:
        log = self.engine.logger
        for name, stack in ctx.avps.stacks.items():
            for value in reversed(stack):
                kind = "str" if isinstance(value, str) else "int"
                log.log(L_NOTICE, "core", "print_avps",
                        "avp %s (%s) = %s" % (name, kind, text(value)))
        return 1

    # ------------------------------------------------------------ Event Interface

    @function("raise_event", Arg("str"), Arg("var", optional=True, avp_only=True),
              Arg("var", optional=True, avp_only=True))
    def raise_event(self, ctx: RunContext, name: str, attrs=None, vals=None) -> int:
        events = self.engine.events
        event = events.get(name) or events.publish(name)
        if event is None:
            return -1
        if not events.live_subscribers(event):
            return 1
        params = _script_params(ctx, attrs, vals, self.engine.logger) if vals is not None else ()
        if params is None or events.raise_event(event, params) < 0:
            self.engine.logger.error("core", "w_raise_event", "cannot raise event")
            return -1
        return 1

    @function("subscribe_event", Arg("str"), Arg("str"), Arg("int", optional=True))
    def subscribe_event(self, ctx: RunContext, name: str, socket: str, expire=None) -> int:
        events = self.engine.events
        if events.get(name) is None and events.publish(name) is None:
            return -1
        return events.subscribe(name, socket, expire or 0)

    # ------------------------------------------------------------ message and branch flags

    @function("setflag", Arg("str", expand=False))
    def setflag(self, ctx: RunContext, flag: str) -> int:
        ctx.request.flags |= 1 << self.engine.flags.message.bit(flag)
        return 1

    @function("resetflag", Arg("str", expand=False))
    def resetflag(self, ctx: RunContext, flag: str) -> int:
        ctx.request.flags &= ~(1 << self.engine.flags.message.bit(flag))
        return 1

    @function("isflagset", Arg("str", expand=False))
    def isflagset(self, ctx: RunContext, flag: str) -> int:
        return 1 if ctx.request.flags & (1 << self.engine.flags.message.bit(flag)) else -1

    # the dummy request has one branch (0, the R-URI's): other branch indexes fail
    @function("setbflag", Arg("str", expand=False), Arg("int", optional=True))
    def setbflag(self, ctx: RunContext, flag: str, branch=None) -> int:
        if branch:
            return -1
        ctx.request.bflags |= 1 << self.engine.flags.branch.bit(flag)
        return 1

    @function("resetbflag", Arg("str", expand=False), Arg("int", optional=True))
    def resetbflag(self, ctx: RunContext, flag: str, branch=None) -> int:
        if branch:
            return -1
        ctx.request.bflags &= ~(1 << self.engine.flags.branch.bit(flag))
        return 1

    @function("isbflagset", Arg("str", expand=False), Arg("int", optional=True))
    def isbflagset(self, ctx: RunContext, flag: str, branch=None) -> int:
        if branch:
            return -1
        return 1 if ctx.request.bflags & (1 << self.engine.flags.branch.bit(flag)) else -1

    # ------------------------------------------------------------ the R-URI and destination URI

    @function("seturi", Arg("str"))
    def seturi(self, ctx: RunContext, uri: str) -> int:
        ctx.request.set_uri(uri)
        return 1

    @function("revert_uri")
    def revert_uri(self, ctx: RunContext) -> int:
        if ctx.request.new_uri is not None:
            ctx.request.rewrite(None)
        return 1

    @function("sethost", Arg("str"))
    def sethost(self, ctx: RunContext, host: str) -> int:
        return self._rewrite(ctx, ruri.HOST, host)

    @function("sethostport", Arg("str"))
    def sethostport(self, ctx: RunContext, hostport: str) -> int:
        return self._rewrite(ctx, ruri.HOSTPORT, hostport)

    @function("setuser", Arg("str"))
    def setuser(self, ctx: RunContext, user: str) -> int:
        return self._rewrite(ctx, ruri.USER, user)

    @function("setuserpass", Arg("str"))
    def setuserpass(self, ctx: RunContext, userpass: str) -> int:
        return self._rewrite(ctx, ruri.USERPASS, userpass)

    @function("setport", Arg("str"))
    def setport(self, ctx: RunContext, port: str) -> int:
        return self._rewrite(ctx, ruri.PORT, port)

    @function("prefix", Arg("str"))
    def prefix(self, ctx: RunContext, prefix: str) -> int:
        return self._rewrite(ctx, ruri.PREFIX, prefix)

    @function("strip", Arg("int"))
    def strip(self, ctx: RunContext, count: int) -> int:
        return self._rewrite(ctx, ruri.STRIP, "", count)

    @function("strip_tail", Arg("int"))
    def strip_tail(self, ctx: RunContext, count: int) -> int:
        return self._rewrite(ctx, ruri.STRIP_TAIL, "", count)

    def _rewrite(self, ctx: RunContext, part: str, value: str, count: int = 0) -> int:
        new = ruri.rewrite_ruri(current_ruri(ctx), part, value, count, self.engine.logger)
        if new is None:
            return -1
        ctx.request.rewrite(new)
        return 1

    @function("setdsturi", Arg("str"))
    def setdsturi(self, ctx: RunContext, uri: str) -> int:
        ctx.request.dst_uri = uri or None
        return 1

    @function("resetdsturi")
    def resetdsturi(self, ctx: RunContext) -> int:
        ctx.request.dst_uri = None
        return 1

    @function("isdsturiset")
    def isdsturiset(self, ctx: RunContext) -> int:
        return 1 if ctx.request.dst_uri else -1

    @function("script_trace", Arg("int", optional=True), Arg("str", optional=True),
              Arg("str", optional=True))
    def script_trace(self, ctx: RunContext, level=None, fmt=None, tag=None) -> int:
        return 1

    # ------------------------------------------------------------ URIs and own addresses

    @function("construct_uri", Arg("str"), Arg("str", optional=True), Arg("str"),
              Arg("str", optional=True), Arg("str", optional=True),
              Arg("var", avp_only=True, writable=True))
    def construct_uri(self, ctx: RunContext, proto: str, user: Optional[str], domain: str,
                      port: Optional[str], params: Optional[str], result) -> int:
        """proto:[user@]domain[:port][;params] pushed onto an AVP; OpenSIPS
        returns 1 even when it logs that it built nothing."""
        uri = build_uri(proto, user, domain, port, params)
        if isinstance(uri, UriError):
            self.engine.logger.error("core", "construct_uri", uri.message)
        elif not result.write(ctx, uri):
            return -1
        return 1

    @function("is_myself", Arg("str"), Arg("int", optional=True))
    def is_myself(self, ctx: RunContext, host: str, port: Optional[int] = None) -> int:
        if self.own_addresses is None:
            self.own_addresses = OwnAddresses.of_script(
                self.engine.script, lambda line: self.engine.logger.error("core", "fix_socket",
                                                                          line))
        return 1 if self.own_addresses.is_myself(host, (port or 0) & 0xFFFF) else -1
