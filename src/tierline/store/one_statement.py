"""PostgreSQL: a new case's inserts as one statement, and a transaction begun only if needed.

A new case writes a row, its events and its communications: through psycopg, one statement per
row cost a round trip, a parse and an execution each, and psycopg re-parsed the case row's long
INSERT for its placeholders on every call. Here the rows gathered inside :func:`one_statement`
go as one multi-row ``INSERT`` per table, joined as the data-modifying parts of one ``WITH``,
in PostgreSQL's own ``$n`` placeholders (nothing for psycopg to parse; the server prepares it
after a few uses). Foreign keys are checked at the statement's end.

A unit of work may also *defer* its transaction (:func:`defer`): reads through the driver run
on their own, and if by commit time the gathered statement is all the unit of work writes, it
is sent alone, a transaction by itself, atomic as any statement: no ``BEGIN``, no ``COMMIT``,
two round trips saved; several threads of the process reaching that point together share one
such statement (:mod:`tierline.store.group_commit`). Anything else sent on the connection
first begins the transaction for real (every statement through SQLAlchemy, by an engine event,
and every other driver insert), and a statement already gathered goes before it, inside. So
the deferral can only ever save round trips; it never splits a unit of work's writes into two
transactions.

A statement made from a row read earlier, outside any transaction, can carry a check that the
row still holds the values read (:func:`expect_row`): if it does not, the statement fails as a
whole, storing nothing, and :class:`StaleRow` says so, for the caller to read and decide again.

State lives in ``Connection.info``, which outlives the checkout: :func:`release` clears it
whatever happened, before the connection goes back to the pool.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, event

from tierline.store import group_commit

_GATHERING = "tierline.gathering"  # the open one_statement block's rows
_PENDING = "tierline.pending"  # a gathered statement waiting for the deferred transaction
_DEFERRED = "tierline.deferred"  # the unit of work's transaction is not begun yet
_EXPECTED = "tierline.expected"  # rows the next statement sent checks are unchanged

#: One table's gathered rows: table, columns, the rows' values in column order.
Batched = tuple[str, tuple[str, ...], list[Any]]

#: A row the statement checks: table, key column, key, the values read (column, value).
Expected = tuple[str, str, Any, tuple[tuple[str, Any], ...]]

#: A gathered statement's rows and the rows it checks unchanged.
Part = tuple[list[Batched], list[Expected]]

_MAX_PARAMS = 30_000  # PostgreSQL takes at most 65,535 parameters per statement
# A larger statement goes alone (a new case's has about seventy); group_commit.MAX_PARTS of
# them stay far below _MAX_PARAMS, so a merged statement is never split.
_GROUPED_PARAMS = 2_000
_Check = tuple[str, str, tuple[str, ...]]  # table, key column, columns compared
_Shape = tuple[tuple[tuple[str, tuple[str, ...], int], ...], tuple[_Check, ...]]
_STATEMENTS: dict[_Shape, str] = {}


class StaleRow(Exception):
    """A row the gathered statement was made from no longer reads as it did; the statement
    stored nothing."""


def expect_row(
    conn: Connection, table: str, key_column: str, key: Any, seen: Mapping[str, Any]
) -> None:
    """The next gathered statement sent on ``conn`` (PostgreSQL) stores nothing and raises
    :class:`StaleRow` unless ``table``'s row whose ``key_column`` is ``key`` then holds the
    values ``seen`` (column: value as the driver read it): a write decided from a row read
    earlier, without a lock, fails instead of using a stale one. The check sees what is
    committed when the statement runs, as a read made then would have."""
    if conn.dialect.name == "postgresql":
        conn.info.setdefault(_EXPECTED, []).append((table, key_column, key, tuple(seen.items())))


def gathering(conn: Connection) -> list[Batched] | None:
    """The rows of the ``one_statement`` block open on ``conn``, if one is (PostgreSQL)."""
    return conn.info.get(_GATHERING)


@contextmanager
def one_statement(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, the inserts made inside (``driver_rows.insert_rows``) are sent as one
    statement at the end (or, in a deferred unit of work, at commit or before the next
    statement, whichever comes first). Nothing is sent if the block fails. Elsewhere the
    inserts go as they come."""
    if conn.dialect.name != "postgresql" or _GATHERING in conn.info:
        yield
        return
    batch: list[Batched] = []
    conn.info[_GATHERING] = batch
    try:
        yield
    finally:
        del conn.info[_GATHERING]
    if not batch:
        return
    if _DEFERRED in conn.info:
        conn.info.setdefault(_PENDING, []).extend(batch)
    else:
        send(conn, batch)


