"""The worker on a fake clock: warning, breach, breach + N, vacuum, approval overdue, delivery."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tierline.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tierline.config import Settings
from tierline.service.runtime import Tierline
from tierline.store.db import make_engine
from tierline.store.tables import alerts
from tierline.worker.lock import WorkerAlreadyRunning
from tierline.worker.runner import Worker

from .conftest import Env
from .receiver import receiver
from .test_use_cases import open_case


def fired(env: Env, case_id: int) -> list[tuple[str, str]]:
    events = env.get("max", f"/api/cases/{case_id}/timeline").json()["events"]
    return [(e["data"]["clock"], e["data"]["stage"]) for e in events if e["kind"] == "clock_fired"]


def notified(env: Env, case_id: int) -> list[str]:
    """Who was alerted about the case (delivery itself is test_alerts' subject)."""
    with env.rt.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(alerts.c.recipient, alerts.c.intended_for).where(alerts.c.case_id == case_id)
        ).all()
    return [r.intended_for or r.recipient for r in rows]


def test_warning_breach_and_breach_plus_two_hours(env: Env) -> None:
    case = open_case(env, severity="S2")  # T1: first response within 1 business hour
    cid = case["id"]
    worker = Worker(env.rt)
    env.clock.advance(timedelta(minutes=31))
    worker.tick()
    assert ("first_response", "warning:0.5") in fired(env, cid)
    assert "ana" in notified(env, cid)  # the owner hears of the warning

    env.clock.advance(timedelta(minutes=30))  # 61 minutes: breached
    worker.tick()
    stages = fired(env, cid)
    assert ("first_response", "breach") in stages
    assert stages.count(("first_response", "breach")) == 1
    body = env.get("max", f"/api/cases/{cid}").json()
    sla = [e for e in body["escalations"] if e["type"] == "sla"]
    assert len(sla) == 1 and sla[0]["to_tier"] == "T2" and sla[0]["automatic"] is True
    assert sla[0]["explanation"]["facts"]["clock"] == "first_response"
    assert {"sue", "cora"} <= set(notified(env, cid))  # team lead and coordinator

    worker.tick()  # nothing new at the same instant: firing is idempotent
    assert fired(env, cid) == stages

    env.clock.advance(timedelta(hours=2))
    worker.tick()
    assert ("first_response", "breach+7200s") in fired(env, cid)
    assert "max" in notified(env, cid)  # the support manager at breach + 2h


def test_unaccepted_transfer_becomes_an_ownership_vacuum(env: Env) -> None:
    case = open_case(env, severity="S2")
    cid = case["id"]
    env.post("ana", f"/api/cases/{cid}/messages", {"direction": "outbound", "body": "On it."})
    r = env.post(
        "ana",
        f"/api/cases/{cid}/escalations",
        {"type": "tier", "reason": "needs a specialist", "to_tier": "T2"},
    )
    esc = r.json()["escalation_id"]
    worker = Worker(env.rt)
    env.clock.advance(timedelta(minutes=61))  # S2 acceptance at T2: 1 business hour
    worker.tick()
    assert (f"acceptance:{esc}", "breach") in fired(env, cid)
    body = env.get("max", f"/api/cases/{cid}").json()
    assert body["ownership_state"] == "vacuum" and body["owner"] == "ana"
    (vacuum,) = [
        e
        for e in env.get("max", f"/api/cases/{cid}/timeline").json()["events"]
        if e["kind"] == "clock_fired"
        and e["data"]["clock"] == f"acceptance:{esc}"
        and e["data"]["stage"] == "breach"
    ]
    assert vacuum["data"]["decisions"][0]["flag"] == "ownership_vacuum"
    assert "cora" in notified(env, cid)


def test_approval_left_waiting_is_flagged(env: Env) -> None:
    case = open_case(env)
    r = env.post(
        "ana",
        f"/api/cases/{case['id']}/actions",
        {"action": "credit", "amount": 120, "reason": "goodwill"},
    )
    due = r.json()["due_at"]
    worker = Worker(env.rt)
    env.clock.advance(timedelta(hours=5))  # approval target: 4 business hours
    worker.tick()
    events = env.get("max", f"/api/cases/{case['id']}/timeline").json()["events"]
    overdue = [
        e
        for e in events
        if e["kind"] == "clock_fired"
        and e["data"]["stage"] == "breach"
        and e["data"]["clock"].startswith("approval:")
    ]
    assert len(overdue) == 1 and overdue[0]["data"]["decisions"][0]["flag"] == "approval_overdue"
    assert overdue[0]["data"]["stage_at"] == due or overdue[0]["data"]["stage_at"] is not None


def test_webhooks_are_signed_retried_and_dead_lettered(env: Env) -> None:
    with receiver() as rx:
        env.rt.settings = replace(env.rt.settings, webhook_urls=(rx.url,), webhook_secret="s3cret")
        rx.script = [500]  # the first delivery fails and is retried
        case = open_case(env)
        worker = Worker(env.rt)
        worker.tick()
        assert worker.tick().delivered == 0  # backing off
        env.clock.advance(timedelta(seconds=10))
        worker.tick()
        assert rx.received, "the retried delivery arrived"
        first = rx.received[0]
        assert first.json["type"].startswith("case.") and first.json["case_id"] == case["id"]
        assert verify(
            "s3cret", first.headers[TIMESTAMP_HEADER], first.body, first.headers[SIGNATURE_HEADER]
        )
        assert len(set(rx.keys())) == len(rx.keys())  # never twice

        rx.script = [400] * 50  # a permanent refusal goes to the dead letters
        env.post(
            "ana",
            f"/api/cases/{case['id']}/messages",
            {"direction": "outbound", "body": "Update: still investigating."},
        )
        worker.tick()
        dead = env.get("root", "/api/outbox", params={"status": "dead"}).json()["messages"]
        assert dead and "HTTP 400" in dead[0]["last_error"]
        rx.script = []
        r = env.post("root", f"/api/outbox/{dead[0]['id']}/retry")
        assert r.status_code == 200
        worker.tick()
        assert (
            env.get("root", "/api/outbox", params={"status": "dead"}).json()["messages"] == dead[1:]
        )


def test_a_second_worker_on_sqlite_refuses_to_start(sqlite_template: Path, tmp_path: Path) -> None:
    """SQLite's rule only: on PostgreSQL any number of workers run (test_many_workers)."""
    path = tmp_path / "one.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    rt = Tierline(Settings(database_url=f"sqlite:///{path}"), engine)
    first, second = Worker(rt), Worker(rt)
    first.acquire()
    try:
        with pytest.raises(WorkerAlreadyRunning, match="SQLite supports one worker"):
            second.acquire()
    finally:
        first.release()
    second.acquire()  # once the first is gone, a new one may start
    second.release()
