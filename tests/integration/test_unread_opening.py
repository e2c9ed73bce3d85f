"""On PostgreSQL a plain new case whose account the process remembers is opened without reading
anything first: its id comes from the process's block of the sequence, and its one statement
checks the account is still as remembered (service/case_opening.open_unread). What it stores
must be what the reading path stores, an account changed meanwhile must be decided again, and
ids must stay unique across processes."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tierline.config import Settings
from tierline.domain.case import Account
from tierline.domain.vocabulary import AccountValue
from tierline.service import case_opening
from tierline.service.runtime import Tierline
from tierline.store import case_ids
from tierline.store.cases import CaseRepo
from tierline.store.tables import cases, events

from .conftest import Env, pg_engine
from .test_case_preparation import normalised, stored
from .test_use_cases import open_case


@pytest.fixture
def env(pg_env: Env) -> Env:
    """Opening without reading is PostgreSQL's alone (SQLite prepares before its lock)."""
    return pg_env


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The accounts read by openings (``next_id_with_account``), in order."""
    seen: list[str | None] = []
    real = CaseRepo.next_id_with_account

    def read(self: CaseRepo, account_id: str | None) -> Any:
        seen.append(account_id)
        return real(self, account_id)

    monkeypatch.setattr(CaseRepo, "next_id_with_account", read)
    return seen


def plain(env: Env, account_id: str | None, **over: Any) -> dict[str, Any]:
    return open_case(env, account_id=account_id, account=None, new_case=True, **over)


def count(env: Env, table: Any) -> int:
    with env.rt.uow(readonly=True) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_remembered_account_is_not_read_again(env: Env, reads: list[str | None]) -> None:
    plain(env, "globex")  # new account: read, then stored as a bare record
    plain(env, "globex")  # read as stored, and remembered with its row's text
    assert reads == ["globex", "globex"]
    third = plain(env, "globex")
    fourth = plain(env, None)  # no account at all: nothing to read either
    assert reads == ["globex", "globex"]
    assert third["account_id"] == "globex" and fourth["account_id"] is None
    with env.rt.uow(readonly=True) as uow:
        assert list(uow.events.verify()) == []


def test_an_unread_case_is_stored_as_a_read_one(
    env: Env, reads: list[str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same answer, row, events and communications as the reading path, story by story."""
    stories: list[dict[str, Any]] = [
        {},
        {"severity": "S2", "product_area": "reports", "affected_customers": 3},
        {"contact_type": "outage", "severity": "S1"},
        {"description": "Useless. I want to speak to a manager now!"},
    ]
    results: dict[bool, list[str]] = {True: [], False: []}
    for unread in (True, False):
        if not unread:
            monkeypatch.setattr(case_opening, "open_unread", lambda o: None)
        for n, story in enumerate(stories):
            account = f"acct-{n}-{unread}"
            plain(env, account)
            plain(env, account)  # now remembered
            before = len(reads)
            out = plain(env, account, **story)
            assert (len(reads) == before) is unread
            results[unread].append(normalised(stored(env, out), out["id"], account))
    assert results[True] == results[False]


def test_an_account_changed_after_it_was_remembered_is_decided_again(
    env: Env, reads: list[str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process made the account strategic: the statement written from the remembered
    one stores nothing, and the case is opened as for a strategic account."""
    plain(env, "umbrella")
    first = plain(env, "umbrella")  # remembered
    with env.rt.uow() as uow:
        upgraded = Account(id="umbrella", name="umbrella", value=AccountValue.STRATEGIC)
        uow.accounts.upsert(upgraded, env.clock.now())
        uow.commit()
    cases_before, events_before = count(env, cases), count(env, events)
    reads.clear()
    second = plain(env, "umbrella")
    assert reads == ["umbrella"]  # the check failed; read, and decided again
    with env.rt.uow(readonly=True) as uow:
        its_events = len(uow.events.timeline(second["id"]))
    assert count(env, cases) == cases_before + 1  # the failed statement stored nothing
    assert count(env, events) == events_before + its_events
    assert second["priority"] != first["priority"] or second["team"] != first["team"]
    monkeypatch.setattr(case_opening, "open_unread", lambda o: None)
    direct = plain(env, "umbrella")
    assert normalised(stored(env, second), second["id"], "umbrella") == normalised(
        stored(env, direct), direct["id"], "umbrella"
    )
    monkeypatch.undo()
    reads.clear()
    plain(env, "umbrella")  # the account as now stored is remembered again
    assert reads == []
    with env.rt.uow(readonly=True) as uow:
        assert list(uow.events.verify()) == []


def test_a_contact_bringing_a_changed_account_stores_it(env: Env, reads: list[str | None]) -> None:
    plain(env, "hooli")
    plain(env, "hooli")  # remembered as a standard account
    vip = {"id": "hooli", "name": "Hooli", "value": "strategic"}
    out = open_case(env, account=vip, new_case=True)
    assert reads == ["hooli"] * 3  # not opened from memory: the account is stored anew
    with env.rt.uow(readonly=True) as uow:
        account = uow.accounts.get("hooli")
    assert account is not None and account.value is AccountValue.STRATEGIC
    assert out["account_id"] == "hooli"


def test_ids_from_two_processes_blocks_are_unique_and_recent_means_opened_last(
    env: Env, pg_schema: str
) -> None:
    """Two processes (two engines) take ids a block at a time: unique, each process's rising,
    but not in opening order across the two; "recent" lists by when cases were opened."""
    other_engine = pg_engine(pg_schema)
    try:
        settings = Settings(database_url=str(other_engine.url), policy_refresh_seconds=0)
        other = Env(Tierline(settings, other_engine, env.clock), env.clock, env.tokens)
        ids: dict[str, list[int]] = {"one": [], "other": []}
        opened: list[int] = []
        for i in range(2 * case_ids.BLOCK + 3):
            side, e = ("one", env) if i % 2 else ("other", other)
            out = plain(e, None)
            ids[side].append(out["id"])
            opened.append(out["id"])
            env.clock.advance(timedelta(minutes=1))
        assert len(set(opened)) == len(opened) == count(env, cases)
        assert all(v == sorted(v) for v in ids.values())
        assert opened != sorted(opened)  # blocks interleave: ids are not the opening order
        listed = env.get("root", "/api/cases", params={"order": "recent", "limit": 10}).json()
        assert [c["id"] for c in listed["cases"]] == opened[::-1][:10]
    finally:
        other_engine.dispose()


def test_threads_of_one_process_take_distinct_ids(env: Env) -> None:
    taken: list[int] = []

    def take() -> None:
        for _ in range(3 * case_ids.BLOCK):
            with env.rt.uow(deferred=True) as uow:
                taken.append(uow.cases.take_id())

    threads = [threading.Thread(target=take) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(taken) == len(set(taken)) == 6 * 3 * case_ids.BLOCK
    with env.rt.uow(readonly=True) as uow:  # the sequence went no further than the blocks
        top = uow.conn.execute(select(func.nextval(func.pg_get_serial_sequence("cases", "id"))))
        assert top.scalar_one() == max(taken) + 1
