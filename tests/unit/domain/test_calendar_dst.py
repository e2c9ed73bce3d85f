"""Daylight-saving changes inside opening hours: a day gains or loses the hour the wall clock
repeats or skips, and arithmetic always counts real time.

The Berlin office's hours and holidays: see ``calendar_helpers``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.builders import NEW_YORK, NEW_YORK_OFFICE, hours
from tests.unit.domain.calendar_helpers import H, at, elapsed
from tierline.domain.calendar import ALWAYS_OPEN, BusinessCalendar, CalendarSpec

# --------------------------------------------------------------------------- DST inside hours


NIGHT_SHIFT = CalendarSpec(
    name="sunday_night",
    timezone="Europe/Berlin",
    weekly=((), (), (), (), (), (), hours("01:00-04:00")),
)


def test_a_dst_change_inside_opening_hours_shortens_or_lengthens_that_day() -> None:
    cal = BusinessCalendar(NIGHT_SHIFT)

    def open_on(day: str) -> timedelta:
        return cal.between(at(f"{day}T00:00"), at(f"{day}T12:00"))

    assert open_on("2026-03-22") == 3 * H
    assert open_on("2026-03-29") == 2 * H  # 02:00–03:00 never happened
    assert open_on("2026-10-25") == 4 * H  # 02:00–03:00 happened twice


def test_add_inside_a_dst_gap_and_overlap_counts_real_time() -> None:
    cal = BusinessCalendar(NIGHT_SHIFT)
    # 01:30 CET + 1h of real time is 03:30 CEST.
    assert cal.add(at("2026-03-29T01:30"), H) == datetime.fromisoformat("2026-03-29T03:30+02:00")
    # 01:00 CEST + 2h is 02:00 CET, the second 02:00 of the night.
    due = cal.add(datetime.fromisoformat("2026-10-25T01:00+02:00"), 2 * H)
    # An instant inside the repeated hour never compares equal across zones (PEP 495), so
    # compare epoch seconds.
    assert due.timestamp() == datetime(2026, 10, 25, 1, tzinfo=UTC).timestamp()
    assert (due.hour, due.fold, due.utcoffset()) == (2, 1, H)


def test_round_the_clock_weekly_hours_merge_over_midnight_and_follow_dst() -> None:
    cal = BusinessCalendar(
        CalendarSpec("allday", "Europe/Berlin", weekly=tuple([hours("00:00-24:00")] * 7))
    )
    assert cal.between(at("2026-03-28T00:00"), at("2026-03-30T00:00")) == 47 * H
    assert cal.between(at("2026-10-24T00:00"), at("2026-10-26T00:00")) == 49 * H
    midnight = at("2026-03-29T00:00")
    assert cal.is_open(midnight) and cal.next_open(midnight) == midnight
    assert cal.add(at("2026-03-28T22:00"), 8 * H) == datetime.fromisoformat(
        "2026-03-29T07:00+02:00"
    )


def test_always_open_is_plain_arithmetic_across_dst() -> None:
    cal = BusinessCalendar(ALWAYS_OPEN)
    start = at("2026-03-28T22:00")
    # Plain addition of real time (``start + 8h`` on a ZoneInfo instant would add wall time and
    # land on 06:00 CEST, an hour short).
    assert elapsed(start, cal.add(start, 8 * H)) == 8 * H
    assert cal.add(start, 8 * H) == datetime.fromisoformat("2026-03-29T07:00+02:00")
    assert cal.between(start, at("2026-03-29T22:00")) == 23 * H
    assert cal.is_open(start) and cal.next_open(start) == start
    assert cal.is_business_day(date(2026, 3, 29))


def test_new_york_spring_forward_weekend() -> None:
    cal = BusinessCalendar(NEW_YORK_OFFICE)  # Mon–Fri 09:00–17:00, DST on Sunday 8 March
    due = cal.add(at("2026-03-06T16:00", NEW_YORK), 3 * H)
    assert due == datetime.fromisoformat("2026-03-09T11:00-04:00")
    assert cal.between(at("2026-03-06T09:00", NEW_YORK), at("2026-03-09T17:00", NEW_YORK)) == 16 * H
