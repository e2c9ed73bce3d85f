"""Structured handoffs (R-HAND): drafting one from what Tierline knows, checking it is complete,
storing it against its escalation, and the use case that records one.

A handoff is what lets the receiving side accept a transfer, so escalations depend on this
module and not the other way round.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tierline.domain.events import EventKind
from tierline.domain.handoff import Handoff, check_handoff, prefill
from tierline.service.actors import SYSTEM, Actor
from tierline.service.case_access import in_case
from tierline.service.errors import Conflict, Invalid
from tierline.service.runtime import Tierline
from tierline.service.session import CaseSession


def _earlier_handoffs(s: CaseSession) -> list[Handoff]:
    return [Handoff.from_data(h["fields"]) for h in s.uow.handoffs.for_case(s.case_id)]


def draft_handoff(s: CaseSession) -> Handoff:
    state = s.require_state()
    earlier = 0
    if s.account is not None:
        earlier = s.uow.escalations.count_for_account(s.account.id)
    return prefill(
        state,
        s.account,
        _earlier_handoffs(s),
        earlier,
        str(s.row.get("description") or ""),
        s.now.date(),
    )


def store_handoff(s: CaseSession, esc_id: str, handoff: Handoff, *, system: bool) -> None:
    """Record a handoff on the case and against its escalation, scored for completeness."""
    check = check_handoff(s.policy.policy.handoff, handoff)
    s.record(
        EventKind.HANDOFF_RECORDED,
        {
            "escalation_id": esc_id,
            "complete": check.complete,
            "completeness": check.completeness,
            "missing": list(check.missing),
            "warm": handoff.warm,
            "system": system,
            "fields": handoff.to_data(),
        },
        actor=SYSTEM.handle if system else s.actor.handle,
    )
    s.store()  # the handoff row refers to the case
    s.uow.handoffs.add(
        {
            "case_id": s.case_id,
            "escalation_id": esc_id,
            "fields": handoff.to_data(),
            "completeness": check.completeness,
            "complete": check.complete,
            "warm": handoff.warm,
            "recorded_by": SYSTEM.handle if system else s.actor.handle,
            "recorded_at": s.now,
        }
    )
    s.uow.escalations.update(esc_id, {"handoff_completeness": check.completeness})


def refuse_incomplete(s: CaseSession, handoff: Handoff) -> None:
    """Refuse a handoff that misses a required field, naming each one and what it expects."""
    check = check_handoff(s.policy.policy.handoff, handoff)
    if not check.complete:
        raise Invalid(
            f"the handoff is missing {len(check.missing)} required field(s): "
            f"{', '.join(check.missing)}",
            [
                {"field": name, "expected": expected}
                for name, expected in (d.split(": ", 1) for d in check.describe_missing())
            ],
        )


def record_handoff(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    fields: dict[str, Any],
    escalation_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    try:
        handoff = Handoff.from_data(fields)
    except ValueError as exc:
        raise Invalid(f"handoff: {exc}") from None

    def work(s: CaseSession) -> None:
        state = s.require_state()
        pending = state.pending_transfer
        if pending is None:
            raise Conflict("no escalation is pending; escalate first, then record its handoff")
        if escalation_id is not None and escalation_id != pending.escalation_id:
            raise Conflict(
                f"escalation {escalation_id} is not pending; expected {pending.escalation_id}"
            )
        refuse_incomplete(s, handoff)
        store_handoff(s, pending.escalation_id, handoff, system=False)

    return in_case(
        rt, case_id, actor, work, permission="case.escalate", doing="record handoffs", now=now
    )[1]
