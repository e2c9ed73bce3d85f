"""Rows written through the driver (store/driver_rows.py) read back exactly as written through
SQLAlchemy; the inserts gathered by ``one_statement`` are stored together or not at all; a unit
of work that defers its transaction never splits its writes (store/one_statement.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from psycopg import pq
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)

from tierline.store import one_statement as gathered
from tierline.store.driver_rows import insert_rows
from tierline.store.one_statement import StaleRow, one_statement
from tierline.store.tables import Instant
from tierline.store.uow import UnitOfWork

from .conftest import pg_engine

_meta = MetaData()
parents = Table(
    "t_driver_parents",
    _meta,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
    Column("data", JSON),
    Column("at", Instant),
    Column("flag", Boolean, default=False),
)
children = Table(
    "t_driver_children",
    _meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("parent_id", Integer, ForeignKey("t_driver_parents.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("data", JSON),
)

AT = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)


def _fresh(engine: Engine) -> Iterator[Engine]:
    _meta.drop_all(engine)
    _meta.create_all(engine)
    yield engine
    _meta.drop_all(engine)


@pytest.fixture
def tables(engine: Engine) -> Iterator[Engine]:
    yield from _fresh(engine)


def _parent(i: int) -> dict[str, Any]:
    return {"id": i, "name": f"p{i}", "data": {"n": i, "tags": ["a", "é"]}, "at": AT}


def _read(engine: Engine) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with engine.connect() as conn:
        ps = [dict(r._mapping) for r in conn.execute(select(parents).order_by(parents.c.id))]
        cs = [dict(r._mapping) for r in conn.execute(select(children).order_by(children.c.id))]
    return ps, cs


def test_rows_read_back_as_sqlalchemy_writes_them(tables: Engine) -> None:
    engine = tables
    with engine.begin() as conn:
        later = AT.astimezone(timezone(timedelta(hours=1))) + timedelta(hours=2)  # not UTC
        conn.execute(insert(parents), [_parent(1) | {"at": later}])
        insert_rows(conn, parents, [_parent(2) | {"data": _parent(1)["data"], "at": later}])
        insert_rows(conn, parents, [_parent(3), _parent(4) | {"data": None, "at": None}])
    ps, _ = _read(engine)
    by_sqlalchemy, by_driver = ps[0], ps[1]
    assert {**by_sqlalchemy, "id": 0, "name": ""} == {**by_driver, "id": 0, "name": ""}
    assert by_driver["at"] == AT + timedelta(hours=2) and by_driver["at"].utcoffset() == timedelta(
        0
    )
    assert ps[2] == {**_parent(3), "flag": False}  # the column's Python-side default applied
    assert ps[3]["data"] is None and ps[3]["at"] is None
    assert ps[2]["at"] == AT and ps[2]["at"].tzinfo is not None


def test_one_statement_stores_every_table_together(tables: Engine) -> None:
    engine = tables
    with engine.begin() as conn, one_statement(conn):
        # The children refer to a parent of the same batch (on PostgreSQL, one statement).
        insert_rows(conn, parents, [_parent(7)], copy=False)
        insert_rows(conn, children, [{"parent_id": 7, "seq": s, "data": [s]} for s in (1, 2)])
        insert_rows(conn, children, [{"parent_id": 7, "seq": 3, "data": None}], copy=False)
    ps, cs = _read(engine)
    assert [p["id"] for p in ps] == [7]
    assert sorted((c["seq"], c["data"]) for c in cs) == [(1, [1]), (2, [2]), (3, None)]


def test_a_failed_block_stores_nothing_and_gathers_no_more(tables: Engine) -> None:
    engine = tables
    with engine.connect() as conn:
        with pytest.raises(RuntimeError), conn.begin(), one_statement(conn):
            insert_rows(conn, parents, [_parent(1)], copy=False)
            raise RuntimeError("refused")
        with conn.begin():
            insert_rows(conn, parents, [_parent(2)], copy=False)  # goes at once
            assert conn.execute(select(parents.c.id)).scalars().all() == [2]
    ps, _ = _read(engine)
    assert [p["id"] for p in ps] == [2]


def test_a_refused_row_stores_none_of_the_batch(tables: Engine) -> None:
    engine = tables
    with engine.begin() as conn:
        insert_rows(conn, parents, [_parent(1)], copy=False)
    # The driver's own error: these rows bypass SQLAlchemy's execution (and its wrapping).
    refused = (sqlite3.IntegrityError, psycopg.IntegrityError)
    with pytest.raises(refused), engine.begin() as conn, one_statement(conn):
        insert_rows(conn, parents, [_parent(2)], copy=False)
        insert_rows(conn, children, [{"parent_id": 99, "seq": 1}], copy=False)  # no parent 99
    ps, cs = _read(engine)
    assert [p["id"] for p in ps] == [1] and cs == []


def test_batches_past_the_parameter_limit_are_split(
    tables: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = tables
    monkeypatch.setattr(gathered, "_MAX_PARAMS", 12)  # a parent row has 5 values
    with engine.begin() as conn, one_statement(conn):
        insert_rows(conn, parents, [_parent(i) for i in range(1, 8)], copy=False)
        insert_rows(conn, children, [{"parent_id": 1, "seq": s} for s in range(10)], copy=False)
    ps, cs = _read(engine)
    assert [p["id"] for p in ps] == list(range(1, 8))
    assert [c["seq"] for c in cs] == list(range(10))  # in order, however many statements


# ------------------------------------------------------------------ deferred transactions


def _status(conn: Any) -> pq.TransactionStatus:
    return pq.TransactionStatus(conn.connection.driver_connection.info.transaction_status)


def test_a_deferred_unit_of_work_writing_one_statement_sends_no_begin(tables: Engine) -> None:
    engine = tables
    with UnitOfWork(engine, deferred=True) as uow:
        with uow.one_statement():
            insert_rows(uow.conn, parents, [_parent(1)], copy=False)
        uow.cases.next_id_with_account(None)  # a read through the driver: no transaction
        if uow.is_postgres:
            assert _status(uow.conn) is pq.TransactionStatus.IDLE
            assert _read(engine)[0] == []  # gathered, not sent before the commit
        uow.commit()
    assert [p["id"] for p in _read(engine)[0]] == [1]


def test_a_statement_through_sqlalchemy_begins_the_transaction_first(tables: Engine) -> None:
    """The gathered statement goes first, inside the transaction the next one begins: the two
    commit together or not at all."""
    engine = tables
    with pytest.raises(RuntimeError), UnitOfWork(engine, deferred=True) as uow:
        with uow.one_statement():
            insert_rows(uow.conn, parents, [_parent(1)], copy=False)
        uow.conn.execute(insert(children), [{"parent_id": 1, "seq": 1}])
        if uow.is_postgres:
            assert _status(uow.conn) is pq.TransactionStatus.INTRANS
        assert uow.conn.execute(select(parents.c.id)).scalars().all() == [1]
        raise RuntimeError("refused before the commit")
    assert _read(engine) == ([], [])
    with UnitOfWork(engine, deferred=True) as uow:
        uow.conn.execute(insert(parents), [_parent(2)])
        with uow.one_statement():
            insert_rows(uow.conn, children, [{"parent_id": 2, "seq": 1}], copy=False)
        uow.commit()
    ps, cs = _read(engine)
    assert [p["id"] for p in ps] == [2] and [c["seq"] for c in cs] == [1]


def test_a_driver_insert_outside_the_statement_begins_the_transaction(tables: Engine) -> None:
    engine = tables
    with pytest.raises(RuntimeError), UnitOfWork(engine, deferred=True) as uow:
        with uow.one_statement():
            insert_rows(uow.conn, parents, [_parent(1)], copy=False)
        insert_rows(uow.conn, children, [{"parent_id": 1, "seq": 1}])  # by COPY on PostgreSQL
        raise RuntimeError("refused before the commit")
    assert _read(engine) == ([], [])


def test_a_refused_deferred_statement_leaves_the_pool_transactional(
    tables: Engine, backend: str
) -> None:
    engine = tables
    with engine.begin() as conn:
        conn.execute(insert(parents), [_parent(1)])
    refused = (sqlite3.IntegrityError, psycopg.IntegrityError)
    for _ in range(3):  # the pool hands the same connections out again
        with pytest.raises(refused), UnitOfWork(engine, deferred=True) as uow:
            with uow.one_statement():
                insert_rows(uow.conn, parents, [_parent(1)], copy=False)  # a duplicate id
            uow.commit()
    if backend == "postgres":  # (SQLite sends as it goes: its rollback is the driver's)
        with UnitOfWork(engine, deferred=True) as uow:
            with uow.one_statement():
                insert_rows(uow.conn, parents, [_parent(3)], copy=False)
            uow.rollback()  # a gathered statement rolled back is never sent
            uow.commit()
    for _ in range(5):
        with UnitOfWork(engine) as uow:
            if uow.is_postgres:
                assert uow.conn.connection.driver_connection.autocommit is False
            uow.conn.execute(insert(parents), [_parent(2)])
            assert uow.conn.execute(select(parents.c.id)).scalars().all() == [1, 2]
            uow.rollback()
    assert [p["id"] for p in _read(engine)[0]] == [1]


def test_a_deferred_statement_past_the_parameter_limit_commits_as_one(
    tables: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Split in slices, a deferred unit of work's statement is no longer one statement: its
    slices go in one transaction, so a refused last slice takes the first ones with it."""
    engine = tables
    monkeypatch.setattr(gathered, "_MAX_PARAMS", 12)
    refused = (sqlite3.IntegrityError, psycopg.IntegrityError)
    with pytest.raises(refused), UnitOfWork(engine, deferred=True) as uow:
        with uow.one_statement():
            insert_rows(uow.conn, parents, [_parent(i) for i in range(1, 8)], copy=False)
            insert_rows(uow.conn, children, [{"parent_id": 99, "seq": 1}], copy=False)
        uow.commit()
    assert _read(engine) == ([], [])


