"""The ip.* transformations: IPv4/IPv6 text and binary forms, tests, subnet
matching and DNS resolution, through ports of str2ip(), str2ip6() and
ip_addr2a().

NAMES maps each name to its compiler; canonical_name() is how tr_parse_ip()
matches a name.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Union

from ..values import Value, VInt, from_bytes, to_bytes
from .common import DIGITS, HEXDIGITS, Args, Compiler, Step, ascii_lower, simple, str_of


def _str2ip4(s: str) -> Union[bytes, None]:
    """str2ip(): dotted quad, no leading zeros; "1.2.3." is 1.2.3.0 as in C."""
    if not s or s[0] not in DIGITS:
        return None
    addr = [ord(s[0]) - 48, 0, 0, 0]
    part, digits, k, n = 0, 1, 1, len(s)
    while k < n:
        ch = s[k]
        if ch == ".":
            part, digits = part + 1, 0
            if part > 3:
                return None
            k += 1
            if k == n:
                break
            if s[k] not in DIGITS:
                return None
            digits, addr[part] = 1, ord(s[k]) - 48
        elif ch in DIGITS and digits in (1, 2):
            if (digits == 1 and addr[part] == 0) or (digits == 2 and (
                    addr[part] > 25 or (addr[part] == 25 and ch > "5"))):
                return None
            digits += 1
            addr[part] = addr[part] * 10 + ord(ch) - 48
        else:
            return None
        k += 1
    return bytes(addr) if part == 3 else None


def _str2ip6(s: str) -> Union[bytes, None]:
    """str2ip6(): with or without [ ], one '::' at most."""
    if s.startswith("["):
        if not s.endswith("]"):
            return None
        s = s[1:-1]
    head, tail = [0] * 8, [0] * 8
    addr, i, idx1, colons, double = head, 0, 0, 0, False
    for ch in s:
        if ch == ":":
            colons += 1
            if colons > 7:
                return None
            if double:
                if addr is tail:
                    return None
                idx1, i, addr = i, 0, tail
            else:
                double, i = True, i + 1
        elif ch in HEXDIGITS:
            addr[i] = (addr[i] * 16 + int(ch, 16)) & 0xFFFF
            double = False
        else:
            return None
    if not double:
        i += 1
    if addr is tail:
        rest = 8 - i - idx1
        head[idx1 + rest:idx1 + rest + i] = tail[:i]
    elif colons < 7:
        return None
    return b"".join(x.to_bytes(2, "big") for x in head)


def _str2ip(s: str) -> Union[bytes, None]:
    return _str2ip4(s) or _str2ip6(s)


def _ip2a(addr: bytes) -> str:
    """ip_addr2a(): IPv6 in uppercase, without zero compression."""
    if len(addr) == 4:
        return ".".join(str(b) for b in addr)
    return ":".join(f"{int.from_bytes(addr[k:k + 2], 'big'):X}" for k in range(0, 16, 2))


def _ip_step(work: Callable[[str], Value]) -> Compiler:
    def step(value: Value, ctx: object) -> Value:
        s = str_of(value)
        return work(s) if s else None
    return simple(step)


def _ip_binary(work: Callable[[bytes], Value]) -> Compiler:
    def on_text(s: str) -> Value:
        data = to_bytes(s)
        return work(data) if len(data) in (4, 16) else None
    return _ip_step(on_text)


def _ip_test(test: Callable[[str], object]) -> Compiler:
    return _ip_step(lambda s: VInt(1 if test(s) else 0))


def _ip_pton(s: str) -> Value:
    addr = _str2ip(s)
    return None if addr is None else from_bytes(addr)


_PRIVATE_NETS = ((0x0A000000, 8), (0xAC100000, 12), (0xC0A80000, 16), (0x64400000, 10),
                 (0x7F000000, 8))


def _is_private(s: str) -> bool:
    """ip_addr_is_1918(s, 0): IPv4 only."""
    addr = _str2ip4(s)
    if addr is None:
        return False
    number = int.from_bytes(addr, "big")
    return any(number >> (32 - bits) == net >> (32 - bits) for net, bits in _PRIVATE_NETS)


def _resolver(family: int) -> Callable[[str], Value]:
    """resolvehost_af(): an IP literal of the family as is, else a DNS lookup (IPv4
    unless IPv6 is asked for: dns_try_ipv6 is off by default)."""
    lookup = socket.AF_INET6 if family == socket.AF_INET6 else socket.AF_INET

    def resolve(s: str) -> Value:
        name = s.split("\0", 1)[0]
        literal = ((_str2ip4(name) if family != socket.AF_INET6 else None)
                   or (_str2ip6(name) if family != socket.AF_INET else None))
        if literal is not None:
            return _ip2a(literal)
        try:
            infos = socket.getaddrinfo(name, None, lookup)
        except (OSError, UnicodeError, ValueError):
            return None
        if not infos:
            return None
        address = infos[0][4][0]
        return _ip2a(socket.inet_pton(infos[0][0], address.split("%", 1)[0]))
    return resolve


def _c_ip_matches(args: Args, p: int) -> Step:
    get_net = args.only_str_param(p)

    def step(value: Value, ctx: object) -> Value:
        s, network = str_of(value), get_net(ctx)
        addr = _str2ip(s) if s else None
        if addr is None or network is None or "/" not in network:
            return None
        base_text, _, bits_text = network.partition("/")
        base = _str2ip(base_text)
        if base is None or not bits_text or not set(bits_text) <= set(DIGITS):
            return None
        bits = int(bits_text) & 0xFFFFFFFF
        if bits > len(base) * 8 or len(base) != len(addr):
            return None
        shift = len(base) * 8 - bits
        same = int.from_bytes(addr, "big") >> shift == int.from_bytes(base, "big") >> shift
        return VInt(1 if same else 0)
    return step


NAMES: dict[str, Compiler] = {
    "family": _ip_binary(lambda data: "INET" if len(data) == 4 else "INET6"),
    "ntop": _ip_binary(_ip2a),
    "isip": _ip_test(_str2ip), "isip4": _ip_test(_str2ip4), "isip6": _ip_test(_str2ip6),
    "pton": _ip_step(_ip_pton),
    "resolve": _ip_step(_resolver(socket.AF_UNSPEC)),
    "resolve4": _ip_step(_resolver(socket.AF_INET)),
    "resolve6": _ip_step(_resolver(socket.AF_INET6)),
    "matches": _c_ip_matches, "isprivate": _ip_test(_is_private),
}


def canonical_name(name: str) -> str:
    """tr_parse_ip() compares only "match" for a 7-letter name."""
    low = ascii_lower(name)
    return "matches" if len(low) == 7 and low.startswith("match") else low
