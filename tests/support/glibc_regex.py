"""glibc's own regcomp()/regexec() through ctypes, in the C locale: the oracle
the regex tests compare cfgscript's matcher with."""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import multiprocessing.connection
import multiprocessing.process
from typing import Optional, Union

REG_EXTENDED, REG_ICASE, REG_NEWLINE, REG_NOSUB = 1, 2, 4, 8
REG_NOTBOL = 1
_LC_ALL_MASK = 8127                 # glibc: every LC_*_MASK but LC_ALL's own bit
_REGEX_T_SIZE = 256                 # sizeof(regex_t) is 64 on x86-64; room to spare


class _RegMatch(ctypes.Structure):
    _fields_ = [("rm_so", ctypes.c_int), ("rm_eo", ctypes.c_int)]


_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
_libc.newlocale.restype = ctypes.c_void_p
_libc.newlocale.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p]
_libc.uselocale.restype = ctypes.c_void_p
_libc.uselocale.argtypes = [ctypes.c_void_p]
_libc.regcomp.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
_libc.regexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                          ctypes.c_void_p, ctypes.c_int]
_libc.regerror.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
_libc.regfree.argtypes = [ctypes.c_void_p]
_C_LOCALE = _libc.newlocale(_LC_ALL_MASK, b"C", None)

Result = Union[str, None, list[tuple[int, int]]]


def regex(pattern: bytes, subject: bytes, icase: bool = False, newline: bool = False,
          nmatch: Optional[int] = 1, notbol: bool = False) -> Result:
    """The regcomp() error message, None for no match, or the nmatch registers
    (nmatch None: REG_NOSUB, a match gives [])."""
    flags = REG_EXTENDED | (REG_ICASE if icase else 0) | (REG_NEWLINE if newline else 0)
    if nmatch is None:
        flags |= REG_NOSUB
    buffer = ctypes.create_string_buffer(_REGEX_T_SIZE)
    previous = _libc.uselocale(_C_LOCALE)
    try:
        code = _libc.regcomp(buffer, pattern, flags)
        if code:
            message = ctypes.create_string_buffer(200)
            _libc.regerror(code, buffer, message, 200)
            return message.value.decode()
        try:
            count = nmatch or 0
            registers = (_RegMatch * max(count, 1))()
            if _libc.regexec(buffer, subject, count, registers, REG_NOTBOL if notbol else 0):
                return None
            return [(r.rm_so, r.rm_eo) for r in registers[:count]]
        finally:
            _libc.regfree(buffer)
    finally:
        _libc.uselocale(previous)


HANG = "glibc did not return"


class Oracle:
    """regex() run in a child process, so that a call glibc never returns from
    (it loops forever on some patterns, e.g. "(|^.)+" on "ab" with nmatch 2,
    or dies) costs a bounded wait and a new child instead of the caller: such
    a call gives HANG."""

    def __init__(self, timeout: float = 2.0):
        self.timeout = timeout
        self.hangs = 0                  # the calls that gave HANG
        self._child: Optional[multiprocessing.process.BaseProcess] = None
        self._conn: Optional[multiprocessing.connection.Connection] = None

    def __enter__(self) -> Oracle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def regex(self, pattern: bytes, subject: bytes, icase: bool = False,
              newline: bool = False, nmatch: Optional[int] = 1, notbol: bool = False) -> Result:
        if self._conn is None:
            self._start()
        assert self._conn is not None
        self._conn.send((pattern, subject, icase, newline, nmatch, notbol))
        try:
            if self._conn.poll(self.timeout):
                return self._conn.recv()
        except EOFError:                # the child died: glibc crashed or ran out of memory
            pass
        self.close()
        self.hangs += 1
        return HANG

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child_end = context.Pipe()
        self._child = context.Process(target=_serve, args=(child_end,), daemon=True)
        self._child.start()
        child_end.close()

    def close(self) -> None:
        if self._child is not None:
            self._child.kill()
            self._child.join(5)
            self._child = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _serve(conn: multiprocessing.connection.Connection) -> None:
    while True:
        try:
            args = conn.recv()
        except EOFError:
            return
        conn.send(regex(*args))