def _driver(conn: Connection) -> Any:
    return conn.connection.driver_connection


def defer(conn: Connection) -> None:
    """Begin ``conn``'s transaction only when something other than a driver read or the
    gathered inserts is sent (PostgreSQL; the caller has begun SQLAlchemy's transaction, which
    on psycopg sends nothing by itself). Only on an engine made to notice its statements
    (:func:`begin_on_statements`); on any other, the transaction begins as usual."""
    if conn.dialect.name == "postgresql" and conn.engine in _NOTICING:
        _driver(conn).autocommit = True
        conn.info[_DEFERRED] = True


def begin(conn: Connection) -> None:
    """Begin a deferred transaction now, with the statement gathered so far as its first."""
    if conn.info.pop(_DEFERRED, False):
        _driver(conn).autocommit = False
        pending = conn.info.pop(_PENDING, None)
        if pending:
            send(conn, pending)


def commit(conn: Connection) -> None:
    """Commit: a deferred transaction never begun sends its gathered statement alone, or with
    those other threads are committing at the same moment (:mod:`group_commit`)."""
    if conn.info.pop(_DEFERRED, False):
        pending = conn.info.pop(_PENDING, None)
        if pending:
            expected: list[Expected] = conn.info.pop(_EXPECTED, None) or []
            if _params(pending) <= _GROUPED_PARAMS:
                group_commit.store(conn, (pending, expected), send_parts)
            else:
                send_alone(conn, pending, expected)
    conn.commit()


def rollback(conn: Connection) -> None:
    """Roll back, with any gathered statement not sent yet."""
    conn.info.pop(_PENDING, None)
    conn.info.pop(_EXPECTED, None)
    conn.rollback()


def release(conn: Connection) -> None:
    """Forget what was deferred, gathered or expected (unsent: rolled back) before ``conn``
    goes back to the pool, and leave its driver connection transactional again, whatever
    happened. (Every unit of work on PostgreSQL calls it: a check registered by one that then
    failed before sending must not ride on the next statement of the connection's next user.)"""
    conn.info.pop(_PENDING, None)
    conn.info.pop(_DEFERRED, None)
    conn.info.pop(_EXPECTED, None)
    if conn.dialect.name == "postgresql" and not conn.invalidated:
        dbapi = _driver(conn)
        if dbapi is not None and dbapi.autocommit and not dbapi.closed:
            dbapi.autocommit = False


#: Engines whose statements begin a deferred transaction. (Registered when the engine is made:
#: a connection opened before an engine's first listener never calls it.)
_NOTICING: weakref.WeakSet[Engine] = weakref.WeakSet()


def begin_on_statements(engine: Engine) -> None:
    """Every statement SQLAlchemy sends on a deferred connection of ``engine`` begins its
    transaction first."""
    event.listen(engine, "before_cursor_execute", _before_statement)
    _NOTICING.add(engine)


def _before_statement(conn: Connection, *_: Any) -> None:
    if _DEFERRED in conn.info:
        begin(conn)


def send(conn: Connection, batch: list[Batched]) -> None:
    """``batch`` as one statement, with the checks registered on ``conn``."""
    send_alone(conn, batch, conn.info.pop(_EXPECTED, None) or [])


