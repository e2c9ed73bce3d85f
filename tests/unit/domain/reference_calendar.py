"""A deliberately naive business-time reference, used to check the table-based calendar.

It walks day by day and sums overlaps: slow, obvious, and written without the running totals,
binary searches and year tables of :mod:`tierline.domain.calendar`, so the two can disagree only
if one of them is wrong about what a calendar means.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from tierline.domain.calendar import CalendarSpec


def _zone(spec: CalendarSpec) -> tzinfo:
    return UTC if spec.timezone.upper() == "UTC" else ZoneInfo(spec.timezone)


def _wall(day: date, seconds: int, tz: tzinfo) -> float:
    if seconds >= 86_400:
        day, seconds = day + timedelta(days=1), 0
    clock = time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    return datetime.combine(day, clock, tzinfo=tz).timestamp()


def spans(
    spec: CalendarSpec, first: date, last: date, holidays: frozenset[date] = frozenset()
) -> list[tuple[float, float]]:
    """Absolute open spans (epoch seconds) of the local dates ``first..last``, merged."""
    tz = _zone(spec)
    special = dict(spec.special_hours)
    closed = (set(holidays) - set(spec.open_dates)) | set(spec.closed_dates)
    out: list[tuple[float, float]] = []
    day = first
    while day <= last:
        if day in special:
            hours = special[day]
        elif spec.weekly is None:
            hours = ((0, 86_400),)
        elif day in closed:
            hours = ()
        else:
            hours = spec.weekly[day.weekday()]
        for s, e in hours:
            a, b = _wall(day, s, tz), _wall(day, e, tz)
            if b <= a:
                continue
            if out and a <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], b))
            else:
                out.append((a, b))
        day += timedelta(days=1)
    return out


def _window(spec: CalendarSpec, a: float, b: float) -> tuple[date, date]:
    tz = _zone(spec)
    lo = datetime.fromtimestamp(a, tz).date() - timedelta(days=2)
    hi = datetime.fromtimestamp(b, tz).date() + timedelta(days=2)
    return lo, hi


def between(
    spec: CalendarSpec, a: datetime, b: datetime, holidays: frozenset[date] = frozenset()
) -> float:
    """Open seconds from ``a`` to ``b`` (negative when ``b`` is earlier)."""
    ta, tb = a.timestamp(), b.timestamp()
    if tb < ta:
        return -between(spec, b, a, holidays)
    total = 0.0
    for s, e in spans(spec, *_window(spec, ta, tb), holidays):
        lo, hi = max(s, ta), min(e, tb)
        if hi > lo:
            total += hi - lo
    return total


def add(
    spec: CalendarSpec, start: datetime, seconds: float, holidays: frozenset[date] = frozenset()
) -> float:
    """Epoch instant at which ``seconds`` (> 0) of open time have passed since ``start``."""
    t = start.timestamp()
    left = seconds
    horizon = 14
    while True:
        lo, _ = _window(spec, t, t)
        hi = lo + timedelta(days=horizon)
        for s, e in spans(spec, lo, hi, holidays):
            if e <= t:
                continue
            s = max(s, t)
            if e - s >= left:
                return s + left
            left -= e - s
            t = e
        t = max(t, _wall(hi, 0, _zone(spec)))
        horizon *= 2
