"""Time recurrences for check_time_rec(): RFC 5545-style recurrences as
OpenSIPS's core (time_rec.c) reads and checks them, quirks included.

One recurrence is "[tz|]dtstart|dtend|duration|freq|until|interval|byday|
bymday|byyday|byweekno|bymonth" (empty fields are unset, missing trailing
fields too). Recurrences combine into expressions with "&" (and), "/" (or,
not both kinds at one level), "!" (not) and parentheses.

Results: 1 the time matches, -1 it does not, -2 the text does not parse.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

from ..runtime.expressions import c_div, c_mod
from ..syntax.ints import wrap32

MATCH, NO_MATCH, PARSE_ERROR = 1, -1, -2

NO_VALUE = -1               # a field that is not set
FREQ_NONE, FREQ_YEARLY, FREQ_MONTHLY, FREQ_WEEKLY, FREQ_DAILY = 0, 1, 2, 3, 4
DAY, WEEK = 86400, 7 * 86400
MONTH_MAX, YEAR_MAX = 31 * DAY, 366 * DAY
WHITESPACE = " \t\r\n"
_WEEKDAYS = {"su": 0, "mo": 1, "tu": 2, "we": 3, "th": 4, "fr": 5, "sa": 6}


Line = tuple[str, str]              # (the C function that logs it, the message)


class ParseError(Exception):
    """A recurrence that does not parse, with the lines OpenSIPS logs for it."""

    def __init__(self, *lines: Line) -> None:
        super().__init__(lines[-1][1] if lines else "")
        self.lines = list(lines)


# ---------------------------------------------------------------- calendar

@dataclass(frozen=True)
class Tm:
    """C's struct tm: year since 1900, month 0-11, week day 0-6 from Sunday,
    year day 0-365. All zero (as memset leaves it) is 1899-12-31, day 0."""
    year: int = 0
    mon: int = 0
    mday: int = 0
    hour: int = 0
    min: int = 0
    sec: int = 0
    wday: int = 0
    yday: int = 0

    @property
    def seconds_of_day(self) -> int:
        return self.hour * 3600 + self.min * 60 + self.sec


def _naive(year: int, mon: int, mday: int, hour: int = 0, minute: int = 0,
           sec: int = 0) -> dt.datetime:
    """Normalise out-of-range fields as mktime() does (day 0 is the last of the
    month before, month 12 is January next year)."""
    year += mon // 12
    base = dt.datetime(1900 + year, mon % 12 + 1, 1)
    return base + dt.timedelta(days=mday - 1, hours=hour, minutes=minute, seconds=sec)


def _tm_of(moment: dt.datetime) -> Tm:
    return Tm(moment.year - 1900, moment.month - 1, moment.day, moment.hour, moment.minute,
              moment.second, (moment.weekday() + 1) % 7, moment.timetuple().tm_yday - 1)


class Clock:
    """Local time in one zone: the process's own (TZ), or a named one."""

    def __init__(self, name: Optional[str] = None) -> None:
        self.zone: Optional[dt.tzinfo] = None
        if name is not None:
            try:
                self.zone = zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
                self.zone = dt.timezone.utc          # glibc falls back to UTC

    def local(self, epoch: int) -> Tm:
        if self.zone is None:
            t = time.localtime(epoch)
            return Tm(t.tm_year - 1900, t.tm_mon - 1, t.tm_mday, t.tm_hour, t.tm_min,
                      t.tm_sec, (t.tm_wday + 1) % 7, t.tm_yday - 1)
        return _tm_of(dt.datetime.fromtimestamp(epoch, self.zone))

    def mktime(self, naive: dt.datetime, isdst: int = -1) -> int:
        """The epoch of a local time; isdst 0 reads it as standard time."""
        if self.zone is None:
            return int(time.mktime(naive.timetuple()[:8] + (isdst,)))
        aware = naive.replace(tzinfo=self.zone)
        offset = aware.utcoffset() or dt.timedelta()
        if isdst == 0:
            offset -= aware.dst() or dt.timedelta()
        seconds = (naive - dt.datetime(1970, 1, 1)) // dt.timedelta(seconds=1)
        return seconds - int(offset.total_seconds())


