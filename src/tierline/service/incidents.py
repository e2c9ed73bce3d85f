"""Incidents and known issues (R-CASE-5, R-WARN-4): many cases, one underlying problem.

Cases are linked to an incident; each linked case shows the incident's severity and how many
accounts and cases it affects. One proactive message then reaches every affected account once
(to the contact of its most recent case), and every linked case records that its customer was
told, so daily-update and compliance figures stay true per case.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import distinct, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from tierline.domain.events import EventKind
from tierline.domain.vocabulary import MessageDirection, Severity
from tierline.service.actors import Actor
from tierline.service.cases import in_case
from tierline.service.communications import send
from tierline.service.errors import Conflict, Invalid, NotFound
from tierline.service.runtime import Tierline
from tierline.service.session import CaseSession
from tierline.store.tables import cases, incidents
from tierline.store.uow import UnitOfWork


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v


def incident_summary(uow: UnitOfWork, incident_id: str) -> dict[str, Any] | None:
    row = (
        uow.conn.execute(select(incidents).where(incidents.c.id == incident_id)).mappings().first()
    )
    if row is None:
        return None
    counts = uow.conn.execute(
        select(func.count(), func.count(distinct(cases.c.account_id))).where(
            cases.c.incident_id == incident_id
        )
    ).one()
    return {
        **{k: _iso(v) for k, v in row.items()},
        "affected_cases": int(counts[0]),
        "affected_accounts": int(counts[1]),
    }


def create_incident(
    rt: Tierline,
    actor: Actor,
    *,
    title: str,
    severity: Severity,
    incident_id: str | None = None,
    started_at: datetime | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    actor.require("case.write", "declare incidents")
    when = now or rt.now()
    ident = incident_id or "INC-" + when.strftime("%Y%m%d-%H%M%S")
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", ident):
        raise Invalid("id may hold letters, digits, '.', '_' and '-' only")
    with rt.uow() as uow:
        if incident_id is None:
            # Declared in the same second as another (an outage rarely comes alone): the next
            # free suffix, not a refusal of an id the client never chose.
            base, n = ident, 1
            while incident_summary(uow, ident) is not None:
                n += 1
                ident = f"{base}-{n}"
        elif incident_summary(uow, ident) is not None:
            raise Conflict(f"incident {ident} already exists")
        try:
            uow.conn.execute(
                insert(incidents).values(
                    id=ident,
                    title=title,
                    severity=severity.value,
                    status="open",
                    started_at=started_at or when,
                    created_by=actor.handle,
                    created_at=when,
                )
            )
        except IntegrityError:  # (PostgreSQL) another request declared it since the look above
            raise Conflict(f"incident {ident} was declared at the same moment; retry") from None
        summary = incident_summary(uow, ident)
        uow.commit()
    assert summary is not None
    return summary


def get_incident(rt: Tierline, actor: Actor, incident_id: str) -> dict[str, Any]:
    if not actor.can("case.read_all"):
        actor.require("case.read", "read incidents")
    with rt.uow(readonly=True) as uow:
        summary = incident_summary(uow, incident_id)
        if summary is None:
            raise NotFound(f"incident {incident_id} does not exist")
        linked = (
            uow.conn.execute(
                select(cases.c.id, cases.c.account_id, cases.c.status, cases.c.subject)
                .where(cases.c.incident_id == incident_id)
                .order_by(cases.c.opened_at, cases.c.id)
            )
            .mappings()
            .all()
        )
    return {**summary, "cases": [dict(r) for r in linked]}


def link_case(
    rt: Tierline, case_id: int, actor: Actor, incident_id: str, now: datetime | None = None
) -> dict[str, Any]:
    with rt.uow(readonly=True) as uow:
        summary = incident_summary(uow, incident_id)
    if summary is None:
        raise Invalid(f"unknown incident '{incident_id}'")

    def work(s: CaseSession) -> None:
        if s.require_state().incident_id == incident_id:
            raise Conflict(f"case {case_id} is already linked to {incident_id}")
        # The accounts affected once this case is linked: its own counts only if no linked
        # case has it already (the count raises the case's priority through exposure).
        accounts = s.uow.conn.execute(
            select(func.count(distinct(cases.c.account_id))).where(
                or_(cases.c.incident_id == incident_id, cases.c.id == case_id)
            )
        ).scalar_one()
        s.record(
            EventKind.LINKED,
            {
                "incident_id": incident_id,
                "severity": summary["severity"],
                "affected": max(1, int(accounts)),
            },
        )

    return in_case(rt, case_id, actor, work, permission="case.write", doing="link cases", now=now)[
        1
    ]


def tell_affected(
    rt: Tierline,
    actor: Actor,
    incident_id: str,
    *,
    message: str,
    subject: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One message per affected account; a record of it on every linked open case. All in one
    transaction: a failure on one case tells no account, so sending again cannot tell some
    twice."""
    actor.require("case.write", "message customers")
    rt.active()  # fail early (409) when no policy is active
    when = now or rt.now()
    with rt.uow() as uow:
        summary = incident_summary(uow, incident_id)
        if summary is None:
            raise NotFound(f"incident {incident_id} does not exist")
        rows = (
            uow.conn.execute(
                select(cases.c.id, cases.c.account_id, cases.c.contact_email)
                .where(
                    cases.c.incident_id == incident_id,
                    cases.c.resolved_at.is_(None),
                    cases.c.closed_at.is_(None),
                )
                .order_by(cases.c.opened_at.desc(), cases.c.id.desc())
            )
            .mappings()
            .all()
        )
        groups: dict[str, list[int]] = {}
        for r in rows:
            key = r["account_id"] or r["contact_email"] or f"case-{r['id']}"
            groups.setdefault(key, []).append(int(r["id"]))
        extra = {
            "incident": {
                "id": incident_id,
                "title": summary["title"],
                "severity": summary["severity"],
            }
        }
        # Each account's most recent case carries the message; its other cases record it.
        via = {case_id: members[0] for members in groups.values() for case_id in members}
        for case_id in sorted(via):  # one order for every caller: no lock cycle between two
            s = CaseSession.load(rt, uow, case_id, when, actor)
            if via[case_id] == case_id:
                send(s, "incident_update", text=message, subject=subject, extra=extra)
            else:
                s.record(
                    EventKind.MESSAGE,
                    {
                        "direction": MessageDirection.OUTBOUND.value,
                        "kind": "incident_update",
                        "subject": subject or summary["title"],
                        "body": message,
                        "via_case": via[case_id],
                        "note": f"sent once to the account, with case {via[case_id]}",
                    },
                )
            s.finish()
        uow.commit()
    return {"incident_id": incident_id, "accounts": len(groups), "cases": len(rows)}
