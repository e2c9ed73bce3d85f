"""Case use cases: open, message, status, flag, assign, resolve, close, reopen.

Each function is one transaction. A refusal raises before anything is written, so a refused
request leaves the store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from tierline.domain.case import Account
from tierline.domain.events import EventKind
from tierline.domain.frustration import asks_for_escalation, frustration_score
from tierline.domain.routing import RoutingError, route
from tierline.domain.vocabulary import (
    AccountValue,
    CaseStatus,
    Channel,
    ClosureKind,
    EscalationType,
    MessageDirection,
    Severity,
)
from tierline.service.actors import Actor
from tierline.service.errors import Conflict, Invalid, NotFound
from tierline.service.people import pick_person
from tierline.service.runtime import Tierline
from tierline.service.session import CaseSession

T = TypeVar("T")


def can_see(actor: Actor, row: dict[str, Any]) -> bool:
    """R-AUTH-4: everyone with case.read_all; otherwise one's team, one's cases, one's consults."""
    if actor.can("case.read_all"):
        return True
    if not actor.can("case.read"):
        return False
    state = row.get("state") or {}
    return (
        (actor.team is not None and row.get("team") == actor.team)
        or actor.handle in (row.get("owner"), row.get("coordinator"), row.get("next_comm_owner"))
        or actor.handle in (state.get("collaborators") or [])
        or (actor.team is not None and state.get("pending_transfer_team") == actor.team)
    )


def in_case(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    work: Callable[[CaseSession], T],
    *,
    permission: str,
    doing: str,
    now: datetime | None = None,
    check_visibility: bool = True,
) -> tuple[T, dict[str, Any]]:
    """Run ``work`` on a locked case inside one transaction, then finish and commit."""
    actor.require(permission, doing)
    rt.active()  # fail early (409) when no policy is active
    when = now or rt.now()
    with rt.uow() as uow:
        session = CaseSession.load(rt, uow, case_id, when, actor)
        if check_visibility and not actor.is_system and not can_see(actor, session.row):
            raise NotFound(f"case {case_id} does not exist")  # do not reveal other teams' cases
        result = work(session)
        row = session.finish()
        uow.commit()
    return result, row


@dataclass
class OpenCase:
    contact_type: str
    subject: str = ""
    description: str = ""
    channel: Channel | None = None
    severity: Severity | None = None
    situation: str | None = None
    account: Account | None = None
    account_id: str | None = None
    contact_name: str = ""
    contact_email: str | None = None
    product_area: str = ""
    language: str = "en"
    affected_customers: int = 1
    incident_id: str | None = None
    external_ref: str | None = None
    source: str = "api"
    new_case: bool = False  # skip repeat-contact linking
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Opened:
    row: dict[str, Any]
    linked: bool  # True: the contact repeated an open case and was counted there


def situation_flag(rt: Tierline, situation: str) -> dict[str, Any]:
    """The FLAGGED data a situation stands for (what triggers look at)."""
    policy = rt.active().policy
    sit = policy.situations.get(situation)
    data: dict[str, Any] = {"situation": situation}
    if sit is None:
        return data
    if sit.escalation_type is EscalationType.CUSTOMER_INITIATED:
        data["flag"] = "customer_request"
    elif "defect" in sit.id or "defect" in sit.label.lower():
        data["flag"] = "suspected_defect"
    if sit.regulatory_obligation:
        data["regulatory_obligation"] = sit.regulatory_obligation
    return data


def open_case(
    rt: Tierline,
    cmd: OpenCase,
    actor: Actor,
    now: datetime | None = None,
    within: Callable[[CaseSession], None] | None = None,
) -> Opened:
    """Open a case (or count a repeat contact on the open one). ``within`` runs inside the same
    transaction, on the case's session, before it is committed (inbound mail records its
    Message-ID there, so a message is never half-stored)."""
    actor.require("case.write", "open cases")
    when = now or rt.now()
    active = rt.active()
    policy = active.policy
    account_id = cmd.account.id if cmd.account else cmd.account_id
    if cmd.affected_customers < 1 or cmd.affected_customers > 10_000_000:
        raise Invalid("affected_customers must be between 1 and 10,000,000")
    digest = rt.ensure_plan(active)
    with rt.uow() as uow:
        account = uow.accounts.get(account_id) if account_id else None
        if cmd.account is not None and cmd.account != account:
            uow.accounts.upsert(cmd.account, when)
            account = cmd.account
        elif account_id and account is None:
            account = Account(id=account_id, name=account_id)
            uow.accounts.upsert(account, when)
        try:
            decision = route(
                policy,
                cmd.contact_type,
                cmd.severity,
                cmd.channel,
                account.value if account else AccountValue.STANDARD,
                cmd.situation,
            )
        except RoutingError as exc:
            raise Invalid(str(exc)) from None
        if not cmd.new_case:
            since = when - policy.communication.repeat_contact_window
            same = uow.cases.find_same_issue(
                account_id, cmd.contact_email, cmd.contact_type, cmd.product_area, since
            )
            if same is not None:
                session = CaseSession(rt, uow, same, when, actor)
                record_inbound(
                    session,
                    cmd.description or cmd.subject,
                    cmd.channel,
                    repeat=True,
                    via="new contact",
                )
                if cmd.situation:
                    session.record(EventKind.FLAGGED, situation_flag(rt, cmd.situation))
                if within is not None:
                    within(session)
                row = session.finish()
                uow.commit()
                return Opened(row, linked=True)
        owner = None
        if decision.team:
            lead = policy.teams[decision.team].lead_role
            if actor.team == decision.team and actor.can("case.accept") and actor.role != lead:
                owner = actor.handle  # an agent who takes the contact keeps it
            else:
                owner = pick_person(uow, decision.team, (), policy)
        new_row = uow.cases.insert(
            {
                "external_ref": cmd.external_ref,
                "source": cmd.source,
                "account_id": account_id,
                "contact_name": cmd.contact_name,
                "contact_email": cmd.contact_email,
                "subject": cmd.subject[:500],
                "description": cmd.description,
                "channel": cmd.channel.value if cmd.channel else None,
                "contact_type": cmd.contact_type,
                "product_area": cmd.product_area,
                "language": cmd.language,
                "severity": decision.severity.value,
                "priority": 4,
                "status": CaseStatus.NEW.value,
                "tier": decision.tier,
                "team": decision.team,
                "owner": owner,
                "policy_version": active.version,
                "plan_digest": digest,
                "opened_at": when,
                "updated_at": when,
                "clocks": [],
                "state": {},
                "version": 1,
                "audit_seq": 0,
                "audit_head": "",
            }
        )
        session = CaseSession(rt, uow, new_row, when, actor, history=[], account=account)
        session.record(
            EventKind.OPENED,
            {
                "contact_type": cmd.contact_type,
                "channel": cmd.channel.value if cmd.channel else None,
                "severity": decision.severity.value,
                "tier": decision.tier,
                "team": decision.team,
                "owner": owner,
                "account_id": account_id,
                "status": CaseStatus.OPEN.value,
                "regulatory_obligation": decision.regulatory_obligation,
                "affected_customers": cmd.affected_customers,
                "incident_id": cmd.incident_id,
                "subject": cmd.subject,
                "description": cmd.description,
                "routing": {
                    "why": list(decision.reasons),
                    "explanation": decision.explanation.to_data(),
                },
                "policy_version": active.version,
                "plan": digest,
            },
        )
        if cmd.situation:
            session.record(EventKind.FLAGGED, situation_flag(rt, cmd.situation))
        score = frustration_score(cmd.description, policy.frustration_terms)
        if score >= 0.5:
            session.record(EventKind.FLAGGED, {"flag": "frustration", "score": score})
        if not cmd.situation:
            _flag_escalation_request(session, f"{cmd.subject}\n{cmd.description}")
        if within is not None:
            within(session)
        row = session.finish()
        uow.commit()
    return Opened(row, linked=False)


