"""Where the clients find their defaults: the CFGSCRIPT_MI environment
variable, else `mi = "..."` under [tool.cfgscript] in the nearest
pyproject.toml above the working directory, else OpenSIPS's FIFO."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

from .errors import ClientError

try:
    import tomllib
except ModuleNotFoundError:         # Python 3.10: no pyproject.toml settings
    tomllib = None

ENVIRONMENT_VARIABLE = "CFGSCRIPT_MI"
FALLBACK_MI_ADDRESS = "fifo:/tmp/opensips_fifo"


def project_settings(start: Optional[Path] = None) -> dict[str, Any]:
    """[tool.cfgscript] of the nearest pyproject.toml that has one ({} if none)."""
    if tomllib is None:
        return {}
    directory = (start or Path.cwd()).resolve()
    for folder in (directory, *directory.parents):
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            with candidate.open("rb") as stream:
                document = tomllib.load(stream)
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise ClientError("%s: %s" % (candidate, err)) from None
        settings = document.get("tool", {}).get("cfgscript")
        if isinstance(settings, dict):
            return settings
    return {}


def default_mi_address(environ: Optional[Mapping[str, str]] = None,
                       start: Optional[Path] = None) -> str:
    environ = os.environ if environ is None else environ
    if environ.get(ENVIRONMENT_VARIABLE):
        return environ[ENVIRONMENT_VARIABLE]
    configured = project_settings(start).get("mi")
    return configured if isinstance(configured, str) and configured else FALLBACK_MI_ADDRESS
