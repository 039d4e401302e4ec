"""The tm module where no SIP transaction exists: startup, timer and event
routes have none, so of tm only its variables are here, reading as OpenSIPS
4.1 shows them there (tests/conformance/lang/f5_tm_vars). Its functions
(t_relay() and the others) are not available."""

from __future__ import annotations

from ..runtime.accessor import Accessor
from ..runtime.context import RunContext
from ..runtime.module import ModParam, Module, pvar
from ..runtime.msgvars import current_ruri
from ..runtime.values import Value, VInt, is_int_typed
from ..syntax.pvspec import PVSpec

# the timeout variables read 0 until set: tm gives them their defaults only
# when a SIP request comes in
TIMEOUTS = {"T_fr_timeout": "fr_timeout", "T_fr_inv_timeout": "fr_inv_timeout"}


class Tm(Module):
    name = "tm"
    params = (ModParam("fr_timeout", "int", 30), ModParam("fr_inv_timeout", "int", 120))

    def __init__(self, engine) -> None:
        super().__init__(engine)
        self.timeouts = {name: 0 for name in TIMEOUTS}

    @pvar("T_branch_idx", "T_id", "T_branch_last_reply_code", "tm.branch.uri", "tm.branch.duri",
          "tm.branch.path", "tm.branch.q", "tm.branch.flags", "tm.branch.socket",
          "tm.branch.last_received", "tm.branch.type")
    def no_transaction(self, spec: PVSpec, compiler) -> Accessor:
        return Accessor(lambda ctx: None)

    @pvar("bavp", "tm.branch.flag", "tm.branch.attr")
    def no_branch(self, spec: PVSpec, compiler) -> Accessor:
        """Branch values of a transaction: NULL, and writing them fails."""
        return Accessor(lambda ctx: None, lambda ctx, op, value: False)

    @pvar("T_reply_code")
    def reply_code(self, spec: PVSpec, compiler) -> Accessor:
        return Accessor(lambda ctx: VInt(0))

    @pvar("T_ruri")
    def request_uri(self, spec: PVSpec, compiler) -> Accessor:
        return Accessor(current_ruri)

    @pvar(*TIMEOUTS)
    def timeout(self, spec: PVSpec, compiler) -> Accessor:
        name, log, timeouts = spec.name, self.engine.logger, self.timeouts

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            if not is_int_typed(value):
                log.error("tm", "pv_set_tm_" + TIMEOUTS[name], "assigning non-int value as a "
                          "timeout")
                return False
            timeouts[name] = int(value)
            return True

        def delete(ctx: RunContext, op: str) -> bool:
            timeouts[name] = self.param(TIMEOUTS[name])
            return True

        return Accessor(lambda ctx: VInt(timeouts[name]), write, delete)
