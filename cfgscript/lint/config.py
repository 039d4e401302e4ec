"""Lint settings: `[tool.cfgscript.lint]` of a pyproject.toml, or the `[lint]`
table of a cfgscript.toml, found upward from each linted file (the nearest
wins; cfgscript.toml before pyproject.toml in the same directory). The command
line overrides what the file says."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Optional

from ..catalog import RELEASES
from . import codes
from .finding import FAIL_LEVELS

KEYS = {"select", "ignore", "extend-select", "per-file-ignores", "exclude",
        "target-version", "fail-on", "output-format"}


class ConfigError(Exception):
    """A configuration file that cannot be used (one line: file and reason)."""


@dataclass(frozen=True)
class LintSettings:
    select: tuple[str, ...] = (codes.ALL,)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    target_version: Optional[str] = None
    upgrade_to: Optional[str] = None    # the command line's --upgrade-to
    fail_on: str = "warning"
    output_format: Optional[str] = None
    root: str = ""                      # the directory of the file the settings come from
    origin: str = ""                    # that file ("" for the defaults)

    def rules_for(self, path: str) -> list:
        ignored = list(self.ignore)
        for pattern, selectors in self.per_file_ignores:
            if _matches(path, pattern, self.root):
                ignored += selectors
        return codes.select(list(self.select) + list(self.extend_select), ignored)

    def excluded(self, path: str) -> bool:
        return any(_matches(path, pattern, self.root) for pattern in self.exclude)

    def key(self) -> tuple:
        """What the cache keys on (the origin and root do not change findings)."""
        return (self.select, self.ignore, self.extend_select, self.per_file_ignores,
                self.target_version, self.upgrade_to)

    @property
    def release(self) -> str:
        """The release the scripts target (the newest when not set)."""
        return self.target_version or RELEASES[-1]


def _matches(path: str, pattern: str, root: str) -> bool:
    relative = os.path.relpath(os.path.abspath(path), root or os.getcwd())
    return (fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(os.path.basename(path), pattern)
            or fnmatch.fnmatch(relative, pattern.rstrip("/") + "/*"))


def discover(path: str) -> LintSettings:
    """The settings that apply to a file (or directory), found upward from it."""
    start = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
    return _settings_in(start)


@cache
def _settings_in(directory: str) -> LintSettings:
    for name in ("cfgscript.toml", "pyproject.toml"):
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            table = _lint_table(candidate, name == "pyproject.toml")
            if table is not None:
                return from_table(table, candidate)
    parent = os.path.dirname(directory)
    if parent == directory:
        return LintSettings(root=os.getcwd())
    return _settings_in(parent)


def _lint_table(path: str, in_pyproject: bool) -> Optional[dict[str, Any]]:
    import tomllib  # only where a configuration file exists (start-up time)

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError("%s: %s" % (path, err)) from None
    if in_pyproject:
        return data.get("tool", {}).get("cfgscript", {}).get("lint")
    return data.get("lint", {})


def from_table(table: dict[str, Any], origin: str) -> LintSettings:
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise ConfigError("%s: unknown lint setting %s (known: %s)"
                          % (origin, ", ".join(unknown), ", ".join(sorted(KEYS))))
    values: dict[str, Any] = {"root": os.path.dirname(origin), "origin": origin}
    for key in ("select", "ignore", "extend-select", "exclude"):
        if key in table:
            values[key.replace("-", "_")] = _strings(table[key], key, origin)
    if "per-file-ignores" in table:
        mapping = table["per-file-ignores"]
        if not isinstance(mapping, dict):
            raise ConfigError("%s: per-file-ignores must be a table of pattern = [codes]" % origin)
        values["per_file_ignores"] = tuple((pattern, _strings(v, pattern, origin))
                                           for pattern, v in mapping.items())
    for key in ("target-version", "fail-on", "output-format"):
        if key in table:
            if not isinstance(table[key], str):
                raise ConfigError("%s: %s must be a string" % (origin, key))
            values[key.replace("-", "_")] = table[key]
    settings = LintSettings(**values)
    validate(settings, origin)
    return settings


def _strings(value: Any, key: str, origin: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("%s: %s must be a list of strings" % (origin, key))
    return tuple(value)


def validate(settings: LintSettings, origin: str) -> None:
    selectors = [*settings.select, *settings.ignore, *settings.extend_select]
    selectors += [s for _, group in settings.per_file_ignores for s in group]
    unknown = codes.unknown_selectors(selectors)
    if unknown:
        raise ConfigError("%s: unknown rule selector %s" % (origin, ", ".join(unknown)))
    if settings.target_version is not None and settings.target_version not in RELEASES:
        raise ConfigError("%s: target-version must be one of %s" % (origin, ", ".join(RELEASES)))
    if settings.fail_on not in FAIL_LEVELS:
        raise ConfigError("%s: fail-on must be one of %s" % (origin, ", ".join(FAIL_LEVELS)))


@dataclass(frozen=True)
class Overrides:
    """What the command line says; None or empty: the file's value stands."""
    select: Optional[tuple[str, ...]] = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    target_version: Optional[str] = None
    fail_on: Optional[str] = None
    upgrade_to: Optional[str] = None

    def apply(self, settings: LintSettings) -> LintSettings:
        changes: dict[str, Any] = {}
        if self.select is not None:     # a new selection: the file's choices no longer count
            changes.update(select=self.select, extend_select=self.extend_select,
                           ignore=self.ignore)
        else:
            if self.extend_select:
                changes["extend_select"] = settings.extend_select + self.extend_select
            if self.ignore:
                changes["ignore"] = settings.ignore + self.ignore
        if self.per_file_ignores:
            changes["per_file_ignores"] = settings.per_file_ignores + self.per_file_ignores
        if self.target_version is not None:
            changes["target_version"] = self.target_version
        if self.fail_on is not None:
            changes["fail_on"] = self.fail_on
        if self.upgrade_to is not None:
            changes["upgrade_to"] = self.upgrade_to
        return replace(settings, **changes) if changes else settings
