"""Message-IDs of customer mail, in and out: how replies find their case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tierline.store.tables import mail_messages


class MailRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, message_id: str, case_id: int | None, direction: str, now: datetime) -> bool:
        """Remember a Message-ID; False when it was already known (a duplicate)."""
        ins = (
            pg_insert(mail_messages)
            if self.conn.dialect.name == "postgresql"
            else sqlite_insert(mail_messages)
        )
        # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING.
        res = self.conn.execute(
            ins.values(
                message_id=message_id[:500], case_id=case_id, direction=direction, recorded_at=now
            )
            .on_conflict_do_nothing(index_elements=["message_id"])
            .returning(mail_messages.c.message_id)
        )
        return res.first() is not None

    def case_of(self, message_ids: list[str]) -> int | None:
        """The case of the first known Message-ID among those a reply refers to."""
        ids = [m[:500] for m in message_ids if m]
        if not ids:
            return None
        rows = self.conn.execute(
            select(mail_messages.c.message_id, mail_messages.c.case_id).where(
                mail_messages.c.message_id.in_(ids)
            )
        ).all()
        found = {m: c for m, c in rows if c is not None}
        for m in reversed(ids):  # the most recent reference first
            if m in found:
                return int(found[m])
        return None

    def thread(self, case_id: int) -> list[tuple[str, str]]:
        """(message_id, direction) of a case's mail, oldest first."""
        rows = self.conn.execute(
            select(mail_messages.c.message_id, mail_messages.c.direction)
            .where(mail_messages.c.case_id == case_id)
            .order_by(mail_messages.c.recorded_at, mail_messages.c.message_id)
        ).all()
        return [(m, d) for m, d in rows]
