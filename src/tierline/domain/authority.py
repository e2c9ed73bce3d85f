"""Resolution authority (R-AUTH-1..3): apply within limits, otherwise ask the right person.

An action above the requester's limit becomes an approval request to the lowest-ranked role above
them whose limit covers it: the supervisor for a 400 EUR credit, not the director. The server
decides this from the policy, whatever a client claims about its own authority.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from tierline.domain.decisions import Explanation
from tierline.domain.durations import format_duration, parse_duration
from tierline.domain.policy import Policy
from tierline.domain.vocabulary import ActionKind

Amount = Decimal | timedelta | bool


class AuthorityError(ValueError):
    """An action that no role may approve, or a malformed amount."""


@dataclass(frozen=True)
class AuthorityDecision:
    apply: bool  # within the requester's limit: apply now
    approver_role: str | None  # otherwise the role to ask
    explanation: Explanation


def parse_amount(kind: ActionKind, value: Any) -> Amount:
    """Read an action's amount: money for credits/refunds/waivers, a duration for commitments."""
    if kind is ActionKind.POLICY_EXCEPTION:
        return True
    if kind is ActionKind.TIMELINE_COMMITMENT:
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise AuthorityError(f"amount: {exc}") from None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise AuthorityError(f"amount: '{value}' is not a number; expected e.g. 120.50") from None
    if not amount.is_finite() or amount <= 0:
        raise AuthorityError(f"amount: {value} must be a positive number")
    if amount > Decimal("1e12"):
        raise AuthorityError(f"amount: {value} is beyond any limit; expected a realistic amount")
    return amount.quantize(Decimal("0.01"))


def _show(amount: Amount, currency: str) -> str:
    if isinstance(amount, timedelta):
        return format_duration(amount)
    if isinstance(amount, bool):
        return "allowed" if amount else "not allowed"
    return f"{amount} {currency}"


def decide(policy: Policy, role_id: str, kind: ActionKind, amount: Amount) -> AuthorityDecision:
    role = policy.roles.get(role_id)
    if role is None:
        raise AuthorityError(
            f"unknown role '{role_id}'; expected one of: {', '.join(sorted(policy.roles))}"
        )
    facts = {
        "role": role_id,
        "action": kind.value,
        "amount": _show(amount, policy.currency),
        "limit": _show(role.limits.limit_of(kind), policy.currency),
    }
    if role.limits.covers(kind, amount):
        return AuthorityDecision(
            True,
            None,
            Explanation(
                f"roles.{role_id}.limits.{kind.value}",
                policy.version,
                facts,
                f"within {role_id}'s limit ({facts['limit']})",
            ),
        )
    above = sorted(
        (r for r in policy.roles.values() if r.rank > role.rank and r.limits.covers(kind, amount)),
        key=lambda r: (r.rank, r.id),
    )
    if not above:
        raise AuthorityError(
            f"no role may approve a {kind.value} of {facts['amount']}; "
            "expected an amount within the highest role's limit"
        )
    approver = above[0]
    facts["approver_limit"] = _show(approver.limits.limit_of(kind), policy.currency)
    return AuthorityDecision(
        False,
        approver.id,
        Explanation(
            f"roles.{approver.id}.limits.{kind.value}",
            policy.version,
            facts,
            f"above {role_id}'s limit ({facts['limit']}); {approver.id} may approve up to "
            f"{facts['approver_limit']}",
        ),
    )
