"""Escalation use cases: escalate, hand off, accept, consult, cancel (R-HAND, R-OWN, R-ROUTE-3).

An escalation opens a transfer; ownership moves only when the receiving side accepts it. A manual
escalation cannot be accepted before a complete structured handoff is recorded. Automatic
escalations (triggers, SLA breaches) carry a system handoff prefilled from what Tierline knows,
scored for completeness, and ask the sending owner to complete it.

Handoffs themselves (drafting, checking, recording) live in ``service.handoffs``;
``draft_handoff`` and ``record_handoff`` are re-exported here, so ``escalations.X`` keeps
working for them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tierline.domain.events import EventKind
from tierline.domain.handoff import Handoff
from tierline.domain.ownership import (
    NotAddressedToTeam,
    OwnershipError,
    check_acceptance,
    check_transfer_request,
)
from tierline.domain.vocabulary import EscalationType, OwnershipModel
from tierline.service.actors import SYSTEM, Actor
from tierline.service.cases import in_case
from tierline.service.errors import Conflict, Forbidden, Invalid
from tierline.service.handoffs import (
    draft_handoff,
    record_handoff,
    refuse_incomplete,
    store_handoff,
)
from tierline.service.runtime import Tierline
from tierline.service.session import CaseSession

__all__ = [
    "accept",
    "cancel_transfer",
    "consult",
    "draft_handoff",
    "escalate",
    "open_escalation",
    "record_handoff",
]


def open_escalation(
    s: CaseSession,
    *,
    escalation_type: EscalationType | None,
    to_tier: str | None,
    to_team: str | None,
    to_person: str | None,
    reason: str,
    automatic: bool,
    rule_id: str | None = None,
    explanation: dict[str, Any] | None = None,
    handoff: Handoff | None = None,
) -> str:
    s.store()  # the escalation row refers to the case, and routing counts open cases
    state = s.require_state()
    etype = escalation_type or EscalationType.TIER
    n = sum(1 for e in s.history if e.kind is EventKind.ESCALATED) + 1
    esc_id = f"E{s.case_id}-{n}"
    if to_team is None and to_person is not None:
        person = s.uow.people.by_handle(to_person)
        to_team = person["team"] if person else None
    policy = s.policy.policy
    to_tier = to_tier or policy.tier_of_team(to_team)
    actor = SYSTEM.handle if automatic else s.actor.handle
    s.record(
        EventKind.ESCALATED,
        {
            "escalation_id": esc_id,
            "type": etype.value,
            "to_tier": to_tier,
            "to_team": to_team,
            "to_person": to_person,
            "reason": reason,
            "automatic": automatic,
            "rule_id": rule_id,
            "explanation": explanation,
        },
        actor=actor,
    )
    s.uow.escalations.add(
        {
            "id": esc_id,
            "case_id": s.case_id,
            "type": etype.value,
            "from_tier": state.pending_transfer.from_tier if state.pending_transfer else state.tier,
            "from_team": state.pending_transfer.from_team if state.pending_transfer else state.team,
            "from_owner": state.owner,
            "to_tier": to_tier,
            "to_team": to_team,
            "to_person": to_person,
            "reason": reason,
            "automatic": automatic,
            "rule_id": rule_id,
            "explanation": explanation,
            "requested_at": s.now,
            "requested_by": actor,
            "status": "pending",
        }
    )
    _link_repeat_escalation(s, esc_id)
    if handoff is None and automatic:
        handoff = draft_handoff(s)
        handoff = Handoff(**{**handoff.__dict__, "reason": reason})
    if handoff is not None:
        store_handoff(s, esc_id, handoff, system=automatic)
    if s.plan.governing.ownership.model is OwnershipModel.HYBRID and not state.coordinator:
        role = s.plan.governing.ownership.coordinator_role
        coordinators = s.uow.people.with_role(role) if role else []
        if coordinators:
            load = s.uow.cases.open_load([p["handle"] for p in coordinators])
            pick = min(coordinators, key=lambda p: (load.get(p["handle"], 0), p["handle"]))
            s.record(EventKind.COORDINATOR_ASSIGNED, {"coordinator": pick["handle"]}, actor=actor)
    if "escalation_notice" in s.plan.governing.communication.auto_send:
        from tierline.service.communications import send

        send(s, "escalation_notice", auto=True)
    receivers = (
        [to_person] if to_person else [p["handle"] for p in s.uow.people.in_team(to_team or "")]
    )
    summary = f"case {s.case_id} escalated to {to_team or to_tier} ({etype.value}): {reason}"
    if receivers:
        s.messages.notify_people(
            receivers, summary, {"escalation_id": esc_id, "explanation": explanation or {}}
        )
    else:
        s.record(
            EventKind.NOTE,
            {
                "problem": "no_receiver",
                "summary": f"nobody is in team {to_team} to accept {esc_id}",
            },
            actor=SYSTEM.handle,
        )
    return esc_id


def _link_repeat_escalation(s: CaseSession, esc_id: str) -> None:
    """R-RES-4: the same account escalating the same issue again within the window is a repeat
    escalation, linked to the earlier one and counted."""
    state = s.require_state()
    account = s.row.get("account_id")
    if not account or s.row.get("repeat_of") is not None:
        return
    window = s.plan.governing.communication.repeat_escalation_window
    earlier = s.uow.cases.find_recent_escalation(
        account,
        state.contact_type,
        str(s.row.get("product_area") or ""),
        s.now - window,
        s.case_id,
    )
    if earlier is None:
        return
    earlier_escalations = s.uow.escalations.for_case(int(earlier["id"]))
    previous = earlier_escalations[-1]["id"] if earlier_escalations else None
    s.record(
        EventKind.LINKED,
        {
            "repeat_escalation_of": int(earlier["id"]),
            "earlier_escalation": previous,
            "window_days": window.days,
        },
        actor=SYSTEM.handle,
    )
    s.uow.escalations.update(esc_id, {"repeat_of": previous})
    s.row["repeat_of"] = int(earlier["id"])


def escalate(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    *,
    escalation_type: EscalationType,
    reason: str,
    to_tier: str | None = None,
    to_team: str | None = None,
    to_person: str | None = None,
    handoff: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    policy = rt.active().policy
    if not reason.strip():
        raise Invalid("reason is empty; expected why the case must move")
    if to_team is not None and to_team not in policy.teams:
        raise Invalid(
            f"unknown team '{to_team}'; expected one of: {', '.join(sorted(policy.teams))}"
        )
    if to_tier is not None and to_tier not in {t.id for t in policy.tiers}:
        raise Invalid(
            f"unknown tier '{to_tier}'; expected one of: {', '.join(t.id for t in policy.tiers)}"
        )
    if to_tier is None and to_team is None and to_person is None:
        raise Invalid("no target; expected to_tier, to_team or to_person")
    if to_tier is not None and to_team is None:
        default = policy.team_for_tier(to_tier)
        to_team = default.id if default else None
    parsed = Handoff.from_data(handoff) if handoff is not None else None

    def work(s: CaseSession) -> str:
        state = s.require_state()
        try:
            check_transfer_request(state)
        except OwnershipError as exc:
            raise Conflict(str(exc)) from None
        if to_person is not None:
            person = s.uow.people.by_handle(to_person)
            if person is None or (to_team and person["team"] != to_team):
                raise Invalid(f"'{to_person}' is not an active member of team {to_team}")
        if (
            escalation_type is EscalationType.CUSTOMER_INITIATED
            and state.customer_requested
            and state.acknowledged_at is None
        ):
            raise Conflict(
                "the customer asked for a manager: acknowledge them first, with a commitment of "
                "who will contact them and when (POST /api/cases/{id}/acknowledge)"
            )
        if to_team == state.team and to_person in (None, state.owner):
            raise Conflict(f"the case is already with team {to_team}; choose another target")
        if parsed is not None:
            refuse_incomplete(s, parsed)
        return open_escalation(
            s,
            escalation_type=escalation_type,
            to_tier=to_tier,
            to_team=to_team,
            to_person=to_person,
            reason=reason,
            automatic=False,
            handoff=parsed,
        )

    return in_case(
        rt, case_id, actor, work, permission="case.escalate", doing="escalate cases", now=now
    )


def accept(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    escalation_id: str | None = None,
    warm: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    def work(s: CaseSession) -> None:
        state = s.require_state()
        pending = state.pending_transfer
        if pending is None:
            raise Conflict("no transfer is awaiting acceptance on this case")
        esc = escalation_id or pending.escalation_id
        coordinator = actor.role == (s.plan.governing.ownership.coordinator_role or "")
        try:
            check_acceptance(state, esc, None if coordinator else actor.team)
        except NotAddressedToTeam as exc:
            raise Forbidden(str(exc)) from None
        except OwnershipError as exc:
            raise Conflict(str(exc)) from None
        automatic = any(
            e.kind is EventKind.ESCALATED and e.get("escalation_id") == esc and e.get("automatic")
            for e in s.history
        )
        if not pending.handoff_complete and not automatic:
            raise Conflict(
                f"escalation {esc} has no complete handoff yet; the sending side must record one "
                "(POST /api/cases/{id}/handoffs) before it can be accepted"
            )
        waited = (s.now - pending.requested_at).total_seconds()
        tier = pending.to_tier or s.policy.policy.tier_of_team(pending.to_team)
        s.record(
            EventKind.ACCEPTED,
            {
                "escalation_id": esc,
                "by": actor.handle,
                "team": pending.to_team or actor.team,
                "tier": tier,
                "waited_seconds": waited,
                "warm": warm,
            },
        )
        s.uow.escalations.update(
            esc, {"accepted_at": s.now, "accepted_by": actor.handle, "status": "accepted"}
        )
        if pending.from_owner and pending.from_owner != actor.handle:
            s.messages.notify_people(
                [pending.from_owner],
                f"{actor.name} accepted case {s.case_id}",
                {"escalation_id": esc},
            )

    return in_case(
        rt, case_id, actor, work, permission="case.accept", doing="accept cases", now=now
    )[1]


def cancel_transfer(
    rt: Tierline, case_id: int, actor: Actor, reason: str, now: datetime | None = None
) -> dict[str, Any]:
    def work(s: CaseSession) -> None:
        pending = s.require_state().pending_transfer
        if pending is None:
            raise Conflict("no transfer is pending")
        s.record(
            EventKind.TRANSFER_CANCELLED, {"escalation_id": pending.escalation_id, "reason": reason}
        )
        s.uow.escalations.update(pending.escalation_id, {"status": "cancelled"})

    return in_case(
        rt, case_id, actor, work, permission="case.escalate", doing="cancel transfers", now=now
    )[1]


def consult(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    expert: str,
    question: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    if not question.strip():
        raise Invalid("question is empty; expected what the expert is asked")

    def work(s: CaseSession) -> None:
        person = s.uow.people.by_handle(expert)
        if person is None or not person["active"]:
            raise Invalid(f"unknown person '{expert}'")
        s.record(
            EventKind.CONSULTED, {"expert": expert, "team": person["team"], "question": question}
        )
        s.messages.notify_people(
            [expert], f"{actor.name} asks for your help on case {s.case_id}", {"question": question}
        )

    return in_case(
        rt, case_id, actor, work, permission="case.write", doing="consult experts", now=now
    )[1]
