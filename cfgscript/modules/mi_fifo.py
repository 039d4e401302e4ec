"""mi_fifo: MI through a FIFO; requests are ":reply_fifo:json" lines, answers go to
reply_dir/reply_fifo (created by the client)."""

from __future__ import annotations

from ..events.host import ModuleHost
from ..mi.servers import FifoServer
from ..runtime.module import ModParam, Module


class MiFifo(Module):
    engine: ModuleHost
    name = "mi_fifo"
    params = (ModParam("fifo_name", "str", "/tmp/opensips_fifo"),
              ModParam("fifo_mode", "int", 0o600),
              ModParam("reply_dir", "str", "/tmp/"))

    def init(self) -> None:
        self.server = FifoServer(self.param("fifo_name"), self.param("reply_dir"),
                                 self.engine.mi_request, self.param("fifo_mode"))
        self.server.start()

    def shutdown(self) -> None:
        self.server.stop()
