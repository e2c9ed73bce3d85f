"""Promises to the customer as dated stories (R-COMM-1..6), on the Berlin office calendar
(Monday–Friday 08:00–12:30 and 13:30–17:00) of the test policy: daily updates are owed once a
case has been open 8 business hours, the escalation notice within 1 hour, the resolution message
within 1 hour of resolving, the follow-up 48–72 hours after resolution for S1 and
customer-initiated escalations, and the customer has 7 days to confirm."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.builders import Story, calendars, policy
from tierline.domain.clocks import ClockSet, compute_clocks
from tierline.domain.events import CaseEvent, EventKind
from tierline.domain.vocabulary import ClockKind, ClockState, MessageDirection


def clocks(s: Story, now: str, **policy_changes: object) -> ClockSet:
    p = replace(policy(), **policy_changes) if policy_changes else policy()
    return compute_clocks(s.events, p, calendars(p), s.at(now))


def send(s: Story, when: str, kind: str) -> Story:
    """An outbound message of a communication kind (``Story.add`` has its own ``kind``)."""
    s.events.append(
        CaseEvent(
            s.at(when),
            EventKind.MESSAGE,
            {"direction": MessageDirection.OUTBOUND.value, "kind": kind},
            "alice",
        )
    )
    return s


def daily(cs: ClockSet) -> dict[str, tuple[ClockState, str | None]]:
    return {
        c.key.split(":")[1]: (c.state, c.due_at.strftime("%a %H:%M") if c.due_at else None)
        for c in cs.by_kind(ClockKind.DAILY_UPDATE)
    }


def test_daily_updates_are_owed_every_business_day_and_skip_the_weekend() -> None:
    """Opened Thursday 5 March 2026 at 10:00. After 8 business hours (Friday 10:30) an update is
    owed each business day by closing time: Friday by 17:00 (sent 16:00), nothing over the
    weekend, Monday by 17:00 (missed), Tuesday by 17:00 (sent 09:00)."""
    s = Story().opened("2026-03-05T10:00").reply("2026-03-05T10:30")
    s.reply("2026-03-06T16:00").reply("2026-03-10T09:00")
    assert daily(clocks(s, "2026-03-10T12:00")) == {
        "2026-03-06": (ClockState.MET, "Fri 17:00"),
        "2026-03-09": (ClockState.BREACHED, "Mon 17:00"),
        "2026-03-10": (ClockState.MET, "Tue 17:00"),
    }
    # Wednesday's update is the next one due; it is what the case's next deadline tracks.
    later = clocks(s, "2026-03-11T09:00")
    assert daily(later)["2026-03-11"] == (ClockState.RUNNING, "Wed 17:00")


def test_a_short_first_window_is_not_required_and_resolution_ends_the_series() -> None:
    """Opened Monday 2 March 09:00: 8 business hours end Tuesday 09:30 (lunch skipped). Resolved
    Wednesday 11:00, the day's update is said by the resolution message."""
    s = Story().opened("2026-03-02T09:00").reply("2026-03-02T09:10")
    s.reply("2026-03-03T15:00")
    send(s, "2026-03-04T11:00", "resolution").resolve("2026-03-04T11:00")
    assert daily(clocks(s, "2026-03-05T09:00")) == {
        "2026-03-03": (ClockState.MET, "Tue 17:00"),
        "2026-03-04": (ClockState.MET, "Wed 17:00"),
    }


def test_waiting_on_the_customer_suspends_daily_updates() -> None:
    s = Story().opened("2026-03-02T09:00").reply("2026-03-02T09:10")
    s.status("2026-03-02T16:00", "waiting_on_customer")
    s.status("2026-03-05T09:00", "open")
    got = daily(clocks(s, "2026-03-05T18:00"))
    assert "2026-03-03" not in got and "2026-03-04" not in got
    assert got["2026-03-05"] == (ClockState.BREACHED, "Thu 17:00")


def test_the_escalation_notice_is_due_within_an_hour_and_met_late_after() -> None:
    s = Story().opened("2026-03-02T09:00").reply("2026-03-02T09:10")
    s.escalate("2026-03-02T10:00", "e1")
    cs = clocks(s, "2026-03-02T10:30")
    notice = cs.get("escalation_notice:e1")
    assert notice is not None and notice.due_at == s.at("2026-03-02T11:00")
    assert notice.state is ClockState.WARNING
    send(s, "2026-03-02T11:20", "escalation_notice")
    notice = clocks(s, "2026-03-02T12:00").get("escalation_notice:e1")
    assert notice is not None and notice.state is ClockState.MET_LATE


