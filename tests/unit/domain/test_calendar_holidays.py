"""Holidays: a country's days (from an injected provider), closed and reopened dates, special
hours, and a calendar that never opens failing loudly.

The Berlin office's hours and holidays: see ``calendar_helpers``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.builders import hours, weekdays
from tests.unit.domain.calendar_helpers import H, at
from tierline.domain.calendar import BusinessCalendar, CalendarError, CalendarSpec

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
