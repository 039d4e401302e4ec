"""event_flatstore: the `flatstore:` transport, one line per event in a file.

    EVENT,value1,value2\\n          (default delimiter ",")
    value1;value2\\n                (delimiter=";", suppress_event_name=1)

Only values are written, in parameter order. A delimiter inside a string value
is written as escape_delimiter, or as a space when none is set; the caller's
variables are never modified (OpenSIPS modifies them in place). Files are
created when missing and rotated on count, size, period or MI request, each
rotation raising E_FLATSTORE_ROTATION.
"""

from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass, field
from typing import Optional

from ..events.core import Occurrence, SocketError, Subscriber, TransportBase
from ..events.host import ModuleHost
from ..mi.core import get_str
from ..mi.errors import MIError
from ..runtime.module import ModParam, Module, mi_command

ROTATION_EVENT = "E_FLATSTORE_ROTATION"
_SIZE_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


@dataclass(frozen=True)
class FlatEndpoint:
    path: str


@dataclass
class FlatFile:
    path: str                       # as subscribed
    pathname: str                   # with the suffix, the file written to
    handle: Optional[object] = None
    records: int = 0
    size: int = 0
    old_pathname: str = ""
    opened_at: float = field(default_factory=time.monotonic)


def _take_back(handle, written: int) -> None:
    """Cut the part of a line that a short write left at the end of the file."""
    if written:
        fd = handle.fileno()
        os.ftruncate(fd, os.fstat(fd).st_size - written)


def parse_size(value) -> int:
    """rotate_size: a number of bytes, or "10K" / "5M" / "1G"."""
    if isinstance(value, int):
        return value
    text = str(value).strip()
    unit = _SIZE_UNITS.get(text[-1:].lower(), 1)
    digits = text[:-1] if unit != 1 else text
    if not digits.isdigit():
        raise ValueError("invalid size %r" % value)
    return int(digits) * unit


class FlatstoreTransport(TransportBase):
    owner: EventFlatstore
    proto = "flatstore"
    module = "event_flatstore"

    @staticmethod
    def check_syntax(rest: str) -> None:
        if not rest:
            raise SocketError("no socket specified", "event_flatstore", "flat_parse")

    def parse(self, rest: str) -> FlatEndpoint:
        self.check_syntax(rest)
        if os.path.isdir(rest):
            raise SocketError("path is a directory", self.module, "flat_parse")
        directory = os.path.dirname(rest) or "."
        if not os.path.isdir(directory):
            raise SocketError("invalid directory name", self.module, "flat_parse")
        return FlatEndpoint(rest)

    def describe(self, endpoint: FlatEndpoint) -> str:
        return "flatstore:" + endpoint.path

    def deliver(self, occurrence: Occurrence, endpoint: FlatEndpoint,
                subscriber: Subscriber) -> int:
        return self.owner.write(endpoint.path, self.owner.line(occurrence))


