"""What the facts of a contact trigger: contact type and channel, flags, repeat contacts, the
customer's wait, authority, frustration, many affected customers, VIP accounts.

The test policy's rules, in order: see ``trigger_helpers``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.builders import BERLIN, Story
from tests.unit.domain.trigger_helpers import VIP, engine, evaluate, fired, quiet
from tierline.domain.case import Account, fold
from tierline.domain.decisions import DecisionKind
from tierline.domain.events import EventKind
from tierline.domain.vocabulary import EscalationType

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
