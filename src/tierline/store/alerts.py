"""Staff alerts: written with the decision that raised them, dispatched later by the worker."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, text, update

from tierline.store.tables import alerts

_LOCK_KEY = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


class AlertRepo:
    def __init__(self, conn: Connection, is_postgres: bool) -> None:
        self.conn = conn
        self.is_postgres = is_postgres

    def add_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(alerts), list(rows))

    def _claim(self, where: Any, limit: int) -> list[dict[str, Any]]:
        q = select(alerts).where(where).order_by(alerts.c.id).limit(limit)
        if self.is_postgres:
            q = q.with_for_update(skip_locked=True)
        return [dict(r) for r in self.conn.execute(q).mappings()]

    def due(self, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
        """Pending alerts whose delivery time has come (claimed on PostgreSQL)."""
        return self._claim(and_(alerts.c.status == "pending", alerts.c.deliver_after <= now), limit)

    def reminders_due(self, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
        return self._claim(
            and_(
                alerts.c.status == "sent",
                alerts.c.acknowledged_at.is_(None),
                alerts.c.next_repeat_at <= now,
            ),
            limit,
        )

    def oldest_pending_digest(self, recipient: str) -> datetime | None:
        """When the oldest alert waiting for ``recipient``'s next digest was raised."""
        q = select(func.min(alerts.c.created_at)).where(
            alerts.c.recipient == recipient,
            alerts.c.status == "pending",
            alerts.c.digest.is_(True),
        )
        oldest: datetime | None = self.conn.execute(q).scalar_one()
        return oldest

    def lock_dedupe_keys(self, keys: Sequence[str]) -> None:
        """PostgreSQL: hold each key until this transaction ends, so a worker that has claimed
        another alert with the same key waits for this one's outcome before its dedupe check,
        instead of both finding nothing sent and both sending. Taken in sorted order, so two
        workers never wait for each other. (SQLite's single writer already serialises them.)"""
        if not self.is_postgres:
            return
        for key in sorted(set(keys)):
            self.conn.execute(_LOCK_KEY, {"key": f"alert:{key}"})

    def recently_sent(self, dedupe_keys: Sequence[str], since: datetime) -> set[str]:
        """Which of ``dedupe_keys`` (a round's, at most ``due``'s limit) were delivered since
        ``since``."""
        if not dedupe_keys:
            return set()
        q = (
            select(alerts.c.dedupe_key)
            .where(
                alerts.c.dedupe_key.in_(sorted(set(dedupe_keys))),
                alerts.c.status.in_(["sent", "acknowledged"]),
                alerts.c.delivered_at >= since,
            )
            .distinct()
        )
        return set(self.conn.execute(q).scalars())

    def update(self, alert_id: int, values: Mapping[str, Any]) -> None:
        self.conn.execute(update(alerts).where(alerts.c.id == alert_id).values(**values))

    def update_all(self, alert_ids: Sequence[int], values: Mapping[str, Any]) -> None:
        if alert_ids:
            self.conn.execute(update(alerts).where(alerts.c.id.in_(alert_ids)).values(**values))

    def get(self, alert_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(alerts).where(alerts.c.id == alert_id)).mappings().first()
        return dict(row) if row else None

    def for_person(self, handle: str, status: str | None, limit: int) -> list[dict[str, Any]]:
        q = select(alerts).where(or_(alerts.c.recipient == handle, alerts.c.intended_for == handle))
        if status:
            q = q.where(alerts.c.status == status)
        return [
            dict(r)
            for r in self.conn.execute(q.order_by(alerts.c.id.desc()).limit(limit)).mappings()
        ]

    def acknowledge(self, ids: Sequence[int], who: str, now: datetime) -> int:
        if not ids:
            return 0
        res = self.conn.execute(
            update(alerts)
            .where(alerts.c.id.in_(list(ids)), alerts.c.acknowledged_at.is_(None))
            .values(
                acknowledged_at=now, acknowledged_by=who, status="acknowledged", next_repeat_at=None
            )
        )
        return int(res.rowcount or 0)

    def open_for_case(self, case_id: int, handle: str) -> list[int]:
        q = select(alerts.c.id).where(
            alerts.c.case_id == case_id,
            alerts.c.acknowledged_at.is_(None),
            or_(alerts.c.recipient == handle, alerts.c.intended_for == handle),
        )
        return [int(r[0]) for r in self.conn.execute(q)]
