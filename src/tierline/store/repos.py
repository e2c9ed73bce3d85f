"""Repositories: the queries each use case needs, one small class per table.

They speak rows (plain dicts) and domain values; they never decide anything. Locks are taken
here (``FOR UPDATE`` on PostgreSQL; SQLite already holds the write lock from ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tierline.domain.case import Account
from tierline.domain.vocabulary import AccountValue, Segment
from tierline.store.tables import (
    accounts,
    approvals,
    cases,
    escalations,
    handoffs,
    people,
    plans,
    policy_versions,
)

Row = dict[str, Any]


# Statements built once: constructing a 50-column UPDATE per request cost more than running it.
_GET_CASE = select(cases).where(cases.c.id == bindparam("case_id"))
_GET_CASE_FOR_UPDATE = _GET_CASE.with_for_update()
_INSERT_CASE = insert(cases).returning(*cases.c)
_UPDATES: dict[frozenset[str], Any] = {}


def _update_statement(keys: frozenset[str]) -> Any:
    stmt = _UPDATES.get(keys)
    if stmt is None:
        stmt = (
            update(cases)
            .where(cases.c.id == bindparam("_case_id"), cases.c.version == bindparam("_expected"))
            .values({k: bindparam(k) for k in sorted(keys)})
        )
        _UPDATES[keys] = stmt
    return stmt


class CaseRepo:
    def __init__(self, conn: Connection, is_postgres: bool) -> None:
        self.conn = conn
        self.is_postgres = is_postgres

    def get(self, case_id: int, *, for_update: bool = False) -> Row | None:
        q = _GET_CASE_FOR_UPDATE if for_update and self.is_postgres else _GET_CASE
        row = self.conn.execute(q, {"case_id": case_id}).mappings().first()
        return dict(row) if row else None

    def insert(self, values: Mapping[str, Any]) -> Row:
        """Insert a case and return its full row (one round trip, thanks to RETURNING)."""
        return dict(self.conn.execute(_INSERT_CASE, dict(values)).mappings().one())

    def update(self, case_id: int, values: Mapping[str, Any], expected_version: int) -> bool:
        params = {**values, "version": expected_version + 1}
        stmt = _update_statement(frozenset(params))
        args = {**params, "_case_id": case_id, "_expected": expected_version}
        res = self.conn.execute(stmt, args)
        return res.rowcount == 1

    def find_same_issue(
        self,
        account_id: str | None,
        contact_email: str | None,
        contact_type: str,
        product_area: str,
        since: datetime,
    ) -> Row | None:
        """The open case this contact most likely repeats (R-CASE-4)."""
        if not account_id and not contact_email:
            return None
        who = []
        if account_id:
            who.append(cases.c.account_id == account_id)
        if contact_email:
            who.append(cases.c.contact_email == contact_email)
        q = (
            select(cases)
            .where(
                and_(*who),
                cases.c.contact_type == contact_type,
                cases.c.product_area == product_area,
                cases.c.closed_at.is_(None),
                cases.c.resolved_at.is_(None),
                cases.c.updated_at >= since,
            )
            .order_by(cases.c.opened_at.desc())
            .limit(1)
        )
        row = self.conn.execute(q).mappings().first()
        return dict(row) if row else None

    def find_recent_escalation(
        self, account_id: str, contact_type: str, product_area: str, since: datetime, exclude: int
    ) -> Row | None:
        """An earlier escalated case of the same account and issue (R-RES-4)."""
        q = (
            select(cases)
            .where(
                cases.c.account_id == account_id,
                cases.c.contact_type == contact_type,
                cases.c.product_area == product_area,
                cases.c.escalation_count > 0,
                cases.c.id != exclude,
                or_(cases.c.resolved_at >= since, cases.c.resolved_at.is_(None)),
            )
            .order_by(cases.c.opened_at.desc())
            .limit(1)
        )
        row = self.conn.execute(q).mappings().first()
        return dict(row) if row else None

    def due(self, now: datetime, limit: int) -> list[int]:
        """Cases with a deadline at or before ``now``, claimed for this transaction."""
        q = (
            select(cases.c.id)
            .where(cases.c.next_due_at <= now)
            .order_by(cases.c.next_due_at)
            .limit(limit)
        )
        if self.is_postgres:
            q = q.with_for_update(skip_locked=True)
        return [r.id for r in self.conn.execute(q)]

    def lock_if_due(self, case_id: int, now: datetime) -> Row | None:
        q = select(cases).where(cases.c.id == case_id, cases.c.next_due_at <= now)
        if self.is_postgres:
            q = q.with_for_update(skip_locked=True)
        row = self.conn.execute(q).mappings().first()
        return dict(row) if row else None

    def open_load(self, handles: Sequence[str]) -> dict[str, int]:
        if not handles:
            return {}
        q = (
            select(cases.c.owner, func.count())
            .where(
                cases.c.owner.in_(handles),
                cases.c.resolved_at.is_(None),
                cases.c.closed_at.is_(None),
            )
            .group_by(cases.c.owner)
        )
        return {r[0]: int(r[1]) for r in self.conn.execute(q)}

    def search(
        self,
        *,
        status: str | None = None,
        open_only: bool = False,
        team: str | None = None,
        teams: Sequence[str] | None = None,
        owner: str | None = None,
        tier: str | None = None,
        account_id: str | None = None,
        escalated: bool | None = None,
        breached: bool | None = None,
        order: str = "queue",
        limit: int = 50,
        offset: int = 0,
    ) -> list[Row]:
        q = select(cases)
        if status:
            q = q.where(cases.c.status == status)
        if open_only:
            q = q.where(cases.c.resolved_at.is_(None), cases.c.closed_at.is_(None))
        if team:
            q = q.where(cases.c.team == team)
        if teams is not None:
            q = q.where(cases.c.team.in_(list(teams)))
        if owner:
            q = q.where(cases.c.owner == owner)
        if tier:
            q = q.where(cases.c.tier == tier)
        if account_id:
            q = q.where(cases.c.account_id == account_id)
        if escalated is not None:
            q = q.where(
                cases.c.escalation_count > 0 if escalated else cases.c.escalation_count == 0
            )
        if breached is not None:
            q = q.where(cases.c.breached == breached)
        if order == "queue":
            # R-TRIG-5: priority first, then the earliest deadline (no deadline last).
            q = q.order_by(
                cases.c.priority,
                cases.c.next_due_at.is_(None),
                cases.c.next_due_at,
                cases.c.opened_at,
            )
        else:
            q = q.order_by(cases.c.id.desc())
        q = q.limit(limit).offset(offset)
        return [dict(r) for r in self.conn.execute(q).mappings()]

    def count(self, **filters: Any) -> int:
        q = select(func.count()).select_from(cases)
        if filters.get("open_only"):
            q = q.where(cases.c.resolved_at.is_(None), cases.c.closed_at.is_(None))
        return int(self.conn.execute(q).scalar_one())


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

    def set_token(self, handle: str, token_hash: str) -> None:
        self.conn.execute(
            update(people).where(people.c.handle == handle).values(token_hash=token_hash)
        )

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


class AccountRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, account_id: str) -> Account | None:
        row = (
            self.conn.execute(select(accounts).where(accounts.c.id == account_id))
            .mappings()
            .first()
        )
        return account_from_row(dict(row)) if row else None

    def upsert(self, account: Account, now: datetime) -> None:
        """Insert or update in one statement, so two requests creating the same new account at
        once both succeed instead of one failing on the primary key."""
        values = {
            "name": account.name,
            "segment": account.segment.value,
            "value": account.value.value,
            "industry": account.industry,
            "region": account.region,
            "customer_since": _dt(account.customer_since),
            "renewal_date": _dt(account.renewal_date),
            "account_manager": account.account_manager,
        }
        ins = (
            pg_insert(accounts)
            if self.conn.dialect.name == "postgresql"
            else sqlite_insert(accounts)
        )
        self.conn.execute(
            ins.values(id=account.id, created_at=now, **values).on_conflict_do_update(
                index_elements=["id"], set_=values
            )
        )

    def all(self) -> list[Account]:
        return [account_from_row(dict(r)) for r in self.conn.execute(select(accounts)).mappings()]


def _dt(d: date | None) -> datetime | None:
    return datetime(d.year, d.month, d.day) if d else None


def account_from_row(row: Mapping[str, Any]) -> Account:
    def day(v: Any) -> date | None:
        return v.date() if isinstance(v, datetime) else v

    return Account(
        id=row["id"],
        name=row["name"],
        segment=Segment(row["segment"]),
        value=AccountValue(row["value"]),
        industry=row["industry"],
        region=row["region"],
        customer_since=day(row["customer_since"]),
        renewal_date=day(row["renewal_date"]),
        account_manager=row["account_manager"],
    )


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

    def count_for_case(self, case_id: int) -> int:
        q = select(func.count()).select_from(escalations).where(escalations.c.case_id == case_id)
        return int(self.conn.execute(q).scalar_one())

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
