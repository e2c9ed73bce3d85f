"""Rows written through the driver (store/driver_rows.py) read back exactly as written through
SQLAlchemy, and the inserts gathered by ``one_statement`` are stored together or not at all."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
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

from tierline.store import driver_rows
from tierline.store.driver_rows import insert_rows, one_statement
from tierline.store.tables import Instant

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


@pytest.fixture
def tables(engine: Engine) -> Iterator[Engine]:
    _meta.drop_all(engine)
    _meta.create_all(engine)
    yield engine
    _meta.drop_all(engine)


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
    monkeypatch.setattr(driver_rows, "_MAX_PARAMS", 12)  # a parent row has 5 values
    with engine.begin() as conn, one_statement(conn):
        insert_rows(conn, parents, [_parent(i) for i in range(1, 8)], copy=False)
        insert_rows(conn, children, [{"parent_id": 1, "seq": s} for s in range(10)], copy=False)
    ps, cs = _read(engine)
    assert [p["id"] for p in ps] == list(range(1, 8))
    assert [c["seq"] for c in cs] == list(range(10))  # in order, however many statements
