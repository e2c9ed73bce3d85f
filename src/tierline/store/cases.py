"""The case repository: reading, inserting and version-checked updating of case rows, and the
case queries use cases and the worker need (same issue, due now, queue, load per person).

It is most of the store's traffic, so its statements are built once at import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, text, update

from tierline.domain.case import Account
from tierline.store.accounts import account_from_row
from tierline.store.case_ids import take_case_id
from tierline.store.driver_rows import complete_row, insert_rows
from tierline.store.tables import cases

Row = dict[str, Any]


# Statements built once: constructing a 50-column UPDATE per request cost more than running it.
_GET_CASE = select(cases).where(cases.c.id == bindparam("case_id"))
_GET_CASE_FOR_UPDATE = _GET_CASE.with_for_update()
_INSERT_CASE = insert(cases).returning(*cases.c)
_UPDATES: dict[frozenset[str], Any] = {}


# The next case id and the account's columns (NULLs when there is none), in one statement sent
# through the driver: it runs inside the write lock on every new case, where SQLAlchemy's
# per-statement work (compiled-cache lookup, result set-up, a processor per value) cost more
# than the query. PostgreSQL: the id column's own sequence, as the insert would have taken it.
# SQLite: the id the insert would have picked (max + 1), which nobody else can take while this
# transaction holds the write lock (``BEGIN IMMEDIATE``). The importer allocates its ids the
# same way.
_ACCOUNT_COLUMNS = (
    "id",
    "name",
    "segment",
    "value",
    "industry",
    "region",
    "customer_since",
    "renewal_date",
    "account_manager",
)
_NEXT_ID_SQL = (
    "SELECT {next_id}, "
    + ", ".join(f"a.{c}" for c in _ACCOUNT_COLUMNS)
    + " FROM (SELECT 1 AS one) AS one LEFT OUTER JOIN accounts AS a ON a.id = {mark}"
)
_NEXT_ID_PG = _NEXT_ID_SQL.format(
    next_id="nextval(pg_get_serial_sequence('cases', 'id'))", mark="%s"
)
_NEXT_ID_SQLITE = _NEXT_ID_SQL.format(
    next_id="(SELECT coalesce(max(id), 0) + 1 FROM cases)", mark="?"
)


class NextCase(NamedTuple):
    """A new case's id and its account as stored (None: not stored), with the account's
    columns as the driver read them (``seen``), for a later write to check the row still
    holds them (``one_statement.expect_row``)."""

    id: int
    account: Account | None
    seen: dict[str, Any] | None


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
        """Insert a case and return its full row.

        A row whose id is already allocated (a new case written once, complete) goes through
        the driver (``store/driver_rows.py``: SQLAlchemy's per-value work on some fifty columns
        cost more than the insert) and is returned as written, defaults filled in; a row
        without one comes back with RETURNING."""
        if values.get("id") is not None:
            row = complete_row(cases, values)
            insert_rows(self.conn, cases, [row], copy=False)
            return row
        return dict(self.conn.execute(_INSERT_CASE, dict(values)).mappings().one())

    def with_external_ref(self, source: str, external_ref: str) -> int | None:
        """The id of the case another system knows as ``external_ref`` (from ``source``)."""
        found = self.conn.execute(
            select(cases.c.id).where(cases.c.source == source, cases.c.external_ref == external_ref)
        ).scalar()
        return None if found is None else int(found)

    def take_id(self) -> int:
        """An id for a new case (PostgreSQL), from this process's block of the sequence, read
        only when the block runs out (``store/case_ids.py``)."""
        return take_case_id(self.conn)

    def next_id_with_account(self, account_id: str | None) -> NextCase:
        """An id for a case about to be inserted in this transaction, and its account if there
        is one: one statement where a case was otherwise inserted first and updated once its
        clocks and projection were known."""
        dbapi: Any = self.conn.connection.driver_connection
        if self.is_postgres:
            with dbapi.cursor() as cur:
                cur.execute(_NEXT_ID_PG, (account_id,))
                row = cur.fetchone()
        else:
            row = dbapi.execute(_NEXT_ID_SQLITE, (account_id,)).fetchone()
        found = dict(zip(_ACCOUNT_COLUMNS, row[1:], strict=True))
        if found["id"] is None:
            return NextCase(int(row[0]), None, None)
        seen = {column: value for column, value in found.items() if column != "id"}
        return NextCase(int(row[0]), account_from_row(found), seen)

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
        if self.is_postgres:
            # Two contacts about one issue arriving together must not both miss the open case
            # and both open one: whoever asks second waits here until the first commits, and
            # then sees its case (SQLite's single write lock gives the same order).
            issue = f"repeat:{account_id or contact_email}|{contact_type}|{product_area}"
            self.conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:issue, 0))"), {"issue": issue}
            )
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
            q = q.order_by(cases.c.opened_at.desc(), cases.c.id.desc())
        q = q.limit(limit).offset(offset)
        return [dict(r) for r in self.conn.execute(q).mappings()]
