"""What a run changes on the dummy request (runtime/dummy.py), and the error
information of the run: OpenSIPS strips these changes when a startup, timer
or event route ends (release_dummy_sip_msg), so every run starts clean."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

Q_UNSPECIFIED = -1
MAX_FLAG = 31

# error classes and levels (errinfo.h)
ERR_CLASS_PARSER = 1
ERR_CLASS_ASSERT = 4
ERR_LEVEL_CRITICAL = 1
ERR_LEVEL_MEDIUM = 3


@dataclass(slots=True)
class MessageState:
    new_uri: Optional[str] = None       # $ru once set (seturi, sethost, ...)
    dst_uri: Optional[str] = None       # $du
    ruri_q: int = Q_UNSPECIFIED         # $ru_q
    flags: int = 0                      # message flags, one bit each (FlagNames)
    bflags: int = 0                     # branch flags of the R-URI branch (branch 0)
    parsed: Optional[dict] = None       # the R-URI parsed, kept until it changes

    def reset(self) -> None:
        self.new_uri = self.dst_uri = self.parsed = None
        self.ruri_q = Q_UNSPECIFIED
        self.flags = self.bflags = 0

    def set_uri(self, uri: str) -> None:
        """set_ruri(): an empty URI brings the original back but, as in OpenSIPS,
        keeps the parsed parts and the q value of the one it replaces."""
        if not uri:
            self.new_uri = None
            return
        self.new_uri, self.parsed, self.ruri_q = uri, None, Q_UNSPECIFIED

    def rewrite(self, uri: Optional[str]) -> None:
        """A rewritten R-URI (None: back to the original one, revert_uri)."""
        self.new_uri, self.parsed = uri, None


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """$err.*: set by a failed assert or a parse error, reset after error_route."""
    eclass: int
    level: int
    info: str
    rcode: int
    rreason: str


ASSERT_FAILED = ErrorInfo(ERR_CLASS_ASSERT, ERR_LEVEL_CRITICAL, "assertion failed", 500,
                          "server error")
BAD_RURI = ErrorInfo(ERR_CLASS_PARSER, ERR_LEVEL_MEDIUM, "error parsing r-uri", 400, "bad r-uri")


@dataclass(slots=True)
class FlagNames:
    """Named message or branch flags: each new name takes the next bit, and
    names are listed newest first ($mf, $bf), as OpenSIPS keeps them."""
    bits: dict[str, int] = field(default_factory=dict)

    def bit(self, name: str) -> int:
        bit = self.bits.get(name)
        if bit is None:
            bit = self.bits[name] = min(len(self.bits), MAX_FLAG)
        return bit

    def listed(self, mask: int) -> str:
        """The names of the flags set in `mask`, newest first, space separated."""
        if not mask:
            return ""
        return " ".join(name for name, bit in reversed(self.bits.items()) if mask & (1 << bit))


@dataclass(slots=True)
class Flags:
    """The flag names of a script: message flags and branch flags."""
    message: FlagNames = field(default_factory=FlagNames)
    branch: FlagNames = field(default_factory=FlagNames)
