"""Real OpenSIPS's verdict on a corpus file: `opensips -C -f FILE` (parse and route checks).

A file names its own module directory and sometimes loads modules by absolute path;
both point at a machine we are not on. The file is therefore checked through a copy
written next to it (so that relative include_file paths resolve as for the original),
in which every `mpath = "..."` names the build's module directory (one is added at
the start of line 1 when there is none, so line numbers do not move) and every
`loadmodule "/some/dir/name.so"` becomes `loadmodule "name.so"`. A file that declares
no socket (test suites such as OpenSIPS's own give theirs on the command line) gets
one with `-l udp:127.0.0.1:5060`.

The verdicts:
  accepted        exit status 0
  refused         any other exit status, and no module of the release failed to load
  module-missing  refused because a module of the release (one its catalog lists) is not
                  in the build at hand; the verdict says nothing about the rest of the file
  timeout         no verdict within the time bound
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

ACCEPTED, REFUSED, MODULE_MISSING, TIMEOUT = "accepted", "refused", "module-missing", "timeout"

MPATH = re.compile(r"^([ \t]*mpath[ \t]*=[ \t]*)\"[^\"\n]*\"", re.MULTILINE)
LOADMODULE = re.compile(r"^([ \t]*loadmodule[ \t]+\")(?:[^\"\n]*/)?([^\"/\n]+)\"", re.MULTILINE)
SOCKET = re.compile(r"^[ \t]*(?:socket|listen)[ \t]*=", re.MULTILINE)
DEFAULT_SOCKET = "udp:127.0.0.1:5060"
NOT_FOUND = re.compile(r"failed to load module '(?:[^'\n]*/)?([^'/\n]+?)(?:\.so)?' - not found")
COPY_SUFFIX = ".opensips-check.cfg"


@dataclass(frozen=True)
class Verdict:
    status: str
    message: str = ""           # OpenSIPS's first error line when it refused


VERSION = re.compile(r"version: opensips (\d+\.\d+)")


def binary_release(binary: str) -> str:
    """The release line ("3.6") `opensips -V` names."""
    done = subprocess.run([binary, "-V"], capture_output=True, text=True, timeout=30)
    found = VERSION.search(done.stdout + done.stderr)
    if not found:
        raise RuntimeError("%s -V names no OpenSIPS release" % binary)
    return found.group(1)


def module_directory(prefix: str) -> str:
    """The directory holding tm.so below an OpenSIPS install prefix."""
    for root, _, names in os.walk(prefix):
        if "tm.so" in names:
            return root
    raise FileNotFoundError("no OpenSIPS modules (tm.so) below %s" % prefix)


def pointed_at(text: str, modules: str) -> str:
    """The text with every module path turned to the `modules` directory."""
    text, count = MPATH.subn(lambda m: '%s"%s"' % (m.group(1), modules), text)
    if not count:
        text = 'mpath="%s" ' % modules + text
    return LOADMODULE.sub(lambda m: '%s%s"' % (m.group(1), m.group(2)), text)


def opensips_verdict(binary: str, modules: str, path: str, timeout: float,
                     release_modules: frozenset[str] = frozenset()) -> Verdict:
    """`release_modules`: the modules the release has, built here or not."""
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    copy = path + COPY_SUFFIX
    with open(copy, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(pointed_at(text, modules))
    command = [binary, "-C", "-f", copy]
    if not SOCKET.search(text):
        command += ["-l", DEFAULT_SOCKET]
    try:
        done = subprocess.run(command, cwd=os.path.dirname(path),
                              capture_output=True, text=True, errors="replace",
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return Verdict(TIMEOUT)
    finally:
        os.unlink(copy)
    if done.returncode == 0:
        return Verdict(ACCEPTED)
    unbuilt = set(NOT_FOUND.findall(done.stderr)) & release_modules
    return Verdict(MODULE_MISSING if unbuilt else REFUSED, _first_error(done.stderr, copy))


def _first_error(stderr: str, copy: str) -> str:
    for line in stderr.splitlines():
        if "ERROR:" in line or "CRITICAL:core:yyerror" in line:
            return line.split("]", 1)[-1].strip().replace(COPY_SUFFIX, "")
    return stderr.strip().splitlines()[-1] if stderr.strip() else ""
