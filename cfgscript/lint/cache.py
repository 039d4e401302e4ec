"""The lint cache: a `.cfgscript_cache` directory in the project root holding each
file's result, keyed by its content, the contents of the files it includes, the
cfgscript version, the catalog and the settings. An unchanged file is not
parsed again."""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from typing import Optional

from .. import __version__
from .runner import FileResult

CACHE_DIR = ".cfgscript_cache"
_FORMAT = 1


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _file_digest(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


class LintCache:
    def __init__(self, root: str, catalog_id: str, settings_key: tuple) -> None:
        self.directory = os.path.join(root, CACHE_DIR, __version__)
        self.salt = _digest(_FORMAT, __version__, catalog_id, settings_key)

    def _entry(self, path: str, text: str) -> str:
        name = _digest(self.salt, os.path.abspath(path), text)
        return os.path.join(self.directory, name[:2], name)

    def get(self, path: str, text: str) -> Optional[FileResult]:
        try:
            with open(self._entry(path, text), "rb") as handle:
                includes, result = pickle.load(handle)
        except (OSError, EOFError, pickle.PickleError, ValueError, TypeError, AttributeError):
            return None
        if any(_file_digest(p) != digest for p, digest in includes):
            return None                 # an included file changed
        return result

    def put(self, path: str, text: str, result: FileResult) -> None:
        includes = [(p, _file_digest(p)) for p in result.files[1:]]
        entry = self._entry(path, text)
        try:
            os.makedirs(os.path.dirname(entry), exist_ok=True)
            self._write_tag()
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(entry))
            with os.fdopen(handle, "wb") as out:
                pickle.dump((includes, result), out, pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, entry)
        except OSError:
            pass                        # a read-only tree: lint without a cache

    def _write_tag(self) -> None:
        tag = os.path.join(os.path.dirname(self.directory), "CACHEDIR.TAG")
        if not os.path.exists(tag):
            with open(tag, "w") as out:
                out.write("Signature: 8a477f597d28d172789f06886806bc55\n"
                          "# This directory is cfgscript's lint cache.\n")
            with open(os.path.join(os.path.dirname(self.directory), ".gitignore"), "w") as out:
                out.write("*\n")
