"""Tierline's business-time arithmetic against an independent implementation: businesstimedelta.

businesstimedelta (a test-only dependency) walks working periods one by one with pytz time zones;
Tierline lays out a year of absolute intervals and binary-searches them. Both can express "Monday
to Friday 09:00–17:00 in Europe/Berlin (or America/New_York), lunch 12:00–13:00, a list of
holidays", and on that calendar they must agree on every instant, across DST changes, holidays,
lunch and weekends.

Where the semantics differ (checked below, so a change in either is noticed):

* **Zero duration.** businesstimedelta returns the next opening; Tierline returns the start
  itself ("adding nothing moves nothing"), so a zero target is due at once.
* **A duration ending exactly at a closing time.** Both return the closing instant (Friday 17:00,
  not Monday 09:00; 12:00, not 13:00 at lunch). The cases include many such endings.
* **Direction.** ``Rules.difference`` sorts its arguments and is never negative; Tierline's
  ``between(a, b)`` is negative when ``b`` is before ``a``.
* **Sub-second precision.** ``difference`` drops microseconds (it rebuilds the delta from whole
  hours and seconds); Tierline keeps them. The comparison uses whole-second instants.
* **Holiday horizon.** ``HolidayRule`` searches at most five years ahead for the next holiday and
  crashes (``TypeError``) when its list has no holiday after the instant asked about. The list
  below therefore ends with a far-future sentinel; Tierline needs no such thing.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import businesstimedelta as btd
import pytest
import pytz

from tierline.domain.calendar import BusinessCalendar, CalendarSpec, parse_interval

HOLIDAYS = frozenset(
    {
        date(2026, 1, 1),
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 10, 3),
        date(2026, 11, 26),
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 31),
        date(2030, 1, 1),  # sentinel: businesstimedelta needs a holiday ahead of every instant
    }
)
DAY = (parse_interval("09:00-12:00"), parse_interval("13:00-17:00"))


def tierline_calendar(zone: str) -> BusinessCalendar:
    return BusinessCalendar(
        CalendarSpec("oracle", zone, weekly=(DAY,) * 5 + ((), ()), closed_dates=HOLIDAYS)
    )


def oracle_rules(zone: str) -> btd.Rules:
    tz = pytz.timezone(zone)
    return btd.Rules(
        [
            btd.WorkDayRule(start_time=time(9), end_time=time(17), working_days=range(5), tz=tz),
            btd.LunchTimeRule(start_time=time(12), end_time=time(13), working_days=range(5), tz=tz),
            btd.HolidayRule(HOLIDAYS, tz=tz),
        ]
    )


LO = datetime(2026, 1, 2, tzinfo=UTC)
HI = datetime(2027, 6, 1, tzinfo=UTC)


def random_start(rng: random.Random, zone: str) -> datetime:
    """Whole-second instants; a third of them on an opening, lunch or closing edge (± 1 s)."""
    t = rng.randrange(int(LO.timestamp()), int(HI.timestamp()))
    if rng.random() < 1 / 3:
        local = datetime.fromtimestamp(t, pytz.timezone(zone)).date()
        edge = rng.choice([time(9), time(12), time(13), time(17), time(0)])
        at = pytz.timezone(zone).localize(datetime.combine(local, edge))
        return (at + timedelta(seconds=rng.choice([-1, 0, 0, 1]))).astimezone(UTC)
    return datetime.fromtimestamp(t, UTC)


def random_duration(rng: random.Random) -> timedelta:
    if rng.random() < 0.4:  # whole half hours: many end exactly at 12:00 or 17:00
        return timedelta(minutes=30 * rng.randrange(1, 100))
    return timedelta(seconds=rng.randrange(1, 50 * 3600))


@pytest.mark.parametrize(("zone", "cases"), [("Europe/Berlin", 1500), ("America/New_York", 500)])
def test_add_agrees_with_businesstimedelta(zone: str, cases: int) -> None:
    rng = random.Random(f"add-{zone}")
    ours, theirs = tierline_calendar(zone), oracle_rules(zone)
    mismatches = []
    for _ in range(cases):
        start, duration = random_start(rng, zone), random_duration(rng)
        expected = btd.BusinessTimeDelta(theirs, timedelta=duration) + start
        got = ours.add(start, duration)
        if got.timestamp() != expected.timestamp():
            mismatches.append((start.isoformat(), str(duration), got.isoformat(), expected))
    assert mismatches == [], f"{len(mismatches)} of {cases} differ, e.g. {mismatches[:3]}"


def test_between_agrees_with_businesstimedelta() -> None:
    zone = "Europe/Berlin"
    rng = random.Random("between")
    ours, theirs = tierline_calendar(zone), oracle_rules(zone)
    mismatches = []
    for _ in range(1000):
        a = random_start(rng, zone)
        # Up to ten days apart: businesstimedelta walks period by period, so keep it affordable.
        b = a + timedelta(seconds=rng.randrange(0, 10 * 86_400))
        if rng.random() < 0.3:
            b = random_start(rng, zone).replace(year=a.year, month=a.month, day=a.day)
            a, b = sorted((a, b))
        expected = theirs.difference(a, b).timedelta
        if ours.between(a, b) != expected:
            mismatches.append((a.isoformat(), b.isoformat(), ours.between(a, b), expected))
    assert mismatches == [], f"{len(mismatches)} differ, e.g. {mismatches[:3]}"


# --------------------------------------------------------------------------- known differences

BERLIN = pytz.timezone("Europe/Berlin")


def test_zero_duration_differs_by_design() -> None:
    saturday = datetime(2026, 3, 7, 10, tzinfo=UTC)
    theirs = btd.BusinessTimeDelta(oracle_rules("Europe/Berlin"), timedelta=timedelta(0)) + saturday
    assert theirs == BERLIN.localize(datetime(2026, 3, 9, 9))  # the next opening
    assert tierline_calendar("Europe/Berlin").add(saturday, timedelta(0)) == saturday


@pytest.mark.parametrize(
    ("start", "end"), [(datetime(2026, 3, 6, 16), 17), (datetime(2026, 3, 6, 11), 12)]
)
def test_both_stop_at_a_closing_instant(start: datetime, end: int) -> None:
    a = BERLIN.localize(start)
    theirs = btd.BusinessTimeDelta(oracle_rules("Europe/Berlin"), timedelta=timedelta(hours=1)) + a
    ours = tierline_calendar("Europe/Berlin").add(a, timedelta(hours=1))
    assert ours == theirs == BERLIN.localize(start.replace(hour=end))


def test_direction_and_microseconds_differ_by_design() -> None:
    a = BERLIN.localize(datetime(2026, 3, 2, 10))
    b = BERLIN.localize(datetime(2026, 3, 2, 11, 0, 0, 500_000))
    rules, cal = oracle_rules("Europe/Berlin"), tierline_calendar("Europe/Berlin")
    assert rules.difference(b, a).timedelta == timedelta(hours=1)  # unsigned, whole seconds
    assert cal.between(b, a) == -timedelta(hours=1, microseconds=500_000)
    assert rules.difference(a, b).timedelta == timedelta(hours=1)
    assert cal.between(a, b) == timedelta(hours=1, microseconds=500_000)


def test_businesstimedelta_needs_a_holiday_ahead() -> None:
    tz = BERLIN
    past_only = btd.Rules(
        [
            btd.WorkDayRule(start_time=time(9), end_time=time(17), working_days=range(5), tz=tz),
            btd.HolidayRule([date(2020, 1, 1)], tz=tz),
        ]
    )
    with pytest.raises(TypeError):
        btd.BusinessTimeDelta(past_only, timedelta=timedelta(hours=1)) + tz.localize(
            datetime(2026, 3, 2, 10)
        )
    spec = CalendarSpec("x", "Europe/Berlin", weekly=(DAY,) * 5 + ((), ()))
    assert BusinessCalendar(spec).add(
        tz.localize(datetime(2026, 3, 2, 10)), timedelta(hours=1)
    ) == tz.localize(datetime(2026, 3, 2, 11))
