"""Shared by the calendar tests (``test_calendar*.py``): local instants, real elapsed time, and
the Berlin office's calendar.

The Berlin office of ``tests.builders`` is open Monday to Friday 08:00–12:30 and 13:30–17:00
(8 hours a day), closed on Good Friday 2026-04-03, Easter Monday 2026-04-06, Whit Monday
2026-05-25 and Christmas Day 2026-12-25.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.builders import BERLIN, BERLIN_OFFICE
from tierline.domain.calendar import BusinessCalendar


def at(text: str, tz: object = BERLIN) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)  # type: ignore[arg-type]


def elapsed(a: datetime, b: datetime) -> timedelta:
    """Real time from ``a`` to ``b``.

    ``b - a`` is *wall-clock* arithmetic when both carry the same ZoneInfo, so across a DST change
    it is off by the hour; epoch seconds are not.
    """
    return timedelta(seconds=b.timestamp() - a.timestamp())


def berlin() -> BusinessCalendar:
    return BusinessCalendar(BERLIN_OFFICE)


H = timedelta(hours=1)
M = timedelta(minutes=1)
