"""Escalation levels: what a warning, a breach and breach + 2h decide (R-TRIG-2, R-OWN-2)."""

from __future__ import annotations

from dataclasses import replace

from tests.builders import Story, calendars, policy
from tierline.domain.case import fold
from tierline.domain.clocks import Clock, Stage, compute_clocks
from tierline.domain.decisions import Decision, DecisionKind
from tierline.domain.events import EventKind
from tierline.domain.levels import stage_decisions
from tierline.domain.policy import EscalationLevel, Policy
from tierline.domain.vocabulary import ClockKind, EscalationType


def decide(
    s: Story, now: str, key: str, stage: str, p: Policy | None = None
) -> tuple[list[Decision], Clock]:
    p = p or policy()
    cs = compute_clocks(s.events, p, calendars(p), s.at(now), communications=False)
    clock = cs.get(key)
    assert clock is not None, [c.key for c in cs.clocks]
    st: Stage = next(x for x in clock.stages if x.name == stage)
    return stage_decisions(p, clock, st, fold("c1", s.events)), clock


def summary(decisions: list[Decision]) -> list[tuple[str, str, tuple[str, ...], str | None]]:
    return [(d.kind.value, d.rule, d.notify, d.target_team) for d in decisions]


def test_a_warning_notifies_the_owner() -> None:
    s = Story().opened("2026-03-02T09:00")
    decisions, _ = decide(s, "2026-03-02T11:00", "first_response", "warning:0.5")
    assert summary(decisions) == [("notify", "escalation_levels.warning", ("owner",), None)]
    assert decisions[0].explanation.summary == "first_response warning:0.5 (4h business)"


def test_a_breach_at_t1_is_an_sla_escalation_to_t2() -> None:
    s = Story().opened("2026-03-02T09:00")
    (d,), _ = decide(s, "2026-03-02T14:00", "first_response", "breach")
    assert (d.kind, d.target_tier, d.target_team, d.escalation_type, d.notify) == (
        DecisionKind.ESCALATE,
        "T2",
        "specialists",
        EscalationType.SLA,
        ("owner", "team_lead"),
    )
    assert d.rule == "escalation_levels.breach"
    assert d.explanation.policy_version == "pv-test"
    assert d.explanation.facts == {
        "clock": "first_response",
        "kind": "first_response",
        "stage": "breach",
        "stage_at": "2026-03-02T14:00:00+01:00",
        "due_at": "2026-03-02T14:00:00+01:00",
        "target": "4h business",
        "started_at": "2026-03-02T09:00:00+01:00",
        "elapsed_seconds": 14_400.0,
        "paused_seconds": 0.0,
        "tier": "T1",
        "team": "frontline",
        "owner": "alice",
    }


def test_breach_plus_two_hours_widens_the_circle() -> None:
    s = Story().opened("2026-03-02T09:00")
    decisions, _ = decide(s, "2026-03-02T16:00", "first_response", "breach+7200s")
    assert summary(decisions) == [("notify", "escalation_levels.breach+7200s", ("manager",), None)]


def test_a_breach_at_the_top_tier_or_with_a_transfer_pending_only_notifies() -> None:
    top = Story().opened("2026-03-02T09:00", tier="T3", team="engineering")
    decisions, _ = decide(top, "2026-03-02T18:00", "first_response", "breach")
    assert summary(decisions) == [
        ("notify", "escalation_levels.breach", ("owner", "team_lead"), None)
    ]
    pending = Story().opened("2026-03-02T09:00").escalate("2026-03-02T09:30")
    decisions, _ = decide(pending, "2026-03-02T14:00", "first_response", "breach")
    assert [d.kind for d in decisions] == [DecisionKind.NOTIFY]


def test_an_overdue_acceptance_is_an_ownership_vacuum_not_a_tier_move() -> None:
    s = Story().opened("2026-03-02T09:00").escalate("2026-03-02T11:00", "e1")
    (d,), clock = decide(s, "2026-03-02T14:00", "acceptance:e1", "breach")
    assert clock.due_at == s.at("2026-03-02T14:00")  # 2h at T2 with lunch in between
    assert (d.kind, d.flag, d.rule, d.notify) == (
        DecisionKind.FLAG,
        "ownership_vacuum",
        "ownership_vacuum",
        ("coordinator", "team_lead"),
    )
    assert d.explanation.summary == "transfer e1 not accepted within 2h business"
    # Its warning and breach + 2h still follow the ordinary levels.
    decisions, _ = decide(s, "2026-03-02T12:00", "acceptance:e1", "warning:0.5")
    assert summary(decisions) == [("notify", "escalation_levels.warning", ("owner",), None)]
    decisions, _ = decide(s, "2026-03-02T16:00", "acceptance:e1", "breach+7200s")
    assert summary(decisions) == [("notify", "escalation_levels.breach+7200s", ("manager",), None)]


def test_an_overdue_approval_is_flagged_to_the_team_lead() -> None:
    s = Story().opened("2026-03-02T09:00")
    s.add("2026-03-02T16:00", EventKind.APPROVAL_REQUESTED, approval_id="a1")
    (d,), clock = decide(s, "2026-03-03T11:00", "approval:a1", "breach")
    assert clock.due_at == s.at("2026-03-03T11:00")
    assert (d.kind, d.flag, d.notify) == (DecisionKind.FLAG, "approval_overdue", ("team_lead",))
    assert d.explanation.summary == "approval a1 not decided within 4h business"


def test_a_missed_commitment_is_flagged_and_notified_but_does_not_move_the_case() -> None:
    s = Story().opened("2026-03-02T09:00")
    s.add("2026-03-02T10:00", EventKind.COMMITMENT_MADE, by="bob", due_at="2026-03-02T12:00+01:00")
    decisions, _ = decide(s, "2026-03-02T12:00", "commitment#1", "breach")
    assert [(d.kind, d.flag, d.notify) for d in decisions] == [
        (DecisionKind.FLAG, "commitment_missed", ("owner", "coordinator", "team_lead")),
        (DecisionKind.NOTIFY, None, ("owner", "team_lead")),
    ]


def test_a_regulatory_breach_escalates_like_an_sla_breach() -> None:
    s = Story().opened("2026-03-02T09:00", regulatory_obligation="gdpr_dsr")
    (d,), _ = decide(s, "2026-04-01T10:00", "regulatory:gdpr_dsr", "breach")
    assert (d.kind, d.target_tier, d.escalation_type) == (
        DecisionKind.ESCALATE,
        "T2",
        EscalationType.SLA,
    )


def test_levels_for_some_clocks_only() -> None:
    p = replace(
        policy(),
        escalation_levels=(
            EscalationLevel("warning", notify=("owner",), clocks=frozenset({ClockKind.RESOLUTION})),
            EscalationLevel("breach", notify=("team_lead",)),
        ),
    )
    s = Story().opened("2026-03-02T09:00")
    assert decide(s, "2026-03-02T11:00", "first_response", "warning:0.5", p)[0] == []
    decisions, _ = decide(s, "2026-03-03T14:00", "resolution#1", "warning:0.5", p)
    assert summary(decisions) == [("notify", "escalation_levels.warning", ("owner",), None)]
    decisions, _ = decide(s, "2026-03-02T14:00", "first_response", "breach", p)
    assert summary(decisions) == [("notify", "escalation_levels.breach", ("team_lead",), None)]
