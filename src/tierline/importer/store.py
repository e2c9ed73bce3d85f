"""The import's writes: case ids, batches of rows, the record of import runs.

Batches go in through the driver itself (``store/driver_rows.py``: ``COPY`` on PostgreSQL, one
``executemany`` on SQLite). Case ids are allocated up front because the hash chain covers them:
on PostgreSQL from the ``cases`` id sequence (safe with concurrent writers), on SQLite as
``max(id) + n`` inside the batch's ``BEGIN IMMEDIATE`` transaction, which holds the database's
only write lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tierline.importer.projection import CaseRows
from tierline.store.driver_rows import insert_rows
from tierline.store.tables import (
    accounts,
    cases,
    escalations,
    events,
    import_runs,
)

#: The page cache of a connection that writes an import's batches to SQLite (default: 2 MiB).
SQLITE_CACHE_KIB = 16 * 1024


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
    if conn.dialect.name == "sqlite":
        # A batch's pages (~5 MB for 500 cases) fit in a 16 MiB page cache, so none spills
        # before the commit, and later batches find the indexes' upper pages still there.
        conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    insert_rows(conn, cases, [b.case for b in batch])
    rows = [e for b in batch for e in b.events]
    made = None
    if conn.dialect.name == "postgresql" and all(len(b.texts) == len(b.events) for b in batch):
        hashed = [t for b in batch for t in b.texts]  # the texts hashed: jsonb reads them
        made = dict(zip(("data", "before", "after"), zip(*hashed, strict=True), strict=True))
    insert_rows(conn, events, rows, made)
    insert_rows(conn, escalations, [e for b in batch for e in b.escalations])
    return len(rows)


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
