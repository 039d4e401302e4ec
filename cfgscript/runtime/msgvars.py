"""The SIP message variables (OpenSIPS pvar.c) on the dummy request that
startup, timer and event routes run with: its constant parts (runtime/dummy.py),
the R-URI and destination URI a run may rewrite, message and branch flags,
headers, and $err.* (runtime/request.py keeps what a run changed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

from ..syntax import ast
from ..syntax.pvspec import PVSpec
from . import dummy, ruri
from .accessor import Accessor
from .context import RunContext
from .logger import L_WARN
from .module import Module, pvar
from .pvars import NameResolver, index_reader
from .request import BAD_RURI, Q_UNSPECIFIED, ErrorInfo, Flags
from .transforms.uri import parse_uri
from .values import StrInt, Value, VInt, has_int, has_str, is_int_typed, text

MAX_Q = 1000
HEADER_DELIMITER = ", "
PROTOCOLS = {"udp": (1, 5060), "tcp": (2, 5060), "tls": (3, 5061), "sctp": (4, 5060),
             "ws": (5, 80), "wss": (6, 443)}      # number, default port
ERROR_FIELDS = {"err.class": "eclass", "err.level": "level", "err.info": "info",
                "err.rcode": "rcode", "err.rreason": "rreason"}
NO_ERROR = ErrorInfo(0, 0, "", 0, "")


def name_assigned_flags(script: ast.Script, flags: Flags) -> None:
    """Flags assigned to ($msg.flag(X) = 1) get their bits first: OpenSIPS
    reads those names while it parses the script, the others later."""
    for route in script.routes():
        for node in ast.walk(route):
            if isinstance(node, ast.Assign) and node.target.spec.name == "msg.flag":
                flags.message.bit(node.target.spec.inner or "")


def current_ruri(ctx: RunContext) -> str:
    return ctx.request.new_uri if ctx.request.new_uri is not None else dummy.RURI


def parsed_ruri(ctx: RunContext, function: str) -> Optional[dict]:
    """parse_sip_msg_uri(): the parsed R-URI, kept until the R-URI changes. A
    URI that does not parse is logged and sets the error info (error_route)."""
    request = ctx.request
    if request.parsed is not None:
        return request.parsed
    uri = current_ruri(ctx)
    parsed = parse_uri(uri)
    if parsed is None:
        log = ctx.engine.logger
        log.error("core", "parse_sip_msg_uri", "bad uri <%s>" % uri)
        log.error("core", function, "failed to parse the R-URI")
        ctx.error_info = BAD_RURI
        return None
    request.parsed = parsed
    return parsed


def uri_port(parsed: dict) -> Value:
    """The port of a parsed URI: as written, else the default of its protocol."""
    port = parsed.get("port")
    if port is not None:
        return StrInt.with_text(parsed["port_no"], port)
    return VInt(parsed["port_no"] or PROTOCOLS.get(_proto_name(parsed), (0, 5060))[1])


def uri_proto(parsed: dict) -> Value:
    transport = parsed.get("transport_val")
    name = _proto_name(parsed)
    return StrInt.with_text(PROTOCOLS.get(name, (0, 0))[0],
                            transport if transport is not None else name)


def _proto_name(parsed: dict) -> str:
    """get_uri_port(): the transport parameter, else UDP (TLS for a sips: URI)."""
    transport = parsed.get("transport_val")
    if transport is not None:
        return transport.lower()
    return "tls" if parsed.get("scheme") == "sips" else "udp"


URI_PARTS: dict[str, Callable[[dict], Value]] = {
    "user": lambda parsed: parsed.get("user") or None,
    "host": lambda parsed: parsed.get("host") or None,
    "port": uri_port,
    "proto": uri_proto,
}


class MessageVariables(Module):
    name = "core"

    # ------------------------------------------------------------ constant parts

    @pvar(*dummy.VALUES)
    def constant(self, spec: PVSpec, compiler) -> Accessor:
        value = dummy.VALUES[spec.name]
        return Accessor(lambda ctx: value)

    @pvar(*dummy.ABSENT)
    def absent(self, spec: PVSpec, compiler) -> Accessor:
        return Accessor(lambda ctx: None)

    # ------------------------------------------------------------ the R-URI

    @pvar("ru", "ruri")
    def request_uri(self, spec: PVSpec, compiler) -> Accessor:
        log = self.engine.logger

        def read(ctx: RunContext) -> Value:
            if parsed_ruri(ctx, "pv_get_ruri") is None:
                return None
            return current_ruri(ctx)

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            if not has_str(value):
                log.error("core", "pv_set_ruri", "str value required to set R-URI")
                return False
            ctx.request.set_uri(text(value))
            return True

        return Accessor(read, write, _bad_parameters(log, "pv_set_ruri"), sets_error=True)

    @pvar("rU", "ruri.user")
    def request_user(self, spec: PVSpec, compiler) -> Accessor:
        return self._ruri_part("user", ruri.USER, "user", null_means="")

    @pvar("rd", "ruri.domain")
    def request_domain(self, spec: PVSpec, compiler) -> Accessor:
        return self._ruri_part("host", ruri.HOST, "hostname")

    @pvar("rp")
    def request_port(self, spec: PVSpec, compiler) -> Accessor:
        return self._ruri_part("port", ruri.PORT, "hostname", null_means="", int_ok=True)

    @pvar("rP")
    def request_proto(self, spec: PVSpec, compiler) -> Accessor:
        part = URI_PARTS["proto"]

        def read(ctx: RunContext) -> Value:
            parsed = parsed_ruri(ctx, "pv_get_ruri_attr")
            return None if parsed is None else part(parsed)
        return Accessor(read, sets_error=True)

    def _ruri_part(self, name: str, rewrite: str, what: str, null_means: Optional[str] = None,
                   int_ok: bool = False) -> Accessor:
        """$rU, $rd, $rp: read from the parsed R-URI, written through rewrite_ruri()."""
        part, log = URI_PARTS[name], self.engine.logger
        setter = "pv_set_ruri_" + ("port" if rewrite == ruri.PORT else name)

        def read(ctx: RunContext) -> Value:
            parsed = parsed_ruri(ctx, "pv_get_ruri_attr")
            return None if parsed is None else part(parsed)

        def rewrite_to(ctx: RunContext, value: str) -> bool:
            new = ruri.rewrite_ruri(current_ruri(ctx), rewrite, value, 0, log)
            if new is None:
                log.error("core", setter, "Failed to set R-URI %s" % what)
                return False
            ctx.request.rewrite(new)
            return True

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            if int_ok and is_int_typed(value):
                return rewrite_to(ctx, str(int(value)))
            if not has_str(value):
                log.error("core", setter, "str value required to set R-URI %s" % what)
                return False
            return rewrite_to(ctx, text(value))

        def delete(ctx: RunContext, op: str) -> bool:
            return rewrite_to(ctx, null_means)

        return Accessor(read, write, delete if null_means is not None
                        else _bad_parameters(log, setter), sets_error=True)

    @pvar("ru_q")
    def request_q(self, spec: PVSpec, compiler) -> Accessor:
        log = self.engine.logger

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            if not has_int(value) or type(value) is StrInt:
                log.error("core", "pv_set_ru_q", "int value required to set r-uri queue value")
                return False
            q = int(value)
            if q > MAX_Q:
                log.log(L_WARN, "core", "pv_set_ru_q", "queue value too big %d - setting queue "
                        "to maximum value (%d)" % (q, MAX_Q))
                q = MAX_Q
            ctx.request.ruri_q = q
            return True

        return Accessor(lambda ctx: VInt(ctx.request.ruri_q), write,
                        _bad_parameters(log, "pv_set_ru_q"))

    # ------------------------------------------------------------ the destination URI

    @pvar("du", "duri")
    def destination_uri(self, spec: PVSpec, compiler) -> Accessor:
        log = self.engine.logger

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            if not has_str(value):
                log.error("core", "pv_set_dsturi", "error - str value required to set dst uri")
                return False
            ctx.request.dst_uri = text(value) or None
            return True

        def delete(ctx: RunContext, op: str) -> bool:
            ctx.request.dst_uri = None
            return True

        return Accessor(lambda ctx: ctx.request.dst_uri, write, delete)

    @pvar("dd")
    def destination_domain(self, spec: PVSpec, compiler) -> Accessor:
        return self._duri_part("host")

    @pvar("dp")
    def destination_port(self, spec: PVSpec, compiler) -> Accessor:
        return self._duri_part("port")

    @pvar("dP")
    def destination_proto(self, spec: PVSpec, compiler) -> Accessor:
        return self._duri_part("proto")

    def _duri_part(self, name: str) -> Accessor:
        """$dd, $dp, $dP: read from the destination URI; $dd and $dp rewrite it."""
        part, log = URI_PARTS[name], self.engine.logger

        def read(ctx: RunContext) -> Value:
            uri = ctx.request.dst_uri
            if uri is None:
                return None
            parsed = parse_uri(uri)
            if parsed is None:
                log.error("core", "pv_get_dsturi_attr", "failed to parse dst uri")
                return None
            return part(parsed)

        if name == "proto":
            return Accessor(read)
        setter = "pv_set_dsturi_" + name

        def rewrite_to(ctx: RunContext, value: str) -> bool:
            host, port = (value, None) if name == "host" else (None, value)
            new = ruri.set_dst_host_port(ctx.request.dst_uri, host, port, log)
            if new is None:
                log.error("core", setter, "Failed to set DST-URI %s" % name)
                return False
            ctx.request.dst_uri = new
            return True

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            if name == "port" and is_int_typed(value):
                return rewrite_to(ctx, str(int(value)))
            if not has_str(value):
                log.error("core", setter, "str value required to set DST-URI hostname")
                return False
            return rewrite_to(ctx, text(value))

        delete = (lambda ctx, op: rewrite_to(ctx, "")) if name == "port" else _bad_parameters(
            log, setter)
        return Accessor(read, write, delete)

    # ------------------------------------------------------------ flags and branches

    @pvar("mf")
    def message_flags(self, spec: PVSpec, compiler) -> Accessor:
        names = self.engine.flags.message
        return Accessor(lambda ctx: names.listed(ctx.request.flags))

    @pvar("bf")
    def branch_flags(self, spec: PVSpec, compiler) -> Accessor:
        names = self.engine.flags.branch
        return Accessor(lambda ctx: names.listed(ctx.request.bflags))

    @pvar("msg.flag")
    def message_flag(self, spec: PVSpec, compiler) -> Accessor:
        mask = 1 << self.engine.flags.message.bit(spec.inner or "")
        log = self.engine.logger

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            if not is_int_typed(value):
                log.error("core", "msg_flag_set", "input for $msg.flag() found not to be an "
                          "integer")
                return False
            if value:
                ctx.request.flags |= mask
            else:
                ctx.request.flags &= ~mask
            return True

        def read(ctx: RunContext) -> Value:
            return dummy.TRUE if ctx.request.flags & mask else FALSE
        return Accessor(read, write)

    @pvar("msg.branch.uri")
    def branch_uri(self, spec: PVSpec, compiler) -> Accessor:
        return _branch_field(spec, compiler, current_ruri)

    @pvar("msg.branch.duri")
    def branch_duri(self, spec: PVSpec, compiler) -> Accessor:
        return _branch_field(spec, compiler, lambda ctx: ctx.request.dst_uri)

    @pvar("msg.branch.q")
    def branch_q(self, spec: PVSpec, compiler) -> Accessor:
        return _branch_field(spec, compiler, lambda ctx: q_text(ctx.request.ruri_q))

    @pvar("msg.branch.flags")
    def branch_flag_names(self, spec: PVSpec, compiler) -> Accessor:
        names = self.engine.flags.branch
        return _branch_field(spec, compiler, lambda ctx: names.listed(ctx.request.bflags))

    @pvar("msg.branch.last_idx")
    def branch_last_index(self, spec: PVSpec, compiler) -> Accessor:
        return Accessor(lambda ctx: VInt(0))

    # ------------------------------------------------------------ error information

    @pvar(*ERROR_FIELDS)
    def error_info(self, spec: PVSpec, compiler) -> Accessor:
        field = ERROR_FIELDS[spec.name]
        as_value = (lambda v: v) if field in ("info", "rreason") else VInt

        def read(ctx: RunContext) -> Value:
            return as_value(getattr(ctx.error_info or NO_ERROR, field))
        return Accessor(read)

    # ------------------------------------------------------------ the body

    @pvar("sdp", "sdp.line", "sdp.session", "sdp.stream", "sdp.stream.idx")
    def sdp(self, spec: PVSpec, compiler) -> Accessor:
        """The dummy request has no body: SDP parts read NULL, and writing fails."""
        log = self.engine.logger
        function = spec.name.replace(".", "_")

        def read(ctx: RunContext) -> Value:
            if spec.name != "sdp":
                log.error("core", "pv_get_" + function, "current SIP message has no SDP body!")
            return None

        def write(ctx: RunContext, op: str, value: Value) -> bool:
            log.error("core", "pv_set_" + function, "current SIP message has no SDP body!"
                      if spec.name != "sdp" else "an SDP body cannot be set in cfgscript")
            return False

        return Accessor(read, None if spec.name == "sdp.stream.idx" else write)

    # ------------------------------------------------------------ headers

    @pvar("hdr")
    def header(self, spec: PVSpec, compiler) -> Accessor:
        name, index = NameResolver(spec, compiler), index_reader(spec, compiler)

        def read(ctx: RunContext) -> Value:
            values = dummy.header_values(name(ctx) or "")
            at = index(ctx)
            if at == "*":
                return HEADER_DELIMITER.join(values) if values else None
            return _at(values, 0 if at is None else at)
        return Accessor(read)

    @pvar("hdrcnt")
    def header_count(self, spec: PVSpec, compiler) -> Accessor:
        name = NameResolver(spec, compiler)
        return Accessor(lambda ctx: VInt(len(dummy.header_values(name(ctx) or ""))))

    @pvar("hdr_name")
    def header_name(self, spec: PVSpec, compiler) -> Accessor:
        index = index_reader(spec, compiler)
        names = [header for header, _ in dummy.HEADERS]
        every = HEADER_DELIMITER.join(names)

        def read(ctx: RunContext) -> Value:
            at = index(ctx)
            return every if at == "*" else _at(names, 0 if at is None else at)
        return Accessor(read)


FALSE = StrInt.with_text(0, "false")


def q_text(q: int) -> str:
    """q2str(): a q value (0..1000) as OpenSIPS prints it, "" when unspecified."""
    if q == Q_UNSPECIFIED:
        return ""
    if q >= MAX_Q or q <= 0:
        return "1" if q >= MAX_Q else "0"
    return ("0.%03d" % q).rstrip("0")


def _branch_field(spec: PVSpec, compiler, value_of: Callable[[RunContext], Value]) -> Accessor:
    """$msg.branch.*: the dummy request has one branch, the R-URI's (index 0 or -1)."""
    index_of = index_reader(spec, compiler)

    def read(ctx: RunContext) -> Value:
        index = index_of(ctx)
        if index == "*":
            return text(value_of(ctx))
        return value_of(ctx) if index in (None, 0, -1) else None
    return Accessor(read)


def _at(values: list[str], index) -> Optional[str]:
    if not isinstance(index, int):
        return None
    position = index if index >= 0 else len(values) + index
    return values[position] if 0 <= position < len(values) else None


def _bad_parameters(log, function: str) -> Callable[[RunContext, str], bool]:
    """The setter of a variable that NULL cannot be assigned to."""
    def refuse(ctx: RunContext, op: str) -> bool:
        log.error("core", function, "bad parameters")
        return False
    return refuse