# ---------------------------------------------------------------- one recurrence

@dataclass
class ByList:
    """A BYxxx list: values and, for each, a sign (or for BYDAY an occurrence)."""
    values: list[int]
    req: list[int]


@dataclass
class Recurrence:
    tz: Optional[str] = None
    dtstart: int = NO_VALUE
    start: Tm = field(default_factory=Tm)
    dtend: int = NO_VALUE
    duration: int = NO_VALUE
    freq: int = NO_VALUE
    until: int = NO_VALUE
    interval: int = NO_VALUE
    byday: Optional[ByList] = None
    bymday: Optional[ByList] = None
    byyday: Optional[ByList] = None
    byweekno: Optional[ByList] = None
    bymonth: Optional[ByList] = None
    has_by: bool = False


def _datetime(text: str, clock: Clock) -> tuple[int, Tm]:
    """YYYYMMDDThhmmss, read digit by digit as OpenSIPS does (any 9th char)."""
    if len(text) != 15:
        raise ParseError()
    digit = [ord(c) - 48 for c in text]
    year = digit[0] * 1000 + digit[1] * 100 + digit[2] * 10 + digit[3]
    if year < 1970:
        raise ParseError(("ic_parse_datetime", "invalid year in Date-Time: '%s'" % text))
    mon, mday = digit[4] * 10 + digit[5] - 1, digit[6] * 10 + digit[7]
    if mon == -1 or mday == 0:
        raise ParseError(("ic_parse_datetime",
                          "month or month day cannot be zero in Date-Time: '%s'" % text))
    naive = _naive(year - 1900, mon, mday, digit[9] * 10 + digit[10],
                   digit[11] * 10 + digit[12], digit[13] * 10 + digit[14])
    return clock.mktime(naive), _tm_of(naive)


_UNITS = {"w": (WEEK, True, "week"), "d": (DAY, True, "day"), "h": (3600, False, "hour"),
          "m": (60, False, "minute"), "s": (1, False, "second")}


def _duration(text: str, log: list[Line]) -> int:
    """P[nW][nD][T[nH][nM][nS]] (or hours/minutes/seconds without the P); a
    character out of place is logged and gives 0, as in OpenSIPS."""
    if len(text) < 2:
        raise ParseError()
    in_date = text[0] in "Pp"
    total = number = 0
    for at in range(1 if in_date else 0, len(text)):
        char, lower = text[at], text[at].lower()
        if "0" <= char <= "9":
            number = number * 10 + ord(char) - 48
            continue
        if lower in _UNITS and _UNITS[lower][1] == in_date:
            total += number * _UNITS[lower][0]
            number = 0
            continue
        if lower == "t" and in_date:
            in_date = False
            continue
        what = ("%s duration" % _UNITS[lower][2] if lower in _UNITS else
                "'T'" if lower == "t" else None)
        log.append(("ic_parse_duration", "%s not allowed here (%d) [%s]" % (what, at, text)
                    if what else "bad character here (%d) [%s]" % (at, text)))
        return 0
    return total


def _freq(text: str) -> int:
    names = {"daily": FREQ_DAILY, "weekly": FREQ_WEEKLY, "monthly": FREQ_MONTHLY,
             "yearly": FREQ_YEARLY}
    return names.get(text.lower(), FREQ_NONE) if len(text) >= 5 else FREQ_NONE


def _digit_sum(text: str) -> int:
    """OpenSIPS reads INTERVAL adding up its leading digits ("12" is 3)."""
    total = 0
    for char in text:
        if not ("0" <= char <= "9"):
            break
        total += ord(char) - 48
    return total


