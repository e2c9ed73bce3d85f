"""Opening a case: routing, the first owner, the opening events and the first automation,
or, for a repeat contact about the same open issue, counting it on the open case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tierline.domain.case import Account
from tierline.domain.events import EventKind
from tierline.domain.frustration import frustration_score
from tierline.domain.routing import RouteDecision, RoutingError, route
from tierline.domain.vocabulary import AccountValue, CaseStatus, Channel, EscalationType, Severity
from tierline.service import known_accounts
from tierline.service.actors import Actor
from tierline.service.case_messages import flag_escalation_request, record_inbound
from tierline.service.errors import Conflict, Invalid
from tierline.service.people import pick_person
from tierline.service.runtime import ActivePolicy, Tierline
from tierline.service.session import CaseSession
from tierline.service.write_turns import PREPARING, write_together
from tierline.store.one_statement import StaleRow
from tierline.store.tables import cases
from tierline.store.uow import UnitOfWork
from tierline.store.violations import breaks_unique

_EXTERNAL_REF = "uq_cases_source_external_ref"


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


@dataclass(frozen=True)
class Opening:
    """One contact being opened as a case: what every step of opening it decides from."""

    rt: Tierline
    cmd: OpenCase
    actor: Actor
    when: datetime
    active: ActivePolicy
    digest: str  # the active policy's stored plan

    @property
    def account_id(self) -> str | None:
        return self.cmd.account.id if self.cmd.account else self.cmd.account_id


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
    if cmd.affected_customers < 1 or cmd.affected_customers > 10_000_000:
        raise Invalid("affected_customers must be between 1 and 10,000,000")
    o = Opening(rt, cmd, actor, when, active, rt.ensure_plan(active))
    try:
        return _open(o, within)
    except Exception as exc:
        if cmd.external_ref is None or not breaks_unique(exc, cases, _EXTERNAL_REF):
            raise
    # Nothing of this contact was stored (its transaction, or savepoint, failed as a whole).
    with rt.uow(readonly=True) as uow:
        existing = uow.cases.with_external_ref(cmd.source, cmd.external_ref)
    raise Conflict(
        f"a case from source {cmd.source!r} with external_ref {cmd.external_ref!r} already "
        f"exists (case {existing}); an external reference names one case: add this contact to "
        "that case, or open it with a reference not used before",
        [{"case_id": existing, "source": cmd.source, "external_ref": cmd.external_ref}],
    )


def _open(o: Opening, within: Callable[[CaseSession], None] | None) -> Opened:
    rt, cmd = o.rt, o.cmd
    if within is None and rt.engine.dialect.name == "sqlite":
        # Prepared before SQLite's one write lock, written under it with others (see there).
        from tierline.service import case_preparation as preparation

        with PREPARING:
            prepared = preparation.prepare(o)
        if prepared is not None:
            return write_together(rt, lambda uow: preparation.write_prepared(uow, o, prepared))
    if within is None and cmd.new_case and rt.engine.dialect.name == "postgresql":
        unread = open_unread(o)
        if unread is not None:
            return unread
    # Deferred: on PostgreSQL a plain new case, whose reads go through the driver and whose
    # writes are one gathered statement, then needs no BEGIN and no COMMIT of its own.
    with rt.uow(deferred=True) as uow:
        case_id: int | None = None
        seen: dict[str, Any] | None = None
        if cmd.new_case:
            # No repeat-contact lookup: the case's id comes with the account, and the row is
            # written once, complete, when the session finishes.
            case_id, stored, seen = uow.cases.next_id_with_account(o.account_id)
        else:
            stored = uow.accounts.get(o.account_id) if o.account_id else None
        opened = open_in(uow, o, case_id, stored, within)
        uow.commit()
    if seen is not None and account_for(o, stored) == stored:  # stored, and left as it was
        known_accounts.remember(rt, stored, seen)
    return opened


def open_unread(o: Opening) -> Opened | None:
    """A plain new case on PostgreSQL opened without reading anything first: its id from the
    process's block (``store/case_ids.py``), its account as remembered, checked unchanged by
    the one statement that writes the case. None (nothing stored) where the account is not
    remembered, the contact brings a changed one, or it changed since it was remembered: the
    caller then reads it and decides again."""
    rt = o.rt
    known = known_accounts.known(rt, o.account_id)
    if o.account_id and (known is None or known.seen is None):
        return None
    stored = known.account if known is not None else None
    if account_for(o, stored) != stored:
        return None  # the account is to be stored anew: that is the reading path's
    try:
        with rt.uow(deferred=True) as uow:
            case_id = uow.cases.take_id()
            if known is not None and known.seen is not None:
                uow.expect_row("accounts", "id", known.account.id, known.seen)
            opened = open_in(uow, o, case_id, stored, None)
            uow.commit()
    except StaleRow:
        known_accounts.forget(rt, o.account_id)
        return None
    return opened


def account_for(o: Opening, stored: Account | None) -> Account | None:
    """The case's account: as given with the contact, else as stored, else a bare one."""
    if o.cmd.account is not None:
        return o.cmd.account
    if o.account_id and stored is None:
        return Account(id=o.account_id, name=o.account_id)
    return stored