class EventFlatstore(Module):
    engine: ModuleHost
    name = "event_flatstore"
    transport_classes = (FlatstoreTransport,)
    events = (ROTATION_EVENT,)
    params = (
        ModParam("max_open_sockets", "int", 100),
        ModParam("delimiter", "str", ","),
        ModParam("escape_delimiter", "str", None),
        ModParam("file_permissions", "str", "644"),
        ModParam("suppress_event_name", "int", 0),
        ModParam("rotate_period", "int", 0),
        ModParam("rotate_count", "int|str", 0),
        ModParam("rotate_size", "int|str", 0),
        ModParam("suffix", "str", None),
    )

    def __init__(self, engine) -> None:
        super().__init__(engine)
        self.files: dict[str, FlatFile] = {}

    def init(self) -> None:
        self.delimiter = self.param("delimiter")
        self.escape = self.param("escape_delimiter") or " "
        self.suppress = bool(self.param("suppress_event_name"))
        self.mode = int(self.param("file_permissions"), 8)
        self.rotate_count = int(self.param("rotate_count") or 0)
        self.rotate_size = parse_size(self.param("rotate_size") or 0)
        self.rotate_period = max(int(self.param("rotate_period") or 0), 0)
        suffix = self.param("suffix")
        self.suffix = self.engine.compile_format(suffix) if suffix else None

    # ------------------------------------------------------------ writing

    def line(self, occurrence: Occurrence) -> str:
        values = [self._column(value) for _, value in occurrence.params]
        columns = values if self.suppress else [occurrence.name] + values
        return self.delimiter.join(columns) + "\n"

    def _column(self, value) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value.replace(self.delimiter, self.escape) if self.delimiter in value else value
        return str(value)

    def write(self, path: str, text: str) -> int:
        """Append one line: 0, or -1 (logged) when the file cannot be opened
        or the line not written whole (a full disk, a file size limit)."""
        self._rotate_if_due(path)
        data = text.encode("utf-8", "surrogateescape")
        flat = self._file(path)
        try:
            if flat.handle is None:
                self._open(flat)
            written = flat.handle.write(data)
            if written != len(data):
                _take_back(flat.handle, written)
                raise OSError(errno.EFBIG, "short write (%d of %d bytes; disk full or file "
                              "size limit), taken back" % (written, len(data)))
        except OSError as err:
            self.engine.logger.error(self.name, "flat_raise", "cannot write to %s: %s"
                                     % (flat.pathname, err.strerror or err))
            return -1
        flat.records += 1
        flat.size += len(data)
        if self.rotate_count and flat.records >= self.rotate_count:
            self.rotate(path, "count")
        elif self.rotate_size and flat.size >= self.rotate_size:
            self.rotate(path, "size")
        return 0

    def _file(self, path: str) -> FlatFile:
        flat = self.files.get(path)
        if flat is None:
            flat = self.files[path] = FlatFile(path, self._pathname(path))
        return flat

    def _open(self, flat: FlatFile) -> None:
        """Open (create) the file; unbuffered, so that a line is written whole or not at all."""
        fd = os.open(flat.pathname, os.O_WRONLY | os.O_APPEND | os.O_CREAT, self.mode)
        flat.handle = os.fdopen(fd, "ab", buffering=0)
        flat.opened_at = time.monotonic()

    def _pathname(self, path: str) -> str:
        if self.suffix is None:
            return path
        return path + self.suffix(self.engine.new_context())

    # ------------------------------------------------------------ rotation

    def _rotate_if_due(self, path: str) -> None:
        flat = self.files.get(path)
        if (self.rotate_period and flat is not None and flat.handle is not None
                and time.monotonic() - flat.opened_at >= self.rotate_period):
            self.rotate(path, "period")

    def rotate(self, path: str, reason: str) -> bool:
        """Reopen the file (under a new suffix, if one is set) and tell E_FLATSTORE_ROTATION."""
        flat = self.files.get(path)
        if flat is None:
            return False
        if flat.handle is not None:
            flat.handle.close()
            flat.handle = None
        flat.old_pathname, flat.pathname = flat.pathname, self._pathname(path)
        flat.records = flat.size = 0
        event = self.engine.events.get(ROTATION_EVENT)
        if event is not None and self.engine.events.has_subscribers(event):
            params = (("timestamp", str(int(time.time()))), ("reason", reason),
                      ("filename", flat.pathname), ("old_filename", flat.old_pathname))
            self.engine.events.raise_event(event, params)
        return True

    @mi_command("event_flatstore:rotate", ("path_to_file",), aliases=("evi_flat_rotate",))
    def mi_rotate(self, params: dict) -> str:
        if not self.rotate(get_str(params, "path_to_file"), "mi"):
            raise MIError(400, "File not found")
        return "OK"

    def shutdown(self) -> None:
        for flat in self.files.values():
            if flat.handle is not None:
                flat.handle.close()
                flat.handle = None