def _byday(text: str) -> Optional[ByList]:
    """BYDAY: [+|-][n]DD items; None (no restriction) when it does not parse."""
    count = text.count(",") + 1
    days, req = [0] * count, [0] * count
    at, item, sign, number = 0, 0, 1, 0
    while at < len(text) and item < count:
        char = text[at]
        pair = text[at:at + 2].lower()
        if "0" <= char <= "9":
            number = number * 10 + ord(char) - 48
        elif char in "-":
            sign = -1
        elif char in "+ \t":
            pass
        elif char == ",":
            item += 1
        elif pair in _WEEKDAYS:
            days[item] = _WEEKDAYS[pair]
            occurrence = 0 if pair == "we" else sign * number     # OpenSIPS drops WE's count
            req[item] = occurrence - 1 if occurrence > 0 else occurrence
            sign, number = 1, 0
            at += 1
        else:
            return None
        at += 1
    return ByList(days, req)


def _byxxx(text: str) -> Optional[ByList]:
    count = text.count(",") + 1
    values, signs = [0] * count, [1] * count
    item, sign, number = 0, 1, 0
    for char in text:
        if "0" <= char <= "9":
            number = number * 10 + ord(char) - 48
        elif char == "-":
            sign = -1
        elif char in "+ \t":
            continue
        elif char == ",":
            values[item], signs[item] = number, sign
            item, sign, number = item + 1, 1, 0
        else:
            return None
    values[item], signs[item] = number, sign
    return ByList(values, signs)


@dataclass
class _Reading:
    """What reading one recurrence needs: its time zone, and where lines go."""
    clock: Clock
    log: list[Line]


FieldReader = Callable[[Recurrence, str, _Reading], None]


def _set_by(name: str) -> FieldReader:
    reader = _byday if name == "byday" else _byxxx

    def store(rec: Recurrence, text: str, reading: _Reading) -> None:
        setattr(rec, name, reader(text))
        rec.has_by = True
    return store


def _set_start(rec: Recurrence, text: str, reading: _Reading) -> None:
    rec.dtstart, rec.start = _datetime(text, reading.clock)


_FIELDS: tuple[FieldReader, ...] = (
    _set_start,
    lambda rec, text, reading: setattr(rec, "dtend", _datetime(text, reading.clock)[0]),
    lambda rec, text, reading: setattr(rec, "duration", _duration(text, reading.log)),
    lambda rec, text, reading: setattr(rec, "freq", _freq(text)),
    lambda rec, text, reading: setattr(rec, "until", _datetime(text, reading.clock)[0]),
    lambda rec, text, reading: setattr(rec, "interval", _digit_sum(text)),
    _set_by("byday"), _set_by("bymday"), _set_by("byyday"), _set_by("byweekno"),
    _set_by("bymonth"),
)


def min_interval(rec: Recurrence) -> int:
    if rec.freq == FREQ_DAILY or rec.byday or rec.bymday or rec.byyday:
        return FREQ_DAILY
    if rec.freq == FREQ_WEEKLY or rec.byweekno:
        return FREQ_WEEKLY
    if rec.freq == FREQ_MONTHLY or rec.bymonth:
        return FREQ_MONTHLY
    return FREQ_YEARLY if rec.freq == FREQ_YEARLY else FREQ_NONE


def _default_end(rec: Recurrence) -> int:
    """No duration and no end: the recurrence lasts to the end of its unit."""
    start, left = rec.start, rec.start.seconds_of_day
    unit = min_interval(rec)
    if unit == FREQ_DAILY:
        return rec.dtstart + DAY - left
    if unit == FREQ_WEEKLY:
        return rec.dtstart + WEEK - (start.wday * DAY + left)
    if unit == FREQ_MONTHLY:
        return rec.dtstart + MONTH_MAX - (start.mday * DAY + left)
    if unit == FREQ_YEARLY:
        return rec.dtstart + YEAR_MAX - (start.yday * DAY + left)
    return 4294967295


