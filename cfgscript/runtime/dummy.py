"""The dummy request that startup, timer and event routes run on: OpenSIPS
builds one fixed SIP request for routes that have no message, and every SIP
variable reads from it. What it holds was read from OpenSIPS 4.1 itself
($mb printed through {s.encode.hexa}; tests/conformance/lang/dummy_request)."""

from __future__ import annotations

from .values import VInt

FIRST_LINE = "DUMMY sip:user@dummy.com SIP/2.0"
HEADERS = (
    ("Via", "SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKdummy"),
    ("To", "<sip:to@dummy.com>"),
    ("From", "<sip:from@dummy.com>;tag=1"),
    ("Call-ID", "dummy-1"),
    ("CSeq", "1 DUMMY"),
)
MESSAGE = FIRST_LINE + "\r\n" + "".join("%s: %s\r\n" % h for h in HEADERS) + "\r\n"
COMPACT_NAMES = {"v": "via", "t": "to", "f": "from", "i": "call-id"}

# the variables, by name, whose value on the dummy request is constant
VALUES = {
    "rm": "DUMMY", "ru": "sip:user@dummy.com", "ruri": "sip:user@dummy.com", "rU": "user",
    "ruri.user": "user", "rd": "dummy.com", "ruri.domain": "dummy.com",
    "ou": "sip:user@dummy.com", "ouri": "sip:user@dummy.com", "oU": "user", "od": "dummy.com",
    "fu": "sip:from@dummy.com", "from": "sip:from@dummy.com", "fU": "from", "from.user": "from",
    "fd": "dummy.com", "from.domain": "dummy.com", "ft": "1",
    "tu": "sip:to@dummy.com", "to": "sip:to@dummy.com", "tU": "to", "to.user": "to",
    "td": "dummy.com", "to.domain": "dummy.com",
    "ci": "dummy-1", "cs": VInt(1), "rp": VInt(5060), "rP": "UDP", "pr": "udp", "proto": "udp",
    "si": "0.0.0.0", "src_ip": "0.0.0.0", "sp": VInt(0), "rv": "SIP/2.0",
    "msg.type": "request", "msg.is_request": VInt(1),
    "mb": MESSAGE, "ml": VInt(len(MESSAGE.encode())),
}
# the variables the dummy request has no value for (they read as NULL)
ABSENT = ("fn", "tn", "tt", "du", "ai", "ct", "ua", "rs", "rr", "cl", "cT", "rb")


def header_values(name: str) -> list[str]:
    """The bodies of the headers called `name` (any case, compact forms too), in order."""
    wanted = name.lower()
    wanted = COMPACT_NAMES.get(wanted, wanted)
    return [body for header, body in HEADERS if header.lower() == wanted]
