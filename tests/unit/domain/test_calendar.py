"""Business-hours calendars: exact instants for add / between / is_open / next_open, and the
book of calendars by name.

Parsing and specs are in ``test_calendar_spec``; DST inside opening hours in
``test_calendar_dst``; holidays in ``test_calendar_holidays``.

The Berlin office's hours and holidays: see ``calendar_helpers``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.builders import BERLIN, BERLIN_OFFICE, weekdays
from tests.unit.domain.calendar_helpers import H, M, at, berlin, elapsed
from tierline.domain.calendar import ALWAYS_OPEN, CalendarBook, CalendarError, CalendarSpec

# --------------------------------------------------------------------------- add


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        # Inside the morning.
        ("2026-03-02T09:00", 2 * H, "2026-03-02T11:00"),
        # Across lunch: 30 minutes before it, 30 after.
        ("2026-03-02T12:00", H, "2026-03-02T14:00"),
        # Ending exactly when lunch starts: the closing instant, not the reopening.
        ("2026-03-02T12:00", 30 * M, "2026-03-02T12:30"),
        ("2026-03-02T12:00", 31 * M, "2026-03-02T13:31"),
        # Starting during lunch counts from the reopening.
        ("2026-03-02T12:45", 15 * M, "2026-03-02T13:45"),
        # Ending exactly at Friday's closing time: Friday 17:00, not Monday 08:00.
        ("2026-03-06T16:00", H, "2026-03-06T17:00"),
        ("2026-03-06T16:00", H + timedelta(seconds=1), "2026-03-09T08:00:01"),
        # Starting on a Saturday counts from Monday's opening.
        ("2026-03-07T10:00", H, "2026-03-09T09:00"),
        # Starting before opening.
        ("2026-03-02T06:00", H, "2026-03-02T09:00"),
        # Ten business days of 8 hours end at the second Friday's closing time.
        ("2026-03-02T08:00", 80 * H, "2026-03-13T17:00"),
        # Sub-second precision survives.
        ("2026-03-02T09:00", timedelta(microseconds=1), "2026-03-02T09:00:00.000001"),
        # Christmas Day (Friday) is closed: Thursday 24th, then Monday 28th.
        ("2026-12-24T16:00", 2 * H, "2026-12-28T09:00"),
        # The year boundary: 2027-01-01 is not among the test calendar's closed dates.
        ("2026-12-31T16:00", 2 * H, "2027-01-01T09:00"),
    ],
)
def test_add(start: str, duration: timedelta, due: str) -> None:
    assert berlin().add(at(start), duration) == at(due)


def test_add_across_the_spring_forward_weekend() -> None:
    """Friday 27 March 16:00 CET + 2h is Monday 30 March 09:00 CEST, 64 real hours later."""
    start = at("2026-03-27T16:00")
    due = berlin().add(start, 2 * H)
    assert due == datetime.fromisoformat("2026-03-30T09:00+02:00")
    assert due.utcoffset() == 2 * H
    assert elapsed(start, due) == 64 * H


def test_add_across_the_fall_back_weekend() -> None:
    start = at("2026-10-23T16:00")
    due = berlin().add(start, 2 * H)
    assert due == datetime.fromisoformat("2026-10-26T09:00+01:00")
    assert elapsed(start, due) == 66 * H


def test_add_across_good_friday_and_easter_monday() -> None:
    assert berlin().add(at("2026-04-02T16:00"), 2 * H) == at("2026-04-07T09:00")


def test_add_with_zero_returns_the_start_even_when_closed() -> None:
    saturday = at("2026-03-07T10:00")
    assert berlin().add(saturday, timedelta(0)) == saturday
    in_utc = datetime(2026, 3, 7, 9, tzinfo=UTC)
    result = berlin().add(in_utc, timedelta(0))
    assert result == in_utc and result.tzinfo == BERLIN


def test_add_answers_in_the_calendar_time_zone_whatever_the_input_zone() -> None:
    due = berlin().add(datetime(2026, 3, 2, 8, tzinfo=UTC), H)  # 09:00 in Berlin
    assert due == at("2026-03-02T10:00")
    assert due.tzinfo == BERLIN
    assert due.hour == 10


def test_add_refuses_negative_durations_and_naive_instants() -> None:
    cal = berlin()
    with pytest.raises(CalendarError, match="negative"):
        cal.add(at("2026-03-02T09:00"), -H)
    with pytest.raises(CalendarError, match="no time zone"):
        cal.add(datetime(2026, 3, 2, 9), H)
    with pytest.raises(CalendarError, match="no time zone"):
        cal.between(datetime(2026, 3, 2, 9), at("2026-03-02T10:00"))
    with pytest.raises(CalendarError, match="no time zone"):
        cal.is_open(datetime(2026, 3, 2, 9))


def test_add_seconds_is_add_on_epoch_seconds() -> None:
    cal = berlin()
    start = at("2026-03-02T12:00")
    assert cal.add_seconds(start.timestamp(), 3600) == at("2026-03-02T14:00").timestamp()
    assert cal.add_seconds(start.timestamp(), 0) == start.timestamp()


# --------------------------------------------------------------------------- between


@pytest.mark.parametrize(
    ("a", "b", "open_time"),
    [
        ("2026-03-02T08:00", "2026-03-02T17:00", 8 * H),
        ("2026-03-02T12:00", "2026-03-02T14:00", H),
        ("2026-03-02T12:35", "2026-03-02T13:25", timedelta(0)),  # inside lunch
        ("2026-03-07T10:00", "2026-03-08T20:00", timedelta(0)),  # the weekend
        ("2026-03-27T16:00", "2026-03-30T09:00", 2 * H),  # across the DST weekend
        ("2026-04-02T08:00", "2026-04-08T08:00", 16 * H),  # Thursday + Tuesday only
        ("2026-03-02T09:00", "2026-03-02T09:00", timedelta(0)),
    ],
)
def test_between(a: str, b: str, open_time: timedelta) -> None:
    assert berlin().between(at(a), at(b)) == open_time


def test_between_is_negative_when_reversed() -> None:
    assert berlin().between(at("2026-03-02T14:00"), at("2026-03-02T12:00")) == -H


def test_between_over_whole_years() -> None:
    """2026 has 261 weekdays; four of the explicit closed dates fall on weekdays: 257 × 8h.

    2027 has 261 weekdays and no closed dates in the test calendar.
    """
    cal = berlin()
    assert cal.between(at("2026-01-01T00:00"), at("2027-01-01T00:00")) == 2056 * H
    assert cal.between(at("2026-01-01T00:00"), at("2028-01-01T00:00")) == (2056 + 2088) * H


def test_tables_extend_backwards_after_a_far_future_question() -> None:
    cal = berlin()
    assert cal.between(at("2031-03-03T08:00"), at("2031-03-03T17:00")) == 8 * H  # a Monday
    assert cal.between(at("2026-03-02T08:00"), at("2026-03-02T17:00")) == 8 * H
    assert cal.add(at("2026-03-27T16:00"), 2 * H) == at("2026-03-30T09:00")
    assert cal.between(at("2020-03-02T08:00"), at("2020-03-02T17:00")) == 8 * H


# --------------------------------------------------------------------------- is_open, next_open


@pytest.mark.parametrize(
    ("instant", "open_"),
    [
        ("2026-03-02T07:59:59", False),
        ("2026-03-02T08:00", True),  # an opening instant is open
        ("2026-03-02T12:29:59", True),
        ("2026-03-02T12:30", False),  # a closing instant is not
        ("2026-03-02T13:30", True),
        ("2026-03-02T17:00", False),
        ("2026-04-06T10:00", False),  # Easter Monday
        ("2026-03-07T10:00", False),  # Saturday
    ],
)
def test_is_open(instant: str, open_: bool) -> None:
    assert berlin().is_open(at(instant)) is open_


@pytest.mark.parametrize(
    ("instant", "opens"),
    [
        ("2026-03-02T09:15", "2026-03-02T09:15"),
        ("2026-03-02T12:45", "2026-03-02T13:30"),
        ("2026-03-06T17:00", "2026-03-09T08:00"),
        ("2026-04-02T17:00", "2026-04-07T08:00"),
        ("2026-03-27T17:00", "2026-03-30T08:00"),
    ],
)
def test_next_open(instant: str, opens: str) -> None:
    assert berlin().next_open(at(instant)) == at(opens)


def test_open_intervals_and_business_days() -> None:
    cal = berlin()
    assert cal.open_intervals(date(2026, 3, 30)) == [
        (at("2026-03-30T08:00"), at("2026-03-30T12:30")),
        (at("2026-03-30T13:30"), at("2026-03-30T17:00")),
    ]
    assert cal.open_intervals(date(2026, 4, 6)) == []
    assert cal.open_intervals(date(2026, 3, 7)) == []
    assert cal.is_business_day(date(2026, 4, 2))
    assert not cal.is_business_day(date(2026, 4, 3))
    assert cal.next_business_day(date(2026, 4, 2)) == date(2026, 4, 7)
    assert cal.next_business_day(date(2026, 3, 6)) == date(2026, 3, 9)


# --------------------------------------------------------------------------- the book


def test_calendar_book() -> None:
    asked: list[str] = []

    def source(spec: CalendarSpec):  # type: ignore[no-untyped-def]
        asked.append(spec.name)
        return lambda year: [date(year, 5, 1)]

    de = CalendarSpec("de", "Europe/Berlin", weekly=weekdays("08:00-16:00"), holiday_country="DE")
    book = CalendarBook({"berlin": BERLIN_OFFICE, "de": de, "also_berlin": BERLIN_OFFICE}, source)
    assert book.names() == ["also_berlin", "berlin", "de"]
    assert "24x7" in book and "berlin" in book and "paris" not in book
    assert book.get("24x7").spec == ALWAYS_OPEN
    assert book.get("berlin") is book.get("also_berlin")  # cached by spec
    assert not book.get("de").is_open(at("2026-05-01T09:00"))
    assert asked == ["de"]  # only calendars with a holiday country ask for holidays
    with pytest.raises(KeyError, match="unknown calendar 'paris'; expected one of: also_berlin"):
        book.get("paris")
