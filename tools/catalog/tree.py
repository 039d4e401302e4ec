"""An OpenSIPS source tree: a checkout on disk or one commit of a git directory."""

from __future__ import annotations

import os
import subprocess
from functools import cached_property


class SourceTree:
    """Read-only access to the files of one OpenSIPS source version."""

    def __init__(self, location: str, commit: str | None = None):
        self.location = location
        self.commit = commit
        self._cache: dict[str, str] = {}

    @classmethod
    def open(cls, location: str, commit: str | None = None) -> SourceTree:
        """A checkout (a directory with cfg.y) or a git directory plus a commit."""
        if commit is None and os.path.isfile(os.path.join(location, "cfg.y")):
            return cls(location)
        return cls(location, commit or "HEAD")

    def _git(self, *args: str, stdin: bytes | None = None) -> bytes:
        return subprocess.run(["git", "--git-dir=" + self._git_dir, *args], input=stdin,
                              check=True, capture_output=True).stdout

    @cached_property
    def _git_dir(self) -> str:
        dot_git = os.path.join(self.location, ".git")
        return dot_git if os.path.exists(dot_git) else self.location

    @cached_property
    def commit_id(self) -> str:
        """The full commit hash, or "" for a plain directory."""
        if self.commit is None:
            return ""
        return self._git("rev-parse", self.commit + "^{commit}").decode().strip()

    @cached_property
    def files(self) -> list[str]:
        """Every file path, '/'-separated, sorted."""
        if self.commit is None:
            paths = []
            for root, _dirs, names in os.walk(self.location):
                rel = os.path.relpath(root, self.location)
                paths.extend(name if rel == "." else rel.replace(os.sep, "/") + "/" + name
                             for name in names)
            return sorted(paths)
        listing = self._git("ls-tree", "-r", "--name-only", self.commit_id)
        return sorted(listing.decode("utf-8", "replace").splitlines())

    def exists(self, path: str) -> bool:
        return path in self._file_set

    @cached_property
    def _file_set(self) -> frozenset[str]:
        return frozenset(self.files)

    def listdir(self, directory: str) -> list[str]:
        """Files directly inside `directory` and below it (paths relative to the tree)."""
        prefix = directory.rstrip("/") + "/"
        return [p for p in self.files if p.startswith(prefix)]

    def read(self, path: str) -> str:
        if path not in self._cache:
            self.preload([path])
        return self._cache[path]

    def preload(self, paths: list[str]) -> None:
        """Read many files at once (one git process for a commit)."""
        wanted = [p for p in paths if p not in self._cache]
        if not wanted:
            return
        if self.commit is None:
            for path in wanted:
                with open(os.path.join(self.location, path), encoding="utf-8",
                          errors="replace") as f:
                    self._cache[path] = f.read()
            return
        request = "".join("%s:%s\n" % (self.commit_id, p) for p in wanted).encode()
        out = self._git("cat-file", "--batch", stdin=request)
        pos = 0
        for path in wanted:
            header_end = out.index(b"\n", pos)
            size = int(out[pos:header_end].split()[2])
            body = out[header_end + 1:header_end + 1 + size]
            self._cache[path] = body.decode("utf-8", "replace")
            pos = header_end + 1 + size + 1