# ------------------------------------------------------------------ rows checked unchanged


def _row_values(engine: Engine, key: int) -> dict[str, Any]:
    """Some of the row's values, as the driver reads them (``data`` is ``json``, which has no
    equality in PostgreSQL: not one to check)."""
    with engine.connect() as conn:
        cur = conn.connection.driver_connection.execute(
            f"SELECT name, at, flag FROM {parents.name} WHERE id = %s", (key,)
        )
        return dict(zip(("name", "at", "flag"), cur.fetchone(), strict=True))


@pytest.fixture
def pg_tables(pg_schema: str) -> Iterator[Engine]:
    """Rows are checked inside the statement on PostgreSQL only."""
    engine = pg_engine(pg_schema)
    yield from _fresh(engine)
    engine.dispose()


@pytest.mark.parametrize("deferred", [True, False])
def test_a_statement_checking_an_unchanged_row_stores_its_rows(
    pg_tables: Engine, deferred: bool
) -> None:
    engine = pg_tables
    with engine.begin() as conn:
        conn.execute(insert(parents), [_parent(1)])
    seen = _row_values(engine, 1)
    with UnitOfWork(engine, deferred=deferred) as uow:
        uow.expect_row(parents.name, "id", 1, seen)
        with uow.one_statement():
            insert_rows(uow.conn, children, [{"parent_id": 1, "seq": s} for s in (1, 2)])
        uow.commit()
    assert [c["seq"] for c in _read(engine)[1]] == [1, 2]


