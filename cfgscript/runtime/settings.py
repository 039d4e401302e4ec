"""How a run is configured: the script's core global parameters that change how
it runs (`Settings`), and the options given on the command line (`RunOptions`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .logger import L_NOTICE

DEFAULT_QUEUE_SIZE = 10000          # events buffered per network destination
DEFAULT_FLUSH_SECONDS = 5.0         # for the senders at shutdown


@dataclass
class Settings:
    """Core global parameters that change how scripts run."""
    log_level: int = L_NOTICE
    xlog_level: int = L_NOTICE
    xlog_print_level: int = L_NOTICE
    stderror_enabled: bool = True
    log_prefix: str = ""
    log_event_enabled: bool = False
    max_while_loops: int = 10000
    enable_asserts: bool = False
    abort_on_assert: bool = False
    xlog_force_color: bool = False
    xlog_buf_size: int = 4096

    FIELDS = {"log_level": int, "xlog_level": int, "xlog_print_level": int,
              "stderror_enabled": bool, "log_prefix": str, "log_event_enabled": bool,
              "max_while_loops": int, "enable_asserts": bool, "abort_on_assert": bool,
              "xlog_force_color": bool, "xlog_buf_size": int}

    def apply(self, name: str, value: object) -> None:
        """A global parameter of the script; SIP-only or unknown ones are ignored."""
        kind = self.FIELDS.get(name)
        if kind is None or value is None:
            return
        if kind is str and isinstance(value, str):
            setattr(self, name, value)
        elif kind in (int, bool) and isinstance(value, int):
            setattr(self, name, kind(value))


@dataclass
class RunOptions:
    plain_log: bool = False
    strict: bool = False
    argv: dict[str, str] = field(default_factory=dict)
    queue_size: int = DEFAULT_QUEUE_SIZE
    flush_timeout: float = DEFAULT_FLUSH_SECONDS
    allow_exec: bool = False        # exec() may run shell commands (--allow-exec)
