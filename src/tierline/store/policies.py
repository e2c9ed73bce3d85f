"""Repositories for policy versions (stored, activated, listed) and the plans frozen from them,
each stored once by digest.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tierline.store.tables import plans, policy_versions

Row = dict[str, Any]


class PolicyRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def active(self) -> Row | None:
        row = (
            self.conn.execute(select(policy_versions).where(policy_versions.c.active.is_(True)))
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def active_version(self) -> str | None:
        return self.conn.execute(
            select(policy_versions.c.version).where(policy_versions.c.active.is_(True))
        ).scalar_one_or_none()

    def get(self, version: str) -> Row | None:
        row = (
            self.conn.execute(select(policy_versions).where(policy_versions.c.version == version))
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def add(self, values: Mapping[str, Any]) -> None:
        if self.get(str(values["version"])) is None:
            self.conn.execute(insert(policy_versions).values(**values))

    def activate(self, version: str, now: datetime) -> None:
        self.conn.execute(
            update(policy_versions).where(policy_versions.c.active.is_(True)).values(active=False)
        )
        self.conn.execute(
            update(policy_versions)
            .where(policy_versions.c.version == version)
            .values(active=True, activated_at=now)
        )

    def history(self) -> list[Row]:
        q = select(
            policy_versions.c.version,
            policy_versions.c.name,
            policy_versions.c.label,
            policy_versions.c.created_at,
            policy_versions.c.activated_at,
            policy_versions.c.active,
        ).order_by(policy_versions.c.created_at.desc())
        return [dict(r) for r in self.conn.execute(q).mappings()]


class PlanRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, digest: str) -> Row | None:
        row = self.conn.execute(select(plans).where(plans.c.digest == digest)).mappings().first()
        return dict(row) if row else None

    def ensure(
        self, digest: str, policy_version: str, data: Mapping[str, Any], now: datetime
    ) -> None:
        """Store a plan once; concurrent writers of the same digest are harmless."""
        if (
            self.conn.execute(select(plans.c.digest).where(plans.c.digest == digest)).first()
            is None
        ):
            ins = (
                pg_insert(plans) if self.conn.dialect.name == "postgresql" else sqlite_insert(plans)
            )
            self.conn.execute(
                ins.values(
                    digest=digest, policy_version=policy_version, data=dict(data), created_at=now
                ).on_conflict_do_nothing(index_elements=["digest"])
            )
