"""The yardstick: a bare FastAPI endpoint doing one INSERT and COMMIT, nothing else.

Run under uvicorn by ``bench/api_create_case.py`` on the same database engine settings as
Tierline (SQLite WAL + BEGIN IMMEDIATE, or PostgreSQL), so the two rates compare the work
Tierline adds per case against the floor of any FastAPI + SQLAlchemy service.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    text,
)

from tierline.store.db import make_engine

metadata = MetaData()
bare_cases = Table(
    "bare_cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject", String(500)),
    Column("body", JSON),
    Column("created_at", DateTime(timezone=True)),
)


class CaseIn(BaseModel):
    contact_type: str
    subject: str = ""
    description: str = ""
    extra: dict[str, Any] = {}


def create() -> FastAPI:
    engine = make_engine(os.environ["TIERLINE_DATABASE_URL"])
    with engine.begin() as conn:
        # Both uvicorn workers start at once: on PostgreSQL two CREATE TABLEs racing fail one
        # worker (duplicate type), which left the yardstick dead for a whole run.
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7241)"))
        metadata.create_all(conn)
    app = FastAPI()

    @app.post("/bare", status_code=201)
    def bare(body: CaseIn) -> dict[str, Any]:
        with engine.begin() as conn:
            new_id = conn.execute(
                insert(bare_cases).values(
                    subject=body.subject, body=body.model_dump(), created_at=datetime.now(UTC)
                )
            ).inserted_primary_key[0]
        return {"id": new_id}

    return app
