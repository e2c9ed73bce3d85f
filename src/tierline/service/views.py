"""Read models: what the API and pages show of a case, its timeline and the queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tierline.service.actors import Actor
from tierline.service.cases import can_see
from tierline.service.errors import NotFound
from tierline.service.runtime import Tierline


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v


CASE_FIELDS = (
    "id",
    "external_ref",
    "source",
    "account_id",
    "contact_name",
    "contact_email",
    "subject",
    "channel",
    "contact_type",
    "product_area",
    "language",
    "severity",
    "priority",
    "status",
    "tier",
    "team",
    "owner",
    "coordinator",
    "next_comm_owner",
    "ownership_state",
    "policy_version",
    "plan_digest",
    "opened_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "closure",
    "first_response_due",
    "next_update_due",
    "resolution_due",
    "acceptance_due",
    "regulatory_due",
    "communication_due",
    "next_due_at",
    "breached",
    "repeat_contacts",
    "reopen_count",
    "transfers",
    "ping_pong",
    "escalation_count",
    "repeat_of",
    "incident_id",
    "root_cause",
)


def case_summary(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _iso(row.get(k)) for k in CASE_FIELDS}


def case_detail(row: dict[str, Any]) -> dict[str, Any]:
    out = case_summary(row)
    out["description"] = row.get("description")
    out["clocks"] = row.get("clocks") or []
    out["state"] = row.get("state") or {}
    return out


def get_case(rt: Tierline, case_id: int, actor: Actor) -> dict[str, Any]:
    if not actor.can("case.read_all"):
        actor.require("case.read", "read cases")
    with rt.uow(readonly=True) as uow:
        row = uow.cases.get(case_id)
        if row is None or not can_see(actor, row):
            raise NotFound(f"case {case_id} does not exist")
        detail = case_detail(row)
        detail["escalations"] = [
            {k: _iso(v) for k, v in e.items()} for e in uow.escalations.for_case(case_id)
        ]
        detail["approvals"] = [
            {k: _iso(v) for k, v in a.items()} for a in uow.approvals.for_case(case_id)
        ]
        if row.get("incident_id"):
            from tierline.service.incidents import incident_summary

            detail["incident"] = incident_summary(uow, str(row["incident_id"]))
        detail["handoffs"] = [
            {k: _iso(v) for k, v in h.items()} for h in uow.handoffs.for_case(case_id)
        ]
    return detail


def timeline(rt: Tierline, case_id: int, actor: Actor) -> list[dict[str, Any]]:
    with rt.uow(readonly=True) as uow:
        row = uow.cases.get(case_id)
        if row is None or not can_see(actor, row):
            raise NotFound(f"case {case_id} does not exist")
        events = uow.events.timeline(case_id)
    return [
        {
            "seq": e["seq"],
            "at": _iso(e["at"]),
            "recorded_at": _iso(e["recorded_at"]),
            "kind": e["kind"],
            "actor": e["actor"],
            "data": e["data"],
            "before": e["before"],
            "after": e["after"],
            "hash": e["hash"],
        }
        for e in events
    ]


def list_cases(rt: Tierline, actor: Actor, **filters: Any) -> list[dict[str, Any]]:
    if not actor.can("case.read_all"):
        actor.require("case.read", "read cases")
        if filters.get("team") is None and filters.get("owner") is None:
            filters["team"] = actor.team or "-"
    with rt.uow(readonly=True) as uow:
        rows = uow.cases.search(**filters)
    return [case_summary(r) for r in rows if can_see(actor, r)]
