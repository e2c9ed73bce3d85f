"""Rows written through the database driver itself, for the store's hottest inserts.

An import writes hundreds of thousands of rows, and every new case a handful; SQLAlchemy's
per-statement and per-value work (compiled-cache lookup, a type processor per value, result
set-up) cost more than the database's own insert. Here each value is converted exactly as the
column's type would store it (the types are read off the table: ``Instant`` in UTC, on SQLite
as the naive text SQLAlchemy's SQLite ``DateTime`` writes; JSON as ``json.dumps`` text, the JSON
type's default serialiser; booleans as 0/1 on SQLite; Python-side column defaults applied), so
rows read back through the tables are exactly as if SQLAlchemy had written them. The rows go
into the connection's current transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Connection, Table

from tierline.store.one_statement import begin, gathering, send
from tierline.store.tables import Instant

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
    get: Callable[[Mapping[str, Any]], Any]  # a row's given values (one, or a tuple of them)

    def tuples(
        self,
        rows: Sequence[dict[str, Any]],
        texts: dict[int, tuple[Any, str]],
        made: Mapping[str, Sequence[str]] | None = None,
    ) -> list[Any]:
        """The rows' values in ``names`` order, converted column by column (the JSON columns
        in ``made`` take the texts given there)."""
        get = self.get
        if len(rows) == 1 and not made:
            return [self._one(rows[0], texts)]
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

    def _one(self, row: Mapping[str, Any], texts: dict[int, tuple[Any, str]]) -> tuple[Any, ...]:
        """One row's tuple, without turning it into columns and back (a new case's row has
        some fifty of them)."""
        got = self.get(row)
        values = [got] if len(self.given) == 1 else list(got)
        values += [d() for d in self.defaults]
        for i, convert in self.converts:
            values[i] = convert([values[i]], texts)[0]
        return tuple(values)


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
            itemgetter(*(c.name for c in given)) if given else (lambda row: ()),
        )
    return hit


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    json_texts: Mapping[str, Sequence[str]] | None = None,
    *,
    copy: bool = True,
) -> None:
    """Insert ``rows`` (all with the same keys) in the connection's transaction.

    PostgreSQL gets them by ``COPY ... FROM STDIN`` (one statement per table and batch, the
    values streamed as psycopg's text format, JSON as text for the ``jsonb`` columns to parse),
    or with ``copy=False`` (a few rows, where starting a COPY costs more) by one multi-row
    ``INSERT`` (inside :func:`~tierline.store.one_statement.one_statement`, gathered);
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
    batch = gathering(conn) if postgres else None
    if batch is not None:  # gathered, in order, whatever their number (see one_statement)
        batch.append((table.name, plan.names, params))
        return
    if postgres:
        begin(conn)  # if its unit of work deferred it (see one_statement)
    if postgres and copy:
        with dbapi.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as out:
            write = out.write_row
            for p in params:
                write(p)
    elif postgres:
        send(conn, [(table.name, plan.names, params)])
    else:
        marks = ", ".join("?" * len(plan.names))
        dbapi.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", params)


_COLUMNS: dict[str, list[tuple[str, Callable[[], Any] | None]]] = {}


def complete_row(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` with every column of ``table``: the missing ones at their Python-side default,
    or None, as the row would read back after an insert."""
    columns = _COLUMNS.get(table.name)
    if columns is None:
        columns = _COLUMNS[table.name] = [(c.name, _default(c)) for c in table.columns]
    out: dict[str, Any] = {}
    for name, make in columns:
        if name in row:
            out[name] = row[name]
        else:
            out[name] = make() if make is not None else None
    return out
