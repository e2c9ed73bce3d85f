"""SLA and communication clocks computed from a history, at a fixed ``now``.

Targets of the test policy (``tests.builders.policy``), business hours of the Berlin office
(Mon–Fri 08:00–12:30, 13:30–17:00) unless marked calendar:

* S3 at T1: first response 4h, update 8h, resolution 24h, acceptance 1h; at T2 4h / 8h / 40h / 2h.
* S2 at T1: 1h / 4h / 16h / 30m.  S1 everywhere: 15m / 1h / 8h / 15m of *calendar* time.
* Warnings at 50 % and 75 %; escalation levels at warning, breach, and breach + 2h.

2026-03-02 is a Monday.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.builders import NEW_YORK, PauseStatus, Story, calendars, policy, t
from tierline.domain.clocks import ClockSet, compute_clocks
from tierline.domain.events import EventKind
from tierline.domain.policy import EscalationLevel, Policy
from tierline.domain.vocabulary import ClockKind, ClockState, TimeBasis

H = timedelta(hours=1)


def clocks_at(s: Story, now: str, p: Policy | None = None) -> ClockSet:
    p = p or policy()
    return compute_clocks(s.events, p, calendars(p), s.at(now), communications=False)


def story(**opened: object) -> Story:
    return Story().opened("2026-03-02T09:00", **opened)  # type: ignore[arg-type]


def stages(cs: ClockSet, key: str) -> dict[str, datetime | None]:
    clock = cs.get(key)
    assert clock is not None, f"no clock {key}; have {[c.key for c in cs.clocks]}"
    return {st.name: st.at for st in clock.stages}


# --------------------------------------------------------------------------- opening


def test_opening_starts_first_response_and_resolution_with_their_stages() -> None:
    s = story()
    cs = clocks_at(s, "2026-03-02T10:00")
    assert [c.key for c in cs.clocks] == ["first_response", "resolution#1"]
    fr = cs.get("first_response")
    assert fr is not None
    assert (fr.kind, fr.calendar, fr.state) == (
        ClockKind.FIRST_RESPONSE,
        "berlin",
        ClockState.RUNNING,
    )
    assert fr.started_at == s.at("2026-03-02T09:00")
    assert fr.elapsed == H and fr.paused == timedelta(0)
    # 4 business hours from 09:00 jump the 12:30–13:30 lunch: due 14:00, not 13:00.
    assert stages(cs, "first_response") == {
        "warning:0.5": s.at("2026-03-02T11:00"),
        "warning:0.75": s.at("2026-03-02T12:00"),
        "breach": s.at("2026-03-02T14:00"),
        "breach+7200s": s.at("2026-03-02T16:00"),
    }
    # 24h: Monday 7h, Tuesday 8h, Wednesday 8h, Thursday 1h.
    assert stages(cs, "resolution#1") == {
        "warning:0.5": s.at("2026-03-03T14:00"),
        "warning:0.75": s.at("2026-03-04T11:00"),
        "breach": s.at("2026-03-05T09:00"),
        "breach+7200s": s.at("2026-03-05T11:00"),
    }
    assert cs.next_due_at == s.at("2026-03-02T11:00")
    assert cs.deadlines() == {
        "first_response": s.at("2026-03-02T14:00"),
        "resolution#1": s.at("2026-03-05T09:00"),
    }


@pytest.mark.parametrize(
    ("now", "state"),
    [
        ("2026-03-02T10:59:59", ClockState.RUNNING),
        ("2026-03-02T11:00", ClockState.WARNING),
        ("2026-03-02T13:59:59", ClockState.WARNING),
        ("2026-03-02T14:00", ClockState.BREACHED),
    ],
)
def test_first_response_state_over_time(now: str, state: ClockState) -> None:
    clock = clocks_at(story(), now).get("first_response")
    assert clock is not None and clock.state is state


def test_due_stages_are_oldest_first_and_fired_stages_drop_out() -> None:
    s = story()
    cs = clocks_at(s, "2026-03-02T14:00")
    due = [(c.key, st.name) for c, st in cs.due_stages(s.at("2026-03-02T14:00"))]
    assert due == [
        ("first_response", "warning:0.5"),
        ("first_response", "warning:0.75"),
        ("first_response", "breach"),
    ]
    for stage in ("warning:0.5", "warning:0.75", "breach"):
        s.add("2026-03-02T14:00", EventKind.CLOCK_FIRED, clock="first_response", stage=stage)
    cs = clocks_at(s, "2026-03-02T14:00")
    assert cs.due_stages(s.at("2026-03-02T14:00")) == []
    assert cs.next_due_at == s.at("2026-03-02T16:00")  # breach + 2h is still to come
    fr = cs.get("first_response")
    assert fr is not None and [st.fired for st in fr.stages] == [True, True, True, False]


def test_a_reply_meets_first_response_and_starts_the_update_clock() -> None:
    s = story().reply("2026-03-02T10:00")
    cs = clocks_at(s, "2026-03-02T10:30")
    fr = cs.get("first_response")
    assert fr is not None
    assert fr.state is ClockState.MET and fr.stopped_at == s.at("2026-03-02T10:00")
    assert fr.elapsed == H and not fr.running and fr.pending_stages() == []
    nu = cs.get("next_update#1")
    assert nu is not None and nu.kind is ClockKind.NEXT_UPDATE
    assert nu.due_at == s.at("2026-03-03T10:00")  # 8h: Monday 6h from 10:00, Tuesday 2h
    assert "first_response" not in cs.deadlines()


def test_a_late_reply_is_met_late_and_counts_as_breached() -> None:
    fr = clocks_at(story().reply("2026-03-02T15:00"), "2026-03-02T15:30").get("first_response")
    assert fr is not None and fr.state is ClockState.MET_LATE and fr.breached


def test_each_reply_restarts_the_update_clock_under_a_new_key() -> None:
    s = story().reply("2026-03-02T10:00").reply("2026-03-02T16:00")
    cs = clocks_at(s, "2026-03-02T16:30")
    first, second = cs.get("next_update#1"), cs.get("next_update#2")
    assert first is not None and first.state is ClockState.CANCELLED  # superseded
    # 8h from Monday 16:00: one hour on Monday, seven on Tuesday.
    assert second is not None and second.due_at == s.at("2026-03-03T16:00")
    assert [c.key for c in cs.by_kind(ClockKind.NEXT_UPDATE)] == ["next_update#1", "next_update#2"]


# --------------------------------------------------------------------------- pauses


def test_waiting_on_customer_pauses_resolution_but_not_first_response() -> None:
    s = story().status("2026-03-02T10:00", "waiting_on_customer")
    cs = clocks_at(s, "2026-03-02T15:00")
    res, fr = cs.get("resolution#1"), cs.get("first_response")
    assert res is not None and fr is not None
    assert res.state is ClockState.PAUSED
    assert res.due_at is None  # unknown until the customer answers
    assert all(st.at is None for st in res.stages)
    assert res.elapsed == H and res.paused == 4 * H  # 10:00–12:30 and 13:30–15:00
    assert fr.paused == timedelta(0) and fr.elapsed == 5 * H
    assert fr.due_at == s.at("2026-03-02T14:00") and fr.state is ClockState.BREACHED


def test_resuming_moves_the_deadline_by_the_paused_business_time() -> None:
    s = story().status("2026-03-02T10:00", "waiting_on_customer").status("2026-03-03T10:00", "open")
    res = clocks_at(s, "2026-03-03T11:00").get("resolution#1")
    assert res is not None and res.state is ClockState.RUNNING
    # Paused for 8 business hours (Mon 10:00–17:00, Tue 08:00–10:00): Thursday 09:00 → Friday.
    assert res.paused == 8 * H and res.elapsed == 2 * H
    assert res.due_at == s.at("2026-03-06T09:00")


def test_a_policy_may_pause_first_response_too() -> None:
    base = policy()
    statuses = dict(base.pause_statuses)
    statuses["waiting_on_customer"] = PauseStatus(
        "waiting_on_customer",
        pauses=frozenset({ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION}),
    )
    p = replace(base, pause_statuses=statuses)
    s = story().status("2026-03-02T10:00", "waiting_on_customer").status("2026-03-02T15:00", "open")
    fr = clocks_at(s, "2026-03-02T15:30", p).get("first_response")
    assert fr is not None and fr.pausable
    # Ran 1h before the pause, 3h left from 15:00: 15:00–17:00 and Tuesday 08:00–09:00.
    assert fr.due_at == s.at("2026-03-03T09:00")


def test_regulatory_clocks_never_pause_even_if_a_pause_status_names_them() -> None:
    base = policy()
    statuses = dict(base.pause_statuses)
    statuses["waiting_on_customer"] = PauseStatus(
        "waiting_on_customer", pauses=frozenset({ClockKind.REGULATORY, ClockKind.RESOLUTION})
    )
    p = replace(base, pause_statuses=statuses)
    s = story(contact_type="data_request", regulatory_obligation="gdpr_dsr").status(
        "2026-03-02T10:00", "waiting_on_customer"
    )
    cs = clocks_at(s, "2026-03-20T10:00", p)
    reg = cs.get("regulatory:gdpr_dsr")
    assert reg is not None and not reg.pausable and reg.paused == timedelta(0)
    assert reg.calendar == "24x7" and reg.subject == "gdpr_dsr"
    # 30 days of real time from 09:00 CET on 2 March; the DST change on 29 March shows as 10:00.
    assert reg.due_at == datetime(2026, 4, 1, 8, tzinfo=UTC)
    assert reg.state is ClockState.WARNING  # past 50 % (day 15), before 75 %
    res = cs.get("resolution#1")
    assert res is not None and res.state is ClockState.PAUSED


def test_the_acknowledgement_of_a_regulatory_obligation_is_met_by_a_reply() -> None:
    s = story(regulatory_obligation="gdpr_dsr").reply("2026-03-03T09:00")
    cs = clocks_at(s, "2026-03-03T10:00")
    ack = cs.get("regulatory_ack:gdpr_dsr")
    assert ack is not None and ack.state is ClockState.MET
    assert ack.due_at == datetime(2026, 3, 5, 8, tzinfo=UTC)
    reg = cs.get("regulatory:gdpr_dsr")
    assert reg is not None and reg.running


def test_a_flag_starts_a_regulatory_clock_once() -> None:
    s = (
        story()
        .add("2026-03-02T10:00", EventKind.FLAGGED, regulatory_obligation="gdpr_dsr")
        .add("2026-03-03T10:00", EventKind.FLAGGED, regulatory_obligation="gdpr_dsr")
        .add("2026-03-03T10:00", EventKind.FLAGGED, regulatory_obligation="unknown")
    )
    cs = clocks_at(s, "2026-03-03T11:00")
    reg = cs.by_kind(ClockKind.REGULATORY)
    assert [c.key for c in reg] == ["regulatory:gdpr_dsr", "regulatory_ack:gdpr_dsr"]
    assert reg[0].started_at == s.at("2026-03-02T10:00")


# --------------------------------------------------------------------------- severity


def test_a_severity_change_retargets_the_running_clocks_from_their_start() -> None:
    s = story().add("2026-03-02T09:30", EventKind.SEVERITY_CHANGED, to="S2")
    cs = clocks_at(s, "2026-03-02T09:45")
    assert cs.get("first_response").due_at == s.at("2026-03-02T10:00")  # type: ignore[union-attr]
    # S2 resolution at T1 is 16h: Monday 7h, Tuesday 8h, Wednesday 1h.
    assert cs.get("resolution#1").due_at == s.at("2026-03-04T09:00")  # type: ignore[union-attr]


def test_raising_to_a_calendar_time_severity_counts_calendar_time() -> None:
    """S1 targets are calendar time: after S3 → S1 the clock must stop skipping nights."""
    s = story().add("2026-03-02T09:30", EventKind.SEVERITY_CHANGED, to="S1")
    cs = clocks_at(s, "2026-03-02T09:45")
    res = cs.get("resolution#1")
    assert res is not None
    assert res.target.basis is TimeBasis.CALENDAR and res.calendar == "24x7"
    assert res.due_at == s.at("2026-03-02T17:00")  # 8 real hours after 09:00
    fr = cs.get("first_response")
    assert fr is not None and fr.due_at == s.at("2026-03-02T09:15")
    assert fr.state is ClockState.BREACHED


def test_lowering_to_a_business_time_severity_counts_business_hours_again() -> None:
    s = story(severity="S1").add("2026-03-02T09:05", EventKind.SEVERITY_CHANGED, to="S3")
    res = clocks_at(s, "2026-03-02T09:10").get("resolution#1")
    assert res is not None and res.calendar == "berlin"
    assert res.due_at == s.at("2026-03-05T09:00")


def test_a_stopped_clock_is_not_retargeted() -> None:
    s = (
        story()
        .reply("2026-03-02T12:00")
        .add("2026-03-02T12:10", EventKind.SEVERITY_CHANGED, to="S2")
    )
    fr = clocks_at(s, "2026-03-02T12:30").get("first_response")
    assert fr is not None and fr.due_at == s.at("2026-03-02T14:00") and fr.state is ClockState.MET


# --------------------------------------------------------------------------- transfers


def test_escalation_starts_an_acceptance_clock_on_the_receiving_tier() -> None:
    s = story().escalate("2026-03-02T10:00", "e1")
    cs = clocks_at(s, "2026-03-02T10:30")
    acc = cs.get("acceptance:e1")
    assert acc is not None and acc.subject == "e1" and acc.kind is ClockKind.ACCEPTANCE
    assert acc.due_at == s.at("2026-03-02T12:00")  # S3 at T2: 2h
    s.accept("2026-03-02T11:00", "e1")
    cs = clocks_at(s, "2026-03-02T11:30")
    acc = cs.get("acceptance:e1")
    assert acc is not None and acc.state is ClockState.MET and acc.elapsed == H
    # Accepted at T2: resolution follows T2's 40h target from the case's opening.
    assert cs.get("resolution#1").due_at == s.at("2026-03-09T09:00")  # type: ignore[union-attr]


def test_acceptance_target_of_a_team_without_a_tier_in_the_event() -> None:
    s = story().escalate("2026-03-02T10:00", "e1", to_tier=None, to_team="engineering")
    acc = clocks_at(s, "2026-03-02T10:30").get("acceptance:e1")
    assert acc is not None and acc.due_at == s.at("2026-03-02T15:00")  # S3 at T3: 4h


def test_the_escalation_type_may_override_the_acceptance_target() -> None:
    s = story().escalate(
        "2026-03-02T16:50", "e1", to_tier="T2", to_team="escalations", type="customer_initiated"
    )
    acc = clocks_at(s, "2026-03-02T17:00").get("acceptance:e1")
    assert acc is not None and acc.calendar == "24x7"
    assert acc.due_at == s.at("2026-03-02T17:20")  # 30 calendar minutes, office closed or not


def test_a_cancelled_transfer_cancels_its_acceptance_clock() -> None:
    s = (
        story()
        .escalate("2026-03-02T10:00", "e1")
        .add("2026-03-02T10:10", EventKind.TRANSFER_CANCELLED, escalation_id="e1")
    )
    cs = clocks_at(s, "2026-03-02T15:00")
    acc = cs.get("acceptance:e1")
    assert acc is not None and acc.state is ClockState.CANCELLED and not acc.breached
    assert "acceptance:e1" not in cs.deadlines()


def test_an_unaccepted_transfer_breaches_its_acceptance_clock() -> None:
    s = story().escalate("2026-03-02T10:00", "e1")
    acc = clocks_at(s, "2026-03-02T13:00").get("acceptance:e1")
    assert acc is not None and acc.state is ClockState.BREACHED


# --------------------------------------------------------------------------- approvals, commitments


def test_approval_clock_counts_business_hours_of_the_owning_team() -> None:
    s = story().add("2026-03-02T16:00", EventKind.APPROVAL_REQUESTED, approval_id="a1")
    cs = clocks_at(s, "2026-03-02T16:30")
    appr = cs.get("approval:a1")
    assert appr is not None and appr.kind is ClockKind.APPROVAL and not appr.pausable
    assert appr.due_at == s.at("2026-03-03T11:00")  # 1h on Monday, 3h on Tuesday
    s.add("2026-03-03T09:00", EventKind.APPROVAL_DECIDED, approval_id="a1", approved=True)
    appr = clocks_at(s, "2026-03-03T09:30").get("approval:a1")
    assert appr is not None and appr.state is ClockState.MET


def test_an_approval_may_carry_its_own_due_instant() -> None:
    s = story().add(
        "2026-03-02T10:00",
        EventKind.APPROVAL_REQUESTED,
        approval_id="a1",
        due_at="2026-03-02T12:00:00+01:00",
    )
    appr = clocks_at(s, "2026-03-02T10:30").get("approval:a1")
    assert appr is not None and appr.due_at == s.at("2026-03-02T12:00")
    # Warnings of a fixed deadline are fractions of the real time to it.
    assert stages(clocks_at(s, "2026-03-02T10:30"), "approval:a1")["warning:0.75"] == s.at(
        "2026-03-02T11:30"
    )


def test_a_commitment_is_a_hard_deadline_met_by_the_next_message() -> None:
    s = story().add(
        "2026-03-02T15:00", EventKind.COMMITMENT_MADE, by="bob", due_at="2026-03-03T10:00:00+01:00"
    )
    cs = clocks_at(s, "2026-03-03T10:00")
    com = cs.get("commitment#1")
    assert com is not None and com.kind is ClockKind.COMMITMENT and com.subject == "bob"
    assert com.due_at == s.at("2026-03-03T10:00") and com.state is ClockState.BREACHED
    assert com.target.duration == 19 * H and not com.pausable
    s.reply("2026-03-03T09:00")
    s.events.sort(key=lambda e: e.at)
    com = clocks_at(s, "2026-03-03T10:00").get("commitment#1")
    assert com is not None and com.state is ClockState.MET


def test_a_commitment_without_a_due_instant_starts_nothing() -> None:
    s = story().add("2026-03-02T15:00", EventKind.COMMITMENT_MADE, by="bob")
    assert clocks_at(s, "2026-03-02T16:00").by_kind(ClockKind.COMMITMENT) == []


# --------------------------------------------------------------------------- resolution, reopen


def test_resolution_meets_answering_clocks_and_cancels_the_rest() -> None:
    s = (
        story(regulatory_obligation="gdpr_dsr")
        .reply("2026-03-02T09:30")
        .escalate("2026-03-02T10:00", "e1")
        .add("2026-03-02T10:30", EventKind.APPROVAL_REQUESTED, approval_id="a1")
        .resolve("2026-03-02T11:00")
    )
    cs = clocks_at(s, "2026-03-02T11:30")
    states = {c.key: c.state for c in cs.clocks}
    assert states == {
        "first_response": ClockState.MET,
        "resolution#1": ClockState.MET,
        "regulatory:gdpr_dsr": ClockState.MET,
        "regulatory_ack:gdpr_dsr": ClockState.MET,
        "next_update#1": ClockState.CANCELLED,
        "acceptance:e1": ClockState.CANCELLED,
        "approval:a1": ClockState.CANCELLED,
    }
    assert cs.next_due_at is None and cs.deadlines() == {}


def test_replies_after_resolution_start_no_update_clock() -> None:
    s = story().resolve("2026-03-02T10:00").reply("2026-03-02T10:05")
    assert clocks_at(s, "2026-03-02T11:00").by_kind(ClockKind.NEXT_UPDATE) == []


def test_closing_cancels_everything() -> None:
    s = story().add("2026-03-02T10:00", EventKind.CLOSED, closure="process_closed")
    cs = clocks_at(s, "2026-03-02T11:00")
    assert {c.state for c in cs.clocks} == {ClockState.CANCELLED}


def test_reopening_starts_a_new_resolution_clock_and_keeps_the_old_result() -> None:
    s = (
        story()
        .reply("2026-03-02T09:30")
        .resolve("2026-03-02T16:00")
        .add("2026-03-04T10:00", EventKind.REOPENED)
    )
    cs = clocks_at(s, "2026-03-04T11:00")
    first, second = cs.get("resolution#1"), cs.get("resolution#2")
    assert first is not None and first.state is ClockState.MET
    assert first.stopped_at == s.at("2026-03-02T16:00")
    assert second is not None and second.state is ClockState.RUNNING
    assert second.started_at == s.at("2026-03-04T10:00")
    assert second.due_at == s.at("2026-03-09T10:00")  # 24h from Wednesday 10:00
    nu = [c for c in cs.by_kind(ClockKind.NEXT_UPDATE) if c.running]
    assert [c.started_at for c in nu] == [s.at("2026-03-04T10:00")]


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


def test_levels_restricted_to_some_clocks_only_add_stages_to_those() -> None:
    p = replace(
        policy(),
        escalation_levels=(
            EscalationLevel("breach", notify=("owner",)),
            EscalationLevel(
                "breach", after=4 * H, notify=("manager",), clocks=frozenset({ClockKind.RESOLUTION})
            ),
        ),
        warning_fractions=(0.8,),
    )
    cs = clocks_at(story(), "2026-03-02T09:05", p)
    assert list(stages(cs, "first_response")) == ["warning:0.8", "breach"]
    assert list(stages(cs, "resolution#1")) == ["warning:0.8", "breach", "breach+14400s"]


def test_clock_to_data_is_json_ready() -> None:
    cs = clocks_at(story().reply("2026-03-02T10:00"), "2026-03-02T10:30")
    clock = cs.get("first_response")
    assert clock is not None
    data: dict[str, Any] = clock.to_data()
    assert data["state"] == "met" and data["basis"] == "business"
    assert data["target"] == "4h business" and data["target_seconds"] == 14_400
    assert data["due_at"] == "2026-03-02T14:00:00+01:00"
    assert data["stopped_at"] == "2026-03-02T10:00:00+01:00"
    assert data["stages"][2] == {
        "name": "breach",
        "at": "2026-03-02T14:00:00+01:00",
        "fired": False,
    }


def test_an_empty_history_has_no_clocks() -> None:
    p = policy()
    cs = compute_clocks([], p, calendars(p), datetime(2026, 3, 2, tzinfo=UTC))
    assert cs.clocks == () and cs.next_due_at is None


def test_no_target_no_clock() -> None:
    s = Story().opened("2026-03-02T09:00", severity="S4", tier="T3", team="engineering")
    assert clocks_at(s, "2026-03-02T10:00").clocks == ()  # S4 has no T3 targets


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


def test_an_automatic_message_does_not_count_as_a_first_response() -> None:
    from tierline.domain.events import CaseEvent, EventKind

    s = story()
    s.events.append(
        CaseEvent(
            s.at("2026-03-02T09:30"),
            EventKind.MESSAGE,
            {"direction": "outbound", "kind": "escalation_notice", "auto": True},
            "system",
        )
    )
    fr = clocks_at(s, "2026-03-02T10:00").get("first_response")
    assert fr is not None and fr.running
    s.reply("2026-03-02T10:30")
    fr = clocks_at(s, "2026-03-02T11:00").get("first_response")
    assert fr is not None and fr.state.value == "met" and fr.stopped_at == s.at("2026-03-02T10:30")
