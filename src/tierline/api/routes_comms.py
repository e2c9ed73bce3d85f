"""Customer communications, acknowledgements, incidents and the compliance report."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from tierline.api.auth import current_actor
from tierline.api.schemas import (
    AcknowledgeIn,
    CommunicationIn,
    HoursIn,
    IncidentIn,
    IncidentLinkIn,
    IncidentMessageIn,
    ResolutionMessageIn,
    RowId,
)
from tierline.domain.resolution import check_resolution
from tierline.service import alerts, communications, incidents, views
from tierline.service.actors import Actor
from tierline.service.errors import Invalid
from tierline.service.runtime import Tierline
from tierline.store.tables import communications as comm_table

router = APIRouter(prefix="/api", tags=["communications"])


def rt_of(request: Request) -> Tierline:
    rt: Tierline = request.app.state.rt
    return rt


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v


@router.post("/cases/{case_id}/communications", status_code=201)
def communicate(
    case_id: RowId, body: CommunicationIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """Send a required message (escalation_notice, daily_update, resolution, follow_up…) from
    its template, with the agent's own words as ``text``."""
    row = communications.send_communication(
        rt_of(request),
        case_id,
        actor,
        kind=body.kind,
        text=body.text,
        subject=body.subject,
        fields=body.fields.model_dump(exclude={"text"}) if body.fields else None,
    )
    return views.case_detail(row)


@router.get("/cases/{case_id}/communications")
def list_communications(
    case_id: RowId, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """Every required message of the case: due, sent, met / met late / missed / pending."""
    rt = rt_of(request)
    views.get_case(rt, case_id, actor)  # visibility
    with rt.uow(readonly=True) as uow:
        rows = (
            uow.conn.execute(
                select(comm_table)
                .where(comm_table.c.case_id == case_id)
                .order_by(comm_table.c.due_at)
            )
            .mappings()
            .all()
        )
    return {
        "case_id": case_id,
        "communications": [{k: _iso(v) for k, v in r.items()} for r in rows],
    }


@router.post("/cases/{case_id}/acknowledge")
def acknowledge(
    case_id: RowId, body: AcknowledgeIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """R-COMM-5: acknowledge a customer's escalation request with a specific commitment; the
    customer-initiated escalation then proceeds."""
    row = communications.acknowledge(
        rt_of(request),
        case_id,
        actor,
        commitment_by=body.commitment.by,
        commitment_due=body.commitment.due_at,
        message=body.message,
    )
    return views.case_detail(row)


@router.post("/cases/{case_id}/resolution/check")
def check(
    case_id: RowId,
    body: ResolutionMessageIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """Check a resolution message draft for closure without sending it."""
    rt = rt_of(request)
    case = views.get_case(rt, case_id, actor)
    policy = rt.active().policy
    cause = str(case.get("root_cause") or "")
    at_fault = policy.root_causes[cause].at_fault if cause in policy.root_causes else None
    result = check_resolution(
        policy.communication.resolution_parts,
        body.model_dump(exclude={"text"}),
        body.text,
        at_fault=at_fault,
    )
    return {
        "complete": result.complete,
        "missing": result.details(),
        "flags": list(result.flags),
        "apology_required": result.apology_required,
    }


@router.get("/reports/communication")
def compliance(
    request: Request,
    actor: Actor = Depends(current_actor),
    since: datetime | None = None,
    until: datetime | None = None,
    by: Literal["kind", "team", "agent"] = "kind",
    kind: str | None = None,
    team: str | None = None,
    agent: str | None = None,
) -> dict[str, Any]:
    """Share of required messages sent on time, by kind, team or agent, for a period
    (default: the last 30 days)."""
    actor.require("report.read", "read reports")
    rt = rt_of(request)
    end = until or rt.now()
    start = since or end - timedelta(days=30)
    if start.tzinfo is None or end.tzinfo is None:
        raise Invalid("since/until need a time zone, e.g. 2026-11-01T00:00:00Z")
    with rt.uow(readonly=True) as uow:
        rows = uow.communications.compliance(start, end, by, kind=kind, team=team, owner=agent)
    total = {
        k: sum(r[k] for r in rows) for k in ("required", "met", "met_late", "missed", "pending")
    }
    settled = total["met"] + total["met_late"] + total["missed"]
    total["on_time_rate"] = round(total["met"] / settled, 4) if settled else None
    return {
        "since": start.isoformat(),
        "until": end.isoformat(),
        "by": by,
        "rows": rows,
        "total": total,
    }


@router.post("/incidents", status_code=201)
def create_incident(
    body: IncidentIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    return incidents.create_incident(
        rt_of(request),
        actor,
        title=body.title,
        severity=body.severity,
        incident_id=body.id,
        started_at=body.started_at,
    )


@router.get("/incidents/{incident_id}")
def get_incident(
    incident_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    return incidents.get_incident(rt_of(request), actor, incident_id)


@router.post("/cases/{case_id}/incident")
def link_incident(
    case_id: RowId, body: IncidentLinkIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    return views.case_detail(incidents.link_case(rt_of(request), case_id, actor, body.incident_id))


@router.post("/incidents/{incident_id}/communications", status_code=201)
def tell_affected(
    incident_id: str,
    body: IncidentMessageIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """One proactive message to every affected account (R-WARN-4), recorded on each case."""
    return incidents.tell_affected(
        rt_of(request), actor, incident_id, message=body.message, subject=body.subject
    )


@router.get("/alerts")
def list_alerts(
    request: Request,
    status: str | None = None,
    limit: int = 100,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """The signed-in person's alerts (sent to them, or meant for them while off duty)."""
    return {"alerts": alerts.my_alerts(rt_of(request), actor, status, limit)}


@router.post("/alerts/{alert_id}/ack")
def ack_alert(
    alert_id: RowId, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """Stop an alert's reminders."""
    return alerts.acknowledge(rt_of(request), actor, alert_id)


@router.post("/cases/{case_id}/alerts/ack")
def ack_case_alerts(
    case_id: RowId, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """Acknowledge every open alert of one case for the signed-in person."""
    return alerts.acknowledge_case(rt_of(request), actor, case_id)


@router.put("/people/{handle}/hours")
def set_hours(
    handle: str, body: HoursIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """A person's working calendar and quiet hours, which alerts respect."""
    return alerts.set_hours(
        rt_of(request), actor, handle, calendar=body.calendar, quiet_hours=body.quiet_hours
    )
