"""Customer communications: the messages the policy promises, sent by people or by Tierline.

Every message goes out as an outbound ``message`` event with its ``kind`` (which meets the
matching communication clock) and an outbox row (e-mail, or the chat/SMS webhook) written in the
same transaction. A customer who asks for a manager is acknowledged first, with a specific
commitment (who, by when) that becomes a hard deadline; only then does the customer-initiated
escalation proceed (R-COMM-5).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tierline.domain.clocks import compute_clocks
from tierline.domain.events import EventKind
from tierline.domain.resolution import check_resolution
from tierline.domain.vocabulary import ClockKind, EscalationType, MessageDirection, TimeBasis
from tierline.service.actors import SYSTEM, Actor
from tierline.service.cases import in_case
from tierline.service.errors import Conflict, Invalid, ServiceError
from tierline.service.runtime import Tierline
from tierline.service.session import CaseSession
from tierline.service.templates import render, template_for

KINDS = (
    "acknowledgement",
    "escalation_notice",
    "daily_update",
    "resolution",
    "follow_up",
    "incident_update",
    "general",
)


def _when(session: CaseSession, at: datetime) -> str:
    cal = session.calendars.get(
        session.policy.policy.calendar_for_team(session.require_state().team) or "24x7"
    )
    local = at.astimezone(cal.tz)
    return f"{local:%A %d %B %Y, %H:%M} ({cal.spec.timezone})"


def next_contact(session: CaseSession) -> datetime:
    """When the customer will next hear from us: the earliest promise still open."""
    clocks = compute_clocks(session.history, session.plan.governing, session.calendars, session.now)
    kinds = (ClockKind.COMMITMENT, ClockKind.DAILY_UPDATE, ClockKind.NEXT_UPDATE)
    dues = [
        c.due_at
        for c in clocks.clocks
        if c.kind in kinds and c.running and c.due_at and c.due_at > session.now
    ]
    if dues:
        return min(dues, key=lambda d: d.timestamp())
    target = session.plan.governing.communication.daily_after
    cal = session.calendars.get(
        "24x7"
        if target.basis is TimeBasis.CALENDAR
        else (session.policy.policy.calendar_for_team(session.require_state().team) or "24x7")
    )
    return cal.add(session.now, target.duration)


def _person(session: CaseSession, handle: str | None) -> str:
    if not handle:
        return ""
    person = session.uow.people.by_handle(handle)
    return str(person["name"]) if person else handle


def context(session: CaseSession, kind: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    state = session.require_state()
    policy = session.policy.policy
    pending = state.pending_transfer
    team_id = (pending.to_team if pending and kind == "escalation_notice" else None) or state.team
    team = policy.teams.get(team_id or "")
    owner_handle = (pending.to_person if pending and kind == "escalation_notice" else None) or (
        None if pending and kind == "escalation_notice" else state.owner
    )
    links: dict[str, str] = {}
    try:
        from tierline.service.links import customer_links

        # Each link lives as long as its action can be taken (the policy's windows).
        links = customer_links(
            session.rt.settings, session.case_id, session.now, session.plan.governing.communication
        )
    except ServiceError as exc:  # no signing key: the message goes without links, and says so
        if kind in ("resolution", "follow_up"):
            session.record(
                EventKind.NOTE,
                {"problem": "links_unavailable", "reason": str(exc)},
                actor=SYSTEM.handle,
            )
    ctx: dict[str, Any] = {
        "case": {"id": session.case_id, "subject": session.row.get("subject") or "your request"},
        "customer": {"name": session.row.get("contact_name") or ""},
        "org": policy.label or policy.name,
        "owner": {
            "name": _person(session, owner_handle),
            "team_label": (team.label if team and team.label else team_id) or "our team",
        },
        "next_contact": _when(session, next_contact(session)),
        "links": links,
        "fields": {},
        "message": "",
        "commitment": None,
    }
    ctx.update(extra or {})
    return ctx


def send(
    session: CaseSession,
    kind: str,
    *,
    text: str | None = None,
    subject: str | None = None,
    fields: dict[str, Any] | None = None,
    auto: bool = False,
    extra: dict[str, Any] | None = None,
) -> None:
    """Record an outbound message of ``kind`` and queue it to the customer.

    The kind's template always renders, so a notice always says who owns the case, when the
    next contact is and what to do meanwhile; the agent's ``text`` goes into it as ``message``.
    A resolution's text, once checked against its parts, and a general message are sent as
    written.
    """
    policy = session.policy.policy
    language = str(session.row.get("language") or "en")
    ctx = context(session, kind, {"fields": fields or {}, **(extra or {})})
    if text:
        ctx["message"] = text
    rendered_subject, body = render(
        template_for(policy.communication.templates, kind, language), ctx
    )
    if text and kind in ("resolution", "general"):
        body = text
    subject = subject or rendered_subject or kind.replace("_", " ").capitalize()
    session.record(
        EventKind.MESSAGE,
        {
            "direction": MessageDirection.OUTBOUND.value,
            "kind": kind,
            "subject": subject,
            "body": body,
            "auto": auto,
            "fields": fields or {},
        },
        actor=SYSTEM.handle if auto else None,
    )
    session.messages.to_customer(kind, subject, body)


def send_communication(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    *,
    kind: str,
    text: str | None = None,
    subject: str | None = None,
    fields: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    if kind not in KINDS:
        raise Invalid(f"unknown communication kind '{kind}'; expected one of: {', '.join(KINDS)}")
    if kind == "acknowledgement":
        raise Invalid("acknowledge with POST /api/cases/{id}/acknowledge (it needs a commitment)")

    def work(s: CaseSession) -> None:
        state = s.require_state()
        if kind == "resolution":
            resolution_gate(s, fields or {}, text)
        elif kind != "follow_up" and not state.is_open:
            raise Conflict(f"the case is {state.status}; reopen it before writing to the customer")
        send(s, kind, text=text, subject=subject, fields=fields)

    return in_case(
        rt, case_id, actor, work, permission="case.write", doing="write to customers", now=now
    )[1]


def resolution_gate(session: CaseSession, fields: dict[str, Any], text: str | None) -> list[str]:
    """Refuse a resolution message with a part missing; return the flags a reader would fix."""
    policy = session.policy.policy
    cause = str(fields.get("root_cause_category") or session.require_state().root_cause or "")
    at_fault = policy.root_causes[cause].at_fault if cause in policy.root_causes else None
    check = check_resolution(policy.communication.resolution_parts, fields, text, at_fault=at_fault)
    if not check.complete:
        raise Invalid(
            f"the resolution message is missing {len(check.missing)} part(s): "
            f"{', '.join(check.missing)} (resolution without closure)",
            [*check.details(), *({"flag": f} for f in check.flags)],
        )
    return list(check.flags)


def acknowledge(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    *,
    commitment_by: str,
    commitment_due: datetime,
    message: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Acknowledge a customer's request to escalate, commit to who will contact them and when,
    then let the customer-initiated escalation proceed (R-COMM-5)."""
    if commitment_due.tzinfo is None:
        raise Invalid("commitment.due_at has no time zone; expected e.g. 2026-11-23T15:00:00+01:00")

    def work(s: CaseSession) -> None:
        state = s.require_state()
        if not state.customer_requested:
            raise Conflict("the customer has not asked to escalate this case")
        if state.acknowledged_at is not None:
            raise Conflict("the customer's request was already acknowledged")
        if commitment_due <= s.now:
            raise Invalid("commitment.due_at is in the past; expected a future instant")
        limit = s.plan.governing.communication.max_commitment
        cal = s.calendars.get(
            "24x7"
            if limit.basis is TimeBasis.CALENDAR
            else (s.policy.policy.calendar_for_team(state.team) or "24x7")
        )
        latest = cal.add(s.now, limit.duration)
        if commitment_due > latest:
            raise Invalid(
                f"commitment.due_at is later than the policy allows ({limit.describe()}, "
                f"i.e. by {latest.isoformat()}); expected a sooner, specific time"
            )
        person = s.uow.people.by_handle(commitment_by)
        if person is None or not person["active"]:
            raise Invalid(f"commitment.by: unknown person '{commitment_by}'")
        s.record(
            EventKind.ACKNOWLEDGED,
            {
                "by": actor.handle,
                "commitment_by": commitment_by,
                "due_at": commitment_due.isoformat(),
            },
        )
        send(
            s,
            "acknowledgement",
            text=message,
            extra={"commitment": {"by_name": person["name"], "due": _when(s, commitment_due)}},
        )
        s.record(
            EventKind.COMMITMENT_MADE, {"by": commitment_by, "due_at": commitment_due.isoformat()}
        )
        deferred = _deferred_escalation(s)
        if deferred is not None and state.pending_transfer is None:
            from tierline.service.escalations import open_escalation

            open_escalation(
                s,
                escalation_type=EscalationType.CUSTOMER_INITIATED,
                to_tier=deferred.get("target_tier"),
                to_team=deferred.get("target_team"),
                to_person=None,
                reason=deferred.get("summary") or "the customer asked for a manager",
                automatic=True,
                rule_id=deferred.get("rule"),
                explanation=deferred.get("explanation"),
            )

    return in_case(
        rt, case_id, actor, work, permission="case.write", doing="acknowledge customers", now=now
    )[1]


def _deferred_escalation(s: CaseSession) -> dict[str, Any] | None:
    for ev in reversed(s.history):
        if ev.kind is EventKind.TRIGGER_FIRED and ev.get("deferred"):
            d = ev.get("decision") or {}
            return {
                "target_tier": d.get("target_tier"),
                "target_team": d.get("target_team"),
                "summary": (d.get("explanation") or {}).get("summary"),
                "rule": ev.get("rule_id"),
                "explanation": d.get("explanation"),
            }
    return None
