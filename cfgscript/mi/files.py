"""The files MI servers create and open: their FIFO, their unix socket, the
clients' reply FIFOs.

The rules keep a server from being turned against its own user:

  * a server creates its FIFO or socket itself, with the mode it was given
    (0600 unless configured), and removes it at exit only if the same file
    is still there; it never reuses one it did not create;
  * what is found at the path beforehand is replaced only when it is stale:
    a FIFO or socket of ours that nobody serves (left by a run that died);
    anything else (a regular file, a link, one that is in use or another
    user's) stops the server with a clear message;
  * a reply FIFO is opened without following symbolic links, without
    blocking, and used only if it is a FIFO with a single link.
"""

from __future__ import annotations

import errno
import os
import socket
import stat
import threading
import time
from dataclasses import dataclass
from typing import Optional

_umask_lock = threading.Lock()
REPLY_RETRIES = 4          # mi_fifo's FIFO_REPLY_RETRIES and FIFO_REPLY_WAIT
REPLY_WAIT = 0.08


class FileRefused(OSError):
    """A path the server will not create, replace or use; the message says why."""


@dataclass(frozen=True)
class OwnedFile:
    """A file a server created: removed at exit only if it is still that file."""
    path: str
    device: int
    inode: int

    @classmethod
    def of(cls, path: str) -> OwnedFile:
        info = os.lstat(path)
        return cls(path, info.st_dev, info.st_ino)

    def remove(self) -> None:
        try:
            info = os.lstat(self.path)
        except OSError:
            return
        if (info.st_dev, info.st_ino) == (self.device, self.inode):
            try:
                os.unlink(self.path)
            except OSError:
                pass


def _describe(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _existing(path: str) -> Optional[os.stat_result]:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _fifo_served(path: str) -> bool:
    """Whether a process reads the FIFO (a non-blocking open for writing
    fails with ENXIO when none does)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as err:
        return err.errno != errno.ENXIO
    os.close(fd)
    return True


def _socket_served(path: str, kind: int) -> bool:
    with socket.socket(socket.AF_UNIX, kind) as probe:
        try:
            probe.connect(path)
        except OSError as err:
            return err.errno not in (errno.ECONNREFUSED, errno.ENOENT)
    return True


def clear_stale(path: str, kind: str, sock_type: int = socket.SOCK_DGRAM) -> None:
    """Make room for a new FIFO ("fifo") or unix socket ("socket") at path:
    remove a stale one of ours, refuse anything else (FileRefused)."""
    info = _existing(path)
    if info is None:
        return
    wanted = stat.S_ISFIFO if kind == "fifo" else stat.S_ISSOCK
    if not wanted(info.st_mode):
        raise FileRefused("%s exists and is %s, not a %s" % (path, _describe(info.st_mode),
                                                              "FIFO" if kind == "fifo"
                                                              else "socket"))
    if info.st_uid != os.geteuid():
        raise FileRefused("%s exists and belongs to another user" % path)
    served = _fifo_served(path) if kind == "fifo" else _socket_served(path, sock_type)
    if served:
        raise FileRefused("%s is in use by another process" % path)
    os.unlink(path)


def make_fifo(path: str, mode: int) -> OwnedFile:
    """Create a new FIFO with exactly this mode (FileRefused, OSError)."""
    clear_stale(path, "fifo")
    os.mkfifo(path, 0o600)
    owned = OwnedFile.of(path)
    os.chmod(path, mode)
    return owned


def bind_unix(sock: socket.socket, path: str, mode: int) -> OwnedFile:
    """Bind a unix socket at path, never readable by others in between
    (FileRefused, OSError)."""
    clear_stale(path, "socket", sock.type)
    with _umask_lock:
        previous = os.umask(0o177)
        try:
            sock.bind(path)
        finally:
            os.umask(previous)
    owned = OwnedFile.of(path)
    os.chmod(path, mode)
    return owned


def open_reply_fifo(path: str, retries: int = REPLY_RETRIES,
                    wait: float = REPLY_WAIT) -> Optional[int]:
    """A non-blocking descriptor for writing to a client's reply FIFO, or None
    when there is no such FIFO, nobody reads it, or it is not a plain FIFO.
    Clients open their reply FIFO only after writing the request (opensips-cli
    does), so one nobody reads yet is tried again, `retries` times `wait`
    seconds apart, as OpenSIPS's mi_fifo does."""
    for attempt in range(retries + 1):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
            break
        except OSError as err:
            if err.errno != errno.ENXIO or attempt == retries:
                return None
            time.sleep(wait)
    info = os.fstat(fd)
    if not stat.S_ISFIFO(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        return None
    return fd
