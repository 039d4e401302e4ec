"""Core helpers for functions that need no SIP message: the script's own
addresses for is_myself() (its `socket=`/`listen=` sockets, resolved as
OpenSIPS resolves them at start, its `alias=` names and `advertised_address`,
matched the way OpenSIPS's check_self() does), and the URI construct_uri()
builds."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace
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
    address: str = ""           # what the host resolves to ("" when it does not)
    advertised_address: str = ""


def _ipv6(text: str) -> Optional[ipaddress.IPv6Address]:
    try:
        return ipaddress.IPv6Address(text[1:-1] if text.startswith("[") else text)
    except ValueError:
        return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text[1:-1] if text.startswith("[") else text)
    except ValueError:
        return False
    return True


def _resolved(name: str) -> str:
    if _is_ip(name):
        return name
    try:
        return socket.gethostbyname(name)
    except (OSError, UnicodeError):
        return ""


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


def _same(a: str, b: str) -> bool:
    return a.lower() == b.lower()


@dataclass
class OwnAddresses:
    sockets: list[Address]
    aliases: list[Address]
    advertised: str = ""        # the global advertised_address

    @classmethod
    def of_script(cls, script: ast.Script, log: Callable[[str], None]) -> OwnAddresses:
        """The script's sockets (names resolved, as OpenSIPS does at start: a
        socket whose advertised name does not resolve is left out), aliases
        and advertised_address."""
        own = cls([], [])
        for item in script.items:
            if not isinstance(item, ast.GlobalParam):
                continue
            text = item.value if isinstance(item.value, str) else item.text
            if item.name in ("socket", "listen"):
                found = parse_address(text, default_port=True)
                if found is not None:
                    own._add_socket(found, log)
            elif item.name == "alias":
                found = parse_address(text, default_port=False)
                if found is not None:
                    own.aliases.append(found)
            elif item.name == "advertised_address" and isinstance(item.value, str):
                own.advertised = item.value
        return own

    def _add_socket(self, found: Address, log: Callable[[str], None]) -> None:
        advertised = _resolved(found.advertised_host) if found.advertised_host else ""
        if found.advertised_host and not advertised:
            log("ERROR: fix_socket_list: could not resolve advertised name %s"
                % found.advertised_host)
            return
        self.sockets.append(replace(found, address=_resolved(found.host),
                                    advertised_address=advertised))

    def is_myself(self, host: str, port: int) -> bool:
        """check_self(): a socket by name, advertised name, global advertised
        address (for a socket with no advertised name of its own) or address
        (IPv6 by value, IPv4 as text for a socket named by a host name); then
        the aliases."""
        ipv6 = _ipv6(host)
        for sock in self.sockets:
            if port and port not in (sock.port, sock.advertised_port):
                continue
            # a socket with no advertised name has an empty one, and "" matches it
            if _same(host, sock.host) or _same(host, sock.advertised_host):
                return True
            if not sock.advertised_host and self.advertised and _same(host, self.advertised):
                return True
            if ipv6 is not None:
                if ipv6 in (_ipv6(sock.address), _ipv6(sock.advertised_address)):
                    return True
                continue
            if not _is_ip(sock.host) and host == sock.address:
                return True
        return any((not port or not alias.port or alias.port == port)
                   and _same(host, alias.host) for alias in self.aliases)


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
