"""Staff alerts without fatigue: on duty only, once, batched where the policy says, repeated
until acknowledged. The SaaS policy's defaults: warnings digested every 30 minutes, repeats every
15 minutes up to 3 times, dedupe window 10 minutes; the front line works Berlin office hours."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from tierline.service.alerts import dispatch
from tierline.store.tables import alerts, outbox

from .conftest import Env
from .test_use_cases import open_case


def delivered(env: Env) -> list[tuple[str, str]]:
    """(recipient, subject) of every alert message queued on the log channel."""
    with env.rt.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(outbox.c.recipient, outbox.c.subject)
            .where(outbox.c.kind == "notification", outbox.c.channel == "log")
            .order_by(outbox.c.id)
        ).all()
    return [(r[0], r[1]) for r in rows]


def raise_alert(
    env: Env, case_id: int, recipient: str, kind: str, topic: str, at: datetime | None = None
) -> None:
    now = at or env.clock.now()
    with env.rt.uow() as uow:
        uow.conn.execute(
            insert(alerts).values(
                case_id=case_id,
                recipient=recipient,
                kind=kind,
                summary=f"{kind} on {topic}",
                payload={},
                dedupe_key=f"{case_id}:{kind}:{recipient}:{topic}",
                digest=kind == "warning",
                status="pending",
                created_at=now,
                deliver_after=now,
                repeats=0,
            )
        )
        uow.commit()


def test_breach_alert_repeats_until_acknowledged(env: Env) -> None:
    cid = open_case(env)["id"]
    raise_alert(env, cid, "ana", "breach", "first_response")
    assert dispatch(env.rt, env.clock.now()) == 1
    assert delivered(env)[-1][0] == "ana"
    env.clock.advance(timedelta(minutes=16))
    dispatch(env.rt, env.clock.now())
    assert delivered(env)[-1][1].startswith("[reminder 1]")
    mine = env.get("ana", "/api/alerts").json()["alerts"]
    assert mine[0]["repeats"] == 1
    assert env.post("ana", f"/api/alerts/{mine[0]['id']}/ack").status_code == 200
    env.clock.advance(timedelta(minutes=16))
    assert dispatch(env.rt, env.clock.now()) == 0  # acknowledged: no more reminders
    assert env.post("ben", f"/api/alerts/{mine[0]['id']}/ack").status_code == 403


def test_reminders_stop_after_the_policys_maximum(env: Env) -> None:
    cid = open_case(env)["id"]
    raise_alert(env, cid, "ana", "vacuum", "acceptance:E1-1")
    dispatch(env.rt, env.clock.now())
    for _ in range(6):
        env.clock.advance(timedelta(minutes=16))
        dispatch(env.rt, env.clock.now())
    subjects = [s for r, s in delivered(env) if r == "ana"]
    assert len(subjects) == 4  # the alert and three reminders


def test_the_same_alert_twice_within_the_window_is_sent_once(env: Env) -> None:
    cid = open_case(env)["id"]
    raise_alert(env, cid, "ana", "breach", "resolution#1")
    dispatch(env.rt, env.clock.now())
    raise_alert(env, cid, "ana", "breach", "resolution#1")
    dispatch(env.rt, env.clock.now())
    assert [r for r, _ in delivered(env)].count("ana") == 1
    with env.rt.uow(readonly=True) as uow:
        statuses = [
            r[0]
            for r in uow.conn.execute(select(alerts.c.status).order_by(alerts.c.id))
            if r[0] in ("sent", "deduplicated")
        ]
    assert statuses[-2:] == ["sent", "deduplicated"]


def test_the_same_alert_twice_in_one_round_is_sent_once(env: Env) -> None:
    cid = open_case(env)["id"]
    raise_alert(env, cid, "ana", "breach", "resolution#1")
    raise_alert(env, cid, "ana", "breach", "resolution#1")
    assert dispatch(env.rt, env.clock.now()) == 1
    with env.rt.uow(readonly=True) as uow:
        statuses = uow.conn.execute(select(alerts.c.status).order_by(alerts.c.id)).scalars()
        assert list(statuses) == ["sent", "deduplicated"]


def test_warnings_are_batched_into_a_digest(env: Env) -> None:
    cid = open_case(env)["id"]
    raise_alert(env, cid, "ana", "warning", "first_response")
    raise_alert(env, cid, "ana", "warning", "resolution#1")
    assert dispatch(env.rt, env.clock.now()) == 0  # collected, not sent one by one
    env.clock.advance(timedelta(minutes=31))
    assert dispatch(env.rt, env.clock.now()) == 1
    ((recipient, subject),) = delivered(env)
    assert (recipient, subject) == ("ana", "2 alerts for you")


def test_alerts_waiting_for_their_digest_are_left_alone_until_it_is_due(env: Env) -> None:
    """Not claimed again on every tick meanwhile; one raised later joins the same digest."""
    cid = open_case(env)["id"]
    start = env.clock.now()
    raise_alert(env, cid, "ana", "warning", "first_response")
    assert dispatch(env.rt, start) == 0
    with env.rt.uow() as uow:
        assert uow.alerts.due(start + timedelta(minutes=29)) == []  # nothing to redo
    env.clock.advance(timedelta(minutes=20))
    raise_alert(env, cid, "ana", "warning", "resolution#1")
    assert dispatch(env.rt, env.clock.now()) == 0
    with env.rt.uow() as uow:
        waits = uow.conn.execute(select(alerts.c.deliver_after)).scalars().all()
    assert waits == [start + timedelta(minutes=30)] * 2  # the first one's digest
    env.clock.set(start + timedelta(minutes=30))
    assert dispatch(env.rt, env.clock.now()) == 1
    assert delivered(env) == [("ana", "2 alerts for you")]


def test_off_duty_alerts_go_to_a_colleague_on_duty(env: Env) -> None:
    cid = open_case(env)["id"]
    # Ana's quiet hours cover now (09:00 Berlin); Tom, also an agent at the front line, is on duty.
    r = env.client.put(
        "/api/people/ana/hours", headers=env.auth("ana"), json={"quiet_hours": ["08:30-10:00"]}
    )
    assert r.status_code == 200, r.text
    raise_alert(env, cid, "ana", "breach", "first_response")
    dispatch(env.rt, env.clock.now())
    assert delivered(env)[-1][0] == "tom"
    with env.rt.uow(readonly=True) as uow:
        row = uow.conn.execute(select(alerts.c.recipient, alerts.c.intended_for)).one()
    assert (row.recipient, row.intended_for) == ("tom", "ana")


def test_with_nobody_on_duty_the_alert_waits_for_working_hours(env: Env) -> None:
    cid = open_case(env)["id"]
    saturday = env.clock.now() + timedelta(days=5)  # Saturday 28 November, 09:00 Berlin
    env.clock.set(saturday)
    raise_alert(env, cid, "ana", "breach", "first_response")
    assert dispatch(env.rt, saturday) == 0
    with env.rt.uow(readonly=True) as uow:
        wait = uow.conn.execute(select(alerts.c.deliver_after)).scalar_one()
    assert wait.isoformat().startswith("2026-11-30T07:00")  # Monday 08:00 Berlin
    env.clock.set(wait)
    assert dispatch(env.rt, wait) == 1


def test_two_workers_with_one_alert_each_under_the_same_key_send_once(env: Env) -> None:
    """Two workers each claim one of two pending alerts that share a dedupe key: the second
    waits for the first's outcome and then finds it sent, instead of both finding nothing sent
    (on PostgreSQL, where workers run in parallel; SQLite has one writer at a time)."""
    cid = open_case(env)["id"]
    raise_alert(env, cid, "ana", "breach", "first_response")
    raise_alert(env, cid, "ana", "breach", "first_response")
    with env.rt.uow(readonly=True) as uow:
        first, second = uow.conn.execute(select(alerts.c.id).order_by(alerts.c.id)).scalars()
    now = env.clock.now()
    holding = threading.Event()
    release = threading.Event()
    result: list[int] = []

    def first_worker() -> None:
        # Claims the first alert, sends it, and is slow to commit.
        with env.rt.uow() as uow:
            row = uow.alerts.get(first)
            assert row is not None
            q = select(alerts.c.id).where(alerts.c.id == first)
            uow.conn.execute(q.with_for_update() if uow.is_postgres else q)
            uow.alerts.lock_dedupe_keys([row["dedupe_key"]])
            uow.alerts.update(first, {"status": "sent", "delivered_at": now})
            holding.set()
            release.wait(5)
            uow.commit()

    one = threading.Thread(target=first_worker)
    one.start()
    assert holding.wait(5)
    if env.rt.engine.dialect.name == "postgresql":
        two = threading.Thread(target=lambda: result.append(dispatch(env.rt, now)))
        two.start()
        two.join(0.5)
        assert two.is_alive()  # waiting on the key, not sending
        release.set()
        two.join(10)
    else:
        release.set()  # one writer at a time: the second worker runs after the first
        one.join(10)
        result.append(dispatch(env.rt, now))
    one.join(10)
    with env.rt.uow(readonly=True) as uow:
        status = dict(uow.conn.execute(select(alerts.c.id, alerts.c.status)).all())
    assert result == [0]
    assert status == {first: "sent", second: "deduplicated"}
