"""Business-hours calendars: when a team is open, and arithmetic over those hours.

A calendar's arithmetic answers the two questions every SLA clock asks:

* ``add(start, duration)``: the instant at which ``duration`` of open time has elapsed after
  ``start`` (a due date);
* ``between(a, b)``: how much open time lies between two instants (elapsed or paused time).

Both work on absolute instants. Opening hours are local wall-clock times, turned into absolute
intervals day by day, so a DST change inside opening hours shortens or lengthens that day's open
time by exactly the hour that the wall clock skipped or repeated.

Why tables: each year of the calendar is laid out once as sorted absolute intervals with a running
total of open seconds. ``add`` and ``between`` are then two binary searches and some subtraction,
whatever the distance between the instants, instead of a walk day by day.

What a calendar *is* (:class:`CalendarSpec`, opening-hours parsing) lives in
``domain.calendar_spec`` and is re-exported here, so ``from tierline.domain.calendar import X``
works for both.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from tierline.domain.calendar_spec import (
    ALWAYS_OPEN,
    WEEKDAYS,
    CalendarSpec,
    DayHours,
    Interval,
    normalise_day,
    parse_clock_time,
    parse_interval,
)

__all__ = [
    "ALWAYS_OPEN",
    "WEEKDAYS",
    "BusinessCalendar",
    "CalendarBook",
    "CalendarError",
    "CalendarSpec",
    "DayHours",
    "HolidayProvider",
    "HolidaySource",
    "Interval",
    "normalise_day",
    "parse_clock_time",
    "parse_interval",
]

#: Years of calendar a single ``add`` may walk before giving up: a calendar with no open hours at
#: all (every day a holiday) would otherwise search forever.
_MAX_YEARS_AHEAD = 25

HolidayProvider = Callable[[int], Iterable[date]]
"""Returns the holiday dates of a year; the policy layer backs it with the ``holidays`` package."""


class CalendarError(ValueError):
    """A calendar that cannot answer: no open hours within reach, or a naive instant."""


@dataclass
class _Table:
    """Absolute open intervals of a span of years, with running totals of open seconds."""

    first_year: int
    last_year: int
    lo: float  # epoch of the first covered local midnight
    hi: float  # epoch of the local midnight after the last covered day
    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)
    before: list[float] = field(default_factory=list)  # open seconds before starts[i]
    upto: list[float] = field(default_factory=list)  # open seconds up to ends[i]


class BusinessCalendar:
    """Arithmetic over a :class:`CalendarSpec`'s open hours.

    Instances are cheap to share and safe to use from one thread at a time per instance; tables
    for further years are laid out lazily the first time an instant needs them.
    """

    __slots__ = ("_days", "_holidays", "_table", "_tz", "spec")

    def __init__(self, spec: CalendarSpec, holidays: HolidayProvider | None = None) -> None:
        self.spec = spec
        self._tz: tzinfo = UTC if spec.timezone.upper() == "UTC" else ZoneInfo(spec.timezone)
        self._holidays = holidays
        self._table: _Table | None = None
        #: open_intervals by date: every case's daily-update clocks ask for the same few days.
        self._days: dict[date, list[tuple[datetime, datetime]]] = {}

    # ----------------------------------------------------------------- public arithmetic

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def tz(self) -> tzinfo:
        return self._tz

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant when ``duration`` of open time has passed since ``start``.

        Zero adds nothing (the result is ``start`` even outside opening hours); a positive
        duration that ends exactly at a closing time returns that closing time, not the next
        opening. The result is expressed in the calendar's time zone.
        """
        seconds = duration.total_seconds()
        if seconds < 0:
            raise CalendarError("cannot add a negative duration; expected zero or more")
        t = _epoch(start)
        if seconds == 0:
            return start.astimezone(self._tz)
        return datetime.fromtimestamp(self.add_seconds(t, seconds), self._tz)

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Open time from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
        return timedelta(seconds=self.seconds_between(_epoch(a), _epoch(b)))

    def add_seconds(self, t: float, seconds: float) -> float:
        """:meth:`add` on epoch seconds, the form the clock engine and replay use in loops."""
        if self.spec.weekly is None:
            return t + seconds
        if seconds <= 0:
            return t
        table = self._covering(t)
        target = self._open_before(table, t) + seconds
        for _ in range(_MAX_YEARS_AHEAD + 1):
            upto = table.upto
            j = bisect_left(upto, target)
            if j < len(upto):
                return round(table.ends[j] - (upto[j] - target), 6)
            table = self._extend(table.first_year, table.last_year + 1)
        raise CalendarError(
            f"calendar '{self.name}' has no open hours within {_MAX_YEARS_AHEAD} years; "
            "expected weekly hours that are not all holidays"
        )

    def seconds_between(self, a: float, b: float) -> float:
        if self.spec.weekly is None:
            return b - a
        if b < a:
            return -self.seconds_between(b, a)
        table = self._covering(a)
        if b >= table.hi:
            table = self._covering(b)
        return self._open_before(table, b) - self._open_before(table, a)

    def is_open(self, at: datetime) -> bool:
        if self.spec.weekly is None:
            return True
        t = _epoch(at)
        table = self._covering(t)
        i = bisect_right(table.starts, t) - 1
        return i >= 0 and t < table.ends[i]

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself when open, else the next opening instant."""
        if self.spec.weekly is None:
            return at.astimezone(self._tz)
        t = _epoch(at)
        table = self._covering(t)
        for _ in range(_MAX_YEARS_AHEAD + 1):
            i = bisect_right(table.starts, t) - 1
            if i >= 0 and t < table.ends[i]:
                return at.astimezone(self._tz)
            if i + 1 < len(table.starts):
                return datetime.fromtimestamp(table.starts[i + 1], self._tz)
            table = self._extend(table.first_year, table.last_year + 1)
        raise CalendarError(f"calendar '{self.name}' never opens again")

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The absolute open intervals of one local date (for display, explanations and the
        daily-update clocks). The list is shared: callers must not change it."""
        known = self._days.get(day)
        if known is None:
            if len(self._days) >= 4096:
                self._days.clear()
            tz = self._tz
            known = self._days[day] = [
                (datetime.fromtimestamp(s, tz), datetime.fromtimestamp(e, tz))
                for s, e in self._day_intervals(day)
            ]
        return known

    def is_business_day(self, day: date) -> bool:
        return self.spec.weekly is None or bool(self._local_hours(day))

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after ``day``."""
        for n in range(1, 366 * _MAX_YEARS_AHEAD):
            candidate = day + timedelta(days=n)
            if self.is_business_day(candidate):
                return candidate
        raise CalendarError(f"calendar '{self.name}' has no business day after {day}")

    def holidays_of(self, year: int) -> frozenset[date]:
        spec = self.spec
        days: set[date] = set()
        if self._holidays is not None and spec.holiday_country:
            days.update(self._holidays(year))
        days.difference_update(spec.open_dates)
        days.update(d for d in spec.closed_dates if d.year == year)
        return frozenset(days)

    # ----------------------------------------------------------------- tables

    def _covering(self, t: float) -> _Table:
        table = self._table
        if table is not None and table.lo <= t < table.hi:
            return table
        year = datetime.fromtimestamp(t, self._tz).year
        if table is None:
            return self._extend(year - 1, year + 1)
        return self._extend(min(table.first_year, year - 1), max(table.last_year, year + 1))

    def _extend(self, first_year: int, last_year: int) -> _Table:
        """Lay out the years ``first_year..last_year`` (inclusive) and keep them."""
        first_year = max(first_year, 1)
        last_year = min(last_year, 9998)
        tz = self._tz
        lo = datetime(first_year, 1, 1, tzinfo=tz).timestamp()
        hi = datetime(last_year + 1, 1, 1, tzinfo=tz).timestamp()
        table = _Table(first_year, last_year, lo, hi)
        starts, ends, before, upto = table.starts, table.ends, table.before, table.upto
        total = 0.0
        special = dict(self.spec.special_hours)
        weekly = self.spec.weekly or ()
        one = timedelta(days=1)
        for year in range(first_year, last_year + 1):
            closed = self.holidays_of(year)
            day = date(year, 1, 1)
            while day.year == year:
                hours = special.get(day)
                if hours is None:
                    hours = () if day in closed else weekly[day.weekday()]
                for ls, le in hours:
                    s, e = _local_epoch(day, ls, tz), _local_epoch(day, le, tz)
                    if e <= s:
                        continue
                    if starts and s <= ends[-1]:  # touches yesterday's last interval
                        total += e - ends[-1]
                        ends[-1] = e
                        upto[-1] = total
                        continue
                    starts.append(s)
                    ends.append(e)
                    before.append(total)
                    total += e - s
                    upto.append(total)
                day += one
        self._table = table
        return table

    def _local_hours(self, day: date) -> DayHours:
        spec = self.spec
        for special_day, hours in spec.special_hours:
            if special_day == day:
                return hours
        if spec.weekly is None:
            return ((0, 86_400),)
        if day in self.holidays_of(day.year):
            return ()
        return spec.weekly[day.weekday()]

    def _day_intervals(self, day: date) -> list[tuple[float, float]]:
        tz = self._tz
        out = []
        for s, e in self._local_hours(day):
            out.append((_local_epoch(day, s, tz), _local_epoch(day, e, tz)))
        return [(s, e) for s, e in out if e > s]

    @staticmethod
    def _open_before(table: _Table, t: float) -> float:
        """Open seconds from the table's start up to ``t`` (``t`` must be covered)."""
        i = bisect_right(table.starts, t) - 1
        if i < 0:
            return 0.0
        end = table.ends[i]
        return table.before[i] + ((t if t < end else end) - table.starts[i])


