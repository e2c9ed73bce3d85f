"""Authority use cases (R-AUTH-1..3): request an action, approve or deny it.

The requester's authority is their role in the active policy, looked up by the server; nothing the
client sends about its own role or limits is read. An approval request has its own clock, so an
approval left waiting is flagged like any other breach.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tierline.domain.authority import AuthorityError, decide, parse_amount
from tierline.domain.durations import format_duration
from tierline.domain.events import EventKind
from tierline.domain.vocabulary import ActionKind, TimeBasis
from tierline.service.actors import Actor
from tierline.service.cases import in_case
from tierline.service.errors import Conflict, Forbidden, Invalid, NotFound
from tierline.service.runtime import Tierline
from tierline.service.session import CaseSession


def _amount_text(amount: Any) -> str:
    if isinstance(amount, timedelta):
        return format_duration(amount)
    return str(amount)


def request_action(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    *,
    kind: ActionKind,
    amount: Any,
    reason: str,
    now: datetime | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply the action when within the actor's limit, else open an approval; returns
    (outcome, case row)."""
    policy = rt.active().policy
    try:
        parsed = parse_amount(kind, amount)
        decision = decide(policy, actor.role, kind, parsed)
    except AuthorityError as exc:
        raise Invalid(str(exc)) from None
    if not reason.strip():
        raise Invalid("reason is empty; expected why the action is needed")

    def work(s: CaseSession) -> dict[str, Any]:
        state = s.require_state()
        if not state.is_open:
            raise Conflict(f"the case is {state.status}; reopen it first")
        facts = decision.explanation.to_data()
        if decision.apply:
            s.record(
                EventKind.ACTION_APPLIED,
                {
                    "action": kind.value,
                    "amount": _amount_text(parsed),
                    "currency": policy.currency,
                    "role": actor.role,
                    "reason": reason,
                    "explanation": facts,
                },
            )
            return {"outcome": "applied", "explanation": facts}
        target = policy.approval_target
        cal = (
            s.calendars.get(target.calendar or policy.calendar_for_team(state.team) or "24x7")
            if target.basis is TimeBasis.BUSINESS
            else s.calendars.get("24x7")
        )
        due = cal.add(s.now, target.duration)
        s.store()  # the approval row refers to the case
        approval_id = s.uow.approvals.add(
            {
                "case_id": s.case_id,
                "action": kind.value,
                "amount": _amount_text(parsed),
                "currency": policy.currency,
                "reason": reason,
                "requested_by": actor.handle,
                "requester_role": actor.role,
                "approver_role": decision.approver_role,
                "status": "pending",
                "requested_at": s.now,
                "due_at": due,
                "explanation": facts,
            }
        )
        s.record(
            EventKind.APPROVAL_REQUESTED,
            {
                "approval_id": str(approval_id),
                "action": kind.value,
                "amount": _amount_text(parsed),
                "currency": policy.currency,
                "approver_role": decision.approver_role,
                "due_at": due.isoformat(),
                "reason": reason,
                "explanation": facts,
            },
        )
        assert decision.approver_role is not None
        s.messages.notify(
            [decision.approver_role],
            f"approval needed on case {s.case_id}: {kind.value} {_amount_text(parsed)} ({reason})",
            {"approval_id": approval_id, "explanation": facts},
        )
        return {
            "outcome": "approval_requested",
            "approval_id": approval_id,
            "approver_role": decision.approver_role,
            "due_at": due.isoformat(),
            "explanation": facts,
        }

    return in_case(
        rt, case_id, actor, work, permission="case.write", doing="request actions", now=now
    )


def decide_approval(
    rt: Tierline,
    approval_id: int,
    actor: Actor,
    *,
    approve: bool,
    note: str = "",
    now: datetime | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    actor.require("approval.decide", "decide approvals")
    policy = rt.active().policy
    with rt.uow(readonly=True) as uow:
        approval = uow.approvals.get(approval_id)
        row = uow.cases.get(approval["case_id"]) if approval else None
    if approval is None or row is None:
        raise NotFound(f"approval {approval_id} does not exist")
    if approval["status"] != "pending":
        raise Conflict(f"approval {approval_id} was already {approval['status']}")
    kind = ActionKind(approval["action"])
    amount = (
        parse_amount(kind, approval["amount"]) if kind is not ActionKind.POLICY_EXCEPTION else True
    )
    role = policy.roles.get(actor.role)
    needed = policy.roles.get(approval["approver_role"])
    if (
        role is None
        or not role.limits.covers(kind, amount)
        or (needed is not None and role.rank < needed.rank)
    ):
        raise Forbidden(
            f"role '{actor.role}' may not decide this {kind.value} of {approval['amount']}; "
            f"it needs role '{approval['approver_role']}' or a role above it whose limit covers it"
        )
    if approval["requested_by"] == actor.handle:
        raise Forbidden("nobody may approve their own request")

    def work(s: CaseSession) -> dict[str, Any]:
        status = "approved" if approve else "denied"
        if not s.uow.approvals.decide(
            approval_id,
            {
                "status": status,
                "decided_by": actor.handle,
                "decided_at": s.now,
                "decision_note": note,
            },
        ):
            raise Conflict(f"approval {approval_id} was decided by someone else meanwhile")
        s.record(
            EventKind.APPROVAL_DECIDED,
            {
                "approval_id": str(approval_id),
                "approved": approve,
                "note": note,
                "role": actor.role,
            },
        )
        if approve:
            s.record(
                EventKind.ACTION_APPLIED,
                {
                    "action": kind.value,
                    "amount": approval["amount"],
                    "currency": approval["currency"],
                    "approved_by": actor.handle,
                    "approval_id": str(approval_id),
                },
            )
        s.messages.notify_people(
            [approval["requested_by"]],
            f"{kind.value} of {approval['amount']} {status} by {actor.name}",
            {"approval_id": approval_id},
        )
        return {"approval_id": approval_id, "status": status}

    # Approvers often sit outside the case's team: their permission is what admits them.
    return in_case(
        rt,
        int(approval["case_id"]),
        actor,
        work,
        permission="approval.decide",
        doing="decide approvals",
        now=now,
        check_visibility=False,
    )
