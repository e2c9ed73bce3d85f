"""Business-hours calendars: exact instants for add / between / is_open / next_open.

The Berlin office of ``tests.builders`` is open Monday to Friday 08:00–12:30 and 13:30–17:00
(8 hours a day), closed on Good Friday 2026-04-03, Easter Monday 2026-04-06, Whit Monday
2026-05-25 and Christmas Day 2026-12-25.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.builders import BERLIN, BERLIN_OFFICE, NEW_YORK, NEW_YORK_OFFICE, hours, weekdays
from tierline.domain.calendar import (
    ALWAYS_OPEN,
    BusinessCalendar,
    CalendarBook,
    CalendarError,
    CalendarSpec,
    normalise_day,
    parse_clock_time,
    parse_interval,
)


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


# --------------------------------------------------------------------------- holidays


def test_country_holidays_open_dates_closed_dates_and_special_hours() -> None:
    spec = CalendarSpec(
        name="de",
        timezone="Europe/Berlin",
        weekly=weekdays("08:00-16:00"),
        holiday_country="DE",
        closed_dates=frozenset({date(2026, 12, 31)}),
        open_dates=frozenset({date(2026, 10, 3)}),  # a Saturday anyway: no effect on hours
        special_hours=(
            (date(2026, 12, 24), hours("08:00-12:00")),
            (date(2026, 5, 1), hours("10:00-11:00")),  # special hours win over a holiday
        ),
    )
    asked: list[int] = []

    def provider(year: int) -> list[date]:
        asked.append(year)
        return [date(year, 5, 1), date(year, 10, 3), date(year, 12, 25)]

    cal = BusinessCalendar(spec, provider)
    assert cal.holidays_of(2026) == frozenset(
        {date(2026, 5, 1), date(2026, 12, 25), date(2026, 12, 31)}
    )
    assert 2026 in asked
    assert cal.between(at("2026-05-01T00:00"), at("2026-05-02T00:00")) == H
    assert cal.between(at("2026-12-24T00:00"), at("2026-12-25T00:00")) == 4 * H
    assert cal.between(at("2026-12-25T00:00"), at("2026-12-26T00:00")) == timedelta(0)
    assert cal.between(at("2026-12-31T00:00"), at("2027-01-01T00:00")) == timedelta(0)
    # Thursday 24 Dec 11:00 + 2h: one hour that morning, then Monday 28th.
    assert cal.add(at("2026-12-24T11:00"), 2 * H) == at("2026-12-28T09:00")


def test_open_dates_reopen_a_country_holiday() -> None:
    spec = CalendarSpec(
        "de",
        "Europe/Berlin",
        weekly=weekdays("08:00-16:00"),
        holiday_country="DE",
        open_dates=frozenset({date(2026, 5, 1)}),
    )
    cal = BusinessCalendar(spec, lambda year: [date(year, 5, 1)])
    assert cal.is_open(at("2026-05-01T09:00"))


def test_a_holiday_provider_is_ignored_without_a_country() -> None:
    spec = CalendarSpec("plain", "Europe/Berlin", weekly=weekdays("08:00-16:00"))
    cal = BusinessCalendar(spec, lambda year: [date(year, 5, 1)])
    assert cal.is_open(at("2026-05-01T09:00"))


def test_a_calendar_that_never_opens_fails_loudly_instead_of_looping() -> None:
    cal = BusinessCalendar(CalendarSpec("never", "UTC", weekly=((),) * 7))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(CalendarError, match="no open hours"):
        cal.add(start, H)
    with pytest.raises(CalendarError, match="never opens"):
        cal.next_open(start)
    with pytest.raises(CalendarError, match="no business day"):
        cal.next_business_day(date(2026, 1, 1))
    assert cal.between(start, datetime(2030, 1, 1, tzinfo=UTC)) == timedelta(0)


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
