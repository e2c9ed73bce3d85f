"""Time zones, opening hours and the two office calendars the test desk works on.

Kept apart from the policy builder because calendar tests need only these, not a whole policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo

from tierline.domain.calendar import CalendarSpec, parse_interval

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def hours(*spans: str) -> tuple[tuple[int, int], ...]:
    return tuple(parse_interval(s) for s in spans)


def weekdays(*spans: str, saturday: Iterable[str] = ()) -> tuple[tuple[tuple[int, int], ...], ...]:
    day = hours(*spans)
    return (day, day, day, day, day, hours(*saturday), ())


BERLIN_OFFICE = CalendarSpec(
    name="berlin",
    timezone="Europe/Berlin",
    weekly=weekdays("08:00-12:30", "13:30-17:00"),
    # 2026-04-06 is Easter Monday, 2026-05-25 Whit Monday: explicit so the domain needs no
    # holiday package in its tests.
    closed_dates=frozenset(
        {date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 25), date(2026, 12, 25)}
    ),
)
NEW_YORK_OFFICE = CalendarSpec(
    name="new_york",
    timezone="America/New_York",
    weekly=weekdays("09:00-17:00"),
    closed_dates=frozenset({date(2026, 9, 7), date(2026, 11, 26)}),  # Labor Day, Thanksgiving
)
