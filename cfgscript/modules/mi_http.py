"""mi_http: MI as JSON-RPC over HTTP POST to http://<httpd ip>:<httpd port>/<root>."""

from __future__ import annotations

from ..events.host import ModuleHost
from ..mi.servers import HttpServer
from ..runtime.module import ModParam, Module
from .httpd import DEFAULT_IP


class MiHttp(Module):
    engine: ModuleHost
    name = "mi_http"
    params = (ModParam("root", "str", "mi"),)

    def init(self) -> None:
        httpd = self.engine.modules.get("httpd")
        host, port = httpd.address if httpd is not None else (DEFAULT_IP, 8888)
        self.server = HttpServer(host, port, self.param("root"), self.engine.mi_request)
        self.server.start()

    def shutdown(self) -> None:
        self.server.stop()
