"""Group commit on SQLite (service/write_turns.py): writes queued while a turn is under way go in
together in the next one, each in its own savepoint, committed together."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from tierline.domain.case import Account
from tierline.service import cases, write_turns
from tierline.service.actors import Actor
from tierline.service.errors import Invalid
from tierline.service.people import authenticate
from tierline.store.tables import accounts
from tierline.store.uow import UnitOfWork

from .conftest import Env


@pytest.fixture
def env(sqlite_env: Env) -> Env:
    """Group commit is SQLite's alone."""
    return sqlite_env


def stored_accounts(env: Env) -> set[str]:
    with env.rt.uow(readonly=True) as uow:
        return set(uow.conn.execute(select(accounts.c.id)).scalars())


def test_writes_queued_during_a_turn_share_the_next_and_a_refused_one_rolls_back_alone(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits: list[int] = []
    real_commit = UnitOfWork.commit

    def commit(self: UnitOfWork) -> None:
        commits.append(1)
        real_commit(self)

    monkeypatch.setattr(UnitOfWork, "commit", commit)
    now = env.clock.now()
    others_queued = threading.Event()

    def first(uow: UnitOfWork) -> str:
        uow.accounts.upsert(Account(id="first", name="First"), now)
        assert others_queued.wait(10)  # the turn is under way while the others queue
        return "first"

    def second(uow: UnitOfWork) -> str:
        uow.accounts.upsert(Account(id="second", name="Second"), now)
        return "second"

    def refused(uow: UnitOfWork) -> str:
        uow.accounts.upsert(Account(id="refused", name="Refused"), now)
        raise Invalid("refused after writing")

    queue = write_turns._queue(env.rt)
    with ThreadPoolExecutor(3) as pool:
        a = pool.submit(write_turns.write_together, env.rt, first)
        while not queue.turn or queue.jobs:  # the first turn has taken its one job
            time.sleep(0.001)
        b = pool.submit(write_turns.write_together, env.rt, second)
        c = pool.submit(write_turns.write_together, env.rt, refused)
        while len(queue.jobs) < 2:
            time.sleep(0.001)
        others_queued.set()
        assert a.result(10) == "first"
        assert b.result(10) == "second"
        with pytest.raises(Invalid, match="refused after writing"):
            c.result(10)
    assert len(commits) == 2  # the first turn, then the second and the refused one together
    assert stored_accounts(env) >= {"first", "second"}
    assert "refused" not in stored_accounts(env)
    assert not queue.turn and not queue.jobs


def test_a_turn_that_fails_as_a_whole_fails_each_of_its_writes_and_the_next_turn_proceeds(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_commit = UnitOfWork.commit
    failing = [True]

    def commit(self: UnitOfWork) -> None:
        if failing.pop() if failing else False:
            raise OSError("disk full")
        real_commit(self)

    monkeypatch.setattr(UnitOfWork, "commit", commit)
    now = env.clock.now()

    def write(name: str) -> Any:
        def run(uow: UnitOfWork) -> str:
            uow.accounts.upsert(Account(id=name, name=name), now)
            return name

        return run

    with pytest.raises(OSError, match="disk full"):
        write_turns.write_together(env.rt, write("lost"))
    assert write_turns.write_together(env.rt, write("kept")) == "kept"
    assert "lost" not in stored_accounts(env) and "kept" in stored_accounts(env)


def test_many_threads_opening_cases_at_once_store_each_exactly_once(env: Env) -> None:
    actor: Actor = authenticate(env.rt, env.tokens["ana"])

    def open_some(worker: int) -> list[int]:
        ids = []
        for n in range(15):
            cmd = cases.OpenCase(
                contact_type="bug_report",
                subject=f"worker {worker} case {n}",
                description="The export stops half-way.",
                account_id=f"acct-{n % 4}",
                contact_email=f"user{worker}.{n}@example.test",
                new_case=True,
            )
            ids.append(int(cases.open_case(env.rt, cmd, actor).row["id"]))
        return ids

    with ThreadPoolExecutor(8) as pool:
        ids = [i for chunk in pool.map(open_some, range(8)) for i in chunk]
    assert sorted(ids) == list(range(1, 121))
    with env.rt.uow(readonly=True) as uow:
        assert uow.conn.execute(select(func.count()).select_from(accounts)).scalar_one() == 4
        assert list(uow.events.verify()) == []
        for case_id in ids[::17]:
            timeline = uow.events.timeline(case_id)
            assert timeline[0]["kind"] == "opened"
