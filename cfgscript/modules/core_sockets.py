"""Core helpers for functions that need no SIP message: the script's own
addresses for is_myself() (its `socket=`/`listen=` sockets and `alias=` names,
matched the way OpenSIPS's check_self() does: host names case-insensitively,
IP addresses by value, an advertised address or port as well as the real one,
port 0 matching any), and the URI construct_uri() builds."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Optional

from ..syntax import ast

DEFAULT_PORTS = {"udp": 5060, "tcp": 5060, "tls": 5061, "sctp": 5060, "ws": 80, "wss": 443,
                 "hep_udp": 5656, "hep_tcp": 5656, "bin": 5555, "bins": 5556, "smpp": 2775,
                 "msrp": 2855, "msrps": 2855, "ipsec": 5062}
_ADDRESS = re.compile(r"^(?:(?P<proto>[a-zA-Z_]+):)?(?P<host>\[[^\]]*\]|[^:\s\[]+)"
                      r"(?::(?P<port>\d+))?$")


@dataclass(frozen=True)
class Address:
    proto: str                  # "" for any protocol (an alias without one)
    host: str
    port: int                   # 0: any port
    advertised_host: str = ""
    advertised_port: int = 0


def _ip(text: str) -> Optional[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return ipaddress.ip_address(text[1:-1] if text.startswith("[") else text)
    except ValueError:
        return None


def parse_address(text: str, default_port: bool) -> Optional[Address]:
    """[proto:]host[:port] [as host[:port]] (None when it is not one)."""
    main, _, rest = text.strip().partition(" as ")
    main = main.split()[0] if main.split() else ""
    match = _ADDRESS.match(main)
    if match is None:
        return None
    proto = (match.group("proto") or "").lower()
    port = int(match.group("port") or 0)
    if not port and default_port:
        port = DEFAULT_PORTS.get(proto or "udp", 5060)
    advertised = _ADDRESS.match(rest.split()[0]) if rest.split() else None
    return Address(proto, match.group("host"), port,
                   advertised.group("host") if advertised else "",
                   int(advertised.group("port") or 0) if advertised else 0)


def _same_host(host: str, name: str) -> bool:
    if host.lower() == name.lower():
        return True
    mine, theirs = _ip(host), _ip(name)
    return mine is not None and mine == theirs


@dataclass
class OwnAddresses:
    sockets: list[Address]
    aliases: list[Address]

    @classmethod
    def of_script(cls, script: ast.Script) -> OwnAddresses:
        sockets, aliases = [], []
        for item in script.items:
            if not isinstance(item, ast.GlobalParam):
                continue
            text = item.value if isinstance(item.value, str) else item.text
            if item.name in ("socket", "listen"):
                address = parse_address(text, default_port=True)
                if address is not None:
                    sockets.append(address)
            elif item.name == "alias":
                address = parse_address(text, default_port=False)
                if address is not None:
                    aliases.append(address)
        return cls(sockets, aliases)

    def is_myself(self, host: str, port: int) -> bool:
        for sock in self.sockets:
            if port and port not in (sock.port, sock.advertised_port):
                continue
            # a socket with no advertised name has an empty one, and "" matches it
            if _same_host(host, sock.host) or _same_host(host, sock.advertised_host):
                return True
        return any((not port or not alias.port or alias.port == port)
                   and host.lower() == alias.host.lower() for alias in self.aliases)


MAX_URI_LEN = 1024


@dataclass(frozen=True)
class UriError:
    message: str


def build_uri(proto: str, user: Optional[str], domain: str, port: Optional[str],
              params: Optional[str]) -> str | UriError:
    """construct_uri(): proto:[user@]domain[:port][;params]."""
    if not proto:
        return UriError("no protocol specified")
    if not domain:
        return UriError("no domain specified")
    uri = proto + ":" + (user + "@" if user else "") + domain
    uri += (":" + port if port else "") + (";" + params if params else "")
    size = len(uri.encode("utf-8", "surrogateescape")) + 1
    if size > MAX_URI_LEN:
        return UriError("constructed URI too long (%d > %d)" % (size, MAX_URI_LEN))
    return uri
