"""Clocks counted in time that is not plain: calendar time across DST changes, business hours of
another team's or an explicitly named calendar, breach + N on the clock's own calendar.

Targets of the test policy and the business hours they count: see ``clock_helpers``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from tests.builders import NEW_YORK, Story, calendars, policy, t
from tests.unit.domain.clock_helpers import H, clocks_at, stages, story
from tierline.domain.clocks import compute_clocks
from tierline.domain.events import EventKind
from tierline.domain.vocabulary import ClockState

# --------------------------------------------------------------------------- calendar time, DST


def test_calendar_time_clock_across_the_spring_forward_night() -> None:
    """S1 opened Saturday 28 March 22:00 CET: 8 real hours later is 07:00 CEST, not 06:00."""
    s = Story().opened("2026-03-28T22:00", severity="S1")
    res = clocks_at(s, "2026-03-28T23:00").get("resolution#1")
    assert res is not None and res.calendar == "24x7"
    assert res.due_at == datetime.fromisoformat("2026-03-29T07:00+02:00")


def test_business_clock_follows_the_team_calendar_in_new_york() -> None:
    s = Story(NEW_YORK).opened("2026-03-06T16:00", severity="S2", team="frontline_us")
    cs = clocks_at(s, "2026-03-06T16:30")
    fr, res = cs.get("first_response"), cs.get("resolution#1")
    assert fr is not None and res is not None and fr.calendar == "new_york"
    assert fr.due_at == s.at("2026-03-06T17:00")
    # 16h: Friday 1h, Monday 9 March (now EDT) 8h, Tuesday 7h.
    assert res.due_at == datetime.fromisoformat("2026-03-10T16:00-04:00")


def test_breach_plus_n_is_counted_on_the_clock_calendar() -> None:
    s = story(severity="S1")
    st = stages(clocks_at(s, "2026-03-02T09:05"), "resolution#1")
    assert st["breach"] == s.at("2026-03-02T17:00")
    assert st["breach+7200s"] == s.at("2026-03-02T19:00")  # calendar clock: real hours
    s3 = stages(clocks_at(story(), "2026-03-02T09:05"), "resolution#1")
    assert s3["breach+7200s"] == s.at("2026-03-05T11:00")  # business clock: business hours


def test_targets_with_an_explicit_calendar_ignore_the_team_calendar() -> None:
    base = policy()
    levels = dict(base.severities)
    s3 = levels[next(k for k in levels if k.value == "S3")]
    targets = dict(s3.targets)
    targets["T1"] = replace(targets["T1"], first_response=t("1h", calendar="new_york"))
    levels[s3.id] = replace(s3, targets=targets)
    p = replace(base, severities=levels)
    fr = clocks_at(story(), "2026-03-02T09:05", p).get("first_response")
    assert fr is not None and fr.calendar == "new_york"
    # 09:00 Berlin is 03:00 in New York; the office opens at 09:00 EST = 15:00 Berlin.
    assert fr.due_at == datetime.fromisoformat("2026-03-02T10:00-05:00")


def test_due_stages_inside_the_repeated_autumn_hour_compare_real_time() -> None:
    """A round-the-clock desk; a first response due 02:40 CEST, asked at 02:10 CET (later)."""
    from tests.builders import BERLIN, hours
    from tierline.domain.calendar import CalendarSpec

    allday = CalendarSpec("berlin", "Europe/Berlin", weekly=tuple([hours("00:00-24:00")] * 7))
    p = replace(policy(), calendars={"berlin": allday})
    s = Story().opened("2026-10-24T22:40")
    now = datetime(2026, 10, 25, 2, 10, fold=1, tzinfo=BERLIN)
    cs = compute_clocks(s.events, p, calendars(p), now, communications=False)
    fr = cs.get("first_response")
    assert fr is not None and fr.state is ClockState.BREACHED
    assert (
        fr.due_at is not None
        and fr.due_at.timestamp() == datetime(2026, 10, 25, 0, 40, tzinfo=UTC).timestamp()
    )
    assert [st.name for _, st in cs.due_stages(now)] == ["warning:0.5", "warning:0.75", "breach"]


def test_a_commitment_target_is_the_real_time_to_the_promised_instant() -> None:
    """Promised on Saturday 28 March 18:00 CET for Monday 09:00 CEST: 38 real hours, not 39."""
    from tests.builders import BERLIN

    s = Story().opened("2026-03-27T10:00")
    s.add(
        "2026-03-28T18:00",
        EventKind.COMMITMENT_MADE,
        by="bob",
        due_at=datetime(2026, 3, 30, 9, tzinfo=BERLIN),
    )
    com = clocks_at(s, "2026-03-28T19:00").get("commitment#1")
    assert com is not None and com.target.duration == 38 * H
    assert com.target.describe() == "1d14h calendar"