def test_follow_up_window_opens_after_48_hours_for_s1() -> None:
    """S1 resolved Tuesday 3 March 10:00 with its resolution message: the follow-up window opens
    Thursday 10:00 and closes Friday 10:00 (calendar hours). A follow-up before the window does not
    count; one inside it meets it. The customer's 7-day confirmation window runs alongside."""
    s = Story().opened("2026-03-02T09:00", severity="S1").reply("2026-03-02T09:05")
    send(s, "2026-03-03T10:00", "resolution").resolve("2026-03-03T10:00")
    cs = clocks(s, "2026-03-04T12:00")
    (follow,) = cs.by_kind(ClockKind.FOLLOW_UP)
    assert [(st.name, st.at) for st in follow.stages] == [
        ("open", s.at("2026-03-05T10:00")),
        ("breach", s.at("2026-03-06T10:00")),
    ]
    (confirm,) = cs.by_kind(ClockKind.CONFIRMATION)
    assert confirm.due_at == s.at("2026-03-10T10:00")
    send(s, "2026-03-04T13:00", "follow_up")  # too early: does not count
    assert clocks(s, "2026-03-04T14:00").by_kind(ClockKind.FOLLOW_UP)[0].running
    send(s, "2026-03-05T11:00", "follow_up")
    (follow,) = clocks(s, "2026-03-05T12:00").by_kind(ClockKind.FOLLOW_UP)
    assert follow.state is ClockState.MET


def test_no_follow_up_for_an_ordinary_case_but_the_resolution_message_is_owed() -> None:
    s = Story().opened("2026-03-02T09:00").reply("2026-03-02T09:05").resolve("2026-03-02T15:00")
    cs = clocks(s, "2026-03-02T15:30")
    assert cs.by_kind(ClockKind.FOLLOW_UP) == []
    (msg,) = cs.by_kind(ClockKind.RESOLUTION_MESSAGE)
    assert msg.due_at == s.at("2026-03-02T16:00") and msg.running
    send(s, "2026-03-02T15:45", "resolution")
    assert clocks(s, "2026-03-02T16:30").by_kind(ClockKind.RESOLUTION_MESSAGE)[0].state is (
        ClockState.MET
    )


def test_a_customer_initiated_escalation_gets_a_follow_up_and_reopen_cancels_it() -> None:
    s = Story().opened("2026-03-02T09:00").reply("2026-03-02T09:05")
    s.add("2026-03-02T10:00", EventKind.FLAGGED, flag="customer_request")
    ack = clocks(s, "2026-03-02T10:05").get("acknowledgement")
    assert ack is not None and ack.due_at == s.at("2026-03-02T10:15")
    send(s, "2026-03-02T10:10", "acknowledgement")
    s.escalate("2026-03-02T10:15", "e1", to_team="escalations", type="customer_initiated")
    send(s, "2026-03-02T12:00", "resolution").resolve("2026-03-02T12:00")
    assert len(clocks(s, "2026-03-02T13:00").by_kind(ClockKind.FOLLOW_UP)) == 1
    s.add("2026-03-03T09:00", EventKind.REOPENED)
    (follow,) = clocks(s, "2026-03-03T10:00").by_kind(ClockKind.FOLLOW_UP)
    assert follow.state is ClockState.CANCELLED
    ack = clocks(s, "2026-03-03T10:00").get("acknowledgement")
    assert ack is not None and ack.state is ClockState.MET


def test_closing_as_confirmed_keeps_the_follow_up_but_ends_the_confirmation_window() -> None:
    s = Story().opened("2026-03-02T09:00", severity="S1").reply("2026-03-02T09:05")
    send(s, "2026-03-02T12:00", "resolution").resolve("2026-03-02T12:00")
    s.add("2026-03-02T18:00", EventKind.CLOSED, closure="customer_accepted")
    cs = clocks(s, "2026-03-03T09:00")
    assert cs.by_kind(ClockKind.FOLLOW_UP)[0].running
    assert cs.by_kind(ClockKind.CONFIRMATION)[0].state is ClockState.MET
    assert cs.next_due_at is not None and cs.next_due_at >= s.at("2026-03-04T12:00") - timedelta(
        seconds=1
    )
