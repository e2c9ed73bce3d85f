"""Trigger rules (R-TRIG-1, R-TRIG-4): each decision names its rule, policy version and facts.

How the engine fires: time in tier, one transfer at a time, a one-time fact once per case, never
down a tier, without changing the state it reads. What each fact triggers is in
``test_triggers_facts``; typed conditions in ``test_triggers_conditions``.

The test policy's rules, in order: see ``trigger_helpers``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests.builders import Story, calendars, policy
from tests.unit.domain.trigger_helpers import engine, evaluate, fired, quiet
from tierline.domain.case import CaseState, fold
from tierline.domain.decisions import DecisionKind
from tierline.domain.events import EventKind
from tierline.domain.policy import TriggerAction, TriggerRule
from tierline.domain.triggers import TriggerEngine
from tierline.domain.vocabulary import EscalationType, TriggerKind


def test_a_plain_case_triggers_nothing() -> None:
    assert evaluate(quiet(), "2026-03-02T10:00") == []


# --------------------------------------------------------------------------- time in tier


def test_time_in_tier_fires_after_eight_business_hours_at_t1() -> None:
    s = quiet()
    assert evaluate(s, "2026-03-03T08:59:59") == []
    (d,) = evaluate(s, "2026-03-03T09:00")  # Monday 7h + Tuesday 1h
    assert (d.kind, d.rule, d.target_tier, d.target_team, d.escalation_type) == (
        DecisionKind.ESCALATE,
        "time-in-tier",
        "T2",
        "specialists",
        EscalationType.TIER,
    )
    assert d.explanation.policy_version == "pv-test"
    assert d.explanation.facts == {
        "tier": "T1",
        "in_tier_since": "2026-03-02T09:00:00+01:00",
        "time_in_tier_seconds": 28_800.0,
        "max_time_in_tier": "8h business",
    }
    assert d.explanation.summary == "time in tier"


def test_a_fired_rule_does_not_fire_again_at_the_same_tier_but_does_at_the_next() -> None:
    s = quiet().add("2026-03-03T09:00", EventKind.TRIGGER_FIRED, rule_id="time-in-tier", tier="T1")
    assert evaluate(s, "2026-03-03T12:00") == []
    s.escalate("2026-03-03T09:00").accept("2026-03-03T09:30")
    assert evaluate(s, "2026-03-03T12:00") == []  # T2 allows 24h
    (d,) = evaluate(s, "2026-03-06T09:30")  # Tue 7h, Wed 8h, Thu 8h, Fri 1h
    assert (d.rule, d.target_tier, d.target_team) == ("time-in-tier", "T3", "engineering")


def test_next_check_at_is_when_a_time_trigger_can_first_fire() -> None:
    s = quiet()
    state = fold("c1", s.events)
    assert engine().next_check_at(state) == s.at("2026-03-03T09:00")
    s.customer("2026-03-02T16:00")  # unanswered: long-wait at 20:00 comes first
    assert engine().next_check_at(fold("c1", s.events)) == s.at("2026-03-02T20:00")


@pytest.mark.parametrize(
    "opened",
    [
        "2026-03-02T09:00",
        "2026-03-06T16:45",  # Friday afternoon
        "2026-03-07T11:00",  # Saturday
        "2026-04-02T12:40",  # in lunch before Easter
        "2026-03-27T15:00",  # the DST weekend
    ],
)
def test_evaluating_at_next_check_at_fires_and_a_second_earlier_does_not(opened: str) -> None:
    s = Story().opened(opened)
    s.reply(opened)  # answered, so only time-in-tier is time based
    state = fold("c1", s.events)
    when = engine().next_check_at(state)
    assert when is not None
    assert engine().evaluate(state, when - timedelta(seconds=1)) == []
    assert fired(engine().evaluate(state, when)) == [("time-in-tier", "escalate", "specialists")]


def test_no_time_trigger_at_the_top_tier_or_on_a_closed_case() -> None:
    s = Story().opened("2026-03-02T09:00", tier="T3", team="engineering").reply("2026-03-02T09:05")
    assert engine().next_check_at(fold("c1", s.events)) is None
    s.resolve("2026-03-02T10:00").customer("2026-03-02T10:30")
    state = fold("c1", s.events)
    assert engine().next_check_at(state) is None
    assert engine().evaluate(state, s.at("2026-03-20T10:00")) == []


# --------------------------------------------------------------------------- one transfer at a time


def test_a_pending_transfer_blocks_further_moves_but_not_notifications() -> None:
    s = quiet().escalate("2026-03-02T09:10", "e1")
    s.add("2026-03-02T09:20", EventKind.FLAGGED, flag="suspected_defect")
    assert evaluate(s, "2026-03-02T09:25") == []  # defect would move; it has nothing to notify
    s.add("2026-03-02T09:30", EventKind.FLAGGED, flag="customer_request")
    (d,) = evaluate(s, "2026-03-02T09:35")
    assert (d.kind, d.rule, d.notify) == (DecisionKind.NOTIFY, "customer-asks", ("coordinator",))
    assert d.explanation.facts["pending_transfer"] == "e1"


def test_disabled_rules_are_not_evaluated_and_descriptions_become_summaries() -> None:
    base = policy()
    rules = tuple(
        replace(r, enabled=False)
        if r.id == "defect"
        else replace(r, description="customer asked for a manager")
        if r.id == "customer-asks"
        else r
        for r in base.triggers
    )
    p = replace(base, triggers=rules)
    s = quiet().add("2026-03-02T09:10", EventKind.FLAGGED, flag="suspected_defect")
    assert evaluate(s, "2026-03-02T09:15", p=p) == []
    s.add("2026-03-02T09:20", EventKind.FLAGGED, flag="customer_request")
    (d,) = evaluate(s, "2026-03-02T09:25", p=p)
    assert d.explanation.summary == "customer asked for a manager"


def test_evaluation_does_not_change_the_state() -> None:
    s = quiet(contact_type="outage")
    state = fold("c1", s.events)
    before = replace(state)
    engine().evaluate(state, s.at("2026-03-02T09:10"))
    assert state == before


def _state_at_t2() -> CaseState:
    return fold("c1", quiet().escalate("2026-03-02T09:10").accept("2026-03-02T09:20").events)


def test_escalating_to_the_current_team_is_not_a_move() -> None:
    p = replace(
        policy(),
        triggers=(
            TriggerRule(
                "to-specialists",
                TriggerKind.SUSPECTED_DEFECT,
                TriggerAction(escalate_to=policy().situations["asks_for_manager"].route_to),
            ),
        ),
    )
    state = replace(_state_at_t2(), suspected_defect=True, team="escalations")
    assert (
        TriggerEngine(p, calendars(p)).evaluate(state, state.opened_at + timedelta(hours=1)) == []
    )


def test_a_one_time_fact_fires_once_per_case_not_once_per_tier() -> None:
    """The customer asked for a manager once: after the escalation desk (T2) took the case and
    engineering (T3) took it from there, the request does not pull the case back."""
    s = quiet().add("2026-03-02T09:10", EventKind.FLAGGED, flag="customer_request")
    s.add("2026-03-02T09:10", EventKind.TRIGGER_FIRED, rule_id="customer-asks", tier="T1")
    s.escalate("2026-03-02T09:15", "e1", to_tier="T2", to_team="escalations")
    s.accept("2026-03-02T09:20", "e1", by="cora", tier="T2", team="escalations")
    s.escalate("2026-03-03T09:00", "e2", to_tier="T3", to_team="engineering")
    s.accept("2026-03-03T09:10", "e2", by="eli", tier="T3", team="engineering")
    assert "customer-asks" not in [d.rule for d in evaluate(s, "2026-03-03T09:15")]


def test_a_rule_never_moves_a_case_down_a_tier() -> None:
    """A customer request at T3 (engineering) names the escalation desk at T2: it notifies, it
    does not send the case back down."""
    s = Story().opened("2026-03-02T09:00", tier="T3", team="engineering").reply("2026-03-02T09:05")
    s.add("2026-03-02T09:10", EventKind.FLAGGED, flag="customer_request")
    (d,) = evaluate(s, "2026-03-02T09:15")
    assert (d.rule, d.kind) == ("customer-asks", DecisionKind.NOTIFY)
