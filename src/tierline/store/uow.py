"""The unit of work: one database transaction, with the repositories that write inside it.

Every use case runs inside exactly one of these, so a case change, its audit events and its
outbox messages commit together or not at all.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

from tierline.store.eventlog import EventLog
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


class UnitOfWork:
    def __init__(self, engine: Engine, *, readonly: bool = False) -> None:
        self.engine = engine
        self.readonly = readonly
        self.is_postgres = engine.dialect.name == "postgresql"
        self._conn: Connection | None = None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._conn

    def __enter__(self) -> UnitOfWork:
        conn = self.engine.connect()
        if self.readonly:
            conn = conn.execution_options(readonly=True)
        self._conn = conn
        conn.begin()
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
        return self

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self._conn
        self._conn = None
        if conn is None:
            return
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()
