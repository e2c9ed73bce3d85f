"""The staff repository: people by API token, handle, team or role."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select

from tierline.store.tables import people

Row = dict[str, Any]


class PeopleRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def by_token_hash(self, token_hash: str) -> Row | None:
        row = (
            self.conn.execute(
                select(people).where(people.c.token_hash == token_hash, people.c.active.is_(True))
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def by_handle(self, handle: str) -> Row | None:
        row = self.conn.execute(select(people).where(people.c.handle == handle)).mappings().first()
        return dict(row) if row else None

    def add(self, values: Mapping[str, Any]) -> int:
        return int(self.conn.execute(insert(people).values(**values)).inserted_primary_key[0])  # type: ignore[index]

    def in_team(self, team: str) -> list[Row]:
        q = (
            select(people)
            .where(people.c.team == team, people.c.active.is_(True))
            .order_by(people.c.handle)
        )
        return [dict(r) for r in self.conn.execute(q).mappings()]

    def with_role(self, role: str, team: str | None = None) -> list[Row]:
        q = select(people).where(people.c.role == role, people.c.active.is_(True))
        if team:
            q = q.where(people.c.team == team)
        return [dict(r) for r in self.conn.execute(q.order_by(people.c.handle)).mappings()]

    def all(self) -> list[Row]:
        return [
            dict(r) for r in self.conn.execute(select(people).order_by(people.c.handle)).mappings()
        ]
