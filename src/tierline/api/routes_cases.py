"""Case resources: thin routes over the service use cases."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from tierline.api.auth import current_actor
from tierline.api.render import JSON
from tierline.api.schemas import (
    MAX_ID,
    AcceptIn,
    ActionIn,
    AssignIn,
    CaseIn,
    CloseIn,
    ConsultIn,
    DecisionIn,
    EscalationIn,
    FlagIn,
    HandoffIn,
    MessageIn,
    ReopenIn,
    ResolveIn,
    RowId,
    StatusIn,
)
from tierline.domain.case import Account
from tierline.service import approvals, cases, escalations, views
from tierline.service.actors import Actor
from tierline.service.runtime import Tierline

router = APIRouter(prefix="/api", tags=["cases"])


def rt_of(request: Request) -> Tierline:
    rt: Tierline = request.app.state.rt
    return rt


@router.post("/cases", status_code=201, response_class=JSON)
def open_case(body: CaseIn, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """Open a case; a repeat contact about the same open issue is linked and counted instead."""
    account = Account(**body.account.model_dump()) if body.account else None
    cmd = cases.OpenCase(
        contact_type=body.contact_type,
        subject=body.subject,
        description=body.description,
        channel=body.channel,
        severity=body.severity,
        situation=body.situation,
        account=account,
        account_id=body.account_id,
        contact_name=body.contact.name if body.contact else "",
        contact_email=body.contact.email if body.contact else None,
        product_area=body.product_area,
        language=body.language,
        affected_customers=body.affected_customers,
        incident_id=body.incident_id,
        external_ref=body.external_ref,
        new_case=body.new_case,
    )
    opened = cases.open_case(rt_of(request), cmd, actor)
    out = views.case_detail(opened.row)
    out["linked_to_existing"] = opened.linked
    return JSON(out, status_code=200 if opened.linked else 201)


@router.get("/cases", response_class=JSON)
def list_cases(
    request: Request,
    actor: Actor = Depends(current_actor),
    status: str | None = None,
    team: str | None = None,
    owner: str | None = None,
    tier: str | None = None,
    account_id: str | None = None,
    open: bool = False,
    escalated: bool | None = None,
    breached: bool | None = None,
    order: str = Query("queue", pattern="^(queue|recent)$"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> Response:
    rows = views.list_cases(
        rt_of(request),
        actor,
        status=status,
        team=team,
        owner=owner,
        tier=tier,
        account_id=account_id,
        open_only=open,
        escalated=escalated,
        breached=breached,
        order=order,
        limit=limit,
        offset=offset,
    )
    return JSON({"cases": rows, "count": len(rows), "limit": limit, "offset": offset})


@router.get("/cases/{case_id}", response_class=JSON)
def get_case(case_id: RowId, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return JSON(views.get_case(rt_of(request), case_id, actor))


@router.get("/cases/{case_id}/timeline")
def timeline(
    case_id: RowId, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    return {"case_id": case_id, "events": views.timeline(rt_of(request), case_id, actor)}


@router.post("/cases/{case_id}/messages", status_code=201)
def message(
    case_id: RowId, body: MessageIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    row = cases.add_message(
        rt_of(request),
        case_id,
        actor,
        direction=body.direction,
        body=body.body,
        channel=body.channel,
        repeat_contact=body.repeat_contact,
    )
    return views.case_detail(row)


@router.post("/cases/{case_id}/escalations", status_code=201)
def escalate(
    case_id: RowId, body: EscalationIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    handoff = body.handoff.model_dump(exclude={"escalation_id"}) if body.handoff else None
    esc_id, row = escalations.escalate(
        rt_of(request),
        case_id,
        actor,
        escalation_type=body.type,
        reason=body.reason,
        to_tier=body.to_tier,
        to_team=body.to_team,
        to_person=body.to_person,
        handoff=handoff,
    )
    return {"escalation_id": esc_id, "case": views.case_detail(row)}


@router.get("/cases/{case_id}/handoffs/draft")
def handoff_draft(
    case_id: RowId, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """What Tierline already knows, prefilled for the handoff form (R-HAND-1)."""
    rt = rt_of(request)
    views.get_case(rt, case_id, actor)  # visibility
    with rt.uow(readonly=True) as uow:
        from tierline.service.session import CaseSession

        s = CaseSession.load(rt, uow, case_id, rt.now(), actor)
        draft = escalations.draft_handoff(s)
    from tierline.domain.handoff import HANDOFF_FIELDS, check_handoff

    check = check_handoff(rt.active().policy.handoff, draft)
    return {
        "draft": draft.to_data(),
        "fields": HANDOFF_FIELDS,
        "missing": list(check.missing),
        "completeness": check.completeness,
    }


@router.post("/cases/{case_id}/handoffs", status_code=201)
def handoff(
    case_id: RowId, body: HandoffIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    row = escalations.record_handoff(
        rt_of(request),
        case_id,
        actor,
        body.model_dump(exclude={"escalation_id"}),
        escalation_id=body.escalation_id,
    )
    return views.case_detail(row)


@router.post("/cases/{case_id}/accept")
def accept(
    case_id: RowId,
    request: Request,
    body: AcceptIn | None = None,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    body = body or AcceptIn()
    row = escalations.accept(rt_of(request), case_id, actor, body.escalation_id, body.warm)
    return views.case_detail(row)


@router.post("/cases/{case_id}/transfer/cancel")
def cancel_transfer(
    case_id: RowId, body: ReopenIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    return views.case_detail(
        escalations.cancel_transfer(rt_of(request), case_id, actor, body.reason)
    )


@router.post("/cases/{case_id}/consults", status_code=201)
def consult(
    case_id: RowId, body: ConsultIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    return views.case_detail(
        escalations.consult(rt_of(request), case_id, actor, body.expert, body.question)
    )


@router.post("/cases/{case_id}/actions")
def action(
    case_id: RowId,
    body: ActionIn,
    request: Request,
    response: Response,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    outcome, row = approvals.request_action(
        rt_of(request), case_id, actor, kind=body.action, amount=body.amount, reason=body.reason
    )
    response.status_code = 201 if outcome["outcome"] == "applied" else 202
    return {**outcome, "case": views.case_detail(row)}


@router.post("/approvals/{approval_id}/decision")
def decide(
    approval_id: RowId, body: DecisionIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    outcome, row = approvals.decide_approval(
        rt_of(request), approval_id, actor, approve=body.decision == "approve", note=body.note
    )
    return {**outcome, "case": views.case_detail(row)}


@router.post("/cases/{case_id}/status")
def status(
    case_id: RowId, body: StatusIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    return views.case_detail(
        cases.change_status(rt_of(request), case_id, actor, body.status, body.reason)
    )


@router.post("/cases/{case_id}/flags")
def flag(
    case_id: RowId, body: FlagIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    return views.case_detail(
        cases.flag(
            rt_of(request),
            case_id,
            actor,
            situation=body.situation,
            flag_name=body.flag,
            regulatory_obligation=body.regulatory_obligation,
            count=body.count,
            note=body.note,
        )
    )


@router.post("/cases/{case_id}/assign")
def assign(
    case_id: RowId, body: AssignIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    return views.case_detail(cases.assign(rt_of(request), case_id, actor, body.owner))


@router.post("/cases/{case_id}/resolve")
def resolve(
    case_id: RowId, body: ResolveIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    return views.case_detail(
        cases.resolve(
            rt_of(request),
            case_id,
            actor,
            summary=body.summary,
            root_cause=body.root_cause,
            preventable=body.preventable,
            five_whys=body.five_whys,
            message=body.message.model_dump() if body.message else None,
        )
    )


@router.post("/cases/{case_id}/close")
def close(
    case_id: RowId, body: CloseIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    return views.case_detail(cases.close(rt_of(request), case_id, actor, body.closure, body.reason))


@router.post("/cases/{case_id}/reopen")
def reopen(
    case_id: RowId,
    request: Request,
    body: ReopenIn | None = None,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    body = body or ReopenIn()
    return views.case_detail(cases.reopen(rt_of(request), case_id, actor, body.reason))


@router.get("/approvals")
def list_approvals(
    request: Request, status: str = "pending", actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    actor.require("approval.decide", "list approvals")
    from sqlalchemy import select

    from tierline.store.tables import approvals as t

    with rt_of(request).uow(readonly=True) as uow:
        rows = uow.conn.execute(select(t).where(t.c.status == status).order_by(t.c.id).limit(500))
        items = [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
            for r in rows.mappings()
        ]
    return {"approvals": items}