def store_account(uow: UnitOfWork, o: Opening, stored: Account | None) -> Account | None:
    """Store the case's account where it is new or the contact brought a changed one."""
    account = account_for(o, stored)
    if account is not None and account != stored:
        uow.accounts.upsert(account, o.when)
    return account


def same_issue(uow: UnitOfWork, o: Opening) -> dict[str, Any] | None:
    """The open case this contact repeats, if any (R-CASE-4)."""
    cmd = o.cmd
    since = o.when - o.active.policy.communication.repeat_contact_window
    return uow.cases.find_same_issue(
        o.account_id, cmd.contact_email, cmd.contact_type, cmd.product_area, since
    )


def open_in(
    uow: UnitOfWork,
    o: Opening,
    case_id: int | None,
    stored: Account | None,
    within: Callable[[CaseSession], None] | None,
) -> Opened:
    """Open the case, or count the repeat contact, inside ``uow``'s write transaction (the
    caller commits)."""
    cmd = o.cmd
    account = store_account(uow, o, stored)
    decision = route_case(o, account)
    if not cmd.new_case:
        same = same_issue(uow, o)
        if same is not None:
            session = CaseSession(o.rt, uow, same, o.when, o.actor)
            record_inbound(
                session,
                cmd.description or cmd.subject,
                cmd.channel,
                repeat=True,
                via="new contact",
            )
            if cmd.situation:
                session.record(EventKind.FLAGGED, situation_flag(o.rt, cmd.situation))
            if within is not None:
                within(session)
            return Opened(session.finish(), linked=True)
    session = new_session(uow, o, account, decision, case_id)
    if within is not None:
        session.store()
        within(session)
    return Opened(session.finish(), linked=False)


def route_case(o: Opening, account: Account | None) -> RouteDecision:
    cmd = o.cmd
    try:
        return route(
            o.active.policy,
            cmd.contact_type,
            cmd.severity,
            cmd.channel,
            account.value if account else AccountValue.STANDARD,
            cmd.situation,
        )
    except RoutingError as exc:
        raise Invalid(str(exc)) from None


def new_session(
    uow: UnitOfWork,
    o: Opening,
    account: Account | None,
    decision: RouteDecision,
    case_id: int | None,
) -> CaseSession:
    """The new case's session with its opening events recorded (nothing settled yet)."""
    rt, cmd, actor, when, active, digest = o.rt, o.cmd, o.actor, o.when, o.active, o.digest
    policy = active.policy
    owner = None
    if decision.team:
        lead = policy.teams[decision.team].lead_role
        if actor.team == decision.team and actor.can("case.accept") and actor.role != lead:
            owner = actor.handle  # an agent who takes the contact keeps it
        else:
            owner = pick_person(uow, decision.team, (), policy)
    account_id = account.id if account else cmd.account_id
    new_row: dict[str, Any] = {
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
    if case_id is None:
        new_row = uow.cases.insert(new_row)
    else:
        new_row["id"] = case_id
    session = CaseSession(
        rt, uow, new_row, when, actor, history=[], account=account, stored=case_id is None
    )
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
        flag_escalation_request(session, f"{cmd.subject}\n{cmd.description}")
    return session