def record_inbound(
    session: CaseSession, body: str, channel: Channel | None, *, repeat: bool, via: str = ""
) -> None:
    """Record a customer's message: frustration is scored from the words, and a customer who
    asks for a manager is flagged as such, which starts their protocol (R-TRIG-1, R-COMM-5)."""
    policy = session.policy.policy
    score = frustration_score(body, policy.frustration_terms)
    session.record(
        EventKind.MESSAGE,
        {
            "direction": MessageDirection.INBOUND.value,
            "body": body,
            "channel": channel.value if channel else None,
            "repeat_contact": repeat,
            "frustration": score,
            "via": via,
        },
        actor="customer",
    )
    _flag_escalation_request(session, body)


def _flag_escalation_request(session: CaseSession, text: str) -> None:
    state = session.require_state()
    if state.customer_requested or not asks_for_escalation(text):
        return
    policy = session.policy.policy
    situation = next(
        (
            s.id
            for s in policy.situations.values()
            if s.escalation_type is EscalationType.CUSTOMER_INITIATED
        ),
        None,
    )
    data: dict[str, Any] = {"flag": "customer_request", "detected_in": "customer message"}
    if situation:
        data["situation"] = situation
    session.record(EventKind.FLAGGED, data, actor="tierline")


def add_message(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    *,
    direction: MessageDirection,
    body: str,
    channel: Channel | None = None,
    repeat_contact: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    if not body.strip():
        raise Invalid("body is empty; expected the message text")

    def work(s: CaseSession) -> None:
        state = s.require_state()
        if direction is MessageDirection.INBOUND:
            # A reply after resolution is kept on the thread; reopening is an explicit decision.
            record_inbound(s, body, channel, repeat=repeat_contact)
        else:
            if state.status == CaseStatus.CLOSED.value:
                raise Conflict("the case is closed; reopen it before writing to the customer")
            s.record(
                EventKind.MESSAGE,
                {
                    "direction": direction.value,
                    "body": body,
                    "channel": channel.value if channel else None,
                },
            )

    _, row = in_case(
        rt, case_id, actor, work, permission="case.write", doing="add messages", now=now
    )
    return row


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


FLAGS = ("customer_request", "suspected_defect", "frustration", "affected_customers")


def flag(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    *,
    situation: str | None = None,
    flag_name: str | None = None,
    regulatory_obligation: str | None = None,
    count: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    policy = rt.active().policy
    data: dict[str, Any] = {}
    if situation:
        if situation not in policy.situations:
            raise Invalid(
                f"unknown situation '{situation}'; expected one of: "
                f"{', '.join(sorted(policy.situations))}"
            )
        data.update(situation_flag(rt, situation))
    if flag_name:
        if flag_name not in FLAGS:
            raise Invalid(f"unknown flag '{flag_name}'; expected one of: {', '.join(FLAGS)}")
        data["flag"] = flag_name
        if count is not None:
            data["count"] = count
    if regulatory_obligation:
        if regulatory_obligation not in policy.regulatory_obligations:
            raise Invalid(
                f"unknown regulatory obligation '{regulatory_obligation}'; expected one "
                f"of: {', '.join(sorted(policy.regulatory_obligations))}"
            )
        data["regulatory_obligation"] = regulatory_obligation
    if not data:
        raise Invalid("nothing to flag; expected a situation, a flag or a regulatory_obligation")
    data["note"] = note
    return in_case(
        rt,
        case_id,
        actor,
        lambda s: s.record(EventKind.FLAGGED, data),
        permission="case.write",
        doing="flag cases",
        now=now,
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