@pytest.mark.parametrize("deferred", [True, False])
def test_a_statement_checking_a_changed_row_stores_nothing(
    pg_tables: Engine, deferred: bool
) -> None:
    engine = pg_tables
    with engine.begin() as conn:
        conn.execute(insert(parents), [_parent(1), _parent(2)])
    seen = _row_values(engine, 1)
    with engine.begin() as conn:  # another writer changes the row after it was read
        conn.execute(parents.update().where(parents.c.id == 1).values(name="renamed"))
    for _ in range(2):  # and the pooled connection is fine afterwards
        stale = pytest.raises(StaleRow, match="t_driver_parents 1")
        with stale, UnitOfWork(engine, deferred=deferred) as uow:
            uow.expect_row(parents.name, "id", 1, seen)
            with uow.one_statement():
                insert_rows(uow.conn, parents, [_parent(3)], copy=False)
                insert_rows(uow.conn, children, [{"parent_id": 3, "seq": 1}], copy=False)
            uow.commit()
        assert [p["id"] for p in _read(engine)[0]] == [1, 2] and _read(engine)[1] == []
    with UnitOfWork(engine, deferred=deferred) as uow:  # checks go with their statement only
        with uow.one_statement():
            insert_rows(uow.conn, parents, [_parent(4)], copy=False)
        uow.commit()
    assert [p["id"] for p in _read(engine)[0]] == [1, 2, 4]


@pytest.mark.parametrize("deferred", [True, False])
def test_a_check_never_sent_does_not_ride_on_the_connections_next_statement(
    pg_tables: Engine, deferred: bool
) -> None:
    """A unit of work registers a check and fails before sending anything: the pooled
    connection's next user writes without it."""
    engine = pg_tables
    with engine.begin() as conn:
        conn.execute(insert(parents), [_parent(1)])
    seen = _row_values(engine, 1) | {"name": "not what is stored"}
    with pytest.raises(RuntimeError), UnitOfWork(engine, deferred=deferred) as uow:
        uow.expect_row(parents.name, "id", 1, seen)
        raise RuntimeError("refused before anything was sent")
    for _ in range(3):  # the same pooled connection, whichever is handed out
        with UnitOfWork(engine, deferred=deferred) as uow:
            with uow.one_statement():
                insert_rows(uow.conn, children, [{"parent_id": 1, "seq": 1}], copy=False)
            uow.commit()
    assert len(_read(engine)[1]) == 3
