"""Calendar specs as data: parsing opening hours (``"08:00-12:30"``), merging a day's intervals,
and a spec's round trip through plain data.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.builders import hours, weekdays
from tierline.domain.calendar import (
    ALWAYS_OPEN,
    CalendarSpec,
    normalise_day,
    parse_clock_time,
    parse_interval,
)

# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "seconds"), [("00:00", 0), ("08:30", 30_600), ("23:59", 86_340), ("24:00", 86_400)]
)
def test_parse_clock_time(text: str, seconds: int) -> None:
    assert parse_clock_time(text) == seconds


@pytest.mark.parametrize("text", ["24:30", "8:3", "ab:cd", "12:60", "25:00", "0830", ""])
def test_parse_clock_time_refuses_what_is_not_a_time(text: str) -> None:
    with pytest.raises(ValueError, match="time of day"):
        parse_clock_time(text)


def test_parse_interval() -> None:
    assert parse_interval("08:00-12:30") == (28_800, 45_000)
    assert parse_interval(" 13:30 - 24:00 ") == (48_600, 86_400)


@pytest.mark.parametrize(
    ("text", "message"),
    [("08:00", "not an interval"), ("12:00-08:00", "ends before"), ("08:00-08:00", "ends before")],
)
def test_parse_interval_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_interval(text)


def test_normalise_day_sorts_and_merges_overlapping_and_touching_intervals() -> None:
    assert normalise_day([(50, 60), (0, 10), (10, 20), (15, 30), (40, 45)]) == (
        (0, 30),
        (40, 45),
        (50, 60),
    )
    assert normalise_day([]) == ()


def test_spec_round_trips_through_data() -> None:
    spec = CalendarSpec(
        name="x",
        timezone="Europe/Berlin",
        weekly=weekdays("08:00-12:00"),
        holiday_country="DE",
        holiday_subdivision="BE",
        closed_dates=frozenset({date(2026, 1, 2)}),
        open_dates=frozenset({date(2026, 5, 1)}),
        special_hours=((date(2026, 12, 24), hours("08:00-12:00")),),
    )
    assert CalendarSpec.from_data(spec.to_data()) == spec
    assert CalendarSpec.from_data(ALWAYS_OPEN.to_data()) == ALWAYS_OPEN
    assert ALWAYS_OPEN.always_open and not spec.always_open
