"""The exec module: exec() runs a shell command, as OpenSIPS does (/bin/sh -c),
feeding it standard input and keeping its standard output and error. A script
is untrusted input, so this runs only when `cfgscript run --allow-exec` says so;
otherwise exec() logs why and returns -1."""

from __future__ import annotations

import os
import subprocess
from typing import Optional

from ..runtime.context import RunContext
from ..runtime.module import Arg, ModParam, Module, function

SHELL = "/bin/sh"
ENV_PREFIX = "OSIPS_EXEC_"
DISABLED = ("exec() is disabled: cfgscript runs shell commands from a script only with "
            "--allow-exec")


class Exec(Module):
    name = "exec"
    params = (ModParam("time_to_kill", "int", 0), ModParam("setvars", "int", 1))

    def __init__(self, engine) -> None:
        super().__init__(engine)
        self.background: list[subprocess.Popen] = []

    def init(self) -> None:
        if not self.engine.options.allow_exec:
            self.engine.logger.warning(self.name, "mod_init", DISABLED)

    @function("exec", Arg("str"), Arg("str", optional=True),
              Arg("var", optional=True, writable=True), Arg("var", optional=True, writable=True),
              Arg("var", optional=True, avp_only=True))
    def exec(self, ctx: RunContext, command: str, stdin: Optional[str] = None, out_var=None,
             err_var=None, env_avp=None) -> int:
        if not self.engine.options.allow_exec:
            self.engine.logger.error(self.name, "w_exec", DISABLED)
            return -1
        env = dict(os.environ)
        if env_avp is not None:
            values = ctx.avps.stacks.get(env_avp.spec.inner or "", [])
            for index, value in enumerate(reversed(values)):     # the newest is _0
                env["%s%d" % (ENV_PREFIX, index)] = str(value)
        if out_var is None and err_var is None:
            return self._launch(command, stdin, env)
        return self._run(ctx, command, stdin, env, out_var, err_var)

    def _launch(self, command: str, stdin: Optional[str], env: dict) -> int:
        """Start the command and go on without waiting, as OpenSIPS does."""
        self.background = [p for p in self.background if p.poll() is None]
        try:
            child = subprocess.Popen([SHELL, "-c", command], env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as err:
            self.engine.logger.error(self.name, "exec_async", "cannot run %s: %s"
                                     % (SHELL, err.strerror))
            return -1
        if stdin:
            try:
                child.stdin.write(stdin.encode("utf-8", "surrogateescape"))
            except OSError:
                pass                    # the command does not read its input
        child.stdin.close()
        self.background.append(child)
        return 1

    def _run(self, ctx: RunContext, command: str, stdin: Optional[str], env: dict,
             out_var, err_var) -> int:
        limit = self.param("time_to_kill") or None
        try:
            done = subprocess.run([SHELL, "-c", command], env=env, capture_output=True,
                                  input=(stdin or "").encode("utf-8", "surrogateescape"),
                                  timeout=limit)
        except subprocess.TimeoutExpired:
            self.engine.logger.error(self.name, "exec_sync", "command killed after %d s: %s"
                                     % (limit, command))
            return -1
        except OSError as err:
            self.engine.logger.error(self.name, "exec_sync", "cannot run %s: %s"
                                     % (SHELL, err.strerror))
            return -1
        for var, data in ((out_var, done.stdout), (err_var, done.stderr)):
            if var is not None and data:
                var.write(ctx, data.decode("utf-8", "surrogateescape"))
        return 1

    def shutdown(self) -> None:
        for child in self.background:
            try:
                child.wait(timeout=1)
            except subprocess.TimeoutExpired:
                child.kill()