def parse_recurrence(text: str, log: list[Line]) -> Recurrence:
    """One recurrence, fields separated by "|" (ParseError with OpenSIPS's
    lines); lines logged for a recurrence that still parses go to `log`."""
    rec = Recurrence()
    if not text:
        return rec
    parts = text.split("|")
    if "A" <= parts[0][:1] <= "Z":
        rec.tz = parts.pop(0)
    elif parts[0] == "":
        parts.pop(0)                        # an empty time zone field
    reading = _Reading(Clock(rec.tz), log)
    position = len(rec.tz) + 1 if rec.tz else (1 if text.startswith("|") else 0)
    for store, part in zip(_FIELDS, parts):
        if part:
            try:
                store(rec, part, reading)
            except ParseError as err:
                raise ParseError(*err.lines, ("_tmrec_parse", "parse error in <%s> around "
                                              "position %d" % (text, position))) from None
        position += len(part) + 1
    if rec.dtstart == NO_VALUE:
        rec.dtstart = 0
    if rec.duration == NO_VALUE:
        if rec.dtend == NO_VALUE:
            rec.dtend = _default_end(rec)
        rec.duration = rec.dtend - rec.dtstart
    else:
        rec.dtend = rec.dtstart + rec.duration
    if rec.freq == NO_VALUE and (rec.until != NO_VALUE or rec.interval != NO_VALUE
                                 or rec.has_by):
        raise ParseError(("_tmrec_parse", "missing FREQ component in time rec: '%s'" % text))
    return rec


# ---------------------------------------------------------------- checking

@dataclass(frozen=True)
class Moment:
    """The time checked, with the week counts OpenSIPS derives (Monday weeks)."""
    epoch: int
    t: Tm

    @property
    def yweek(self) -> int:
        return (self.t.yday + 7 - (self.t.wday - 1 if self.t.wday else 6)) // 7

    @property
    def ywday(self) -> int:
        return self.t.yday // 7

    @property
    def wom(self) -> int:
        return (self.t.mday - 1) // 7


def _freq_interval(rec: Recurrence, now: Moment, clock: Clock) -> bool:
    if rec.freq == NO_VALUE:
        return False
    if rec.interval == NO_VALUE or rec.interval == 1:
        return True
    if rec.interval == 0:
        return False                    # OpenSIPS divides by zero here
    start, t = rec.start, now.t
    if rec.freq in (FREQ_DAILY, FREQ_WEEKLY):
        t0 = wrap32(clock.mktime(_naive(start.year, start.mon, start.mday), 0))
        t1 = wrap32(clock.mktime(_naive(t.year, t.mon, t.mday), 0))
        if rec.freq == FREQ_DAILY:
            return c_mod(c_div(t1 - t0, DAY), rec.interval) == 0
        t0 -= ((start.wday + 6) % 7) * DAY
        t1 -= ((t.wday + 6) % 7) * DAY
        return c_mod(c_div(t1 - t0, WEEK), rec.interval) == 0
    if rec.freq == FREQ_MONTHLY:
        months = (t.year - start.year) * 12 + t.mon - start.mon
        return c_mod(months, rec.interval) == 0
    if rec.freq == FREQ_YEARLY:
        return c_mod(t.year - start.year, rec.interval) == 0
    return False


def _within_day(x: Tm, begin: Tm, end: Tm) -> bool:
    return x.seconds_of_day >= begin.seconds_of_day and end.seconds_of_day > x.seconds_of_day


