"""The nameaddr.* transformations: the display name, URI, length and parameters
of a name-addr (a To/From-like header body, several bodies comma-separated),
through a port of parse_to() of parser/parse_to.c.

NAMES lists the names; compile_nameaddr() parses "[index.]name[,param]" itself,
as tr_parse_nameaddr() does.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Union

from ...syntax.pvspec import Transformation
from ..values import Value, VInt, byte_len
from .common import WS, Args, Getter, Step, ascii_lower, list_index, str_of

(_T_START, _T_DISPLAY_QUOTED, _T_E_DISPLAY_QUOTED, _T_DISPLAY_TOKEN, _T_DISPLAY_TOKEN2,
 _T_S_URI_ENCLOSED, _T_URI_ENCLOSED, _T_E_URI_ENCLOSED, _T_URI_OR_TOKEN, _T_MAYBE_URI_END,
 _T_END, _T_F_CR, _T_F_LF, _T_F_CRLF) = range(14)
(_P_S_NAME, _P_NAME, _P_S_EQUAL, _P_S_VALUE, _P_TAG1, _P_TAG2, _P_TAG3, _P_VALUE_TOKEN,
 _P_VALUE_QUOTED, _P_E_VALUE) = range(20, 30)
_T_FOLD = (_T_F_CR, _T_F_LF, _T_F_CRLF)
_NOT_FOLDED = " \t\r\n\0,\\"     # chars the F_CR/F_LF states do not take as a new line


class _ToParam:
    __slots__ = ("tag", "name_s", "name_len", "value_s", "value_len")

    def __init__(self) -> None:
        self.tag = False
        self.name_s = self.name_len = self.value_len = 0
        self.value_s = -1


class _ToBody:
    __slots__ = ("error", "body_s", "body_len", "uri_s", "uri_len", "display_s",
                 "display_len", "params", "next")

    def __init__(self) -> None:
        self.error = False
        self.body_s = self.uri_s = self.display_s = -1
        self.body_len = self.uri_len = self.display_len = 0
        self.params: list[_ToParam] = []
        self.next: Union[_ToBody, None] = None


class _ToEnd(Exception):
    """goto endofheader"""


class _ToError(Exception):
    """goto parse_error / error"""


class _ParamParser:
    """parse_to_param() of parser/parse_to.c (multi-body mode).

    char() handles buf[tmp] and returns the position reached; it raises _ToEnd
    for "goto endofheader" and _ToError for "goto parse_error"."""

    def __init__(self, buf: str, body: _ToBody):
        self.buf = buf
        self.body = body
        self.param: Union[_ToParam, None] = None
        self.status = self.saved = _P_E_VALUE

    def run(self, tmp: int) -> tuple[int, int]:
        """Parse from the ';' at tmp; returns (stop position, status for the caller)."""
        buf, end = self.buf, len(self.buf)
        try:
            while tmp < end:
                tmp = self.char(buf[tmp], tmp) + 1
            if self.status == _P_VALUE_QUOTED:
                raise _ToError
        except _ToEnd:
            pass
        except _ToError:
            return self.fail(tmp)
        param = self.param
        if param is not None and self.saved in (_P_S_EQUAL, _P_S_VALUE):
            self.saved = _P_E_VALUE
            param.value_s, param.value_len = -1, 0
            if param.tag:
                return self.fail(tmp)
            self.add()
        return tmp, self.saved

    def fail(self, tmp: int) -> tuple[int, int]:
        self.body.params.clear()
        self.body.error = True
        return tmp, self.status

    def add(self) -> None:
        self.body.params.append(self.param)
        self.param = None

    def end_name(self, tmp: int) -> None:
        if self.status == _P_TAG3:
            self.param.tag = True
        self.param.name_len = tmp - self.param.name_s

    def char(self, ch: str, tmp: int) -> int:
        status, param = self.status, self.param
        if status in _T_FOLD and ch not in _NOT_FOLDED:
            raise _ToEnd                    # the next line does not continue the header
        if ch in " \t":
            if status in (_P_TAG3, _P_NAME, _P_TAG1, _P_TAG2):
                self.end_name(tmp)
                self.status = _P_S_EQUAL
            elif status == _P_VALUE_TOKEN:
                param.value_len = tmp - param.value_s
                self.status = _P_E_VALUE
                self.add()
            elif status in _T_FOLD:
                self.status = self.saved
        elif ch in "\r\n":
            self.line_end(ch, tmp)
        elif ch in "\0,":
            if status != _P_VALUE_QUOTED:
                self.value_end(tmp)
                self.saved = self.status
                raise _ToEnd
        elif ch == "\\":
            if status != _P_VALUE_QUOTED or tmp + 1 == len(self.buf):
                raise _ToError
            if self.buf[tmp + 1] not in "\r\n":
                return tmp + 1
        elif ch == '"':
            self.quote(tmp)
        elif ch == ";":
            if status != _P_VALUE_QUOTED:
                self.value_end(tmp)
                self.param = _ToParam()
                self.status = _P_S_NAME
        elif ch == "=":
            self.equal(tmp)
        else:
            self.other(ch, tmp)
        return tmp

    def line_end(self, ch: str, tmp: int) -> None:
        status, param = self.status, self.param
        fold = _T_F_LF if ch == "\n" else _T_F_CR
        if status in (_P_S_NAME, _P_S_EQUAL, _P_S_VALUE, _P_E_VALUE):
            self.saved, self.status = status, fold
        elif status in (_P_TAG3, _P_NAME, _P_TAG1, _P_TAG2):
            self.end_name(tmp)
            self.saved, self.status = _P_S_EQUAL, fold
        elif status == _P_VALUE_TOKEN:
            param.value_len = tmp - param.value_s
            self.saved, self.status = _P_E_VALUE, fold
            self.add()
        elif status == _T_F_CR and ch == "\n":
            self.status = _T_F_CRLF
        elif status in _T_FOLD:
            self.status = self.saved
            raise _ToEnd
        else:
            raise _ToError

    def value_end(self, tmp: int) -> None:
        """At ';' ',' NUL: the fall-through PARA_NAME -> S_EQUAL -> VALUE_TOKEN -> E_VALUE."""
        status, param = self.status, self.param
        if status == _P_E_VALUE:
            return
        if status not in (_P_NAME, _P_S_EQUAL, _P_S_VALUE, _P_VALUE_TOKEN):
            raise _ToError
        if status == _P_NAME:
            param.name_len = tmp - param.name_s
        if status != _P_VALUE_TOKEN:
            if param.tag:
                raise _ToError          # "tag" needs a value
            param.value_s = tmp
        self.status = _P_E_VALUE
        param.value_len = tmp - param.value_s
        self.add()

    def quote(self, tmp: int) -> None:
        if self.status == _P_S_VALUE:
            self.param.value_s = tmp + 1
            self.status = _P_VALUE_QUOTED
        elif self.status == _P_VALUE_QUOTED:
            self.param.value_len = tmp - self.param.value_s
            self.add()
            self.status = _P_E_VALUE
        else:
            raise _ToError

    def equal(self, tmp: int) -> None:
        status = self.status
        if status in (_P_TAG3, _P_NAME, _P_TAG1, _P_TAG2):
            self.end_name(tmp)
            self.status = _P_S_VALUE
        elif status == _P_S_EQUAL:
            self.status = _P_S_VALUE
        elif status != _P_VALUE_QUOTED:
            raise _ToError

    def other(self, ch: str, tmp: int) -> None:
        """Any other char; 't' 'a' 'g' spell the "tag" parameter."""
        status = self.status
        low = ascii_lower(ch) if ch.isascii() else ""
        if status == _P_S_NAME:
            self.param.name_s = tmp
            self.status = _P_TAG1 if low == "t" else _P_NAME
        elif status == _P_S_VALUE:
            self.param.value_s = tmp
            self.status = _P_VALUE_TOKEN
        elif status in (_P_TAG1, _P_TAG2, _P_TAG3):
            self.status = {(_P_TAG1, "a"): _P_TAG2, (_P_TAG2, "g"): _P_TAG3}.get(
                (status, low), _P_NAME)
        elif status not in (_P_VALUE_QUOTED, _P_VALUE_TOKEN, _P_NAME):
            raise _ToError


class _ToParser:
    """_parse_to() of parser/parse_to.c in multi-body mode (parse_multi_to).
    char() works like _ParamParser.char()."""

    def __init__(self, buf: str):
        self.buf = buf
        self.first = self.body = _ToBody()
        self.status = self.saved = _T_START
        self.end_mark = -1
        self.stop = len(buf)            # where "endofheader" was reached

    def parse(self) -> _ToBody:
        buf, end = self.buf, len(self.buf)
        tmp = 0
        try:
            while tmp < end:
                tmp = self.char(buf[tmp], tmp) + 1
        except _ToEnd:
            pass
        except _ToError:
            self.first.error = True
            return self.first
        body = self.body
        if body.display_len == 0:
            body.display_s = -1
        status = self.saved
        if status == _T_MAYBE_URI_END:
            body.uri_len = self.end_mark - body.uri_s
        if status in (_T_MAYBE_URI_END, _T_END):
            body.body_len = self.stop - body.body_s
        elif status != _P_E_VALUE:
            self.first.error = True
        return self.first

    def end_at(self, tmp: int) -> None:
        self.stop = tmp
        raise _ToEnd

    def new_body(self) -> None:
        self.body.next = self.body = _ToBody()
        self.saved = self.status = _T_START
        self.end_mark = -1

    def char(self, ch: str, tmp: int) -> int:
        status, body = self.status, self.body
        if status in _T_FOLD and ch not in _NOT_FOLDED:
            self.end_at(tmp)
        if ch in " \t":
            self.space(tmp)
        elif ch in "\r\n":
            self.line_end(ch, tmp)
        elif ch in "\0,":
            self.separator(ch, tmp)
        elif ch == "\\":
            if status != _T_DISPLAY_QUOTED:
                raise _ToError
            return tmp + 1
        elif ch in '<>"':
            self.bracket(ch, tmp)
        elif ch == ";":
            return self.semicolon(tmp)
        elif status == _T_START:
            body.uri_s = body.body_s = body.display_s = tmp
            self.status = _T_URI_OR_TOKEN
        elif status == _T_S_URI_ENCLOSED:
            body.uri_s = tmp
            self.status = _T_URI_ENCLOSED
        elif status in (_T_MAYBE_URI_END, _T_DISPLAY_TOKEN2):
            self.status = _T_DISPLAY_TOKEN
        elif status not in (_T_DISPLAY_QUOTED, _T_DISPLAY_TOKEN, _T_URI_ENCLOSED,
                            _T_URI_OR_TOKEN):
            raise _ToError
        return tmp

    def space(self, tmp: int) -> None:
        status = self.status
        if status in _T_FOLD:
            self.status = self.saved
        elif status == _T_URI_ENCLOSED:
            self.body.uri_len = tmp - self.body.uri_s
            self.status = _T_E_URI_ENCLOSED
        elif status in (_T_URI_OR_TOKEN, _T_DISPLAY_TOKEN):
            self.end_mark = tmp
            self.status = _T_MAYBE_URI_END if status == _T_URI_OR_TOKEN else _T_DISPLAY_TOKEN2

    def line_end(self, ch: str, tmp: int) -> None:
        status = self.status
        fold = _T_F_LF if ch == "\n" else _T_F_CR
        if status == _T_URI_OR_TOKEN:
            self.end_mark = tmp
            status = _T_MAYBE_URI_END
        if status in (_T_MAYBE_URI_END, _T_DISPLAY_TOKEN, _T_DISPLAY_TOKEN2,
                      _T_E_DISPLAY_QUOTED, _T_END):
            self.saved, self.status = status, fold
        elif status == _T_F_CR and ch == "\n":
            self.status = _T_F_CRLF
        elif status in _T_FOLD:
            self.status = self.saved
            self.end_at(tmp)
        else:
            raise _ToError

    def separator(self, ch: str, tmp: int) -> None:
        """NUL ends the header, ',' starts the next body."""
        status = self.status
        if ch == "," and status in (_T_DISPLAY_QUOTED, _T_URI_ENCLOSED):
            return
        if status in (_T_URI_OR_TOKEN, _T_MAYBE_URI_END):
            self.body.uri_len = tmp - self.body.uri_s
        elif status != _T_END:
            raise _ToError
        if ch == ",":
            self.new_body()
        else:
            self.saved = self.status = _T_END
            self.end_at(tmp)

    def bracket(self, ch: str, tmp: int) -> None:
        status, body = self.status, self.body
        if ch == '"':
            if status == _T_START:
                body.body_s = body.display_s = tmp
                self.status = _T_DISPLAY_QUOTED
            elif status == _T_DISPLAY_QUOTED:
                self.status = _T_E_DISPLAY_QUOTED
                body.display_len = tmp - body.display_s + 1
            else:
                raise _ToError
        elif status == _T_DISPLAY_QUOTED:
            return
        elif ch == ">":
            if status == _T_URI_ENCLOSED:
                body.uri_len = tmp - body.uri_s
            elif status != _T_E_URI_ENCLOSED:
                raise _ToError
            self.status = _T_END
        else:
            if status == _T_START:
                body.body_s = tmp
            elif status in (_T_URI_OR_TOKEN, _T_DISPLAY_TOKEN, _T_DISPLAY_TOKEN2,
                            _T_MAYBE_URI_END):
                if status in (_T_URI_OR_TOKEN, _T_DISPLAY_TOKEN):
                    self.end_mark = tmp
                body.display_len = self.end_mark - body.display_s
            elif status != _T_E_DISPLAY_QUOTED:
                raise _ToError
            self.status = _T_S_URI_ENCLOSED

    def semicolon(self, tmp: int) -> int:
        status, body = self.status, self.body
        if status in (_T_DISPLAY_QUOTED, _T_DISPLAY_TOKEN, _T_URI_ENCLOSED):
            return tmp
        if status == _T_URI_OR_TOKEN:
            self.end_mark = tmp
        if status in (_T_URI_OR_TOKEN, _T_MAYBE_URI_END):
            body.uri_len = self.end_mark - body.uri_s
        elif status != _T_END:
            raise _ToError
        body.body_len = tmp - body.body_s
        tmp, self.saved = _ParamParser(self.buf, body).run(tmp)
        if body.error or self.buf[tmp:tmp + 1] != ",":
            self.end_at(tmp)
        self.new_body()
        return tmp


@lru_cache(maxsize=256)
def _parse_nameaddr(s: str) -> Union[tuple[_ToBody, str], None]:
    """The bodies of s parsed as a To header (CRLF appended, as tr_eval_nameaddr
    does), and the parsed buffer; None when the first body has an error."""
    buf = s + "\r\n"
    first = _ToParser(buf).parse()
    return None if first.error else (first, buf)


NameAddrWork = Callable[[_ToBody, str], Value]


def _slice_or_null(buf: str, start: int, length: int) -> Value:
    """A parsed part; NULL when it is missing or empty."""
    return (buf[start:start + length] or None) if start >= 0 else None


def _na_params(body: _ToBody, buf: str) -> Value:
    """From the first parameter's name to the end of the last one (with its
    closing quote)."""
    if not body.params:
        return None
    last = body.params[-1]
    if last.value_s < 0:
        end = last.name_s + last.name_len
    else:
        end = last.value_s + last.value_len
        if end < len(buf) and buf[end] in "\"'":
            end += 1
    return buf[body.params[0].name_s:end]


def _na_param(name: str) -> NameAddrWork:
    def work(body: _ToBody, buf: str) -> Value:
        for param in body.params:
            if buf[param.name_s:param.name_s + param.name_len] == name:
                return _slice_or_null(buf, param.value_s, param.value_len)
        return None
    return work


_NAMEADDR: dict[str, NameAddrWork] = {
    "uri": lambda body, buf: _slice_or_null(buf, body.uri_s, body.uri_len),
    "len": lambda body, buf: VInt(byte_len(buf[body.body_s:body.body_s + body.body_len])),
    "name": lambda body, buf: _slice_or_null(buf, body.display_s, body.display_len),
    "params": _na_params,
}


def _nameaddr_step(work: NameAddrWork, index: Union[Getter, None]) -> Step:
    def step(value: Value, ctx: object) -> Value:
        s = str_of(value)
        parsed = _parse_nameaddr(s) if s else None
        if parsed is None:
            return None
        body, buf = parsed
        if index is not None:
            i = index(ctx)
            bodies = [body]
            while bodies[-1].next is not None:
                bodies.append(bodies[-1].next)
            body = list_index(tuple(bodies), i) if i is not None else None
            if body is None:
                return None
        return work(body, buf)
    return step


def compile_nameaddr(args: Args) -> Step:
    """tr_parse_nameaddr(): [index.]name[,param]."""
    index: Union[Getter, None] = None
    start = 0
    while True:
        p = start
        while p < args.end and args.buf[p] not in ",}.":
            p += 1
        name = args.rest[start:p].strip(WS)
        if args.at(p) != ".":
            break
        if index is not None:
            raise args.error("the transformation already has an index")
        sub = Args(Transformation(args.step.cls, name, args.step.text), args.host)
        index = sub.int_arg(sub.nparam(0)[0])
        start = p + 1
    name = ascii_lower(name)
    if name == "param":
        param, _ = args.sparam(args.expect(p))
        # a variable is accepted at load time but refused at run time by OpenSIPS
        work = _na_param(param) if isinstance(param, str) else lambda body, buf: None
    elif name in _NAMEADDR:
        work = _NAMEADDR[name]
    else:
        raise args.error("unknown transformation")
    return _nameaddr_step(work, index)


NAMES = frozenset({*_NAMEADDR, "param"})
