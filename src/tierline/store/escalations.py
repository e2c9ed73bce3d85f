"""Repositories for what moving a case leaves behind: escalation records, their handoffs, and
the approvals asked for when an action exceeds someone's authority.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from tierline.store.tables import approvals, cases, escalations, handoffs

Row = dict[str, Any]


class ApprovalRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, values: Mapping[str, Any]) -> int:
        return int(self.conn.execute(insert(approvals).values(**values)).inserted_primary_key[0])  # type: ignore[index]

    def get(self, approval_id: int, *, for_update: bool = False) -> Row | None:
        q = select(approvals).where(approvals.c.id == approval_id)
        if for_update:
            q = q.with_for_update()
        row = self.conn.execute(q).mappings().first()
        return dict(row) if row else None

    def decide(self, approval_id: int, values: Mapping[str, Any]) -> bool:
        res = self.conn.execute(
            update(approvals)
            .where(approvals.c.id == approval_id, approvals.c.status == "pending")
            .values(**values)
        )
        return res.rowcount == 1

    def for_case(self, case_id: int) -> list[Row]:
        q = select(approvals).where(approvals.c.case_id == case_id).order_by(approvals.c.id)
        return [dict(r) for r in self.conn.execute(q).mappings()]


class EscalationRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, values: Mapping[str, Any]) -> None:
        self.conn.execute(insert(escalations).values(**values))

    def update(self, escalation_id: str, values: Mapping[str, Any]) -> None:
        self.conn.execute(
            update(escalations).where(escalations.c.id == escalation_id).values(**values)
        )

    def for_case(self, case_id: int) -> list[Row]:
        q = (
            select(escalations)
            .where(escalations.c.case_id == case_id)
            .order_by(escalations.c.requested_at)
        )
        return [dict(r) for r in self.conn.execute(q).mappings()]

    def count_for_account(self, account_id: str) -> int:
        q = (
            select(func.count())
            .select_from(escalations.join(cases, cases.c.id == escalations.c.case_id))
            .where(cases.c.account_id == account_id)
        )
        return int(self.conn.execute(q).scalar_one())


class HandoffRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, values: Mapping[str, Any]) -> int:
        return int(self.conn.execute(insert(handoffs).values(**values)).inserted_primary_key[0])  # type: ignore[index]

    def for_case(self, case_id: int) -> list[Row]:
        q = select(handoffs).where(handoffs.c.case_id == case_id).order_by(handoffs.c.id)
        return [dict(r) for r in self.conn.execute(q).mappings()]
