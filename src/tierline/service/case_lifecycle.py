"""A case's standing over its life: status changes (and pauses), assignment within the team,
resolution, closure and reopening.

Each function is one transaction. A refusal raises before anything is written, so a refused
request leaves the store exactly as it was.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tierline.domain.events import EventKind
from tierline.domain.vocabulary import CaseStatus, ClosureKind
from tierline.service.actors import Actor
from tierline.service.case_access import in_case
from tierline.service.errors import Conflict, Invalid
from tierline.service.runtime import Tierline
from tierline.service.session import CaseSession


def change_status(
    rt: Tierline, case_id: int, actor: Actor, to: str, reason: str = "", now: datetime | None = None
) -> dict[str, Any]:
    policy = rt.active().policy
    allowed = [CaseStatus.OPEN.value, *policy.pause_statuses]
    if to not in allowed:
        raise Invalid(
            f"status '{to}' cannot be set here; expected one of: {', '.join(allowed)} "
            "(use resolve, close and reopen for the others)"
        )

    def work(s: CaseSession) -> None:
        state = s.require_state()
        if not state.is_open:
            raise Conflict(f"the case is {state.status}; reopen it first")
        if state.status != to:
            s.record(EventKind.STATUS_CHANGED, {"from": state.status, "to": to, "reason": reason})

    return in_case(
        rt, case_id, actor, work, permission="case.write", doing="change status", now=now
    )[1]


def assign(
    rt: Tierline, case_id: int, actor: Actor, owner: str, now: datetime | None = None
) -> dict[str, Any]:
    def work(s: CaseSession) -> None:
        state = s.require_state()
        person = s.uow.people.by_handle(owner)
        if person is None or not person["active"]:
            raise Invalid(f"unknown person '{owner}'")
        if person["team"] != state.team:
            raise Invalid(
                f"{owner} is in team {person['team']}, not {state.team}; "
                "escalate to move the case to another team"
            )
        s.record(EventKind.ASSIGNED, {"owner": owner, "team": state.team})

    return in_case(
        rt, case_id, actor, work, permission="case.accept", doing="assign cases", now=now
    )[1]


def resolve(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    *,
    summary: str,
    root_cause: str | None = None,
    preventable: bool | None = None,
    five_whys: list[str] | None = None,
    message: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Resolve a case. With ``message`` (the resolution message's parts and optionally its text)
    the message is checked for closure and sent with the resolution; a message missing a part
    refuses the whole request. Without one, the resolution message becomes a deadline."""
    policy = rt.active().policy
    if root_cause is not None and root_cause not in policy.root_causes:
        raise Invalid(
            f"unknown root cause '{root_cause}'; expected one of: "
            f"{', '.join(sorted(policy.root_causes))}"
        )
    if not summary.strip():
        raise Invalid("summary is empty; expected what was done to resolve the case")

    def work(s: CaseSession) -> None:
        state = s.require_state()
        if not state.is_open:
            raise Conflict(f"the case is already {state.status}")
        pending = state.pending_transfer
        if pending is not None:
            # Resolving ends the need for the transfer; it is cancelled on the record, not lost.
            s.record(
                EventKind.TRANSFER_CANCELLED,
                {"escalation_id": pending.escalation_id, "reason": "case resolved"},
            )
            s.uow.escalations.update(pending.escalation_id, {"status": "cancelled"})
        if message is not None:
            from tierline.service.communications import resolution_gate, send

            fields = {k: v for k, v in message.items() if k != "text"}
            fields.setdefault("root_cause_category", root_cause)
            flags = resolution_gate(s, fields, message.get("text"))
            send(s, "resolution", text=message.get("text"), fields=fields, extra={"flags": flags})
        s.record(
            EventKind.RESOLVED,
            {
                "summary": summary,
                "root_cause": root_cause,
                "preventable": preventable,
                "five_whys": five_whys or [],
            },
        )

    return in_case(
        rt, case_id, actor, work, permission="case.resolve", doing="resolve cases", now=now
    )[1]


def close(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    closure: ClosureKind,
    reason: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    def work(s: CaseSession) -> None:
        state = s.require_state()
        if state.status == CaseStatus.CLOSED.value:
            raise Conflict("the case is already closed")
        if closure is ClosureKind.CUSTOMER_ACCEPTED and state.status != CaseStatus.RESOLVED.value:
            raise Conflict(
                "only a resolved case can be closed as customer-accepted; resolve it first"
            )
        s.record(EventKind.CLOSED, {"closure": closure.value, "reason": reason})

    return in_case(
        rt, case_id, actor, work, permission="case.resolve", doing="close cases", now=now
    )[1]


def reopen(
    rt: Tierline, case_id: int, actor: Actor, reason: str = "", now: datetime | None = None
) -> dict[str, Any]:
    def work(s: CaseSession) -> None:
        state = s.require_state()
        if state.is_open:
            raise Conflict(f"the case is {state.status}, not resolved or closed")
        ended = state.resolved_at or state.closed_at or s.now
        window = s.plan.governing.communication.reopen_window
        repeat = s.now - ended <= window
        s.record(
            EventKind.REOPENED,
            {
                "reason": reason,
                "repeat_escalation": repeat,
                "since_resolution_seconds": (s.now - ended).total_seconds(),
            },
        )

    return in_case(
        rt, case_id, actor, work, permission="case.write", doing="reopen cases", now=now
    )[1]
