"""Trigger rules (R-TRIG-1, R-TRIG-4): each decision names its rule, policy version and facts.

The test policy's rules, in order: time-in-tier (T1 8h, T2 24h business → next tier),
designated-tier, customer-asks (→ escalations), regulatory (→ compliance), defect
(→ engineering), repeat (≥ 3 → next tier, +1 priority), long-wait (4h calendar → notify
team_lead), authority (notify team_lead), vip (S1/S2 only → notify account manager, +1),
urgent-category (outage → T2), frustrated (≥ 0.7 → notify), many-affected (≥ 10 → T2).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.builders import BERLIN, Story, calendars, policy
from tierline.domain.case import Account, CaseState, fold
from tierline.domain.decisions import Decision, DecisionKind
from tierline.domain.events import EventKind
from tierline.domain.policy import Condition, Policy, TriggerAction, TriggerRule
from tierline.domain.triggers import Situation, TriggerEngine, condition_holds
from tierline.domain.vocabulary import AccountValue, EscalationType, TriggerKind

VIP = Account("acme", value=AccountValue.VIP, account_manager="mia")


def engine(p: Policy | None = None) -> TriggerEngine:
    p = p or policy()
    return TriggerEngine(p, calendars(p))


def evaluate(
    s: Story, now: str, account: Account | None = None, p: Policy | None = None
) -> list[Decision]:
    return engine(p).evaluate(fold("c1", s.events), s.at(now), account)


def fired(decisions: list[Decision]) -> list[tuple[str, str, str | None]]:
    return [(d.rule, d.kind.value, d.target_team) for d in decisions]


def quiet(**opened: Any) -> Story:
    """A bug report at T1, answered at once, so no wait or time trigger is near."""
    return Story().opened("2026-03-02T09:00", **opened).reply("2026-03-02T09:05")


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


# --------------------------------------------------------------------------- contact facts


def test_an_outage_at_t1_belongs_at_t2_for_two_reasons() -> None:
    s = quiet(contact_type="outage")
    decisions = evaluate(s, "2026-03-02T09:10")
    assert fired(decisions) == [
        ("designated-tier", "escalate", "specialists"),
        ("urgent-category", "escalate", "specialists"),
    ]
    assert decisions[0].explanation.facts == {
        "contact_type": "outage",
        "designated_tier": "T2",
        "designated_team": "specialists",
        "current_tier": "T1",
    }
    assert decisions[1].escalation_type is EscalationType.INCIDENT


def test_an_outage_already_at_t2_stays_put() -> None:
    s = quiet(contact_type="outage", tier="T2", team="specialists")
    assert evaluate(s, "2026-03-02T09:10") == []


def test_the_channel_can_designate_a_higher_tier() -> None:
    assert fired(evaluate(quiet(channel="phone"), "2026-03-02T09:10")) == [
        ("designated-tier", "escalate", "specialists")
    ]
    assert evaluate(quiet(channel="email"), "2026-03-02T09:10") == []


def test_an_unknown_contact_type_designates_nothing() -> None:
    assert evaluate(quiet(contact_type="no_such_type"), "2026-03-02T09:10") == []


@pytest.mark.parametrize(
    ("event", "rule", "team", "etype"),
    [
        ({"flag": "customer_request"}, "customer-asks", "escalations", "customer_initiated"),
        (
            {"flag": "customer_request", "situation": "asks_for_manager"},
            "customer-asks",
            "escalations",
            "customer_initiated",
        ),
        ({"regulatory_obligation": "gdpr_dsr"}, "regulatory", "compliance", "regulatory"),
        ({"flag": "suspected_defect"}, "defect", "engineering", "functional"),
    ],
)
def test_flags_escalate_to_their_teams(
    event: dict[str, Any], rule: str, team: str, etype: str
) -> None:
    s = quiet().add("2026-03-02T09:10", EventKind.FLAGGED, **event)
    (d,) = evaluate(s, "2026-03-02T09:15")
    assert (d.rule, d.kind, d.target_team, d.escalation_type) == (
        rule,
        DecisionKind.ESCALATE,
        team,
        EscalationType(etype),
    )


def test_a_situation_alone_is_not_a_customer_request() -> None:
    """Situation ids belong to the policy; the domain hard-codes none of them. The service sets
    the ``customer_request`` flag when a customer-initiated situation is recorded."""
    s = quiet().add("2026-03-02T09:10", EventKind.FLAGGED, situation="asks_for_manager")
    assert evaluate(s, "2026-03-02T09:15") == []


def test_customer_request_notifies_the_coordinator() -> None:
    s = quiet().add("2026-03-02T09:10", EventKind.FLAGGED, flag="customer_request")
    (d,) = evaluate(s, "2026-03-02T09:15")
    assert d.notify == ("coordinator",) and d.target_tier == "T2"


def test_repeat_contacts_at_the_threshold() -> None:
    s = quiet().customer("2026-03-02T09:20", repeat_contact=True)
    s.customer("2026-03-02T09:30", repeat_contact=True).reply("2026-03-02T09:35")
    assert evaluate(s, "2026-03-02T09:40") == []
    s.customer("2026-03-02T09:40", repeat_contact=True).reply("2026-03-02T09:45")
    (d,) = evaluate(s, "2026-03-02T09:50")
    assert (d.rule, d.target_tier, d.escalation_type, d.priority_raise) == (
        "repeat",
        "T2",
        EscalationType.COMPLEXITY,
        1,
    )
    assert d.explanation.facts == {"repeat_contacts": 3, "threshold": 3}


def test_next_tier_at_the_top_only_raises_priority() -> None:
    s = Story().opened("2026-03-02T09:00", tier="T3", team="engineering")
    for minute in ("10", "20", "30"):
        s.customer(f"2026-03-02T09:{minute}", repeat_contact=True)
    s.reply("2026-03-02T09:40")
    (d,) = evaluate(s, "2026-03-02T09:45")
    assert (d.kind, d.rule, d.priority_raise) == (DecisionKind.RAISE_PRIORITY, "repeat", 1)


def test_customer_wait_counts_calendar_time_since_the_unanswered_message() -> None:
    s = Story().opened("2026-03-06T15:00").reply("2026-03-06T15:05")
    s.customer("2026-03-06T16:00")  # Friday afternoon
    assert evaluate(s, "2026-03-06T19:59:59") == []
    (d,) = evaluate(s, "2026-03-06T20:00")  # office closed; the customer is still waiting
    assert (d.kind, d.rule, d.notify) == (DecisionKind.NOTIFY, "long-wait", ("team_lead",))
    assert d.explanation.facts == {
        "waiting_since": "2026-03-06T16:00:00+01:00",
        "waited_seconds": 14_400.0,
        "max_wait_seconds": 14_400.0,
    }
    s.reply("2026-03-06T20:30")
    assert evaluate(s, "2026-03-06T21:00") == []


def test_customer_wait_across_the_spring_forward_night_counts_real_hours() -> None:
    """Customer writes Saturday 28 March 23:00 CET; four real hours later is 04:00 CEST."""
    s = Story().opened("2026-03-28T22:00").reply("2026-03-28T22:05").customer("2026-03-28T23:00")
    state = fold("c1", s.events)
    assert engine().next_check_at(state) == datetime.fromisoformat("2026-03-29T04:00+02:00")
    # 03:30 CEST is 4.5 wall-clock hours after 23:00 but only 3.5 real hours.
    assert engine().evaluate(state, datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)) == []
    (d,) = engine().evaluate(state, datetime(2026, 3, 29, 4, 0, tzinfo=BERLIN))
    assert d.rule == "long-wait" and d.explanation.facts["waited_seconds"] == 14_400.0


def test_authority_frustration_and_many_affected() -> None:
    s = quiet().add("2026-03-02T09:10", EventKind.APPROVAL_REQUESTED, approval_id="a1")
    assert fired(evaluate(s, "2026-03-02T09:15")) == [("authority", "notify", None)]

    s = quiet().customer("2026-03-02T09:10", frustration=0.69).reply("2026-03-02T09:11")
    assert evaluate(s, "2026-03-02T09:15") == []
    s.customer("2026-03-02T09:20", frustration=0.7).reply("2026-03-02T09:21")
    (d,) = evaluate(s, "2026-03-02T09:25")
    assert (d.rule, d.explanation.facts) == (
        "frustrated",
        {"frustration_score": 0.7, "min_score": 0.7},
    )

    s = quiet().add("2026-03-02T09:10", EventKind.LINKED, incident_id="inc-1", affected=9)
    assert evaluate(s, "2026-03-02T09:15") == []
    s.add("2026-03-02T09:20", EventKind.LINKED, incident_id="inc-1", affected=10)
    (d,) = evaluate(s, "2026-03-02T09:25")
    assert (d.rule, d.kind, d.target_tier, d.notify, d.escalation_type) == (
        "many-affected",
        DecisionKind.ESCALATE,
        "T2",
        ("manager",),
        EscalationType.INCIDENT,
    )


def test_vip_rule_only_for_severe_cases_of_valuable_accounts() -> None:
    assert evaluate(quiet(severity="S3"), "2026-03-02T09:10", VIP) == []
    assert evaluate(quiet(severity="S2"), "2026-03-02T09:10", Account("x")) == []
    (d,) = evaluate(quiet(severity="S2"), "2026-03-02T09:10", VIP)
    assert (d.kind, d.rule, d.notify, d.priority_raise) == (
        DecisionKind.NOTIFY,
        "vip",
        ("account_manager",),
        1,
    )
    assert d.explanation.facts == {
        "account_value": "vip",
        "account": "acme",
        "conditions": ["severity in ['S1', 'S2']"],
    }


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


# --------------------------------------------------------------------------- typed conditions


def _situation(**state: Any) -> Situation:
    s = quiet(channel="phone", severity="S2")
    base = fold("c1", s.events)
    return Situation(replace(base, **state), s.at("2026-03-02T10:00"), VIP, priority=2)


@pytest.mark.parametrize(
    ("field", "op", "value", "holds"),
    [
        ("severity", "eq", "S2", True),
        ("severity", "ne", "S2", False),
        ("severity", "in", ["S1", "S2"], True),
        ("severity", "not_in", ["S1", "S2"], False),
        ("priority", "lt", 3, True),
        ("priority", "lte", 2, True),
        ("priority", "gt", 2, False),
        ("priority", "gte", 2, True),
        ("channel", "eq", "phone", True),
        ("account_value", "eq", "vip", True),
        ("segment", "eq", "smb", True),
        ("repeat_contacts", "gte", 1, False),
        ("affected_customers", "eq", 1, True),
        ("status", "eq", "open", True),
        ("contact_type", "contains", "bug", True),
        ("tier", "in", ["T1"], True),
        ("team", "eq", "frontline", True),
    ],
)
def test_condition_operators(field: str, op: str, value: object, holds: bool) -> None:
    assert condition_holds(Condition(field, op, value), _situation()) is holds


def test_ordering_operators_are_false_on_missing_values() -> None:
    sit = _situation(channel=None)
    assert not condition_holds(Condition("channel", "gt", "a"), sit)
    assert not condition_holds(Condition("channel", "contains", "a"), sit)
    assert condition_holds(Condition("channel", "eq", None), sit)


def test_an_unknown_condition_field_is_an_error() -> None:
    with pytest.raises(KeyError):
        condition_holds(Condition("mood", "eq", "x"), _situation())


def test_a_condition_rule_fires_when_all_its_conditions_hold() -> None:
    rule = TriggerRule(
        "phone-s2",
        TriggerKind.CONDITION,
        TriggerAction(notify=("team_lead",)),
        conditions=(Condition("channel", "eq", "phone"), Condition("severity", "eq", "S2")),
    )
    p = replace(policy(), triggers=(rule,))
    (d,) = evaluate(quiet(channel="phone", severity="S2"), "2026-03-02T09:10", p=p)
    assert d.explanation.facts == {"conditions": ["channel eq phone", "severity eq S2"]}
    assert evaluate(quiet(channel="phone", severity="S3"), "2026-03-02T09:10", p=p) == []


def test_a_rule_with_no_action_yields_no_decision() -> None:
    rule = TriggerRule("noop", TriggerKind.SUSPECTED_DEFECT, TriggerAction())
    p = replace(policy(), triggers=(rule,))
    s = quiet().add("2026-03-02T09:10", EventKind.FLAGGED, flag="suspected_defect")
    assert evaluate(s, "2026-03-02T09:15", p=p) == []


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


def test_an_answer_in_the_repeated_autumn_hour_ends_the_wait() -> None:
    """The customer writes at 02:50 CEST; Alice answers at 02:10 CET, twenty minutes later."""
    from tierline.domain.events import CaseEvent

    s = Story().opened("2026-10-24T20:00").reply("2026-10-24T20:05")
    s.events.append(
        CaseEvent(
            datetime(2026, 10, 25, 2, 50, tzinfo=BERLIN),
            EventKind.MESSAGE,
            {"direction": "inbound"},
        )
    )
    s.events.append(
        CaseEvent(
            datetime(2026, 10, 25, 2, 10, fold=1, tzinfo=BERLIN),
            EventKind.MESSAGE,
            {"direction": "outbound"},
        )
    )
    state = fold("c1", s.events)
    assert engine().evaluate(state, datetime(2026, 10, 25, 9, tzinfo=BERLIN)) == []
    assert engine().next_check_at(state) == s.at("2026-10-26T17:00")  # only time in tier


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
