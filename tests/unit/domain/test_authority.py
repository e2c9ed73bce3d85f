"""Resolution authority (R-AUTH-1..3): apply within the limit, otherwise ask the lowest approver.

Test roles (rank: credit / refund / fee waiver / policy exception / timeline commitment):
agent 10: 50 / 0 / 25 / no / 1d; senior_agent 20: 250 / 100 / 100 / no / 3d;
coordinator 25: 250 / 100 / 100 / no / 3d; supervisor 30: 1000 / 500 / 500 / yes / 10d;
manager 40: 5000 / 5000 / 2000 / yes / 30d.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.builders import policy
from tierline.domain.authority import AuthorityError, decide, parse_amount
from tierline.domain.policy import AuthorityLimits
from tierline.domain.vocabulary import ActionKind

CREDIT, REFUND, WAIVER = ActionKind.CREDIT, ActionKind.REFUND, ActionKind.FEE_WAIVER
EXCEPTION, COMMIT = ActionKind.POLICY_EXCEPTION, ActionKind.TIMELINE_COMMITMENT


def test_an_action_within_the_limit_is_applied_at_once() -> None:
    d = decide(policy(), "agent", CREDIT, Decimal("50.00"))  # the limit itself is within
    assert d.apply and d.approver_role is None
    assert d.explanation.rule == "roles.agent.limits.credit"
    assert d.explanation.summary == "within agent's limit (50 EUR)"
    assert d.explanation.facts == {
        "role": "agent",
        "action": "credit",
        "amount": "50.00 EUR",
        "limit": "50 EUR",
    }


@pytest.mark.parametrize(
    ("role", "kind", "amount", "approver"),
    [
        ("agent", CREDIT, Decimal("50.01"), "senior_agent"),
        ("agent", CREDIT, Decimal("251"), "supervisor"),  # the coordinator's 250 is not enough
        ("agent", REFUND, Decimal("1"), "senior_agent"),
        ("senior_agent", CREDIT, Decimal("300"), "supervisor"),
        ("senior_agent", WAIVER, Decimal("100.01"), "supervisor"),
        ("supervisor", CREDIT, Decimal("2000"), "manager"),
        ("agent", EXCEPTION, True, "supervisor"),
        ("agent", COMMIT, timedelta(days=2), "senior_agent"),
        ("senior_agent", COMMIT, timedelta(days=4), "supervisor"),
    ],
)
def test_above_the_limit_the_lowest_covering_role_above_approves(
    role: str, kind: ActionKind, amount: Decimal | timedelta | bool, approver: str
) -> None:
    d = decide(policy(), role, kind, amount)
    assert not d.apply and d.approver_role == approver
    assert d.explanation.rule == f"roles.{approver}.limits.{kind.value}"


def test_the_explanation_names_both_limits() -> None:
    d = decide(policy(), "agent", CREDIT, Decimal("400.00"))
    assert d.explanation.summary == (
        "above agent's limit (50 EUR); supervisor may approve up to 1000 EUR"
    )
    d = decide(policy(), "agent", COMMIT, timedelta(days=2))
    assert d.explanation.facts["amount"] == "2d" and d.explanation.facts["limit"] == "1d"
    d = decide(policy(), "agent", EXCEPTION, True)
    assert d.explanation.facts["limit"] == "not allowed"
    assert d.explanation.facts["approver_limit"] == "allowed"


def test_within_limits_of_each_kind() -> None:
    assert decide(policy(), "agent", COMMIT, timedelta(hours=24)).apply
    assert decide(policy(), "supervisor", EXCEPTION, True).apply
    assert decide(policy(), "agent", WAIVER, Decimal("25")).apply


def test_nobody_may_approve_beyond_the_highest_limit() -> None:
    with pytest.raises(AuthorityError, match=r"no role may approve a credit of 6000\.00 EUR"):
        decide(policy(), "manager", CREDIT, Decimal("6000.00"))
    with pytest.raises(AuthorityError, match="no role may approve"):
        decide(policy(), "agent", COMMIT, timedelta(days=31))


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(AuthorityError, match="unknown role 'intern'; expected one of: agent"):
        decide(policy(), "intern", CREDIT, Decimal(1))


@pytest.mark.parametrize(
    ("kind", "value", "amount"),
    [
        (CREDIT, "120.5", Decimal("120.50")),
        (REFUND, 99, Decimal("99.00")),
        (WAIVER, "0.015", Decimal("0.02")),
        (COMMIT, "2d", timedelta(days=2)),
        (EXCEPTION, "anything", True),
    ],
)
def test_parse_amount(kind: ActionKind, value: object, amount: object) -> None:
    assert parse_amount(kind, value) == amount


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (CREDIT, "abc", "not a number"),
        (CREDIT, "-5", "must be a positive number"),
        (CREDIT, "0", "must be a positive number"),
        (CREDIT, "NaN", "must be a positive number"),
        (CREDIT, "Infinity", "must be a positive number"),
        (CREDIT, "1e13", "beyond any limit"),
        (COMMIT, "soon", "amount: 'soon' is not a duration"),
    ],
)
def test_parse_amount_refuses(kind: ActionKind, value: object, message: str) -> None:
    with pytest.raises(AuthorityError, match=message):
        parse_amount(kind, value)


def test_limits_cover_and_report() -> None:
    limits = AuthorityLimits(credit=Decimal(10), timeline_commitment=timedelta(hours=4))
    assert limits.covers(CREDIT, Decimal(10)) and not limits.covers(CREDIT, Decimal("10.01"))
    assert limits.covers(COMMIT, timedelta(hours=4))
    assert not limits.covers(EXCEPTION, True)
    assert limits.limit_of(REFUND) == Decimal(0) and limits.limit_of(EXCEPTION) is False
