"""The unit of work: one database transaction, with the repositories that write inside it.

Every use case runs inside exactly one of these, so a case change, its audit events and its
outbox messages commit together or not at all.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Mapping
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine

from tierline.store import one_statement as gathered
from tierline.store.alerts import AlertRepo
from tierline.store.communications import CommunicationRepo
from tierline.store.eventlog import EventLog
from tierline.store.mail import MailRepo
from tierline.store.outbox import OutboxRepo
from tierline.store.repos import (
    AccountRepo,
    ApprovalRepo,
    CaseRepo,
    EscalationRepo,
    HandoffRepo,
    PeopleRepo,
    PlanRepo,
    PolicyRepo,
)

_WRITE_LOCKS_GUARD = threading.Lock()


def is_write_attempt(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite refusing a write in a guarded unit of work (``query_only``
    makes it answer ``SQLITE_READONLY``), raised by the driver or wrapped by SQLAlchemy."""
    err = getattr(exc, "orig", exc)
    return (
        isinstance(err, sqlite3.Error)
        and getattr(err, "sqlite_errorcode", None) == sqlite3.SQLITE_READONLY
    )


class _SQLiteWriteLock:
    """Writers to one SQLite file take turns here instead of inside SQLite's busy handler.

    The busy handler polls with sleeps that grow to 100 ms, so under load a writer can wait far
    longer than the lock is held, and one process can starve another. Here threads of a process
    queue on a lock, and processes queue on an ``flock`` of a file next to the database, which
    the kernel hands over the moment it is released. ``BEGIN IMMEDIATE`` then finds SQLite's
    write lock free (the busy timeout remains as a safety net for other programs).
    """

    def __init__(self, database: str) -> None:
        self._thread_lock = threading.Lock()
        self._path = None if database in ("", ":memory:") else f"{database}.write.lock"
        self._fd: int | None = None
        self._pid = 0

    def acquire(self) -> None:
        self._thread_lock.acquire()
        if self._path is None:
            return
        try:
            if self._fd is None or self._pid != os.getpid():
                # A forked child must not share its parent's open file: flock would not
                # exclude the two.
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
                self._pid = os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise

    def release(self) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


_WRITE_LOCKS: dict[str, _SQLiteWriteLock] = {}


def _sqlite_write_lock(engine: Engine) -> _SQLiteWriteLock:
    key = str(engine.url.database or "")
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(key)
        if lock is None:
            lock = _WRITE_LOCKS[key] = _SQLiteWriteLock(key)
        return lock


def _driver(conn: Connection) -> Any:
    return conn.connection.driver_connection


class UnitOfWork:
    def __init__(
        self,
        engine: Engine,
        *,
        readonly: bool = False,
        guarded: bool = False,
        deferred: bool = False,
    ) -> None:
        """``readonly``: a deferred ``BEGIN`` on SQLite, without the write lock. ``guarded``
        (SQLite, with ``readonly``): any attempt to write fails at once (``PRAGMA query_only``;
        see :func:`is_write_attempt`), for work that must not write and would otherwise take
        SQLite's write lock outside ours. ``deferred`` (PostgreSQL): the transaction begins
        only when needed, and not at all if one gathered statement is all it writes (see
        :mod:`tierline.store.one_statement`)."""
        self.engine = engine
        self.readonly = readonly
        self._guarded = guarded and readonly and engine.dialect.name == "sqlite"
        self.is_postgres = engine.dialect.name == "postgresql"
        self._deferred = deferred and not readonly and self.is_postgres
        self._conn: Connection | None = None
        self._lock = (
            _sqlite_write_lock(engine) if engine.dialect.name == "sqlite" and not readonly else None
        )

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._conn

    def __enter__(self) -> UnitOfWork:
        # The connection is taken from the pool before the write lock and given back after it:
        # the lock is held only while the transaction is open.
        conn = self.engine.connect()
        try:
            if self._lock is not None:
                self._lock.acquire()
            try:
                return self._open(conn)
            except BaseException:
                if self._lock is not None:
                    self._lock.release()
                raise
        except BaseException:
            conn.close()
            raise

    def _open(self, conn: Connection) -> UnitOfWork:
        if self.readonly:
            conn = conn.execution_options(readonly=True)
        self._conn = conn
        conn.begin()
        if self._deferred:
            gathered.defer(conn)
        if self._guarded:
            _driver(conn).execute("PRAGMA query_only = ON")
        c = conn
        self.cases = CaseRepo(c, self.is_postgres)
        self.events = EventLog(c)
        self.outbox = OutboxRepo(c, self.is_postgres)
        self.people = PeopleRepo(c)
        self.accounts = AccountRepo(c)
        self.approvals = ApprovalRepo(c)
        self.escalations = EscalationRepo(c)
        self.handoffs = HandoffRepo(c)
        self.policies = PolicyRepo(c)
        self.plans = PlanRepo(c)
        self.mail = MailRepo(c)
        self.communications = CommunicationRepo(c)
        self.alerts = AlertRepo(c, self.is_postgres)
        return self

    def one_statement(self) -> AbstractContextManager[None]:
        """The inserts made inside go to PostgreSQL as one statement (see
        :mod:`tierline.store.one_statement`); elsewhere nothing changes."""
        return gathered.one_statement(self.conn)

    def expect_row(self, table: str, key_column: str, key: object, seen: Mapping[str, Any]) -> None:
        """The next gathered statement fails unless this row still holds ``seen`` (PostgreSQL;
        see :func:`tierline.store.one_statement.expect_row`)."""
        gathered.expect_row(self.conn, table, key_column, key, seen)

    def commit(self) -> None:
        if self._deferred:  # (every other unit of work commits as SQLAlchemy does)
            gathered.commit(self.conn)
        else:
            self.conn.commit()

    def rollback(self) -> None:
        if self._deferred:
            gathered.rollback(self.conn)
        else:
            self.conn.rollback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self._conn
        self._conn = None
        try:
            try:
                if conn is not None and conn.in_transaction():
                    conn.rollback()
                if conn is not None and self._guarded:
                    try:
                        _driver(conn).execute("PRAGMA query_only = OFF")
                    except BaseException:
                        conn.invalidate()  # never back to the pool still refusing writes
                        raise
            finally:
                if self._lock is not None:
                    self._lock.release()
        finally:
            if conn is not None:
                try:
                    if self.is_postgres:  # any unit of work may have left a check unsent
                        gathered.release(conn)
                except BaseException:
                    conn.invalidate()  # never back to the pool in autocommit
                    raise
                finally:
                    conn.close()
