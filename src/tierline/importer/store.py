"""The import's writes: case ids, batches of rows, the record of import runs.

Batches go in with one ``executemany`` per table (SQLAlchemy's insertmanyvalues on PostgreSQL,
the driver's executemany on SQLite). Case ids are allocated up front because the hash chain
covers them: on PostgreSQL from the ``cases`` id sequence (safe with concurrent writers), on
SQLite as ``max(id) + n`` inside the batch's ``BEGIN IMMEDIATE`` transaction, which holds the
database's only write lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
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


#: Converts one column's values (and may use the batch's memo of JSON texts).
Convert = Callable[[list[Any], dict[int, tuple[Any, str]]], list[Any]]


def _dumps_encoder() -> Callable[[Any], str]:
    """``json.dumps(value)``, the JSON type's serialiser, through the C encoder ``json.dumps``
    itself uses, made once: ``json.dumps`` makes one per call, which costs more than encoding a
    small value. (Without circular-reference checks: the rows are JSON-ready.)"""
    plain = json.JSONEncoder()
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the pure-Python encoder, built once
        return plain.encode
    encode = make(
        None,
        plain.default,
        json.encoder.encode_basestring_ascii,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )
    join = "".join
    return lambda value: join(encode(value, 0))


_dumps = _dumps_encoder()


def _json(values: list[Any], texts: dict[int, tuple[Any, str]]) -> list[Any]:
    """JSON as ``json.dumps`` text. Rows may share a value (an event's before / after, see
    :func:`~tierline.importer.projection.case_rows`): it is serialised once per batch, the text
    remembered by the object's id in ``texts``, which keeps the object (so the id stays its
    own)."""
    out: list[Any] = []
    add = out.append
    get = texts.get
    for value in values:
        if value is None:
            add(None)
            continue
        known = get(id(value))
        if known is None:
            known = texts[id(value)] = (value, _dumps(value))
        add(known[1])
    return out


#: Instants as the text each backend is given, remembered per instant: a log repeats the same
#: instants (and every row of an import shares its ``recorded_at``), and formatting costs more
#: than the lookup. Equal instants format alike in any zone.
_SQLITE_INSTANTS: dict[datetime, str] = {}
_PG_INSTANTS: dict[datetime, str] = {}


def _instant_text(value: datetime, postgres: bool) -> str:
    known = _PG_INSTANTS if postgres else _SQLITE_INSTANTS
    if len(known) >= 100_000:
        known.clear()
    if value.tzinfo is None:  # as the ``Instant`` type refuses them
        raise ValueError(f"naive datetime {value!r}; the store keeps aware instants only")
    utc = value.astimezone(UTC)
    # SQLite: the naive UTC text SQLAlchemy's SQLite ``DateTime`` writes for ``Instant``
    # ("%04d-%02d-%02d %02d:%02d:%02d.%06d"); PostgreSQL: ISO 8601 with its offset, which
    # ``timestamptz`` reads exactly.
    if postgres:
        text = known[value] = utc.isoformat()
    else:
        text = known[value] = utc.replace(tzinfo=None).isoformat(" ", timespec="microseconds")
    return text


def _sqlite_instants(values: list[Any], texts: dict[int, tuple[Any, str]]) -> list[Any]:
    get = _SQLITE_INSTANTS.get
    return [None if v is None else (get(v) or _instant_text(v, postgres=False)) for v in values]


def _pg_instants(values: list[Any], texts: dict[int, tuple[Any, str]]) -> list[Any]:
    get = _PG_INSTANTS.get
    return [None if v is None else (get(v) or _instant_text(v, postgres=True)) for v in values]


def _sqlite_bools(values: list[Any], texts: dict[int, tuple[Any, str]]) -> list[Any]:
    return [None if v is None else int(v) for v in values]


def _converter(column: Column[Any], postgres: bool) -> Convert | None:
    """How to pass one column's values to the driver (None: as they are)."""
    kind = column.type
    if isinstance(kind, Instant):
        return _pg_instants if postgres else _sqlite_instants
    if isinstance(kind, JSON):
        return _json
    if isinstance(kind, Boolean) and not postgres:
        return _sqlite_bools
    return None


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


