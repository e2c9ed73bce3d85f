"""Typed conditions on trigger rules (``severity in [S1, S2]``, ``repeat_contacts >= 3``): each
operator, missing values, unknown fields, and rules that need all their conditions.

The test policy's rules, in order: see ``trigger_helpers``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.builders import policy
from tests.unit.domain.trigger_helpers import VIP, evaluate, quiet
from tierline.domain.case import fold
from tierline.domain.events import EventKind
from tierline.domain.policy import Condition, TriggerAction, TriggerRule
from tierline.domain.triggers import Situation, condition_holds
from tierline.domain.vocabulary import TriggerKind

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
