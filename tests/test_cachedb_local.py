"""cachedb_local's helpers against the C they stand for: chunk globs against
glibc's own fnmatch() (through ctypes) on generated globs and names, and the
counter text str2sint() reads."""

from __future__ import annotations

import ctypes
import ctypes.util
import random

from cfgscript.modules.cachedb_local import str2sint
from cfgscript.modules.hashing import fnmatch

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
_libc.fnmatch.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]

GLOB_PIECES = ["*", "?", "a", "b", ".", "/", "\\", "\\*", "[", "]", "[ab]", "[!a]", "[^b]",
               "[a-c]", "[]a]", "[[:alpha:]]", "[[:digit:]x]", "-", "[!]]", "x"]
NAME_CHARS = "ab.c/x*?[]-1\\"


def _glibc(glob: str, name: str) -> bool:
    return _libc.fnmatch(glob.encode(), name.encode(), 0) == 0


def test_globs_match_as_glibc_fnmatch_does() -> None:
    rng = random.Random(20240315)
    differences = []
    for _ in range(5000):
        glob = "".join(rng.choice(GLOB_PIECES) for _ in range(rng.randint(1, 5)))
        name = "".join(rng.choice(NAME_CHARS) for _ in range(rng.randint(0, 6)))
        if fnmatch(glob, name) != _glibc(glob, name):
            differences.append((glob, name))
    assert differences == []


def test_counter_text_reads_as_str2sint_does() -> None:
    assert [str2sint(t) for t in ("12", "+12", "-12", "-", "+", "", " 5", "5 ", "0x1")] == [
        12, 12, -12, 0, 0, None, None, None, None]
    assert str2sint("2147483648") == -2147483648          # a C int wraps