def _recurring_interval(x: Tm, begin: Tm, end: Tm, duration: int, unit: int) -> bool:
    """Whether x falls in the [begin, end) window repeated every unit."""
    if unit not in (FREQ_YEARLY, FREQ_MONTHLY, FREQ_WEEKLY):
        if begin.mday == end.mday:
            return _within_day(x, begin, end)
        return begin.seconds_of_day <= x.seconds_of_day or x.seconds_of_day < end.seconds_of_day
    key = {FREQ_YEARLY: "yday", FREQ_MONTHLY: "mday", FREQ_WEEKLY: "wday"}[unit]
    d1, d2, dx = getattr(begin, key), getattr(end, key), getattr(x, key)
    if d1 < d2:
        if dx < d1 or dx > d2:
            return False
        if d1 < dx < d2:
            return True
    elif d2 < d1:
        if d2 < dx < d1:
            return False
        if dx < d2 or dx > d1:
            return True
    elif dx != d1:
        return duration > DAY
    else:
        return _within_day(x, begin, end)
    if dx == d1:
        return x.seconds_of_day - begin.seconds_of_day > 0
    return end.seconds_of_day - x.seconds_of_day > 0


def _min_unit(rec: Recurrence, now: Moment, clock: Clock) -> bool:
    unit = min_interval(rec)
    covers = {FREQ_DAILY: DAY, FREQ_WEEKLY: WEEK, FREQ_MONTHLY: MONTH_MAX,
              FREQ_YEARLY: YEAR_MAX}
    if unit not in covers:
        return False
    if rec.duration >= covers[unit]:
        return True
    return _recurring_interval(now.t, rec.start, clock.local(rec.dtend), rec.duration, unit)


def _days_in_month(year: int, mon: int) -> int:
    return (_naive(year, mon + 1, 1) - _naive(year, mon, 1)).days


def _any(items: ByList, test: Callable[[int, int], bool]) -> bool:
    return any(test(value, req) for value, req in zip(items.values, items.req))


def _by_rules(rec: Recurrence, now: Moment) -> bool:
    if not rec.has_by:
        return True
    t = now.t
    year_days = (_naive(t.year + 1, 0, 1) - _naive(t.year, 0, 1)).days
    month_days = _days_in_month(t.year, t.mon)
    last = _tm_of(_naive(t.year, 11, 31))
    gap = t.wday - last.wday + 1 if t.wday > last.wday else last.wday - t.wday
    year_wdays = (last.yday - gap) // 7 + 1
    year_weeks = Moment(0, last).yweek + 1
    month_wdays = (month_days - 1 - (month_days - t.mday) % 7) // 7 + 1
    if rec.bymonth and not _any(rec.bymonth, lambda v, s: t.mon == c_mod((v - 1) * s + 12, 12)):
        return False
    if rec.freq == FREQ_YEARLY and rec.byweekno and not _any(
            rec.byweekno,
            lambda v, s: now.yweek == c_mod((v - 1) * s + year_weeks, year_weeks)):
        return False
    if rec.byyday and not _any(
            rec.byyday, lambda v, s: t.yday == c_mod((v - 1) * s + year_days, year_days)):
        return False
    if rec.bymday and not _any(
            rec.bymday,
            lambda v, s: t.mday == c_mod(v * s + month_days, month_days) + (1 if s < 0 else 0)):
        return False
    if rec.byday:
        def day_matches(day: int, req: int) -> bool:
            if t.wday != day:
                return False
            if rec.freq == FREQ_YEARLY:
                return now.ywday == c_mod(req + year_wdays, year_wdays)
            if rec.freq == FREQ_MONTHLY:
                return now.wom == c_mod(req + month_wdays, month_wdays)
            return True
        return _any(rec.byday, day_matches)
    return True


def check_recurrence(rec: Recurrence, epoch: int) -> bool:
    clock = Clock(rec.tz)
    now = Moment(epoch, clock.local(epoch))
    if epoch < rec.dtstart or (rec.freq == NO_VALUE and epoch >= rec.dtend):
        return False
    if rec.freq == NO_VALUE:
        return True
    if not (_freq_interval(rec, now, clock) and _min_unit(rec, now, clock)
            and _by_rules(rec, now)):
        return False
    return rec.until == NO_VALUE or epoch <= rec.until
