"""A ``tierline worker`` process sending customer e-mail to a real SMTP server is SIGKILLed three
times while it sends, and restarted each time: every queued message arrives, and each message
arrives once, counted by Message-ID at the server.

What "once" can mean with SMTP (RFC 1047): a message whose ``250`` the server sent but whose
``sent`` the killed worker had not yet committed goes out again after the lease runs out. That
copy carries the same Message-ID and the same bytes, so a receiving system that honours
Message-IDs (mail stores, help desks, Tierline's own inbound mail) keeps one. The test holds the
sender to exactly that: distinct messages at the server == queued messages, and a repeated copy
only for a message in flight at a kill (at most one per kill), byte-identical to the first.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from tierline.clock import SystemClock
from tierline.store.tables import outbox

from .conftest import Env, make_env
from .mailserver import Mailbox, smtp_server
from .test_inbound_mail import database_url
from .test_use_cases import open_case

N_CASES = 30
UPDATES = 10  # 300 e-mails
KILL_AT = (50, 140, 220)  # sent rows at which the worker is killed


def _worker(url: str, box: Mailbox, cwd: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERLINE_")}
    env.update(
        TIERLINE_DATABASE_URL=url,
        TIERLINE_SMTP_HOST=box.host,
        TIERLINE_SMTP_PORT=str(box.port),
        TIERLINE_MAIL_FROM="support@acme.test",
        TIERLINE_WORKER_BATCH="20",
        TIERLINE_OUTBOX_LEASE_SECONDS="2",
        TIERLINE_WORKER_POLL_SECONDS="0.05",
    )
    log = open(cwd / "worker.log", "ab")  # noqa: SIM115 - the child writes it; a pipe could fill
    return subprocess.Popen(
        [sys.executable, "-m", "tierline.cli.main", "worker"],
        env=env,
        cwd=cwd,
        stdout=log,
        stderr=log,
    )


def _email_status(env: Env) -> Counter[str]:
    with env.rt.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(outbox.c.status, func.count())
            .where(outbox.c.channel == "email")
            .group_by(outbox.c.status)
        ).all()
    return Counter({s: int(n) for s, n in rows})


def _wait(env: Env, proc: subprocess.Popen[bytes], done: int, cwd: Path, limit: float) -> None:
    deadline = time.monotonic() + limit
    while _email_status(env)["sent"] < done:
        if proc.poll() is not None:
            raise AssertionError(f"the worker stopped: {(cwd / 'worker.log').read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"only {_email_status(env)} after {limit} s")
        time.sleep(0.005)


def test_killed_worker_sends_every_email_once(engine: Engine, backend: str, tmp_path: Path) -> None:
    env = make_env(engine, start=SystemClock().now() - timedelta(minutes=1))
    for i in range(N_CASES):
        case = open_case(
            env,
            contact={"name": f"Customer {i}", "email": f"c{i}@globex.example"},
            new_case=True,
        )
        for n in range(UPDATES):
            r = env.post(
                "ana",
                f"/api/cases/{case['id']}/communications",
                {"kind": "daily_update", "text": f"Update {n} on case {case['id']}."},
            )
            assert r.status_code == 201, r.text
    with env.rt.uow(readonly=True) as uow:
        queued = {
            str(p["message_id"]): p
            for p in uow.conn.execute(
                select(outbox.c.payload).where(outbox.c.channel == "email")
            ).scalars()
        }
    assert len(queued) == N_CASES * UPDATES

    url = database_url(engine, backend)
    with smtp_server() as box:
        box.delay = 0.002  # most of the worker's time is spent inside an SMTP transaction
        in_flight = 0
        for mark in KILL_AT:
            proc = _worker(url, box, tmp_path)
            _wait(env, proc, mark, tmp_path, 90)
            proc.send_signal(signal.SIGKILL)  # mid-batch: no chance to clean up
            proc.wait()
            in_flight += _email_status(env)["sending"]
        proc = _worker(url, box, tmp_path)
        try:
            _wait(env, proc, len(queued), tmp_path, 120)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        received = list(box.received)

    assert in_flight > 0, "no kill happened while a batch was being sent"
    status = _email_status(env)
    assert status == Counter({"sent": len(queued)}), status
    copies: dict[str, list[bytes]] = defaultdict(list)
    for r in received:
        copies[r.message_id].append(r.data)
    assert set(copies) == set(queued), "a message was lost, or one arrived that was never queued"
    repeated = {mid: data for mid, data in copies.items() if len(data) > 1}
    assert len(repeated) <= len(KILL_AT), f"more repeats than kills: {sorted(repeated)}"
    for mid, data in repeated.items():
        assert len(data) == 2 and data[0] == data[1], f"{mid} was not an identical redelivery"
    for mid, data in copies.items():  # and each is the message that was queued
        assert queued[mid]["subject"].encode() in data[0]
    print(
        f"{backend}: {len(queued)} queued, {len(received)} SMTP acceptances, "
        f"{len(copies)} distinct Message-IDs, {len(repeated)} redelivered in the commit window"
    )
