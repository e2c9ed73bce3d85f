"""Integration fixtures: a migrated database per test on both backends, a fake clock, the SaaS
example policy, a small organisation with API tokens, and an API client."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tierline.api.app import create_app
from tierline.clock import FakeClock
from tierline.config import Settings
from tierline.policy import example_path
from tierline.service.actors import SYSTEM
from tierline.service.people import add_person
from tierline.service.policies import install_policy
from tierline.service.runtime import Tierline
from tierline.store.db import make_engine
from tierline.store.migrate import upgrade
from tierline.store.tables import metadata

PG_URL = os.environ.get("TIERLINE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
#: Monday 23 November 2026, 09:00 in Berlin: an ordinary working morning.
START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

#: handle, name, role, team
ORGANISATION = [
    ("ana", "Ana Agent", "agent", "frontline"),
    ("tom", "Tom Agent", "agent", "frontline"),
    ("sue", "Sue Supervisor", "supervisor", "frontline"),
    ("ben", "Ben Specialist", "senior_agent", "product_specialists"),
    ("pia", "Pia Specialist", "senior_agent", "product_specialists"),
    ("eli", "Eli Engineer", "engineer", "engineering"),
    ("fay", "Fay Finance", "senior_agent", "billing"),
    ("cora", "Cora Coordinator", "coordinator", "escalations_desk"),
    ("max", "Max Manager", "support_manager", "escalations_desk"),
    ("quinn", "Quinn Reviewer", "qa_reviewer", None),
    ("root", "Root Admin", "admin", None),
]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """A schema of our own in the test database, migrated once, dropped at the end."""
    schema = f"tl_test_{os.getpid()}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # the PostgreSQL tests must fail loudly, never skip
        pytest.fail(f"PostgreSQL at {PG_URL} is not reachable: {exc}", pytrace=False)
    engine = pg_engine(schema)
    upgrade(engine)
    engine.dispose()
    yield schema
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


def pg_engine(schema: str, pool_size: int = 5) -> Engine:
    """An engine as the product makes it (``make_engine``), on the test schema."""
    join = "&" if "?" in PG_URL else "?"  # TIERLINE_TEST_PG_URL may carry its own query
    return make_engine(f"{PG_URL}{join}options=-csearch_path%3D{schema}", pool_size=pool_size)


def truncate(engine: Engine) -> None:
    names = ", ".join(t.name for t in reversed(metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def sqlite_copy(template: Path, folder: Path) -> Engine:
    """An engine on a fresh copy of the migrated template database."""
    path = folder / "tierline.db"
    shutil.copy(template, path)
    return make_engine(f"sqlite:///{path}")


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if backend == "sqlite":
        eng = sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        schema: str = request.getfixturevalue("pg_schema")
        eng = pg_engine(schema)
        truncate(eng)
    yield eng
    eng.dispose()


@dataclass
class Env:
    rt: Tierline
    clock: FakeClock
    tokens: dict[str, str] = field(default_factory=dict)
    _client: TestClient | None = None

    @property
    def client(self) -> TestClient:
        if self._client is None:
            self._client = TestClient(create_app(self.rt))
        return self._client

    def auth(self, handle: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[handle]}"}

    def post(self, handle: str, path: str, json: Any = None, **kw: Any) -> Any:
        headers = {**self.auth(handle), **kw.pop("headers", {})}
        return self.client.post(path, headers=headers, json=json, **kw)

    def get(self, handle: str, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.auth(handle), **kw)


def make_env(engine: Engine, policy_file: Path | None = None, start: datetime = START) -> Env:
    clock = FakeClock(start)
    rt = Tierline(Settings(database_url=str(engine.url), policy_refresh_seconds=0), engine, clock)
    text_ = (policy_file or Path(str(example_path("saas_support")))).read_text()
    install_policy(rt, text_, "saas_support.yaml", SYSTEM)
    env = Env(rt, clock)
    for handle, name, role, team in ORGANISATION:
        _, token = add_person(
            rt, name=name, role=role, team=team, handle=handle, email=f"{handle}@tierline.test"
        )
        env.tokens[handle] = token
    return env


@pytest.fixture
def env(engine: Engine) -> Env:
    return make_env(engine)


@pytest.fixture
def sqlite_env(sqlite_template: Path, tmp_path: Path) -> Iterator[Env]:
    """An environment on SQLite alone, for what only SQLite does (its one write lock)."""
    engine = sqlite_copy(sqlite_template, tmp_path)
    yield make_env(engine)
    engine.dispose()


@pytest.fixture
def pg_env(pg_schema: str) -> Iterator[Env]:
    """An environment on PostgreSQL alone, for what only PostgreSQL does (cases opened without
    reading, statements merged across threads)."""
    engine = pg_engine(pg_schema)
    truncate(engine)
    yield make_env(engine)
    engine.dispose()
