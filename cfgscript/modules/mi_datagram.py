"""mi_datagram: MI over UDP (`socket_name = "udp:127.0.0.1:8080"`) or a unix datagram socket."""

from __future__ import annotations

from ..events.host import ModuleHost
from ..mi.servers import DatagramServer
from ..runtime.module import ModParam, Module


class MiDatagram(Module):
    engine: ModuleHost
    name = "mi_datagram"
    params = (ModParam("socket_name", "str", None), ModParam("unix_socket_mode", "int", 0o600))

    def init(self) -> None:
        address = self.param("socket_name")
        self.server = None
        if address:
            self.server = DatagramServer(address, self.engine.mi_request,
                                         self.param("unix_socket_mode"))
            self.server.start()

    def shutdown(self) -> None:
        if self.server is not None:
            self.server.stop()