def _params(batch: list[Batched]) -> int:
    return sum(len(names) * len(rows) for _, names, rows in batch)


def send_parts(conn: Connection, parts: list[Part]) -> None:
    """Several gathered statements (with their checks) as one."""
    send_alone(conn, *(parts[0] if len(parts) == 1 else merge(parts)))


def merge(parts: list[Part]) -> Part:
    """Several gathered statements' rows and checks as one statement's: the rows of each
    table (and set of columns) together, in the order the parts came."""
    tables: dict[tuple[str, tuple[str, ...]], list[Any]] = {}
    expected: list[Expected] = []
    for batch, checks in parts:
        for table, names, rows in batch:
            tables.setdefault((table, names), []).extend(rows)
        expected += checks
    return [(table, names, rows) for (table, names), rows in tables.items()], expected


def send_alone(conn: Connection, batch: list[Batched], expected: list[Expected]) -> None:
    """``batch`` as one statement, or, past the parameter limit, one per table and slice, in
    one transaction (begun here if the connection was in autocommit for a deferred one)."""
    dbapi = _driver(conn)
    if _params(batch) <= _MAX_PARAMS:
        _execute(dbapi, batch, expected)
        return
    if dbapi.autocommit:
        dbapi.autocommit = False  # the slices must commit together
    for table, names, rows in batch:
        step = max(1, _MAX_PARAMS // len(names))
        for i in range(0, len(rows), step):
            _execute(dbapi, [(table, names, rows[i : i + step])], expected)
            expected = []


def _execute(dbapi: Any, batch: list[Batched], expected: list[Expected]) -> None:
    shape = (
        tuple((table, names, len(rows)) for table, names, rows in batch),
        tuple((t, k, tuple(c for c, _ in seen)) for t, k, _, seen in expected),
    )
    args = [value for _, _, rows in batch for row in rows for value in row]
    for _, _, key, seen in expected:
        args.append(key)
        args += (value for _, value in seen)
    # A raw cursor takes PostgreSQL's own placeholders: psycopg would otherwise parse a
    # statement this long for its %s on every execution (it caches only short ones).
    with psycopg.RawCursor(dbapi) as cur:
        try:
            cur.execute(_statement(shape), args)
        except psycopg.errors.DivisionByZero:
            if not expected:
                raise
            raise StaleRow(
                "a row this write was decided from changed since it was read: "
                + ", ".join(f"{table} {key!r}" for table, _, key, _ in expected)
            ) from None


def _statement(shape: _Shape) -> str:
    sql = _STATEMENTS.get(shape)
    if sql is None:
        inserts, checks = shape
        parts = []
        n = 0
        for table, names, count in inserts:
            rows = []
            for _ in range(count):
                rows.append("(" + ", ".join(f"${n + i}" for i in range(1, len(names) + 1)) + ")")
                n += len(names)
            parts.append(f"INSERT INTO {table} ({', '.join(names)}) VALUES {', '.join(rows)}")
        if checks:
            # The checks are the main query, the inserts its data-modifying parts: a count of
            # zero divides by zero, which fails the statement as a whole (PostgreSQL has no
            # function to raise an error with, and this needs none installed).
            terms = []
            for table, key_column, columns in checks:
                same = [f"g.{key_column} = ${n + 1}"]
                same += (f"g.{c} IS NOT DISTINCT FROM ${n + 2 + i}" for i, c in enumerate(columns))
                terms.append(f"1 / (SELECT count(*) FROM {table} AS g WHERE {' AND '.join(same)})")
                n += 1 + len(columns)
            parts.append("SELECT " + " + ".join(terms))
        sql = parts[-1]
        if len(parts) > 1:
            ctes = ", ".join(f"_{i} AS ({part})" for i, part in enumerate(parts[:-1]))
            sql = f"WITH {ctes} {sql}"
        if len(_STATEMENTS) < 1_000:
            _STATEMENTS[shape] = sql
    return sql
