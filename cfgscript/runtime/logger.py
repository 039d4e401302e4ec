"""Logging as OpenSIPS prints it on stderr.

    Nov 26 09:21:58 [11443] NOTICE:@ a=5                      xlog() output
    Nov 26 09:21:58 [11443] ERROR:core:do_assign: ...         core/module messages

The "<Mon dd hh:mm:ss> [pid] " prefix is dropped with the plain format
(`--log-format plain`). xlog() lines are filtered by the xlog level, everything
else (core messages, log()) by the log level. Listeners (E_CORE_LOG) see each
printed line.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Optional, TextIO

L_ALERT, L_CRIT, L_ERR, L_WARN, L_NOTICE, L_INFO, L_DBG = -3, -2, -1, 1, 2, 3, 4

LEVEL_NAMES = {L_ALERT: "ALERT", L_CRIT: "CRITICAL", L_ERR: "ERROR", L_WARN: "WARNING",
               L_NOTICE: "NOTICE", L_INFO: "INFO", L_DBG: "DBG"}

# xlog("L_xxx", ...) is read from the 3rd character only, as OpenSIPS does
XLOG_LEVEL_BY_CHAR = {"A": L_ALERT, "C": L_CRIT, "E": L_ERR, "W": L_WARN, "N": L_NOTICE,
                      "I": L_INFO, "D": L_DBG}

DEFAULT_LOG_LEVEL = L_NOTICE
DEFAULT_XLOG_LEVEL = L_NOTICE

# (level name, module, function, message, prefix) -> None
LogListener = Callable[[str, Optional[str], Optional[str], str, str], None]


class Logger:
    def __init__(self, stream: TextIO = sys.stderr, plain: bool = False):
        self.stream = stream
        self.plain = plain
        self.log_level = DEFAULT_LOG_LEVEL
        self.xlog_level = DEFAULT_XLOG_LEVEL
        self.default_log_level = DEFAULT_LOG_LEVEL
        self.default_xlog_level = DEFAULT_XLOG_LEVEL
        self.stderr_enabled = True
        self.prefix = ""
        self.pid = os.getpid()
        self.listeners: list[LogListener] = []
        self._lock = threading.Lock()       # sender threads log too

    def configure(self, *, log_level: Optional[int] = None, xlog_level: Optional[int] = None,
                  stderr_enabled: Optional[bool] = None, prefix: Optional[str] = None) -> None:
        if log_level is not None:
            self.log_level = self.default_log_level = log_level
        if xlog_level is not None:
            self.xlog_level = self.default_xlog_level = xlog_level
        if stderr_enabled is not None:
            self.stderr_enabled = stderr_enabled
        if prefix is not None:
            self.prefix = prefix

    def _stamp(self) -> str:
        if self.plain:
            return ""
        now = time.localtime()
        return "%s %2d %s [%d] " % (time.strftime("%b", now), now.tm_mday,
                                    time.strftime("%H:%M:%S", now), self.pid)

    def _emit(self, level: int, body: str, module: Optional[str], function: Optional[str],
              message: str) -> None:
        name = LEVEL_NAMES.get(level, "DBG")
        if self.stderr_enabled:
            line = "%s%s%s:%s" % (self._stamp(), self.prefix, name, body)
            self._write(line if line.endswith("\n") else line + "\n")
        for listener in self.listeners:
            listener(name, module, function, message, self.prefix)

    def xlog(self, level: int, text: str) -> None:
        """An xlog()/xdbg() line: printed when level <= the xlog level; no newline added."""
        if level > self.xlog_level:
            return
        if self.stderr_enabled:
            self._write("%s%s%s:%s" % (self._stamp(), self.prefix,
                                       LEVEL_NAMES.get(level, "DBG"), text))
        for listener in self.listeners:
            listener(LEVEL_NAMES.get(level, "DBG"), None, None, text.rstrip("\n"), self.prefix)

    def log(self, level: int, module: str, function: str, message: str) -> None:
        """A core or module message: "LEVEL:module:function: message"."""
        if level > self.log_level:
            return
        self._emit(level, "%s:%s: %s" % (module, function, message), module, function, message)

    def log_quietly(self, level: int, module: str, function: str, message: str) -> None:
        """Like log(), from any thread, without telling the listeners (E_CORE_LOG):
        the lines of sender threads, which OpenSIPS does not raise events for either."""
        if level <= self.log_level and self.stderr_enabled:
            self._write("%s%s%s:%s:%s: %s\n" % (self._stamp(), self.prefix,
                                                LEVEL_NAMES.get(level, "DBG"), module, function,
                                                message))

    def _write(self, text: str) -> None:
        with self._lock:
            self.stream.write(text)
            self.stream.flush()

    def script_log(self, level: int, text: str) -> None:
        """log(level, "text") from a script: printed as is, filtered by the log level."""
        if level > self.log_level:
            return
        self._emit(level, text, None, None, text.rstrip("\n"))

    # shorthands for cfgscript's own messages
    def error(self, module: str, function: str, message: str) -> None:
        self.log(L_ERR, module, function, message)

    def warning(self, module: str, function: str, message: str) -> None:
        self.log(L_WARN, module, function, message)

    def notice(self, module: str, function: str, message: str) -> None:
        self.log(L_NOTICE, module, function, message)
