"""What a business-hours calendar is, as plain data: a time zone, weekly opening hours, holidays
and special dates, and the parsing of ``"08:00-12:30"`` opening hours.

A calendar is a value: an IANA time zone, weekly opening hours (several intervals a day, so lunch
breaks are just gaps), holidays (whole days closed) and special dates with their own hours. The
policy layer builds these specs and a frozen plan stores them; the arithmetic over them lives in
``domain.calendar``, which needs the time-zone machinery this module does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

#: An opening interval in seconds from local midnight, ``0 <= start < end <= 86400``.
Interval = tuple[int, int]
DayHours = tuple[Interval, ...]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_clock_time(text: str) -> int:
    """``"08:30"`` → seconds from midnight; ``"24:00"`` is allowed as the end of a day."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"'{text}' is not a time of day; expected HH:MM such as '08:30'")
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and m != 0):
        raise ValueError(f"'{text}' is not a time of day; expected 00:00 to 24:00")
    return h * 3600 + m * 60


def parse_interval(text: str) -> Interval:
    """``"08:00-12:30"`` → ``(28800, 45000)``."""
    start, sep, end = text.replace(" ", "").partition("-")
    if not sep:
        raise ValueError(f"'{text}' is not an interval; expected HH:MM-HH:MM such as '08:00-12:30'")
    s, e = parse_clock_time(start), parse_clock_time(end)
    if e <= s:
        raise ValueError(
            f"'{text}' ends before it starts; expected the end after the start "
            "(split overnight shifts into two days)"
        )
    return (s, e)


def normalise_day(intervals: Iterable[Interval]) -> DayHours:
    """Sort and merge overlapping or touching intervals of one day."""
    merged: list[list[int]] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return tuple((s, e) for s, e in merged)


@dataclass(frozen=True)
class CalendarSpec:
    """Everything that defines a calendar, as plain data (it is what a frozen plan stores)."""

    name: str
    timezone: str = "UTC"
    #: Opening hours Monday..Sunday; ``None`` means open around the clock (24x7).
    weekly: tuple[DayHours, ...] | None = None
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    #: Extra whole days closed, on top of the country's holidays.
    closed_dates: frozenset[date] = frozenset()
    #: Country holidays on which the team works anyway.
    open_dates: frozenset[date] = frozenset()
    #: Dates with hours of their own (e.g. a half day on 24 December); wins over everything else.
    special_hours: tuple[tuple[date, DayHours], ...] = ()

    @property
    def always_open(self) -> bool:
        return self.weekly is None

    def to_data(self) -> dict[str, object]:
        return {
            "name": self.name,
            "timezone": self.timezone,
            "weekly": None if self.weekly is None else [list(map(list, d)) for d in self.weekly],
            "holiday_country": self.holiday_country,
            "holiday_subdivision": self.holiday_subdivision,
            "closed_dates": sorted(d.isoformat() for d in self.closed_dates),
            "open_dates": sorted(d.isoformat() for d in self.open_dates),
            "special_hours": [[d.isoformat(), list(map(list, h))] for d, h in self.special_hours],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> CalendarSpec:
        weekly = data.get("weekly")
        special = data.get("special_hours") or []
        return cls(
            name=str(data["name"]),
            timezone=str(data.get("timezone") or "UTC"),
            weekly=None
            if weekly is None
            else tuple(tuple((int(s), int(e)) for s, e in day) for day in weekly),  # type: ignore[attr-defined]
            holiday_country=data.get("holiday_country"),  # type: ignore[arg-type]
            holiday_subdivision=data.get("holiday_subdivision"),  # type: ignore[arg-type]
            closed_dates=frozenset(date.fromisoformat(d) for d in data.get("closed_dates") or []),  # type: ignore[attr-defined]
            open_dates=frozenset(date.fromisoformat(d) for d in data.get("open_dates") or []),  # type: ignore[attr-defined]
            special_hours=tuple(
                (date.fromisoformat(d), tuple((int(s), int(e)) for s, e in h))
                for d, h in special  # type: ignore[attr-defined]
            ),
        )


ALWAYS_OPEN = CalendarSpec(name="24x7", timezone="UTC", weekly=None)
