"""Stories about moving a case: handoffs, acceptance, vacuums, approvals and SLA breaches."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.builders import Story, policy
from tests.scenarios.desk import Desk
from tierline.domain.authority import decide
from tierline.domain.events import EventKind
from tierline.domain.handoff import Handoff, check_handoff, prefill
from tierline.domain.ownership import OwnershipState
from tierline.domain.policy import OwnershipRules
from tierline.domain.vocabulary import (
    ActionKind,
    ClockState,
    EmotionalState,
    EscalationType,
    OwnershipModel,
)


def test_an_unaccepted_transfer_becomes_an_ownership_vacuum() -> None:
    """Tuesday 3 March 2026, 11:00: Alice (T1) escalates an S3 case to the T2 specialists.

    T2 must accept within 2 business hours: 1.5h before lunch, 0.5h after, so by 14:00. Alice
    stays accountable meanwhile. Nobody accepts: at 12:00 (50 %) and 12:30 (75 %, as lunch
    starts) the owner is warned; at 14:00 the transfer is an ownership vacuum, flagged to the
    coordinator and the team lead. Bob accepts at 14:20; ownership moves to him then, not at the
    request.
    """
    s = Story().opened("2026-03-03T09:00").reply("2026-03-03T09:10")
    s.escalate("2026-03-03T11:00", "e1")
    desk = Desk(s)

    waiting = desk.ownership("2026-03-03T12:00", "e1")
    assert waiting.state is OwnershipState.TRANSFER_REQUESTED and waiting.accountable == "alice"

    fired = desk.tick("2026-03-03T13:59")
    assert [(f.clock, f.stage, f.decisions[0].explanation.facts["stage_at"]) for f in fired] == [
        ("acceptance:e1", "warning:0.5", "2026-03-03T12:00:00+01:00"),
        ("acceptance:e1", "warning:0.75", "2026-03-03T12:30:00+01:00"),
    ]
    assert desk.clock("2026-03-03T13:59", "acceptance:e1").due_at == s.at("2026-03-03T14:00")

    (vacuum,) = desk.tick("2026-03-03T14:00")
    assert (vacuum.clock, vacuum.stage) == ("acceptance:e1", "breach")
    assert vacuum.summary() == [("flag", "ownership_vacuum", ("coordinator", "team_lead"), None)]
    assert vacuum.decisions[0].explanation.facts["owner"] == "alice"
    own = desk.ownership("2026-03-03T14:05", "e1")
    assert own.state is OwnershipState.VACUUM and own.accountable == "alice"

    s.accept("2026-03-03T14:20", "e1", by="bob")
    acc = desk.clock("2026-03-03T14:30", "acceptance:e1")
    assert acc.state is ClockState.MET_LATE
    own = desk.ownership("2026-03-03T14:30")
    assert own.state is OwnershipState.OWNED and own.accountable == "bob"
    (transfer,) = desk.state().transfers
    assert transfer.accepted_at is not None
    assert transfer.accepted_at - transfer.requested_at == timedelta(hours=3, minutes=20)


def test_a_customer_initiated_escalation_must_be_accepted_in_thirty_calendar_minutes() -> None:
    """Monday 2 March, 16:50: the customer asks for a manager. The escalation desk must take the
    case within 30 calendar minutes, office hours or not: by 17:20, when the vacuum is flagged.
    """
    s = Story().opened("2026-03-02T16:40").reply("2026-03-02T16:45")
    s.add("2026-03-02T16:50", EventKind.FLAGGED, flag="customer_request")
    desk = Desk(s)
    (d,) = desk.triggers("2026-03-02T16:50")
    assert (d.rule, d.target_team, d.escalation_type) == (
        "customer-asks",
        "escalations",
        EscalationType.CUSTOMER_INITIATED,
    )
    s.escalate("2026-03-02T16:50", "e1", "T2", "escalations", type="customer_initiated")
    fired = desk.tick("2026-03-02T17:20")
    assert [f.stage for f in fired] == ["warning:0.5", "warning:0.75", "breach"]
    assert fired[-1].summary()[0][1] == "ownership_vacuum"


MODELS = [
    (OwnershipModel.RELAY, "bob"),  # full transfer: T2 talks to the customer
    (OwnershipModel.BATON, "alice"),  # Alice keeps the customer and relays T2's updates
    (OwnershipModel.HYBRID, "carol"),  # the escalation coordinator owns communication
]


@pytest.mark.parametrize(("model", "speaker"), MODELS)
def test_t1_to_t2_with_handoff_and_acceptance(model: OwnershipModel, speaker: str) -> None:
    """Monday 2 March 2026, 09:00: a customer reports duplicated VAT on invoices (S3, T1).

    10:30 Alice escalates to the T2 specialists. Her first handoff draft is refused: the reason
    and what the customer was told are missing. She completes it and the handoff is recorded.
    Under the hybrid model Carol is assigned as coordinator. Bob accepts at 11:00: he owns the
    case from then on, the resolution clock follows T2's 40h target, and the next message to the
    customer is due from Bob (relay), Alice (baton) or Carol (hybrid).
    """
    rules = OwnershipRules(model, coordinator_role="coordinator")
    governing = replace(policy(), ownership=rules)
    s = Story().opened("2026-03-02T09:00", account_id="acme").reply("2026-03-02T09:15")
    desk = Desk(s, governing)
    s.escalate("2026-03-02T10:30", "e1")

    draft = prefill(
        desk.state(), None, [], 0, "VAT appears twice on invoices", s.at("2026-03-02T10:30").date()
    )
    draft = replace(
        draft,
        steps_taken="Checked tax settings; regenerated invoice 1042; still doubled",
        emotional_state=EmotionalState.FRUSTRATED,
        stated_urgency="month-end close on Friday",
    )
    check = check_handoff(governing.handoff, draft)
    assert check.missing == ("reason", "customer_told")
    handoff: Handoff = replace(
        draft,
        reason="Invoice correction needs T2 billing access",
        customer_told="Escalated to specialists; update by 14:00 today",
    )
    assert check_handoff(governing.handoff, handoff).complete
    s.add("2026-03-02T10:40", EventKind.HANDOFF_RECORDED, escalation_id="e1", complete=True)
    if model is OwnershipModel.HYBRID:
        s.add("2026-03-02T10:45", EventKind.COORDINATOR_ASSIGNED, coordinator="carol")

    before = desk.ownership("2026-03-02T10:50", "e1")
    assert before.state is OwnershipState.TRANSFER_REQUESTED and before.owner == "alice"

    s.accept("2026-03-02T11:00", "e1", by="bob")
    after = desk.ownership("2026-03-02T11:05")
    assert (after.state, after.owner, after.team) == (OwnershipState.OWNED, "bob", "specialists")
    assert after.next_comm_owner == speaker
    (transfer,) = desk.state().transfers
    assert transfer.handoff_complete
    assert transfer.accepted_at - transfer.requested_at == timedelta(minutes=30)  # type: ignore[operator]
    cs = desk.clocks("2026-03-02T11:05")
    assert cs.get("acceptance:e1").state is ClockState.MET  # type: ignore[union-attr]
    assert cs.get("resolution#1").due_at == s.at("2026-03-09T09:00")  # type: ignore[union-attr]


def test_an_approval_that_nobody_decides() -> None:
    """Monday 2 March, 16:00: Alice (agent, credit limit 50 EUR) wants to credit 400 EUR.

    Above her limit, it becomes an approval request to the supervisor (the lowest role above
    her whose limit covers it), with a 4-business-hour clock: 1h on Monday, 3h on Tuesday, due
    Tuesday 11:00. Meanwhile the authority trigger tells the team lead. Nobody decides by 11:00:
    the approval is flagged overdue to the team lead. The supervisor approves at 11:30, late.
    """
    governing = policy()
    verdict = decide(governing, "agent", ActionKind.CREDIT, Decimal("400.00"))
    assert not verdict.apply and verdict.approver_role == "supervisor"

    s = Story().opened("2026-03-02T15:00").reply("2026-03-02T15:10")
    s.add("2026-03-02T16:00", EventKind.APPROVAL_REQUESTED, approval_id="a1", role="supervisor")
    desk = Desk(s, governing)
    assert [(d.rule, d.notify) for d in desk.triggers("2026-03-02T16:00")] == [
        ("authority", ("team_lead",))
    ]
    fired = desk.tick("2026-03-03T10:00")
    assert [(f.clock, f.stage) for f in fired] == [
        ("approval:a1", "warning:0.5"),  # Tuesday 09:00
        ("approval:a1", "warning:0.75"),  # Tuesday 10:00
    ]
    update_warning, overdue = desk.tick("2026-03-03T11:00")
    # Alice's 15:10 answer started an 8h update clock, half-way at Tuesday 10:10.
    assert (update_warning.clock, update_warning.stage) == ("next_update#1", "warning:0.5")
    assert (overdue.clock, overdue.stage) == ("approval:a1", "breach")
    assert overdue.summary() == [("flag", "approval_overdue", ("team_lead",), None)]
    s.add("2026-03-03T11:30", EventKind.APPROVAL_DECIDED, approval_id="a1", approved=True)
    assert desk.clock("2026-03-03T11:35", "approval:a1").state is ClockState.MET_LATE
    assert not desk.state().authority_exceeded
    assert desk.triggers("2026-03-03T11:35") == []


def test_an_sla_breach_escalates_to_the_next_tier_and_widens_the_circle() -> None:
    """Monday 2 March 2026, 10:00: an S2 case at T1; first response due within 1 business hour.

    Nobody answers. 10:30 and 10:45: the owner is warned. 11:00: breach; the matrix escalates
    the case to T2 (an SLA escalation) and notifies the owner and the team lead. The escalation
    is recorded; T2 must accept within 1h (S2). 14:00 (breach + 2 business hours, lunch skipped):
    the manager is notified too. Ticking again changes nothing: each stage acts once.
    """
    s = Story().opened("2026-03-02T10:00", severity="S2")
    desk = Desk(s)
    assert [(f.stage, f.summary()) for f in desk.tick("2026-03-02T10:45")] == [
        ("warning:0.5", [("notify", None, ("owner",), None)]),
        ("warning:0.75", [("notify", None, ("owner",), None)]),
    ]
    (breach,) = desk.tick("2026-03-02T11:00")
    assert breach.stage == "breach"
    (d,) = breach.decisions
    assert (d.kind.value, d.target_tier, d.target_team, d.escalation_type, d.notify) == (
        "escalate",
        "T2",
        "specialists",
        EscalationType.SLA,
        ("owner", "team_lead"),
    )
    assert d.explanation.facts["due_at"] == "2026-03-02T11:00:00+01:00"
    assert desk.tick("2026-03-02T11:00") == []

    s.escalate("2026-03-02T11:00", "sla-1", d.target_tier, d.target_team, type="sla")
    assert desk.clock("2026-03-02T11:01", "acceptance:sla-1").due_at == s.at("2026-03-02T12:00")
    s.accept("2026-03-02T11:30", "sla-1", by="bob")

    assert desk.tick("2026-03-02T13:59") == []
    (later,) = desk.tick("2026-03-02T14:00")
    assert (later.clock, later.stage) == ("first_response", "breach+7200s")
    assert later.summary() == [("notify", None, ("manager",), None)]
    assert desk.clocks("2026-03-02T14:00").next_due_at == s.at("2026-03-03T15:00")
