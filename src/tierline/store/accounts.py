"""The customer-account repository, and the mapping between an account row and the domain's
``Account`` (dates are stored as naive midnight datetimes).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tierline.domain.case import Account
from tierline.domain.vocabulary import AccountValue, Segment
from tierline.store.tables import accounts


class AccountRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, account_id: str) -> Account | None:
        row = (
            self.conn.execute(select(accounts).where(accounts.c.id == account_id))
            .mappings()
            .first()
        )
        return account_from_row(dict(row)) if row else None

    def upsert(self, account: Account, now: datetime) -> None:
        """Insert or update in one statement, so two requests creating the same new account at
        once both succeed instead of one failing on the primary key."""
        values = {
            "name": account.name,
            "segment": account.segment.value,
            "value": account.value.value,
            "industry": account.industry,
            "region": account.region,
            "customer_since": _dt(account.customer_since),
            "renewal_date": _dt(account.renewal_date),
            "account_manager": account.account_manager,
        }
        ins = (
            pg_insert(accounts)
            if self.conn.dialect.name == "postgresql"
            else sqlite_insert(accounts)
        )
        self.conn.execute(
            ins.values(id=account.id, created_at=now, **values).on_conflict_do_update(
                index_elements=["id"], set_=values
            )
        )

    def all(self) -> list[Account]:
        return [account_from_row(dict(r)) for r in self.conn.execute(select(accounts)).mappings()]


def _dt(d: date | None) -> datetime | None:
    return datetime(d.year, d.month, d.day) if d else None


def account_from_row(row: Mapping[str, Any]) -> Account:
    """An account from its row, read through SQLAlchemy or straight from the driver (where
    SQLite gives its dates as the text SQLAlchemy wrote)."""

    def day(v: Any) -> date | None:
        if isinstance(v, str):
            v = datetime.fromisoformat(v)
        return v.date() if isinstance(v, datetime) else v

    return Account(
        id=row["id"],
        name=row["name"],
        segment=Segment(row["segment"]),
        value=AccountValue(row["value"]),
        industry=row["industry"],
        region=row["region"],
        customer_since=day(row["customer_since"]),
        renewal_date=day(row["renewal_date"]),
        account_manager=row["account_manager"],
    )