def _epoch(at: datetime) -> float:
    if at.tzinfo is None:
        raise CalendarError(
            f"{at.isoformat()} has no time zone; expected an aware instant such as "
            "2026-03-27T17:30:00+01:00"
        )
    return at.timestamp()


def _local_epoch(day: date, seconds: int, tz: tzinfo) -> float:
    """Epoch of a local wall-clock time; ``86400`` means the next local midnight."""
    if seconds >= 86_400:
        nxt = day + timedelta(days=1)
        return datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz).timestamp()
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return datetime(day.year, day.month, day.day, h, m, s, tzinfo=tz).timestamp()


HolidaySource = Callable[[CalendarSpec], HolidayProvider | None]
"""Given a calendar spec, the provider of its country's holidays (or None): injected from outside
the domain so the domain needs no third-party holiday data."""


class CalendarBook:
    """The calendars of a policy or plan by name, built once and shared.

    Calendars are cached by their spec, so two plans frozen from the same policy share tables, and
    ``"24x7"`` always exists for clocks counted in calendar time.
    """

    def __init__(
        self, specs: Mapping[str, CalendarSpec], holidays: HolidaySource | None = None
    ) -> None:
        self._specs = dict(specs)
        self._holidays = holidays
        self._built: dict[CalendarSpec, BusinessCalendar] = {}

    def names(self) -> list[str]:
        return sorted(self._specs)

    def __contains__(self, name: object) -> bool:
        return name == ALWAYS_OPEN.name or name in self._specs

    def get(self, name: str) -> BusinessCalendar:
        spec = ALWAYS_OPEN if name == ALWAYS_OPEN.name else self._specs.get(name)
        if spec is None:
            raise KeyError(f"unknown calendar '{name}'; expected one of: {', '.join(self.names())}")
        return self.for_spec(spec)

    def for_spec(self, spec: CalendarSpec) -> BusinessCalendar:
        cal = self._built.get(spec)
        if cal is None:
            provider = self._holidays(spec) if self._holidays and spec.holiday_country else None
            cal = BusinessCalendar(spec, provider)
            self._built[spec] = cal
        return cal
