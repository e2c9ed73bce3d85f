"""A worker killed mid-batch (SIGKILL) and restarted loses nothing and fires nothing twice.

The worker runs as a real ``tierline worker`` process on the real clock; the cases were opened
three days in the past, so hundreds of clock stages are due when it starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from tierline.clock import SystemClock
from tierline.domain.clocks import compute_clocks
from tierline.domain.vocabulary import Severity
from tierline.service.actors import SYSTEM
from tierline.service.cases import OpenCase, open_case
from tierline.store.tables import events, outbox

from .conftest import PG_URL, Env, make_env
from .mailserver import smtp_server
from .receiver import receiver

N_CASES = 150


def _worker(url: str, hook: str, smtp_port: int, cwd: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TIERLINE_DATABASE_URL": url,
        "TIERLINE_NOTIFY_WEBHOOK_URL": hook,
        # Customer e-mail (the escalation notices Tierline sends itself) goes to a real server.
        "TIERLINE_SMTP_HOST": "127.0.0.1",
        "TIERLINE_SMTP_PORT": str(smtp_port),
        "TIERLINE_MAIL_FROM": "support@tierline.test",
        "TIERLINE_WORKER_BATCH": "10",
        "TIERLINE_OUTBOX_LEASE_SECONDS": "2",
    }
    log = open(cwd / "worker.log", "ab")  # noqa: SIM115 - the child writes it; a pipe could fill
    return subprocess.Popen(
        [sys.executable, "-m", "tierline.cli.main", "worker"],
        env=env,
        cwd=cwd,
        stdout=log,
        stderr=log,
    )


def _count_fired(env: Env) -> int:
    with env.rt.uow(readonly=True) as uow:
        return int(
            uow.conn.execute(
                select(func.count()).select_from(events).where(events.c.kind == "clock_fired")
            ).scalar_one()
        )


def test_killed_worker_loses_nothing(engine, backend: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = make_env(engine, start=SystemClock().now() - timedelta(days=3))
    for i in range(N_CASES):
        open_case(
            env.rt,
            OpenCase(
                contact_type="bug_report",
                severity=Severity.S2,
                subject=f"case {i}",
                contact_email=f"c{i}@x.test",
                new_case=True,
            ),
            SYSTEM,
        )
    if backend == "sqlite":
        url = str(engine.url)
    else:
        with engine.connect() as conn:  # the test's own schema, for the worker process too
            schema = conn.exec_driver_sql("select current_schema()").scalar_one()
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    with receiver() as rx, smtp_server() as box:
        proc = _worker(url, rx.url, box.port, tmp_path)
        deadline = time.monotonic() + 60
        while _count_fired(env) < 40 and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)  # mid-batch: no chance to clean up
        proc.wait()
        partial = _count_fired(env)
        assert partial > 0

        proc = _worker(url, rx.url, box.port, tmp_path)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with env.rt.uow(readonly=True) as uow:
                    unsent = uow.conn.execute(
                        select(func.count()).select_from(outbox).where(outbox.c.status != "sent")
                    ).scalar_one()
                    due = uow.cases.due(SystemClock().now(), 1)
                if not unsent and not due:
                    break
                time.sleep(0.2)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)

    now = SystemClock().now()
    with env.rt.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(events.c.case_id, events.c.data).where(events.c.kind == "clock_fired")
        ).all()
        fired = Counter((cid, d["clock"], d["stage"]) for cid, d in rows)
        assert max(fired.values()) == 1, "a stage fired twice"
        # Every stage that is due now has fired: nothing was lost with the killed process.
        for case_id in range(1, N_CASES + 1):
            history = uow.events.history(case_id)
            row = uow.cases.get(case_id)
            assert row is not None
            plan, cals = env.rt.plan(uow, row["plan_digest"])
            clocks = compute_clocks(history, plan.governing, cals, now)
            assert clocks.due_stages(now) == [], f"case {case_id} has unfired due stages"
        unsent = uow.conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.status != "sent")
        ).scalar_one()
        hooks = (
            uow.conn.execute(select(outbox.c.idempotency_key).where(outbox.c.channel == "webhook"))
            .scalars()
            .all()
        )
    assert unsent == 0
    received = set(rx.keys())
    assert set(hooks) <= received, "a queued message never arrived"
