"""Generate synthetic opensips.cfg files shaped like large real configurations.

    python tests/perf/gen_config.py medium OUT.cfg   # ~22k lines
    python tests/perf/gen_config.py big OUT.cfg      # ~215k lines

The shape follows the probes used against real OpenSIPS: a global section,
loadmodule/modparam lines, a startup_route with many subscribe_event() calls,
99 named routes with nested if-blocks and 98 event routes (99 crash real
OpenSIPS at start-up), plus a timer route that raises events.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    subscriptions: int
    routes: int
    ifs_per_route: int
    event_routes: int
    stmts_per_event_route: int


SHAPES = {
    "medium": Shape(subscriptions=200, routes=99, ifs_per_route=30, event_routes=98,
                    stmts_per_event_route=5),
    "big": Shape(subscriptions=2000, routes=99, ifs_per_route=300, event_routes=98,
                 stmts_per_event_route=50),
}

HEADER = """\
# synthetic configuration
log_level=3
xlog_level=3
stderror_enabled=yes
syslog_enabled=no
udp_workers=4
socket=udp:127.0.0.1:5060
max_while_loops=100000

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "cfgutils.so"
loadmodule "json.so"
loadmodule "event_datagram.so"
loadmodule "event_flatstore.so"
loadmodule "event_virtual.so"

modparam("tm", "fr_timeout", 5)
modparam("tm", "fr_inv_timeout", 30)
modparam("cfgutils", "initial_probability", 15)
modparam("event_flatstore", "delimiter", ";")
"""


def startup_route(shape: Shape) -> list[str]:
    lines = ["startup_route {"]
    for i in range(shape.subscriptions):
        event = f"E_EV_{i % shape.event_routes}"
        lines.append(f'    subscribe_event("{event}", "udp:127.0.0.1:{20000 + i % 1000}", 300);')
    lines.append('    xlog("L_INFO", "subscriptions done\\n");')
    lines.append("}")
    return lines


def if_block(r: int, i: int) -> list[str]:
    return [
        f"    if ($var(v{i % 7}) == {i} && $avp(a{i % 5}) != \"x{i}\") {{",
        f"        $var(c) = $var(c) + {i % 9 + 1};",
        f"        if ($(var(s){{s.len}}) > {i % 13}) {{",
        f'            xlog("L_DBG", "route {r} block {i} c=$var(c) s=$var(s)\\n");',
        f'            $avp(attr) = "n{i}"; $avp(val) = $var(c);',
        "        }",
        "    }",
    ]


def named_route(shape: Shape, r: int) -> list[str]:
    lines = [f"route[r{r}] {{", "    $var(c) = 0;"]
    for i in range(shape.ifs_per_route):
        lines.extend(if_block(r, i))
    lines.append(f'    raise_event("E_EV_{r % shape.event_routes}", $avp(attr), $avp(val));')
    lines.append("    return(1);")
    lines.append("}")
    return lines


def event_route(shape: Shape, e: int) -> list[str]:
    lines = [f"event_route[E_EV_{e}] {{"]
    for i in range(shape.stmts_per_event_route):
        lines.append(f'    xlog("L_INFO", "E_EV_{e} {i} attr=$param(attr) val=$param(val)\\n");')
    lines.append("}")
    return lines


def timer_route() -> list[str]:
    return [
        "timer_route[ticker, 10] {",
        "    $var(i) = 0;",
        "    while ($var(i) < 5) {",
        '        route(r1);',
        "        $var(i) = $var(i) + 1;",
        "    }",
        "}",
    ]


def generate(shape: Shape) -> str:
    lines = HEADER.splitlines()
    lines += startup_route(shape)
    lines += timer_route()
    for r in range(1, shape.routes + 1):
        lines += named_route(shape, r)
    for e in range(shape.event_routes):
        lines += event_route(shape, e)
    lines += ["route {", "    route(r1);", "    exit;", "}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in SHAPES:
        print(f"usage: {argv[0]} {{{'|'.join(SHAPES)}}} OUT.cfg", file=sys.stderr)
        return 2
    with open(argv[2], "w", encoding="utf-8") as out:
        out.write(generate(SHAPES[argv[1]]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
