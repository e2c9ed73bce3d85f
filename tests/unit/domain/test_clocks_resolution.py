"""Clocks at the end of a case and after: resolving meets or cancels them, closing cancels
everything, reopening starts a new resolution clock.

Targets of the test policy and the business hours they count: see ``clock_helpers``.
"""

from __future__ import annotations

from tests.unit.domain.clock_helpers import clocks_at, story
from tierline.domain.events import EventKind
from tierline.domain.vocabulary import ClockKind, ClockState

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
