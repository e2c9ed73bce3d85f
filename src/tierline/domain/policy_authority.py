"""Policy data for who may do what: roles, their money and time limits, and API permissions.

Authority (R-AUTH) is its own theme: approvals and the API read it, while clocks and routing
never do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from tierline.domain.vocabulary import ActionKind


@dataclass(frozen=True)
class AuthorityLimits:
    """What a role may decide alone (R-AUTH-1). Money is in the policy's currency."""

    credit: Decimal = Decimal(0)
    refund: Decimal = Decimal(0)
    fee_waiver: Decimal = Decimal(0)
    policy_exception: bool = False
    timeline_commitment: timedelta = timedelta(0)

    def covers(self, kind: ActionKind, amount: Decimal | timedelta | bool) -> bool:
        if kind is ActionKind.POLICY_EXCEPTION:
            return self.policy_exception
        if kind is ActionKind.TIMELINE_COMMITMENT:
            assert isinstance(amount, timedelta)
            return amount <= self.timeline_commitment
        assert isinstance(amount, Decimal)
        limit = {
            ActionKind.CREDIT: self.credit,
            ActionKind.REFUND: self.refund,
            ActionKind.FEE_WAIVER: self.fee_waiver,
        }[kind]
        return amount <= limit

    def limit_of(self, kind: ActionKind) -> Decimal | timedelta | bool:
        limits: dict[ActionKind, Decimal | timedelta | bool] = {
            ActionKind.CREDIT: self.credit,
            ActionKind.REFUND: self.refund,
            ActionKind.FEE_WAIVER: self.fee_waiver,
            ActionKind.POLICY_EXCEPTION: self.policy_exception,
            ActionKind.TIMELINE_COMMITMENT: self.timeline_commitment,
        }
        return limits[kind]


#: Permissions a role can be granted; the API checks them (R-AUTH-4).
PERMISSIONS: frozenset[str] = frozenset(
    {
        "case.read",  # see cases of one's own team
        "case.read_all",  # see every case
        "case.write",  # open cases, add messages, change status
        "case.escalate",
        "case.accept",
        "case.resolve",
        "approval.decide",
        "policy.read",
        "policy.write",
        "user.admin",
        "sensitive.read",
        "report.read",
    }
)


@dataclass(frozen=True)
class Role:
    id: str
    label: str = ""
    #: Seniority; approvals go to the lowest-ranked role whose limit covers the action.
    rank: int = 0
    limits: AuthorityLimits = field(default_factory=AuthorityLimits)
    permissions: frozenset[str] = frozenset()
