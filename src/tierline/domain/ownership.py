"""Ownership: exactly one accountable owner at every moment (R-OWN-1..3).

Ownership moves at acceptance, not at the request: while a transfer is pending the sender stays
accountable. A transfer that is not accepted in time is an ownership vacuum, which is the failure
mode this module exists to make visible. The ownership model decides who owns the *next customer
communication*: the owner (relay), the front-line agent who kept the relationship (baton), or the
escalation coordinator (hybrid).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tierline.domain.case import CaseState
from tierline.domain.policy import OwnershipRules
from tierline.domain.vocabulary import OwnershipModel


class OwnershipState(StrEnum):
    OWNED = "owned"
    TRANSFER_REQUESTED = "transfer_requested"
    VACUUM = "vacuum"  # transfer requested, acceptance overdue
    CLOSED = "closed"


class OwnershipError(ValueError):
    """A transition the state machine does not allow; the message says what would."""


class NotAddressedToTeam(OwnershipError):
    """The transfer is addressed to another team: the one asking may not take it (a refusal of
    who asks, not of the case's state)."""


@dataclass(frozen=True)
class Ownership:
    state: OwnershipState
    owner: str | None
    team: str | None
    accountable: str  # the person, else the team, that answers for the case now
    next_comm_owner: str | None
    pending_escalation: str | None
    pending_to_team: str | None
    reason: str


def ownership(
    case: CaseState, rules: OwnershipRules, now: datetime, acceptance_due: datetime | None
) -> Ownership:
    pending = case.pending_transfer
    if not case.is_open:
        status = OwnershipState.CLOSED
        reason = f"case is {case.status}"
    elif pending is None:
        status = OwnershipState.OWNED
        reason = "no transfer pending"
    elif acceptance_due is not None and now.timestamp() >= acceptance_due.timestamp():
        status = OwnershipState.VACUUM
        reason = (
            f"transfer {pending.escalation_id} to {pending.to_team or pending.to_tier} "
            f"not accepted since {pending.requested_at.isoformat()} "
            f"(due {acceptance_due.isoformat()})"
        )
    else:
        status = OwnershipState.TRANSFER_REQUESTED
        target = pending.to_team or pending.to_tier
        reason = f"transfer {pending.escalation_id} awaits acceptance by {target}"
    accountable = case.owner or (f"team:{case.team}" if case.team else "unassigned")
    return Ownership(
        state=status,
        owner=case.owner,
        team=case.team,
        accountable=accountable,
        next_comm_owner=next_communication_owner(case, rules),
        pending_escalation=pending.escalation_id if pending else None,
        pending_to_team=pending.to_team if pending else None,
        reason=reason,
    )


def next_communication_owner(case: CaseState, rules: OwnershipRules) -> str | None:
    """Who must send the next message to the customer under the policy's ownership model."""
    if rules.model is OwnershipModel.BATON:
        return case.front_line_owner or case.owner
    if rules.model is OwnershipModel.HYBRID and case.coordinator:
        return case.coordinator
    return case.owner


def check_transfer_request(case: CaseState) -> None:
    if not case.is_open:
        raise OwnershipError(f"case is {case.status}; reopen it before escalating")
    if case.pending_transfer is not None:
        raise OwnershipError(
            f"transfer {case.pending_transfer.escalation_id} is still awaiting acceptance; "
            "accept or cancel it first"
        )


def check_acceptance(case: CaseState, escalation_id: str, team: str | None) -> None:
    pending = case.pending_transfer
    if pending is None:
        raise OwnershipError("no transfer is awaiting acceptance on this case")
    if pending.escalation_id != escalation_id:
        raise OwnershipError(
            f"escalation {escalation_id} is not the pending one; expected {pending.escalation_id}"
        )
    if pending.to_team and team and team != pending.to_team:
        raise NotAddressedToTeam(
            f"the transfer is addressed to team {pending.to_team}; "
            f"a member of {team} cannot accept it"
        )
