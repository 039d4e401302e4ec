"""The dummy request that startup, timer and event routes run on: OpenSIPS
builds one fixed SIP request for routes that have no message, and every SIP
variable reads from it. What it holds was read from OpenSIPS 4.1 itself
($mb printed through {s.encode.hexa}; tests/conformance/lang/dummy_request and
the f5_* cases). What a run changes on it lives in runtime/request.py."""

from __future__ import annotations

from .values import StrInt, VInt

RURI = "sip:user@dummy.com"
FIRST_LINE = "DUMMY %s SIP/2.0" % RURI
HEADERS = (
    ("Via", "SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKdummy"),
    ("To", "<sip:to@dummy.com>"),
    ("From", "<sip:from@dummy.com>;tag=1"),
    ("Call-ID", "dummy-1"),
    ("CSeq", "1 DUMMY"),
)
MESSAGE = FIRST_LINE + "\r\n" + "".join("%s: %s\r\n" % h for h in HEADERS) + "\r\n"
COMPACT_NAMES = {"v": "via", "t": "to", "f": "from", "i": "call-id"}
TRUE = StrInt.with_text(1, "true")      # pv_true: prints as "true"

# the variables, by name, whose value on the dummy request is constant
VALUES = {
    "rm": "DUMMY", "ou": RURI, "ouri": RURI, "oU": "user", "od": "dummy.com", "op": VInt(5060),
    "oP": StrInt.with_text(1, "udp"),
    "fu": "sip:from@dummy.com", "from": "sip:from@dummy.com", "fU": "from", "from.user": "from",
    "fd": "dummy.com", "from.domain": "dummy.com", "ft": "1",
    "tu": "sip:to@dummy.com", "to": "sip:to@dummy.com", "tU": "to", "to.user": "to",
    "td": "dummy.com", "to.domain": "dummy.com",
    "ci": "dummy-1", "cs": "1", "si": "0.0.0.0", "src_ip": "0.0.0.0", "sp": VInt(0),
    "mi": VInt(0), "msg.type": "request", "msg.is_request": TRUE,
    "mb": MESSAGE, "ml": VInt(len(MESSAGE.encode())), "Au": "from@dummy.com",
}
# the variables the dummy request has no value for (they read as NULL)
ABSENT = ("fn", "tn", "tt", "ai", "ct", "ct.fields", "ua", "rs", "rr", "cl", "cT", "rb", "re",
          "rt", "di", "dir", "dip", "pu", "pU", "pd", "pn", "path", "ds", "socket_in",
          "socket_out", "branch", "au", "ar", "adu", "ad", "an", "aU", "auth.nonce", "auth.resp",
          "auth.cnonce", "auth.opaque", "auth.alg", "auth.qop", "auth.nc",
          "challenge.algorithm", "challenge.realm", "challenge.nonce", "challenge.opaque",
          "challenge.qop", "challenge.ik", "challenge.ck", "msg.branch.path",
          "msg.branch.socket", "msg.branch.attr", "msg.branch.flag", "branch.flag")


def header_values(name: str) -> list[str]:
    """The bodies of the headers called `name` (any case, compact forms too), in order."""
    wanted = name.lower()
    wanted = COMPACT_NAMES.get(wanted, wanted)
    return [body for header, body in HEADERS if header.lower() == wanted]
