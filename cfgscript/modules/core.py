"""Core script functions (OpenSIPS core_cmds.c) that make sense without SIP."""

from __future__ import annotations

import time

from ..runtime.context import RunContext
from ..runtime.logger import L_NOTICE
from ..runtime.module import Arg, Module, function
from ..runtime.values import VInt, text


class CoreFunctions(Module):
    name = "core"

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
                log.log(L_NOTICE, "core", "print_avps", "avp %s (%s) = %s" % (name, kind, text(value)))
        return 1

    @function("setflag", Arg("str", expand=False))
    def setflag(self, ctx: RunContext, flag: str) -> int:
        ctx.msg_flags.add(flag)
        return 1

    @function("resetflag", Arg("str", expand=False))
    def resetflag(self, ctx: RunContext, flag: str) -> int:
        ctx.msg_flags.discard(flag)
        return 1

    @function("isflagset", Arg("str", expand=False))
    def isflagset(self, ctx: RunContext, flag: str) -> int:
        return 1 if flag in ctx.msg_flags else -1

    @function("script_trace", Arg("int", optional=True), Arg("str", optional=True),
              Arg("str", optional=True))
    def script_trace(self, ctx: RunContext, level=None, fmt=None, tag=None) -> int:
        return 1
