"""Folding a case history into its state: every field comes from an event, nothing drifts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.builders import Story
from tierline.domain.case import Account, fold
from tierline.domain.events import CaseEvent, EventKind, parse_instant
from tierline.domain.vocabulary import Channel, EscalationType, Severity


def story() -> Story:
    return Story().opened("2026-03-02T09:00", account_id="acme")


def test_opened_sets_the_starting_facts() -> None:
    s = Story().opened(
        "2026-03-02T09:00",
        contact_type="data_request",
        severity="S2",
        channel="phone",
        account_id="acme",
        regulatory_obligation="gdpr_dsr",
        situation="asks_for_manager",
        affected_customers=4,
        incident_id="inc-7",
    )
    state = fold("c1", s.events)
    assert state.case_id == "c1"
    assert state.opened_at == s.at("2026-03-02T09:00")
    assert (state.contact_type, state.severity, state.channel) == (
        "data_request",
        Severity.S2,
        Channel.PHONE,
    )
    assert (state.tier, state.team, state.owner, state.front_line_owner) == (
        "T1",
        "frontline",
        "alice",
        "alice",
    )
    assert state.status == "open" and state.is_open
    assert state.account_id == "acme"
    assert state.regulatory_obligations == ("gdpr_dsr",)
    assert state.situations == frozenset({"asks_for_manager"})
    assert (state.affected_customers, state.incident_id) == (4, "inc-7")
    assert state.tier_entered_at == state.opened_at
    assert state.last_inbound_at == state.opened_at  # the customer's first contact
    assert state.last_outbound_at is None and state.first_response_at is None


def test_opened_by_staff_is_not_a_customer_contact_and_defaults_apply() -> None:
    ev = CaseEvent(Story().at("2026-03-02T09:00"), EventKind.OPENED, {"from_customer": False})
    state = fold("c1", [ev])
    assert state.last_inbound_at is None
    assert state.severity is Severity.S3 and state.status == "new" and state.channel is None


def test_history_must_start_with_opened_and_not_be_empty() -> None:
    with pytest.raises(ValueError, match="must start with 'opened'"):
        fold("c1", Story().reply("2026-03-02T09:00").events)
    with pytest.raises(ValueError, match="empty history"):
        fold("c1", [])


def test_messages_first_response_repeat_contacts_and_frustration() -> None:
    s = (
        story()
        .reply("2026-03-02T09:30")
        .customer("2026-03-02T10:00", repeat_contact=True, frustration=0.4)
        .customer("2026-03-02T11:00", repeat_contact=True, frustration=0.8)
        .customer("2026-03-02T12:00", frustration=0.2)
        .reply("2026-03-02T13:40")
        .add("2026-03-02T13:45", EventKind.MESSAGE, direction="internal")
    )
    state = fold("c1", s.events)
    assert state.first_response_at == s.at("2026-03-02T09:30")
    assert state.last_outbound_at == s.at("2026-03-02T13:40")
    assert state.last_inbound_at == s.at("2026-03-02T12:00")
    assert state.repeat_contacts == 2
    assert state.frustration_score == 0.8  # the highest seen, not the latest
    assert state.last_event_at == s.at("2026-03-02T13:45")


def test_transfer_is_pending_until_accepted_and_ownership_moves_at_acceptance() -> None:
    s = story().escalate("2026-03-02T10:00", "e1")
    state = fold("c1", s.events)
    pending = state.pending_transfer
    assert pending is not None
    assert (pending.from_tier, pending.from_team, pending.from_owner) == (
        "T1",
        "frontline",
        "alice",
    )
    assert (pending.to_tier, pending.to_team, pending.escalation_type) == (
        "T2",
        "specialists",
        EscalationType.TIER,
    )
    assert state.owner == "alice" and state.tier == "T1"  # the sender stays accountable
    assert state.escalation_types == (EscalationType.TIER,)

    s.add("2026-03-02T10:05", EventKind.HANDOFF_RECORDED, escalation_id="e1", complete=True)
    s.add("2026-03-02T10:06", EventKind.HANDOFF_RECORDED, escalation_id="other", complete=False)
    state = fold("c1", s.events)
    assert state.pending_transfer is not None and state.pending_transfer.handoff_complete

    s.accept("2026-03-02T10:30", "e1", by="bob")
    state = fold("c1", s.events)
    assert state.pending_transfer is None
    assert (state.owner, state.tier, state.team) == ("bob", "T2", "specialists")
    assert state.front_line_owner == "alice"
    assert state.tier_entered_at == s.at("2026-03-02T10:30")
    (done,) = state.transfers
    assert done.accepted_at == s.at("2026-03-02T10:30") and done.accepted_by == "bob"
    assert done.handoff_complete


def test_accepting_another_escalation_id_changes_nothing() -> None:
    s = story().escalate("2026-03-02T10:00", "e1").accept("2026-03-02T10:30", "e2")
    state = fold("c1", s.events)
    assert state.pending_transfer is not None and state.owner == "alice" and not state.transfers


def test_escalating_a_new_case_opens_it() -> None:
    ev = CaseEvent(Story().at("2026-03-02T09:00"), EventKind.OPENED, {})
    esc = CaseEvent(Story().at("2026-03-02T09:10"), EventKind.ESCALATED, {"escalation_id": "e1"})
    assert fold("c1", [ev, esc]).status == "open"


def test_cancelled_transfer_and_assignment_within_tier_and_to_another_tier() -> None:
    s = (
        story()
        .escalate("2026-03-02T10:00", "e1")
        .add("2026-03-02T10:10", EventKind.TRANSFER_CANCELLED, escalation_id="e1")
        .add("2026-03-02T10:20", EventKind.ASSIGNED, owner="carl")
    )
    state = fold("c1", s.events)
    assert state.pending_transfer is None and state.owner == "carl"
    assert state.tier_entered_at == s.at("2026-03-02T09:00")  # same tier
    s.add("2026-03-02T11:00", EventKind.ASSIGNED, owner="dora", team="engineering", tier="T3")
    state = fold("c1", s.events)
    assert (state.owner, state.team, state.tier) == ("dora", "engineering", "T3")
    assert state.tier_entered_at == s.at("2026-03-02T11:00")


def test_first_owner_is_remembered_when_the_case_opened_unassigned() -> None:
    s = (
        Story()
        .opened("2026-03-02T09:00", owner=None)
        .add("2026-03-02T09:05", EventKind.ASSIGNED, owner="alice")
    )
    assert fold("c1", s.events).front_line_owner == "alice"


def test_coordinator_collaborators_and_approvals() -> None:
    s = (
        story()
        .add("2026-03-02T09:10", EventKind.COORDINATOR_ASSIGNED, coordinator="carol")
        .add("2026-03-02T09:20", EventKind.CONSULTED, expert="erin")
        .add("2026-03-02T09:21", EventKind.CONSULTED, expert="erin")
        .add("2026-03-02T09:30", EventKind.APPROVAL_REQUESTED, approval_id="a1")
        .add("2026-03-02T09:31", EventKind.APPROVAL_REQUESTED, approval_id="a2")
    )
    state = fold("c1", s.events)
    assert state.coordinator == "carol"
    assert state.collaborators == ("erin",)
    assert state.pending_approvals == ("a1", "a2") and state.authority_exceeded
    s.add("2026-03-02T10:00", EventKind.APPROVAL_DECIDED, approval_id="a1", approved=True)
    state = fold("c1", s.events)
    assert state.pending_approvals == ("a2",) and state.authority_exceeded
    s.add("2026-03-02T10:05", EventKind.APPROVAL_DECIDED, approval_id="a2", approved=False)
    state = fold("c1", s.events)
    assert state.pending_approvals == () and not state.authority_exceeded


def test_flags() -> None:
    s = (
        story()
        .add("2026-03-02T09:10", EventKind.FLAGGED, flag="customer_request")
        .add("2026-03-02T09:11", EventKind.FLAGGED, flag="suspected_defect")
        .add("2026-03-02T09:12", EventKind.FLAGGED, flag="frustration", score=0.9)
        .add("2026-03-02T09:13", EventKind.FLAGGED, flag="frustration", score=0.3)
        .add("2026-03-02T09:14", EventKind.FLAGGED, flag="affected_customers", count=25)
        .add("2026-03-02T09:15", EventKind.FLAGGED, regulatory_obligation="gdpr_dsr")
        .add("2026-03-02T09:16", EventKind.FLAGGED, regulatory_obligation="gdpr_dsr")
        .add("2026-03-02T09:17", EventKind.FLAGGED, situation="asks_for_manager")
    )
    state = fold("c1", s.events)
    assert state.customer_requested and state.suspected_defect
    assert state.frustration_score == 0.9
    assert state.affected_customers == 25
    assert state.regulatory_obligations == ("gdpr_dsr",)
    assert state.situations == frozenset({"asks_for_manager"})


def test_status_severity_priority_and_linking() -> None:
    s = (
        story()
        .status("2026-03-02T09:10", "waiting_on_customer")
        .add("2026-03-02T09:20", EventKind.SEVERITY_CHANGED, to="S1")
        .add("2026-03-02T09:30", EventKind.PRIORITY_CHANGED, **{"raise": 2})  # type: ignore[arg-type]
        .add("2026-03-02T09:40", EventKind.LINKED, incident_id="inc-1", affected=40)
        .add("2026-03-02T09:41", EventKind.LINKED, incident_id="inc-1", affected=12)
    )
    state = fold("c1", s.events)
    assert state.status == "waiting_on_customer" and state.is_open
    assert state.severity is Severity.S1
    assert state.priority_raise == 2
    assert (state.incident_id, state.affected_customers) == ("inc-1", 40)


def test_resolve_close_reopen() -> None:
    s = (
        story()
        .escalate("2026-03-02T10:00")
        .add("2026-03-02T11:00", EventKind.RESOLVED, root_cause="product_defect")
    )
    state = fold("c1", s.events)
    assert state.status == "resolved" and not state.is_open
    assert state.resolved_at == s.at("2026-03-02T11:00")
    assert state.pending_transfer is None  # a resolution ends any open transfer
    assert state.root_cause == "product_defect"

    s.add("2026-03-03T09:00", EventKind.REOPENED)
    state = fold("c1", s.events)
    assert state.status == "open" and state.reopen_count == 1 and state.resolved_at is None

    s.resolve("2026-03-03T10:00").add(
        "2026-03-10T10:00", EventKind.CLOSED, closure="process_closed"
    )
    state = fold("c1", s.events)
    assert state.status == "closed" and state.closure == "process_closed"
    assert state.closed_at == s.at("2026-03-10T10:00")

    s.add("2026-03-11T09:00", EventKind.REOPENED)
    state = fold("c1", s.events)
    assert state.reopen_count == 2 and state.closed_at is None and state.closure is None


def test_fired_stages_and_rules_and_root_cause() -> None:
    s = (
        story()
        .add("2026-03-02T10:00", EventKind.CLOCK_FIRED, clock="first_response", stage="breach")
        .add("2026-03-02T10:01", EventKind.TRIGGER_FIRED, rule_id="repeat", tier="T1")
        .add("2026-03-02T10:02", EventKind.TRIGGER_FIRED, rule_id="vip")
        .add("2026-03-02T10:03", EventKind.ROOT_CAUSE_RECORDED, category="wrong_info_t1")
    )
    state = fold("c1", s.events)
    assert state.fired_stages == frozenset({("first_response", "breach")})
    assert state.fired_rules == frozenset({("repeat", "T1"), ("vip", "")})
    assert state.root_cause == "wrong_info_t1"


def test_unknown_event_data_is_ignored() -> None:
    s = story().add("2026-03-02T10:00", EventKind.NOTE, text="hi", future_field=1)
    assert fold("c1", s.events).last_event_at == s.at("2026-03-02T10:00")


def test_teams_path_and_ping_pong() -> None:
    s = (
        story()
        .escalate("2026-03-02T10:00", "e1", to_tier="T2", to_team="specialists")
        .accept("2026-03-02T10:10", "e1")
    )
    state = fold("c1", s.events)
    assert state.teams_path == ("frontline", "specialists") and not state.ping_pong
    s.escalate("2026-03-02T11:00", "e2", to_tier="T1", to_team="frontline").accept(
        "2026-03-02T11:10", "e2", by="alice", tier="T1", team="frontline"
    )
    state = fold("c1", s.events)
    assert state.teams_path == ("frontline", "specialists", "frontline")
    assert state.ping_pong
    assert fold("c2", story().events).teams_path == ("frontline",)


def test_time_in_tier_counts_from_the_last_tier_change() -> None:
    s = story().escalate("2026-03-02T10:00").accept("2026-03-02T10:30")
    state = fold("c1", s.events)
    assert state.time_in_tier(s.at("2026-03-02T12:30")) == timedelta(hours=2)


def test_account_tenure_and_renewal() -> None:
    acct = Account("acme", customer_since=date(2026, 1, 1), renewal_date=date(2026, 5, 31))
    assert acct.tenure_days(date(2026, 3, 2)) == 60
    assert acct.renewal_within(date(2026, 3, 2))  # 90 days ahead
    assert not acct.renewal_within(date(2026, 3, 2), days=30)
    assert not acct.renewal_within(date(2026, 6, 1))  # already past
    assert Account("x").tenure_days(date(2026, 3, 2)) is None
    assert not Account("x").renewal_within(date(2026, 3, 2))


def test_parse_instant() -> None:
    when = Story().at("2026-03-02T09:00")
    assert parse_instant(None) is None and parse_instant("") is None
    assert parse_instant(when) is when
    assert parse_instant("2026-03-02T09:00:00+01:00") == when
    ev = CaseEvent(when, EventKind.NOTE, {"a": 1})
    assert ev.get("a") == 1 and ev.get("b", 2) == 2


def test_time_in_tier_is_real_time_across_a_dst_change() -> None:
    s = Story().opened("2026-03-28T22:00")
    # 22:00 CET to 06:00 CEST: eight hours on the wall clock, seven in reality.
    assert fold("c1", s.events).time_in_tier(s.at("2026-03-29T06:00")) == timedelta(hours=7)
