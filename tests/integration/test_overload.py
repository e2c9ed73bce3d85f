"""An overloaded server answers 503 with Retry-After and stores nothing, instead of a 500:
every pooled database connection busy past the pool's timeout, or SQLite's write lock not
obtained within its busy timeout."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tierline.store.tables import cases

from .conftest import Env

CASE = {"contact_type": "bug_report", "subject": "Reports are empty"}


def _count(env: Env) -> int:
    with env.rt.uow(readonly=True) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(cases)).scalar_one())


@pytest.mark.parametrize(
    "failure",
    [
        PoolTimeout("QueuePool limit of size 10 overflow 10 reached, connection timed out"),
        OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked")),
    ],
    ids=["pool exhausted", "sqlite locked"],
)
def test_overload_is_a_503_that_stores_nothing(
    env: Env, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    before = _count(env)
    engine = env.rt.engine
    real_connect = engine.connect

    def busy(*args: Any, **kwargs: Any) -> Any:
        raise failure

    monkeypatch.setattr(engine, "connect", busy)
    r = env.post("ana", "/api/cases", CASE)
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "1"
    assert r.json()["error"] == "busy" and "nothing was stored" in r.json()["message"]
    monkeypatch.setattr(engine, "connect", real_connect)
    assert _count(env) == before
    assert env.post("ana", "/api/cases", CASE).status_code == 201


def test_other_database_errors_are_not_disguised_as_overload(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("disk I/O error"))

    monkeypatch.setattr(env.rt.engine, "connect", broken)
    with pytest.raises(OperationalError, match="disk I/O error"):
        env.post("ana", "/api/cases", CASE)
