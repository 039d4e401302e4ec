"""httpd: the embedded HTTP server other modules (mi_http) serve through."""

from __future__ import annotations

from ..runtime.module import ModParam, Module

DEFAULT_IP = "127.0.0.1"    # OpenSIPS binds every interface; cfgscript stays on loopback


class Httpd(Module):
    name = "httpd"
    params = (ModParam("ip", "str", DEFAULT_IP), ModParam("port", "int", 8888))

    @property
    def address(self) -> tuple[str, int]:
        return self.param("ip") or DEFAULT_IP, self.param("port")
