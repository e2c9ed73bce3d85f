"""Properties of business-time arithmetic, over calendars with DST, lunch breaks and holidays.

Instants and durations are whole seconds, so every quantity the calendar handles is an integer
number of seconds held exactly in a float (epoch seconds stay far below 2**53): the properties are
checked with exact equality. Only :func:`test_sub_second_round_trip_is_exact_to_a_microsecond`
uses a tolerance, because there the inputs are fractional and floats cannot hold them exactly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import BERLIN_OFFICE, NEW_YORK_OFFICE, hours, weekdays
from tests.unit.domain import reference_calendar as ref
from tierline.domain.calendar import ALWAYS_OPEN, BusinessCalendar, CalendarSpec

SYDNEY = CalendarSpec(  # southern-hemisphere DST: back on 5 April 2026, forward on 4 October
    name="sydney",
    timezone="Australia/Sydney",
    weekly=weekdays("09:00-12:00", "12:45-17:30"),
    closed_dates=frozenset({date(2026, 1, 26), date(2026, 4, 3), date(2026, 12, 25)}),
)
KOLKATA = CalendarSpec(  # no DST; a half Saturday
    name="kolkata",
    timezone="Asia/Kolkata",
    weekly=weekdays("09:30-18:30", saturday=("09:30-13:30",)),
    closed_dates=frozenset({date(2026, 1, 26), date(2026, 8, 15)}),
)
NIGHT_DESK = CalendarSpec(  # open across midnight and through both DST changes
    name="night",
    timezone="Europe/Berlin",
    weekly=tuple([hours("00:00-03:30", "20:00-24:00")] * 7),
    closed_dates=frozenset({date(2026, 12, 24)}),
    special_hours=((date(2026, 12, 31), hours("18:00-24:00")),),
)
LONDON_7D = CalendarSpec(
    name="london",
    timezone="Europe/London",
    weekly=tuple([hours("08:00-20:00")] * 5 + [hours("10:00-16:00")] * 2),
    closed_dates=frozenset({date(2026, 12, 25), date(2027, 1, 1)}),
    special_hours=((date(2026, 12, 24), hours("08:00-12:00")),),
)
MONTHLY_HOLIDAYS = frozenset(date(y, m, 1) for y in (2025, 2026, 2027) for m in range(1, 13))
COUNTRY = CalendarSpec(  # holidays from a provider, one of them worked anyway
    name="country",
    timezone="America/New_York",
    weekly=weekdays("08:00-12:00", "13:00-16:00"),
    holiday_country="XX",
    open_dates=frozenset({date(2026, 6, 1)}),
)

BUSINESS = [BERLIN_OFFICE, NEW_YORK_OFFICE, SYDNEY, KOLKATA, NIGHT_DESK, LONDON_7D, COUNTRY]
CALENDARS = {
    spec.name: BusinessCalendar(
        spec,
        (lambda year: [d for d in MONTHLY_HOLIDAYS if d.year == year]) if spec is COUNTRY else None,
    )
    for spec in [*BUSINESS, ALWAYS_OPEN]
}


def holidays_of(spec: CalendarSpec) -> frozenset[date]:
    return MONTHLY_HOLIDAYS if spec is COUNTRY else frozenset()


LO = int(datetime(2025, 10, 1, tzinfo=UTC).timestamp())
HI = int(datetime(2027, 4, 1, tzinfo=UTC).timestamp())
ZONES = [UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")]

specs = st.sampled_from(BUSINESS)
any_specs = st.sampled_from([*BUSINESS, ALWAYS_OPEN])


@st.composite
def instants(draw: st.DrawFn, spec: CalendarSpec | None = None) -> datetime:
    """Whole-second instants in any zone, often right at or next to an opening or closing."""
    zone = draw(st.sampled_from(ZONES))
    if spec is not None and spec.weekly is not None and draw(st.booleans()):
        day = date(2025, 10, 1) + timedelta(days=draw(st.integers(0, 540)))
        spans = ref.spans(spec, day, day, holidays_of(spec))
        if spans:
            edge = draw(st.sampled_from([x for span in spans for x in span]))
            t = int(edge) + draw(st.sampled_from([-1, 0, 0, 1]))
            return datetime.fromtimestamp(t, zone)
    return datetime.fromtimestamp(draw(st.integers(LO, HI)), zone)


durations = st.one_of(
    st.integers(1, 400 * 3600),
    st.integers(1, 800).map(lambda n: n * 1800),  # whole half hours land on closings exactly
).map(lambda s: timedelta(seconds=s))


def cal(spec: CalendarSpec) -> BusinessCalendar:
    return CALENDARS[spec.name]


def t(x: datetime) -> float:
    return x.timestamp()


PROPS = settings(max_examples=200, deadline=None)


@PROPS
@given(st.data(), any_specs, durations)
def test_between_undoes_add(data: st.DataObject, spec: CalendarSpec, d: timedelta) -> None:
    a = data.draw(instants(spec))
    assert cal(spec).between(a, cal(spec).add(a, d)) == d


@PROPS
@given(st.data(), specs, durations, durations)
def test_add_is_monotonic_in_the_duration(
    data: st.DataObject, spec: CalendarSpec, d1: timedelta, d2: timedelta
) -> None:
    a = data.draw(instants(spec))
    lo, hi = sorted((d1, d2))
    assert t(cal(spec).add(a, lo)) <= t(cal(spec).add(a, hi))
    if lo < hi:
        assert t(cal(spec).add(a, lo)) < t(cal(spec).add(a, hi))  # strictly: time is open


@PROPS
@given(st.data(), specs, durations)
def test_add_is_monotonic_in_the_start(
    data: st.DataObject, spec: CalendarSpec, d: timedelta
) -> None:
    a, b = sorted((data.draw(instants(spec)), data.draw(instants(spec))), key=t)
    assert t(cal(spec).add(a, d)) <= t(cal(spec).add(b, d))


@PROPS
@given(st.data(), any_specs, durations, st.one_of(st.just(timedelta(0)), durations))
def test_add_is_additive(
    data: st.DataObject, spec: CalendarSpec, d1: timedelta, d2: timedelta
) -> None:
    a = data.draw(instants(spec))
    c = cal(spec)
    assert t(c.add(c.add(a, d1), d2)) == t(c.add(a, d1 + d2))


@PROPS
@given(st.data(), specs, durations)
def test_a_positive_add_ends_in_open_time_or_exactly_at_a_closing(
    data: st.DataObject, spec: CalendarSpec, d: timedelta
) -> None:
    """The result lies in (opening, closing] of some interval: never at an opening instant, never
    in closed time. With whole seconds, ``r`` is in such an interval exactly when ``r - 1s`` is
    open."""
    a = data.draw(instants(spec))
    r = cal(spec).add(a, d)
    assert cal(spec).is_open(r - timedelta(seconds=1))
    day = r.astimezone(cal(spec).tz).date()
    spans = ref.spans(spec, day - timedelta(days=1), day + timedelta(days=1), holidays_of(spec))
    assert any(s < t(r) <= e for s, e in spans)
    if not cal(spec).is_open(r):
        assert any(t(r) == e for _, e in spans)  # a closing instant


@PROPS
@given(st.data(), any_specs)
def test_between_is_antisymmetric_and_additive_over_a_split(
    data: st.DataObject, spec: CalendarSpec
) -> None:
    a, b, c = sorted((data.draw(instants(spec)) for _ in range(3)), key=t)
    k = cal(spec)
    assert k.between(b, a) == -k.between(a, b)
    assert k.between(a, c) == k.between(a, b) + k.between(b, c)
    assert timedelta(0) <= k.between(a, b) <= timedelta(seconds=t(b) - t(a))


@PROPS
@given(st.data(), durations)
def test_round_the_clock_is_plain_addition(data: st.DataObject, d: timedelta) -> None:
    a, b = data.draw(instants()), data.draw(instants())
    k = cal(ALWAYS_OPEN)
    assert t(k.add(a, d)) == t(a) + d.total_seconds()
    assert k.between(a, b) == timedelta(seconds=t(b) - t(a))


@PROPS
@given(st.data(), specs, durations)
def test_add_and_between_agree_with_a_day_by_day_walk(
    data: st.DataObject, spec: CalendarSpec, d: timedelta
) -> None:
    a, b = data.draw(instants(spec)), data.draw(instants(spec))
    hol = holidays_of(spec)
    assert t(cal(spec).add(a, d)) == ref.add(spec, a, d.total_seconds(), hol)
    assert cal(spec).between(a, b).total_seconds() == ref.between(spec, a, b, hol)


@PROPS
@given(
    st.data(),
    any_specs,
    st.integers(1, 999_999),
    st.integers(1, 100 * 3600),
    st.integers(0, 999_999),
)
def test_sub_second_round_trip_is_exact_to_a_microsecond(
    data: st.DataObject, spec: CalendarSpec, start_us: int, whole: int, frac_us: int
) -> None:
    """With microseconds in the start and the duration, the round trip may be off by a
    microsecond or two: an epoch instant near 1.8e9 s is a binary float with a resolution of
    about 0.24 µs, ``add`` rounds its result to the microsecond, and ``datetime`` stores whole
    microseconds. Two microseconds is the documented tolerance; anything larger is a bug.
    """
    a = data.draw(instants(spec)) + timedelta(microseconds=start_us)
    d = timedelta(seconds=whole, microseconds=frac_us)
    back = cal(spec).between(a, cal(spec).add(a, d))
    assert abs((back - d).total_seconds()) <= 2e-6
