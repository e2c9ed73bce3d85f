"""Four workers on PostgreSQL fire over 10,000 due clock stages: none twice, no message twice.

Each worker has its own engine (its own connections), so they compete for rows exactly as four
processes would; they share the fake clock, which moves forward in half-hour steps over three
simulated days while they run.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tierline.config import Settings
from tierline.policy import example_path
from tierline.service.actors import SYSTEM
from tierline.service.cases import OpenCase, open_case
from tierline.service.runtime import Tierline
from tierline.store.tables import cases, escalations, events, outbox
from tierline.worker.runner import Worker

from .conftest import make_env, pg_engine, truncate
from .mailserver import smtp_server
from .receiver import receiver

N_CASES = 1100
N_WORKERS = 4


@pytest.mark.slow
@pytest.mark.postgres
def test_four_workers_fire_every_due_clock_exactly_once(pg_schema: str, tmp_path: Path) -> None:
    engine = pg_engine(pg_schema, pool_size=8)
    truncate(engine)
    # Staff alerts batched into digests, without reminders: this test is about clocks and
    # messages firing once; thousands of individual pages would only make it slow.
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        Path(str(example_path("saas_support"))).read_text()
        + "\nalerts:\n  max_repeats: 0\n  digest_every: 30m\n  digest_kinds: [warning, breach,"
        " vacuum, approval_due, commitment_missed, communication_missed, notification]\n"
    )
    env = make_env(engine, policy_file=policy)
    from tierline.domain.vocabulary import Severity

    for i in range(N_CASES):
        open_case(
            env.rt,
            OpenCase(
                contact_type="bug_report",
                severity=Severity.S2,
                subject=f"case {i}",
                account_id=f"acct-{i % 50}",
                contact_email=f"c{i}@example.test",
                new_case=True,
            ),
            SYSTEM,
        )

    with receiver() as rx, smtp_server() as box:
        settings = replace(
            Settings(database_url=str(engine.url)),
            notify_webhook_url=rx.url,
            smtp_host=box.host,
            smtp_port=box.port,
            mail_from="support@tierline.test",
            worker_batch=50,
            policy_refresh_seconds=60,
        )
        workers = []
        engines = []
        for n in range(N_WORKERS):
            eng = pg_engine(pg_schema, pool_size=2)
            engines.append(eng)
            workers.append(Worker(Tierline(settings, eng, env.clock), name=f"w{n}"))
        stop = threading.Event()
        idle = [threading.Event() for _ in workers]
        # The clock moves only between ticks: a tick claims outbox rows under a lease counted
        # on this clock, and a half-hour step taken in the middle of one expired its lease at
        # once, so another worker took the rows again and sent them twice. (An idle flag can
        # still be set from a worker's previous tick while its next one has found work.)
        gate = threading.Condition()
        ticking = [0]
        moving = [False]

        def loop(w: Worker, idle_flag: threading.Event) -> None:
            while not stop.is_set():
                with gate:
                    gate.wait_for(lambda: not moving[0])
                    ticking[0] += 1
                try:
                    r = w.tick()
                finally:
                    with gate:
                        ticking[0] -= 1
                        gate.notify_all()
                if r.fired or r.delivered:
                    idle_flag.clear()
                else:
                    idle_flag.set()
                    time.sleep(0.01)

        def advance(by: timedelta) -> None:
            with gate:
                moving[0] = True
                gate.wait_for(lambda: ticking[0] == 0)
                env.clock.advance(by)
                for f in idle:
                    f.clear()
                moving[0] = False
                gate.notify_all()

        threads = [
            threading.Thread(target=loop, args=(w, f)) for w, f in zip(workers, idle, strict=True)
        ]
        for t in threads:
            t.start()
        try:
            for _ in range(72):  # a day and a half in half-hour steps
                advance(timedelta(minutes=30))
                deadline = time.monotonic() + 60
                while not all(f.is_set() for f in idle) and time.monotonic() < deadline:
                    time.sleep(0.02)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)

        with engine.connect() as conn:
            fired = conn.execute(
                select(events.c.case_id, events.c.data).where(events.c.kind == "clock_fired")
            ).all()
            stages = Counter((cid, d["clock"], d["stage"]) for cid, d in fired)
            sla = conn.execute(
                select(escalations.c.case_id, func.count())
                .where(escalations.c.type == "sla")
                .group_by(escalations.c.case_id)
            ).all()
            pending = conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.status != "sent")
            ).scalar_one()
            sent = conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.channel == "webhook")
            ).scalar_one()
            overdue = conn.execute(
                select(func.count())
                .select_from(cases)
                .where(cases.c.next_due_at <= env.clock.now())
            ).scalar_one()
        for eng in engines:
            eng.dispose()

    assert len(stages) >= 10_000, f"only {len(stages)} stages fired"
    assert max(stages.values()) == 1, [k for k, v in stages.items() if v > 1][:5]
    # A first-response breach escalates once per case, whatever the number of workers.
    first_breaches = sum(
        1 for (_, clock, stage) in stages if clock == "first_response" and stage == "breach"
    )
    assert first_breaches == N_CASES
    # Nobody accepts the SLA transfer, so each case has exactly one SLA escalation.
    assert len(sla) == N_CASES and all(n == 1 for _, n in sla)
    assert overdue == 0 and pending == 0
    keys = rx.keys()
    assert len(keys) == sent and len(set(keys)) == len(keys), "a message was sent twice"
    mails = box.message_ids()
    assert mails and len(mails) == len(set(mails)), "an e-mail was sent twice"