@dataclass(frozen=True)
class _Plan:
    """How the rows of one table, with one set of keys, become the driver's tuples."""

    table: str
    names: tuple[str, ...]  # the columns written, in order
    given: tuple[str, ...]  # those the rows carry (the others take their default)
    defaults: tuple[Callable[[], Any], ...]
    converts: tuple[tuple[int, Convert], ...]  # (position, conversion) where one is needed

    def tuples(
        self,
        rows: Sequence[dict[str, Any]],
        texts: dict[int, tuple[Any, str]],
        made: Mapping[str, Sequence[str]] | None = None,
    ) -> list[Any]:
        """The rows' values in ``names`` order, converted column by column (the JSON columns
        in ``made`` take the texts given there)."""
        get = itemgetter(*self.given)
        if len(self.given) == 1:
            columns: list[Any] = [[get(r) for r in rows]]
        else:
            columns = list(zip(*map(get, rows), strict=True))
        columns += [[d() for _ in rows] for d in self.defaults]
        for i, convert in self.converts:
            given = made.get(self.names[i]) if made and convert is _json else None
            if given is not None and len(given) == len(rows):
                columns[i] = given
            else:
                columns[i] = convert(columns[i], texts)
        return list(zip(*columns, strict=True))


_PLANS: dict[tuple[str, bool, frozenset[str]], _Plan] = {}


def _plan(table: Table, postgres: bool, keys: frozenset[str]) -> _Plan:
    key = (table.name, postgres, keys)
    hit = _PLANS.get(key)
    if hit is None:
        given = [c for c in table.columns if c.name in keys]
        defaults = [
            (c, d)
            for c in table.columns
            if c.name not in keys and not c.primary_key and (d := _default(c)) is not None
        ]
        chosen = given + [c for c, _ in defaults]
        converts = [(i, f) for i, c in enumerate(chosen) if (f := _converter(c, postgres))]
        hit = _PLANS[key] = _Plan(
            table.name,
            tuple(c.name for c in chosen),
            tuple(c.name for c in given),
            tuple(d for _, d in defaults),
            tuple(converts),
        )
    return hit


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    json_texts: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Rows through the driver itself, inside the batch's transaction.

    An import writes hundreds of thousands of rows, and SQLAlchemy's per-value type processing
    cost more than the database's own work, so each value is converted here exactly as the
    column's type would store it (the types are read off the table: ``Instant`` in UTC, on
    SQLite as the naive text SQLAlchemy's SQLite ``DateTime`` writes; JSON as ``json.dumps``
    text, the JSON type's default serialiser; booleans as 0/1 on SQLite). Rows read back
    through the tables are exactly as if SQLAlchemy had written them.

    PostgreSQL gets them by ``COPY ... FROM STDIN`` (one statement per table and batch, the
    values streamed as psycopg's text format, JSON as text for the ``jsonb`` columns to parse);
    SQLite by the driver's ``executemany`` of one prepared ``INSERT``.

    ``json_texts`` may give, for JSON columns, a text per row already made: PostgreSQL keeps
    ``jsonb`` values, not their text, so any JSON text of the value will do there. (SQLite
    stores the text itself, so it always gets ``json.dumps``'s, and ignores them.)
    """
    if not rows:
        return
    postgres = conn.dialect.name == "postgresql"
    plan = _plan(table, postgres, frozenset(rows[0]))
    params = plan.tuples(rows, {}, json_texts if postgres else None)
    dbapi: Any = conn.connection.driver_connection
    names = ", ".join(plan.names)
    if postgres:
        with dbapi.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            write = copy.write_row
            for p in params:
                write(p)
    else:
        marks = ", ".join("?" * len(plan.names))
        dbapi.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", params)


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
