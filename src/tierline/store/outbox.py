"""The outbox: messages written with the change that caused them, delivered later by workers.

Claiming uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so any number of workers take disjoint
batches; a claimed row carries a lease (``claimed_until``) so a worker that dies mid-delivery
releases it by simply not renewing. Idempotency keys are unique: queueing the same message twice
is a no-op, and receivers get the key to drop a redelivery after a crash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tierline.store.tables import outbox

PENDING, SENDING, SENT, FAILED, DEAD = "pending", "sending", "sent", "failed", "dead"


class OutboxRepo:
    def __init__(self, conn: Connection, is_postgres: bool) -> None:
        self.conn = conn
        self.is_postgres = is_postgres

    def add_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        ins = pg_insert(outbox) if self.is_postgres else sqlite_insert(outbox)
        self.conn.execute(
            ins.on_conflict_do_nothing(index_elements=["idempotency_key"]), list(rows)
        )

    def claim(
        self, now: datetime, worker: str, limit: int, lease: timedelta
    ) -> list[dict[str, Any]]:
        """Take up to ``limit`` deliverable rows (pending and due, or sending with a dead lease)."""
        due = or_(
            and_(outbox.c.status.in_([PENDING, FAILED]), outbox.c.next_attempt_at <= now),
            and_(outbox.c.status == SENDING, outbox.c.claimed_until < now),
        )
        q = select(outbox.c.id).where(due).order_by(outbox.c.next_attempt_at).limit(limit)
        if self.is_postgres:
            q = q.with_for_update(skip_locked=True)
        ids = [r.id for r in self.conn.execute(q)]
        if not ids:
            return []
        self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(
                status=SENDING,
                claimed_by=worker,
                claimed_until=now + lease,
                attempts=outbox.c.attempts + 1,
            )
        )
        rows = self.conn.execute(select(outbox).where(outbox.c.id.in_(ids)).order_by(outbox.c.id))
        return [dict(r) for r in rows.mappings()]

    def mark_sent(self, row_id: int, worker: str, now: datetime) -> bool:
        res = self.conn.execute(
            update(outbox)
            .where(outbox.c.id == row_id, outbox.c.claimed_by == worker, outbox.c.status == SENDING)
            .values(status=SENT, sent_at=now, claimed_until=None, last_error=None)
        )
        return res.rowcount == 1

    def mark_failed(self, row_id: int, worker: str, error: str, next_at: datetime | None) -> None:
        self.conn.execute(
            update(outbox)
            .where(outbox.c.id == row_id, outbox.c.claimed_by == worker)
            .values(
                status=FAILED if next_at else DEAD,
                next_attempt_at=next_at or outbox.c.next_attempt_at,
                claimed_until=None,
                last_error=error[:2000],
            )
        )

    def counts(self) -> dict[str, int]:
        rows = self.conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
        return {r[0]: int(r[1]) for r in rows}

    def list(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        q = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
        if status:
            q = q.where(outbox.c.status == status)
        return [dict(r) for r in self.conn.execute(q).mappings()]

    def stuck(self, now: datetime) -> int:
        """Rows in ``sending`` whose lease has run out: a worker died mid-delivery."""
        q = (
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.status == SENDING, outbox.c.claimed_until < now)
        )
        return int(self.conn.execute(q).scalar_one())

    def retry(self, row_id: int, now: datetime) -> bool:
        res = self.conn.execute(
            update(outbox)
            .where(outbox.c.id == row_id, outbox.c.status == DEAD)
            .values(status=PENDING, next_attempt_at=now, last_error=None)
        )
        return res.rowcount == 1
