"""The lint cache: a `.cfgscript_cache` directory in the project root holding each
file's result, keyed by its content, the contents of the files it includes, the
cfgscript version, the catalog and the settings. An unchanged file is not
parsed again.

Entries are marshal data (plain tuples, not pickled objects): reading one back
imports nothing of the linter and costs a fraction of unpickling, which is most
of what a warm run does."""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from typing import Optional

from .. import __version__
from .finding import Edit, FileResult, Finding, Fix

CACHE_DIR = ".cfgscript_cache"
_FORMAT = 3


def _file_digest(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


class LintCache:
    def __init__(self, root: str, catalog_id: str, settings_key: tuple) -> None:
        self.directory = os.path.join(root, CACHE_DIR, __version__)
        self.salt = repr((_FORMAT, __version__, catalog_id, settings_key))

    def _entry(self, path: str, text: str) -> str:
        digest = hashlib.sha256(("%s\0%s\0" % (self.salt, os.path.abspath(path))).encode(
            "utf-8", "surrogateescape"))
        digest.update(text.encode("utf-8", "surrogateescape"))
        name = digest.hexdigest()
        return os.path.join(self.directory, name[:2], name)

    def get(self, path: str, text: str) -> Optional[FileResult]:
        """The result stored for the file with this text (its --fix text is `text`)."""
        try:
            with open(self._entry(path, text), "rb") as handle:
                includes, shown, findings, lines, files = marshal.loads(handle.read())
            if any(_file_digest(p) != digest for p, digest in includes):
                return None                 # an included file changed
            return FileResult(shown, [_finding(f) for f in findings], lines, text, files)
        except (OSError, EOFError, ValueError, TypeError):
            return None

    def put(self, path: str, text: str, result: FileResult) -> None:
        includes = tuple((p, _file_digest(p)) for p in result.files[1:])
        data = (includes, result.path, tuple(_finding_data(f) for f in result.findings),
                result.lines, result.files)
        entry = self._entry(path, text)
        try:
            os.makedirs(os.path.dirname(entry), exist_ok=True)
            self._write_tag()
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(entry))
            with os.fdopen(handle, "wb") as out:
                out.write(marshal.dumps(data))
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


def _finding_data(finding: Finding) -> tuple:
    fix = finding.fix
    if fix is not None:
        fix = (fix.message, tuple((e.line, e.column, e.end_line, e.end_column, e.content)
                                  for e in fix.edits))
    return (finding.path, finding.line, finding.column, finding.end_line, finding.end_column,
            finding.code, finding.name, finding.severity, finding.message, fix,
            finding.included_from)


def _finding(data: tuple) -> Finding:
    fix = data[9]
    if fix is None:
        return Finding._make(data)
    return Finding._make((*data[:9], Fix(fix[0], tuple(Edit(*edit) for edit in fix[1])),
                          data[10]))
