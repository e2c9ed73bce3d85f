"""Clocks that other people's actions start: acceptance of a transfer, approvals, and
commitments made to the customer.

Targets of the test policy and the business hours they count: see ``clock_helpers``.
"""

from __future__ import annotations

from tests.unit.domain.clock_helpers import H, clocks_at, stages, story
from tierline.domain.events import EventKind
from tierline.domain.vocabulary import ClockKind, ClockState

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
