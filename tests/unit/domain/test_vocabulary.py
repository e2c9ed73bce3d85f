"""The domain's words: string enums that serialise as themselves, and their orderings."""

from __future__ import annotations

import json

from tierline.domain.decisions import Decision, DecisionKind, Explanation
from tierline.domain.vocabulary import (
    PAUSABLE_CLOCKS,
    AccountValue,
    ClockKind,
    EscalationType,
    Severity,
)


def test_severity_rank_sorts_the_most_severe_first() -> None:
    assert sorted([Severity.S3, Severity.S1, Severity.S4, Severity.S2], key=lambda s: s.rank) == [
        Severity.S1,
        Severity.S2,
        Severity.S3,
        Severity.S4,
    ]
    assert Severity.S1.rank == 1


def test_account_value_rank() -> None:
    assert AccountValue.STANDARD.rank < AccountValue.VIP.rank < AccountValue.STRATEGIC.rank


def test_enums_serialise_as_their_words() -> None:
    assert json.dumps([Severity.S2, EscalationType.CUSTOMER_INITIATED]) == (
        '["S2", "customer_initiated"]'
    )
    assert Severity("S2") is Severity.S2


def test_regulatory_and_commitment_clocks_can_never_pause() -> None:
    assert ClockKind.REGULATORY not in PAUSABLE_CLOCKS
    assert ClockKind.COMMITMENT not in PAUSABLE_CLOCKS
    assert ClockKind.APPROVAL not in PAUSABLE_CLOCKS
    assert {ClockKind.RESOLUTION, ClockKind.FIRST_RESPONSE} <= PAUSABLE_CLOCKS


def test_a_decision_carries_its_explanation_as_json_ready_data() -> None:
    d = Decision(
        DecisionKind.ESCALATE,
        Explanation("repeat", "pv-1", {"repeat_contacts": 3}, "repeat contacts"),
        target_tier="T2",
        target_team="specialists",
        escalation_type=EscalationType.COMPLEXITY,
        notify=("team_lead",),
        priority_raise=1,
    )
    assert d.rule == "repeat"
    data = d.to_data()
    assert json.loads(json.dumps(data)) == {
        "kind": "escalate",
        "target_tier": "T2",
        "target_team": "specialists",
        "escalation_type": "complexity",
        "notify": ["team_lead"],
        "priority_raise": 1,
        "flag": None,
        "explanation": {
            "rule": "repeat",
            "policy_version": "pv-1",
            "facts": {"repeat_contacts": 3},
            "summary": "repeat contacts",
        },
    }
