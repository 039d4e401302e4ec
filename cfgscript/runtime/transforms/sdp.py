"""The sdp.* transformations, as tr_eval_sdp() runs them on the value read
as if a CRLF came before it:

- {sdp.line,x[,n]}: the n-th (from 0) line that starts with "x=" (find_sdp_line():
  "x=" after a line end; the line runs to its CR, so a last line without one
  is an error);
- {sdp.stream,m}: the media description (its m= line up to the next one) of
  index m (negative from the end) or of media type m (case-insensitive);
- {sdp.stream-delete,m}: the body without that stream, or without every
  stream of that type.

The streams are those parse_sdp_session() finds in the first session, with
its refusals (no v= first, no o= or m= line, an o= or c= line without
"IP4"/"IP6" and an address, a stream with no c= line of its own or of the
session, an m= line short of media, port and protocol). Deleting several
streams by type moves the bytes exactly as tr_eval_sdp() does, which leaves
stale bytes at the end when a later stream is shorter than an earlier one.

NAMES maps each name to its compiler; compile_sdp() dispatches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from ...syntax.pvspec import PVSpec
from ..values import Value, from_bytes, has_int, int_of, to_bytes
from .common import Args, Step, ascii_lower, str_of
from .string import str2sint


def find_line(body: bytes, letter: bytes, index: int) -> Optional[bytes]:
    """The line, or None (no such line, or no CR after it)."""
    data = b"\r\n" + body
    head = letter[:1] + b"="
    at, pos = -1, 0
    for _ in range(index + 1):
        at = _line_start(data, head, pos)
        if at < 0:
            return None
        pos = at + 2
    end = data.find(b"\r", at)
    return None if end < 0 else data[at:end]


def _line_start(data: bytes, head: bytes, pos: int) -> int:
    while True:
        at = data.find(head, pos)
        if at < 0 or data[at - 1] in b"\r\n":
            return at
        pos = at + 2


def _c_line(args: Args, p: int) -> Step:
    letter, p = args.sparam(args.expect(p))
    if not isinstance(letter, str):
        raise args.error("a variable line type is not supported in cfgscript")
    p = args.skip_ws(p)
    index: object = 0
    if args.at(p) == ",":
        index, _ = args.nparam(p + 1)
        if isinstance(index, int) and index < 0:
            raise args.error("negative line index")
    get_index = args.int_arg(index)
    wanted = to_bytes(letter)

    def step(value: Value, ctx: object) -> Value:
        s = str_of(value)
        number = get_index(ctx)
        if not s or number is None or number < 0:
            return None
        line = find_line(to_bytes(s), wanted, number)
        return None if line is None else from_bytes(line)
    return step


# ----------------------------------------------------------------- streams

_WS = b" \t\r\n\0"


@dataclass(frozen=True)
class Stream:
    media: bytes                    # the media type: "audio", "video"...
    start: int                      # its m= line ..
    end: int                        # .. up to the next m= line or the end


def _find(data: bytes, letter: bytes, start: int, limit: int) -> Optional[int]:
    """find_sdp_line(): the first "x=" at a line start in data[start:limit]."""
    head, pos = letter + b"=", start
    while pos < limit:
        at = data.find(head, pos, limit)
        if at < 0:
            return None
        if data[at - 1] in b"\r\n":
            return at
        if limit - at < 2:
            return None
        pos = at + 2
    return None


def _find_next(data: bytes, at: int, letter: bytes, limit: int) -> int:
    """find_next_sdp_line(): the next such line after the one at `at`, or limit."""
    if at >= limit or limit - at < 3:
        return limit
    found = _find(data, letter, at + 2, limit)
    return limit if found is None else found


def _line(data: bytes, at: int, limit: int) -> bytes:
    """The rest of the line after "x=", as eat_line() and trim_len() cut it."""
    start = at + 2
    newline = data.find(b"\n", start, limit)
    end = limit
    if newline >= 0:
        end = newline + 1 if newline + 1 < limit else newline
        if end + 1 < limit and data[end] == 13:
            end += 1
    line = data[start:end].rstrip(_WS)
    return line.lstrip(b" \t")


def _token_end(text: bytes, pos: int) -> int:
    while pos < len(text) and text[pos] not in b" \t\r\n":
        pos += 1
    return pos


def _spaces_end(text: bytes, pos: int) -> int:
    while pos < len(text) and text[pos] in b" \t":
        pos += 1
    return pos


def _has_address(data: bytes, at: int, limit: int) -> bool:
    """extract_mediaip(): a token "IP4" or "IP6" followed by a non-empty one."""
    text = _line(data, at, limit)
    pos, next_is_ip = 0, False
    while pos < len(text):
        end = _token_end(text, pos)
        if next_is_ip:
            return end > pos
        next_is_ip = end - pos == 3 and text[pos:pos + 2] == b"IP" and text[pos + 2] in b"46"
        pos = _spaces_end(text, end + 1)
    return False


def _media(data: bytes, at: int, limit: int) -> Optional[bytes]:
    """extract_media_attr(): the media type of an m= line that also has a port
    and a protocol, each after blanks; None otherwise."""
    text = _line(data, at, limit)
    media_end = _token_end(text, 0)
    port = _spaces_end(text, media_end)
    if media_end == 0 or media_end >= len(text) or port == media_end or port >= len(text):
        return None
    port_end = _token_end(text, port)
    protocol = _spaces_end(text, port_end)
    if port_end == port or port_end >= len(text) or protocol == port_end \
            or protocol >= len(text) or _token_end(text, protocol) == protocol:
        return None
    return text[:media_end]


def parse_streams(data: bytes) -> Optional[list[Stream]]:
    """parse_sdp_session() on data (the value after a CRLF): the streams of
    the first session, or None where it reports an error."""
    limit = len(data)
    start = 0
    for _ in range(2):
        if start < limit and data[start] in b"\r\n":
            start += 1
    if start + 1 >= limit or data[start:start + 2] != b"v=":
        return None
    origin = _find(data, b"o", start, limit)
    first_media = None if origin is None else _find(data, b"m", origin, limit)
    if first_media is None or not _has_address(data, origin, limit):
        return None
    common = _find(data, b"c", origin, first_media)
    if common is not None and not _has_address(data, common, limit):
        return None
    streams, at = [], first_media
    while at < limit:
        end = _find_next(data, at, b"m", limit)
        own = _find(data, b"c", at, end)
        if own is None and common is None:
            return None
        media = _media(data, at, end)
        if (own is not None and not _has_address(data, own, limit)) or media is None:
            return None
        streams.append(Stream(media, at, end))
        at = end
    return streams


def _selector(value: Value) -> Union[int, bytes]:
    """A stream by index or media type: an int, or a string str2sint() reads whole."""
    if has_int(value):
        return int_of(value)
    text = str_of(value)
    number, whole = str2sint(text)
    return number if whole else to_bytes(text)


def select_stream(data: bytes, which: Union[int, bytes]) -> Optional[bytes]:
    """The stream by index, or the last one of a media type (parse_sdp_session()
    lists the streams from the last)."""
    streams = parse_streams(data)
    if streams is None:
        return None
    if isinstance(which, int):
        index = which + len(streams) if which < 0 else which
        found = streams[index] if 0 <= index < len(streams) else None
    else:
        found = next((s for s in reversed(streams) if _same_media(s, which)), None)
    return None if found is None else data[found.start:found.end]


def delete_stream(data: bytes, which: Union[int, bytes]) -> Optional[bytes]:
    """The body without the stream(s). Those of a media type are cut from the
    last one on, each at its old offset less what was cut before, with the
    byte count of tr_eval_sdp()'s memmove(): cutting a later stream first
    garbles the earlier ones, as it does in OpenSIPS."""
    streams = parse_streams(data)
    if streams is None:
        return None
    if isinstance(which, int):
        index = which + len(streams) if which < 0 else which
        if not 0 <= index < len(streams):
            return None
        chosen = [streams[index]]
    else:
        chosen = [s for s in reversed(streams) if _same_media(s, which)]
        if not chosen:
            return None
    buffer = bytearray(data) + bytearray(sum(s.end - s.start for s in chosen) + 3)
    length, moved = len(data), 0
    for stream in chosen:
        size = stream.end - stream.start
        count = length - stream.start
        target = stream.start - moved
        if count > 0 and target >= 0:       # else OpenSIPS's memmove() runs wild
            buffer[target:target + count] = buffer[target + size:target + size + count]
        length -= size
        moved += size
    return bytes(buffer[2:length])


def _same_media(stream: Stream, media: bytes) -> bool:
    return len(stream.media) == len(media) and \
        ascii_lower(from_bytes(stream.media)) == ascii_lower(from_bytes(media))


def _c_stream(run) -> object:
    def compiler(args: Args, p: int) -> Step:
        arg, _ = args.sparam(args.expect(p))
        if isinstance(arg, PVSpec):
            read = args.host.compile_read(arg)
            pick = lambda ctx: None if (v := read(ctx)) is None else _selector(v)  # noqa: E731
        else:
            which = _selector(arg)
            pick = lambda ctx: which  # noqa: E731

        def step(value: Value, ctx: object) -> Value:
            s = str_of(value)
            which = pick(ctx)
            if not s or which is None:
                return None
            found = run(b"\r\n" + to_bytes(s), which)
            return None if found is None else from_bytes(found)
        return step
    return compiler


NAMES = {"line": _c_line, "stream": _c_stream(select_stream),
         "stream-delete": _c_stream(delete_stream)}


def compile_sdp(args: Args) -> Step:
    name, p = args.name()
    name = ascii_lower(name)
    if name not in NAMES:
        raise args.error("unknown transformation")
    return NAMES[name](args, p)
