"""SLA and communication clocks computed from a history, at a fixed ``now``: opening, replies,
pauses, severity changes, and what a clock looks like as data.

Targets of the test policy and the business hours they count: see ``clock_helpers``.
Transfers, approvals and commitments are in ``test_clocks_transfers``; resolution and reopening
in ``test_clocks_resolution``; calendar time, DST and team calendars in ``test_clocks_time``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.builders import PauseStatus, Story, calendars, policy
from tests.unit.domain.clock_helpers import H, clocks_at, stages, story
from tierline.domain.clocks import compute_clocks
from tierline.domain.events import EventKind
from tierline.domain.policy import EscalationLevel
from tierline.domain.vocabulary import ClockKind, ClockState, TimeBasis

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
