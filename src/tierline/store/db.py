"""Engines for the embedded default (SQLite, WAL) and production (PostgreSQL, psycopg 3).

SQLite: one file in the current folder, WAL so readers never block the writer, short write
transactions that start with ``BEGIN IMMEDIATE`` (taking the write lock up front, so two writers
queue on the busy timeout instead of failing half-way with "database is locked"). Read-only work
opts out with ``readonly=True`` and uses a deferred ``BEGIN``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

from tierline.store.one_statement import begin_on_statements

SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _sqlite_events(engine)
        return engine
    engine = create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it costs a round trip on every checkout. Connections are recycled
        # instead, and a connection broken by a server restart fails one request, not all.
        pool_recycle=600,
    )
    begin_on_statements(engine)  # for units of work that defer their transaction
    return engine


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (pysqlite's implicit BEGIN is deferred and late).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Straight to the driver: every write transaction starts here, and the statement
        # through SQLAlchemy's execution machinery cost twice what SQLite spends on it.
        readonly = conn.get_execution_options().get("readonly", False)
        conn.connection.driver_connection.execute("BEGIN" if readonly else "BEGIN IMMEDIATE")
