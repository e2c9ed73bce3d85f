"""Which unique constraint a failed write broke, whichever driver or layer raised it.

Rows a use case inserts go through the driver (``driver_rows``), so a broken constraint comes
back as the driver's own error, or SQLAlchemy's wrapping of it; the service turns the ones a
request can cause into refusals that say what collided, instead of a server error.
"""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy import Table, UniqueConstraint


def breaks_unique(exc: BaseException, table: Table, name: str) -> bool:
    """Whether ``exc`` is ``table``'s unique constraint ``name`` refusing a row (PostgreSQL
    names the constraint; SQLite names the table's columns it covers)."""
    err = getattr(exc, "orig", None) or exc
    if isinstance(err, psycopg.errors.UniqueViolation):
        return err.diag.constraint_name == name
    if isinstance(err, sqlite3.IntegrityError):
        constraint = next(
            (c for c in table.constraints if isinstance(c, UniqueConstraint) and c.name == name),
            None,
        )
        if constraint is None:
            return False
        columns = ", ".join(f"{table.name}.{c.name}" for c in constraint.columns)
        return str(err) == f"UNIQUE constraint failed: {columns}"
    return False
