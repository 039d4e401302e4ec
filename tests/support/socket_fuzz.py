"""Socket strings of every event transport, from a small grammar of each
(`udp:host:port`, `unix:path`, `tcp:host:port[/method]`,
`rabbitmq:[user[:password]@]host[:port]/[params?]key`,
`xmlrpc:host:port[/path]:method`, `flatstore:path`, `virtual:POLICY socks`,
`route:name`), filled with valid and borderline parts, then sometimes mutated
byte by byte. Hosts are loopback, unresolvable or malformed, never a real
remote name. A password is always PASSWORD, so a test can look for it in
what was printed; the flag says whether the string still has it in a
password's place (not mutated)."""

from __future__ import annotations

import os
import random

PASSWORD = "pw-s3cret-9f"

HOSTS = ["127.0.0.1", "::1", "[::1]", "localhost", "", "0", "127.1", "256.0.0.1", "1.2.3",
         "nohost.invalid", "a@b", "[::1", "::1]", "127.0.0.1%eth0", " 127.0.0.1", "h" * 300,
         "\x00", "é.invalid", "1::2::3"]
PORTS = ["9", "5672", "0", "65535", "65536", "-1", "", "x", "99999999999999999999", "08",
         " 9", "0x10", "1e3"]
NAMES = ["q", "", "a/b", "?", "%41", "%4", "%zz", "%00", "k" * 300, "E_X", "route", "é",
         "a b", ";", "\t"]
PARAMS = ["", "exchange=x?", "exchange=?", "persistent?", "tls_domain=d?", "durable?",
          "exchange=x;persistent?", " ; ?", "exchange=%41?", "e" * 300 + "?"]
METHODS = ["", "/", "/m", "/" + "m" * 300, "/a/b", "/%"]
POLICIES = ["PARALLEL", "FAILOVER", "ROUND-ROBIN", "parallel", "", "PARALLEL\t"]
SEPARATORS = list(":/@?;%[] \t\x00\udcff")
PROTOS = ["udp", "unix", "tcp", "rabbitmq", "xmlrpc", "flatstore", "virtual", "route"]


def _pick(rnd: random.Random, items: list[str]) -> str:
    return rnd.choice(items)


def _rabbitmq(rnd: random.Random) -> tuple[str, bool]:
    secret = rnd.random() < 0.5
    user = _pick(rnd, ["guest", "u", "", "a%40b", "u:"]) if rnd.random() < 0.7 else None
    credentials = ""
    if user is not None:
        credentials = user + (":" + PASSWORD if secret else "") + "@"
    secret = secret and user is not None
    port = ":" + _pick(rnd, PORTS) if rnd.random() < 0.5 else ""
    return ("rabbitmq:%s%s%s/%s%s" % (credentials, _pick(rnd, HOSTS), port, _pick(rnd, PARAMS),
                                      _pick(rnd, NAMES)), secret)


def _member(rnd: random.Random, folder: str) -> tuple[str, bool]:
    proto = _pick(rnd, [p for p in PROTOS if p != "virtual"])
    return _FORMS[proto](rnd, folder)


def _virtual(rnd: random.Random, folder: str) -> tuple[str, bool]:
    members = [_member(rnd, folder) for _ in range(rnd.randrange(4))]
    separator = _pick(rnd, [" ", "\t", "  "])
    text = "virtual:" + _pick(rnd, POLICIES) + "".join(separator + m for m, _ in members)
    return text, any(secret for _, secret in members)


def _path(rnd: random.Random, folder: str) -> str:
    return _pick(rnd, [os.path.join(folder, "sock"), os.path.join(folder, "missing", "x"),
                       folder, "", "relative", "/dev/null", os.path.join(folder, "f" * 300)])


_FORMS = {
    "udp": lambda rnd, folder: ("udp:%s:%s" % (_pick(rnd, HOSTS), _pick(rnd, PORTS)), False),
    "unix": lambda rnd, folder: ("unix:" + _path(rnd, folder), False),
    "tcp": lambda rnd, folder: ("tcp:%s:%s%s" % (_pick(rnd, HOSTS), _pick(rnd, PORTS),
                                                 _pick(rnd, METHODS)), False),
    "rabbitmq": lambda rnd, folder: _rabbitmq(rnd),
    "xmlrpc": lambda rnd, folder: ("xmlrpc:%s:%s%s:%s" % (_pick(rnd, HOSTS), _pick(rnd, PORTS),
                                                          _pick(rnd, METHODS), _pick(rnd, NAMES)),
                                   False),
    "flatstore": lambda rnd, folder: ("flatstore:" + _path(rnd, folder), False),
    "virtual": _virtual,
    "route": lambda rnd, folder: ("route:" + _pick(rnd, NAMES), False),
}


def _mutated(text: str, rnd: random.Random) -> str:
    chars = list(text)
    for _ in range(rnd.randint(1, 4)):
        at = rnd.randrange(len(chars) + 1)
        kind = rnd.randrange(3)
        if kind == 0:
            chars.insert(at, _pick(rnd, SEPARATORS + [chr(rnd.randrange(1, 0x3000))]))
        elif kind == 1:
            del chars[at:at + rnd.randint(1, 3)]
        else:
            chars[at:at] = chars[at:at + rnd.randint(1, 8)]
    return "".join(chars)


def socket_string(rnd: random.Random, folder: str) -> tuple[str, bool]:
    """(socket, whether PASSWORD in it is still a password)."""
    proto = _pick(rnd, PROTOS + ["", "UDP", "nope"])
    if proto not in _FORMS:
        return proto + ":" + _pick(rnd, HOSTS), False
    text, secret = _FORMS[proto](rnd, folder)
    if rnd.random() < 0.3:
        return _mutated(text, rnd), False
    return text, secret
