"""The import's writes: case ids, batches of rows, the record of import runs.

Batches go in with one ``executemany`` per table (SQLAlchemy's insertmanyvalues on PostgreSQL,
the driver's executemany on SQLite). Case ids are allocated up front because the hash chain
covers them: on PostgreSQL from the ``cases`` id sequence (safe with concurrent writers), on
SQLite as ``max(id) + n`` inside the batch's ``BEGIN IMMEDIATE`` transaction, which holds the
database's only write lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Table,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tierline.importer.projection import CaseRows
from tierline.store.tables import (
    Instant,
    accounts,
    cases,
    escalations,
    events,
    import_runs,
)


def allocate_case_ids(conn: Connection, n: int) -> list[int]:
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, :n)"
            ),
            {"n": n},
        )
        return sorted(int(r[0]) for r in rows)
    top = conn.execute(select(func.max(cases.c.id))).scalar_one_or_none() or 0
    return list(range(int(top) + 1, int(top) + 1 + n))


def existing_refs(conn: Connection, source: str) -> set[str]:
    q = select(cases.c.external_ref).where(cases.c.source == source)
    return {r[0] for r in conn.execute(q)}


def ensure_accounts(conn: Connection, ids: Iterable[str], now: datetime) -> None:
    """Accounts named by the log (callers, customers) exist, as bare records, once each."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return
    rows = [{"id": i, "name": i, "created_at": now} for i in wanted]
    ins: Any = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = ins(accounts).on_conflict_do_nothing(index_elements=["id"])
    for start in range(0, len(rows), 5000):
        conn.execute(stmt, rows[start : start + 5000])


def write_batch(conn: Connection, batch: Sequence[CaseRows]) -> int:
    """Insert the rows of a batch of cases; returns the number of events written."""
    if not batch:
        return 0
    insert_rows(conn, cases, [b.case for b in batch])
    rows = [e for b in batch for e in b.events]
    insert_rows(conn, events, rows)
    insert_rows(conn, escalations, [e for b in batch for e in b.escalations])
    return len(rows)


Convert = Callable[[Any], Any]


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _sqlite_instant(value: datetime | None) -> str | None:
    """As SQLAlchemy's SQLite ``DateTime`` writes the ``Instant`` type's naive UTC value."""
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _pg_instant(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _plain(value: Any) -> Any:
    return value


def _converter(column: Column[Any], postgres: bool) -> tuple[Convert, str]:
    """How to pass one column's values to the driver, and its placeholder."""
    kind = column.type
    if isinstance(kind, Instant):
        return (_pg_instant, "%s") if postgres else (_sqlite_instant, "?")
    if isinstance(kind, JSON):
        return (_json, "%s::jsonb") if postgres else (_json, "?")
    if isinstance(kind, Boolean) and not postgres:
        return _sqlite_bool, "?"
    return _plain, "%s" if postgres else "?"


def _default(column: Column[Any]) -> Callable[[], Any] | None:
    """The column's Python-side default, which a raw insert must apply itself."""
    d: Any = column.default
    if d is None:
        return None
    if d.is_scalar:
        value = d.arg
        return lambda: value
    if d.is_callable:
        return lambda: d.arg(None)
    return None


_Plan = tuple[str, list[tuple[str, Convert, Callable[[], Any] | None]]]
_STATEMENTS: dict[tuple[str, bool, frozenset[str]], _Plan] = {}


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Rows through the driver's own ``executemany``, inside the batch's transaction.

    An import writes hundreds of thousands of rows, and SQLAlchemy's per-value type processing
    cost more than the database's own work, so each value is converted here exactly as the
    column's type would store it (the types are read off the table: ``Instant`` in UTC, on
    SQLite as the naive text SQLAlchemy's SQLite ``DateTime`` writes; JSON as ``json.dumps``
    text, the JSON type's default serialiser; booleans as 0/1 on SQLite). Rows read back
    through the tables are exactly as if SQLAlchemy had written them.
    """
    if not rows:
        return
    postgres = conn.dialect.name == "postgresql"
    given = frozenset(rows[0])
    key = (table.name, postgres, given)
    hit = _STATEMENTS.get(key)
    if hit is None:
        chosen = [
            (c, _default(c))
            for c in table.columns
            if c.name in given or (c.default is not None and not c.primary_key)
        ]
        converters = [(c, *_converter(c, postgres), d) for c, d in chosen]
        names = ", ".join(c.name for c, _, _, _ in converters)
        marks = ", ".join(mark for _, _, mark, _ in converters)
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
        hit = _STATEMENTS[key] = (sql, [(c.name, f, d) for c, f, _, d in converters])
    sql, columns = hit
    params = [
        tuple(f(r[n]) if n in r else f(d() if d is not None else None) for n, f, d in columns)
        for r in rows
    ]
    dbapi: Any = conn.connection.driver_connection
    if postgres:
        with dbapi.cursor() as cur:
            cur.executemany(sql, params)
    else:
        dbapi.executemany(sql, params)


# --------------------------------------------------------------------------- import runs


def find_runs(conn: Connection, file_sha256: str, mapping_digest: str) -> list[dict[str, Any]]:
    q = (
        select(import_runs)
        .where(
            import_runs.c.file_sha256 == file_sha256,
            import_runs.c.mapping_digest == mapping_digest,
        )
        .order_by(import_runs.c.id)
    )
    return [dict(r) for r in conn.execute(q).mappings()]


def start_run(conn: Connection, values: dict[str, Any]) -> int:
    res = conn.execute(insert(import_runs).values(**values).returning(import_runs.c.id))
    return int(res.scalar_one())


def update_run(conn: Connection, run_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(import_runs).where(import_runs.c.id == run_id).values(**values))


def get_run(conn: Connection, run_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(import_runs).where(import_runs.c.id == run_id)).mappings().first()
    return dict(row) if row else None
