"""Operations: health, Prometheus metrics, the outbox's dead letters, who am I."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select, text

from tierline.api.auth import current_actor
from tierline.api.schemas import RowId
from tierline.service.actors import Actor
from tierline.service.errors import NotFound
from tierline.service.runtime import Tierline
from tierline.store import group_commit
from tierline.store.tables import cases, worker_heartbeats

router = APIRouter(tags=["operations"])


def rt_of(request: Request) -> Tierline:
    rt: Tierline = request.app.state.rt
    return rt


@router.get("/healthz")
def healthz(request: Request) -> dict[str, Any]:
    rt = rt_of(request)
    with rt.uow(readonly=True) as uow:
        uow.conn.execute(text("SELECT 1"))
        version = uow.policies.active_version()
    return {"status": "ok", "database": rt.engine.dialect.name, "policy_version": version}


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> str:
    rt = rt_of(request)
    now = rt.now()
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            lines.append(f"{name}{labels} {value}")

    with rt.uow(readonly=True) as uow:
        c = uow.conn
        by_status = c.execute(select(cases.c.status, func.count()).group_by(cases.c.status)).all()
        breached = c.execute(
            select(func.count())
            .select_from(cases)
            .where(cases.c.breached.is_(True), cases.c.closed_at.is_(None))
        ).scalar_one()
        overdue = c.execute(
            select(func.count())
            .select_from(cases)
            .where(cases.c.next_due_at < now - timedelta(minutes=1))
        ).scalar_one()
        ob = uow.outbox.counts()
        stuck = uow.outbox.stuck(now)
        beats = c.execute(select(worker_heartbeats)).mappings().all()
    metric(
        "tierline_cases",
        "gauge",
        "Cases by status.",
        [(f'{{status="{s}"}}', float(n)) for s, n in by_status],
    )
    metric(
        "tierline_cases_breached_open",
        "gauge",
        "Unclosed cases with a breached clock.",
        [("", float(breached))],
    )
    metric(
        "tierline_clocks_overdue",
        "gauge",
        "Cases whose next deadline passed over a minute ago without action (watchdog).",
        [("", float(overdue))],
    )
    metric(
        "tierline_outbox_messages",
        "gauge",
        "Outbox messages by status.",
        [(f'{{status="{s}"}}', float(n)) for s, n in ob.items()],
    )
    metric(
        "tierline_outbox_stuck",
        "gauge",
        "Messages left 'sending' by a dead worker.",
        [("", float(stuck))],
    )
    metric(
        "tierline_worker_last_seen_seconds",
        "gauge",
        "Seconds since each worker's heartbeat.",
        [(f'{{worker="{b["worker"]}"}}', (now - b["seen_at"]).total_seconds()) for b in beats],
    )
    metric(
        "tierline_worker_lag_seconds",
        "gauge",
        "How late each worker acted on a deadline.",
        [(f'{{worker="{b["worker"]}"}}', float(b["lag_seconds"])) for b in beats],
    )
    metric(
        "tierline_worker_fired_total",
        "counter",
        "Cases processed for due deadlines.",
        [(f'{{worker="{b["worker"]}"}}', float(b["fired"])) for b in beats],
    )
    if rt.engine.dialect.name == "postgresql":
        merged = group_commit.totals(rt.engine)
        metric(
            "tierline_new_case_statements_total",
            "counter",
            "Statements that stored new cases, sent by this process (several cases committing "
            "together share one).",
            [("", float(merged["statements"]))],
        )
        metric(
            "tierline_new_case_statement_parts_total",
            "counter",
            "New cases those statements carried.",
            [("", float(merged["parts"]))],
        )
        metric(
            "tierline_new_case_statements_refused_total",
            "counter",
            "Statements of several new cases refused, each case then sent alone.",
            [("", float(merged["refused"]))],
        )
    stats = request.app.state.http_stats
    metric(
        "tierline_http_requests_total",
        "counter",
        "HTTP requests by status class.",
        [(f'{{code="{k}"}}', float(v)) for k, v in sorted(stats.items())],
    )
    return "\n".join(lines) + "\n"


@router.get("/api/me")
def me(actor: Actor = Depends(current_actor)) -> dict[str, Any]:
    return {
        "handle": actor.handle,
        "name": actor.name,
        "role": actor.role,
        "team": actor.team,
        "permissions": sorted(actor.permissions),
    }


@router.get("/api/outbox")
def list_outbox(
    request: Request,
    status: str | None = None,
    limit: int = 100,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """Messages by status; ``status=dead`` lists the dead letters."""
    actor.require("user.admin", "inspect the outbox")
    with rt_of(request).uow(readonly=True) as uow:
        rows = uow.outbox.list(status, min(max(limit, 1), 1000))
    return {
        "messages": [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
            for r in rows
        ]
    }


@router.post("/api/outbox/{message_id}/retry")
def retry(
    message_id: RowId, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    actor.require("user.admin", "retry messages")
    rt = rt_of(request)
    with rt.uow() as uow:
        ok = uow.outbox.retry(message_id, rt.now())
        uow.commit()
    if not ok:
        raise NotFound(f"message {message_id} is not a dead letter")
    return {"id": message_id, "status": "pending"}
