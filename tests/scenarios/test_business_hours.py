"""Stories about when the office is open: DST weekends, a holiday Monday, the lunch break.

The Berlin desk works Monday–Friday 08:00–12:30 and 13:30–17:00; the New York desk 09:00–17:00.
S3 at T1: first response 4h, resolution 24h (business); S2 at T1: 1h and 16h; S1 is counted in
calendar time (first response 15m, resolution 8h).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.builders import NEW_YORK, Story
from tests.scenarios.desk import Desk

H = timedelta(hours=1)


def instant(text: str) -> float:
    """Epoch seconds of an ISO instant with an explicit offset."""
    return datetime.fromisoformat(text).timestamp()


def test_spring_forward_weekend_in_berlin() -> None:
    """Friday 27 March 2026, 16:00 CET: an S3 bug report reaches the Berlin desk.

    Four business hours for the first response: one on Friday, then the weekend, during which
    clocks go from 02:00 CET to 03:00 CEST on Sunday. On Monday 30 March the office opens at
    08:00 CEST and the remaining three hours run out at 11:00 CEST, 66 real hours after opening.
    """
    desk = Desk(Story().opened("2026-03-27T16:00"))
    fr = desk.clock("2026-03-27T16:30", "first_response")
    assert fr.due_at == datetime.fromisoformat("2026-03-30T11:00+02:00")
    assert fr.due_at is not None and fr.due_at.timestamp() - instant("2026-03-27T16:00+01:00") == (
        66 * 3600
    )
    stages = {s.name: s.at for s in fr.stages}
    assert stages["warning:0.5"] == datetime.fromisoformat("2026-03-30T09:00+02:00")

    # Monday 10:00 CEST: three hours on the clock (Friday's hour and Monday's two), which is
    # 75 %: the worker, first run since Friday, acts on both warnings, oldest first, once.
    monday = desk.clock("2026-03-30T10:00", "first_response")
    assert monday.elapsed == 3 * H and monday.state.value == "warning"
    assert [(f.clock, f.stage) for f in desk.tick("2026-03-30T10:00")] == [
        ("first_response", "warning:0.5"),
        ("first_response", "warning:0.75"),
    ]
    assert desk.tick("2026-03-30T10:00") == []


def test_calendar_time_across_the_spring_forward_night() -> None:
    """Saturday 28 March, 22:00 CET: an outage (S1, counted in calendar time).

    The resolution target is 8 real hours: due 07:00 CEST on Sunday, because the hour from 02:00
    to 03:00 never happened. The first response is due 22:15, office closed or not.
    """
    desk = Desk(Story().opened("2026-03-28T22:00", contact_type="outage", severity="S1"))
    cs = desk.clocks("2026-03-28T22:05")
    assert cs.get("first_response").due_at == desk.story.at("2026-03-28T22:15")  # type: ignore[union-attr]
    res = cs.get("resolution#1")
    assert res is not None and res.calendar == "24x7"
    assert res.due_at == datetime.fromisoformat("2026-03-29T07:00+02:00")


def test_fall_back_weekend_in_berlin() -> None:
    """Friday 23 October 2026, 16:00 CEST: an S2 case. Clocks go back on Sunday 25 October.

    First response (1h) at 17:00 CEST. Resolution (16h): one hour on Friday, eight on Monday
    26 October (now CET), seven on Tuesday: due Tuesday 27 October 16:00 CET.
    """
    desk = Desk(Story().opened("2026-10-23T16:00", severity="S2"))
    cs = desk.clocks("2026-10-23T16:10")
    assert cs.get("first_response").due_at == datetime.fromisoformat("2026-10-23T17:00+02:00")  # type: ignore[union-attr]
    assert cs.get("resolution#1").due_at == datetime.fromisoformat("2026-10-27T16:00+01:00")  # type: ignore[union-attr]


def test_an_s1_outage_over_the_repeated_autumn_hour() -> None:
    """Saturday 24 October, 22:00 CEST: an outage. 8 real hours later it is 05:00 CET, not 06:00."""
    desk = Desk(Story().opened("2026-10-24T22:00", contact_type="outage", severity="S1"))
    res = desk.clock("2026-10-24T22:30", "resolution#1")
    assert res.due_at == datetime.fromisoformat("2026-10-25T05:00+01:00")


def test_new_york_spring_forward_weekend() -> None:
    """Friday 6 March 2026, 16:00 EST: an S2 case at the New York desk (US DST starts 8 March).

    First response at 17:00 EST; resolution 16h: one hour on Friday, eight on Monday 9 March
    (now EDT), seven on Tuesday: due Tuesday 10 March 16:00 EDT.

    The customer writes again on Saturday at 23:30 EST and nobody answers: the 4-hour wait
    trigger is due at 04:30 EDT on Sunday, four real hours later (the wall clock shows five).
    """
    s = Story(NEW_YORK).opened("2026-03-06T16:00", severity="S2", team="frontline_us")
    s.reply("2026-03-06T16:20")
    desk = Desk(s)
    cs = desk.clocks("2026-03-06T16:30")
    assert cs.get("first_response").state.value == "met"  # type: ignore[union-attr]
    assert cs.get("resolution#1").due_at == datetime.fromisoformat("2026-03-10T16:00-04:00")  # type: ignore[union-attr]

    s.customer("2026-03-07T23:30")
    assert desk.next_check_at() == datetime.fromisoformat("2026-03-08T04:30-04:00")
    assert desk.triggers("2026-03-08T03:30") == []  # wall clock says 4h; really 3h
    assert [d.rule for d in desk.triggers("2026-03-08T04:30")] == ["long-wait"]


def test_new_york_fall_back_night() -> None:
    """Saturday 31 October 2026, 22:00 EDT: an outage; 8 real hours later is 05:00 EST."""
    desk = Desk(
        Story(NEW_YORK).opened(
            "2026-10-31T22:00", contact_type="outage", severity="S1", team="frontline_us"
        )
    )
    res = desk.clock("2026-10-31T22:30", "resolution#1")
    assert res.due_at == datetime.fromisoformat("2026-11-01T05:00-05:00")


def test_easter_a_holiday_monday_after_good_friday() -> None:
    """Thursday 2 April 2026, 16:30: an S3 bug report just before Easter.

    Good Friday (3 April) and Easter Monday (6 April) are closed. Of the four business hours for
    the first response, thirty minutes run on Thursday and the rest on Tuesday 7 April: due
    Tuesday 11:30. Resolution (24h): Thursday 0.5h, Tuesday 8h, Wednesday 8h, Thursday 9 April
    7.5h around lunch: due 16:30. The case has spent its 8 business hours at T1 by Tuesday 16:30.
    """
    s = Story().opened("2026-04-02T16:30").reply("2026-04-02T16:45")
    desk = Desk(s)
    cs = desk.clocks("2026-04-02T17:00")
    fr = desk.clock("2026-04-02T16:40", "first_response")
    assert fr.due_at == s.at("2026-04-07T11:30")
    assert {st.name: st.at for st in fr.stages}["warning:0.75"] == s.at("2026-04-07T10:30")
    assert cs.get("resolution#1").due_at == s.at("2026-04-09T16:30")  # type: ignore[union-attr]
    # Nothing fires over the long weekend.
    assert desk.tick("2026-04-06T23:59") == []
    assert desk.triggers("2026-04-06T23:59") == []
    assert [d.rule for d in desk.triggers("2026-04-07T16:30")] == ["time-in-tier"]


def test_the_lunch_break_does_not_count() -> None:
    """Monday 2 March 2026, 12:10: an S2 case (first response within one business hour).

    Twenty minutes run before lunch (12:30–13:30), forty after: due 14:10. Half-time is 13:40,
    three quarters 13:55; breach + 2h is 16:10. At 13:00 only twenty minutes have run.
    """
    desk = Desk(Story().opened("2026-03-02T12:10", severity="S2"))
    fr = desk.clock("2026-03-02T13:00", "first_response")
    assert fr.elapsed == timedelta(minutes=20) and fr.state.value == "running"
    s = desk.story
    assert {st.name: st.at for st in fr.stages} == {
        "warning:0.5": s.at("2026-03-02T13:40"),
        "warning:0.75": s.at("2026-03-02T13:55"),
        "breach": s.at("2026-03-02T14:10"),
        "breach+7200s": s.at("2026-03-02T16:10"),
    }
    assert desk.tick("2026-03-02T13:00") == []
