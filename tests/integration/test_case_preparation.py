"""On SQLite a new case is prepared before the write lock, without writing, and only written
under it (service/case_preparation.py). What is stored must be exactly what opening it inside
the write transaction stores, and whatever the preparation read or remembered that changed
before the lock was taken must be decided again."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from tierline.domain.case import Account
from tierline.domain.vocabulary import AccountValue
from tierline.service import case_preparation
from tierline.store.tables import communications
from tierline.store.uow import is_write_attempt

from .conftest import Env
from .test_use_cases import open_case


@pytest.fixture
def env(sqlite_env: Env) -> Env:
    """Preparing before the lock is SQLite's alone."""
    return sqlite_env


@pytest.fixture
def written_prepared(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ids of the cases written from a preparation."""
    seen: list[int] = []
    real = case_preparation.CaseSession.rebind

    def rebind(self: Any, uow: Any, case_id: int) -> None:
        seen.append(case_id)
        real(self, uow, case_id)

    monkeypatch.setattr(case_preparation.CaseSession, "rebind", rebind)
    return seen


def stored(env: Env, out: dict[str, Any]) -> dict[str, Any]:
    got = env.get("root", f"/api/cases/{out['id']}").json()
    with env.rt.uow(readonly=True) as uow:
        timeline = uow.events.timeline(out["id"])
        comms = [
            dict(r)
            for r in uow.conn.execute(
                select(communications)
                .where(communications.c.case_id == out["id"])
                .order_by(communications.c.clock_key)
            ).mappings()
        ]
    return {
        "answer": out,
        "read": got,
        "events": [(e["kind"], e["data"], e["before"], e["after"]) for e in timeline],
        "communications": [{k: v for k, v in c.items() if k != "id"} for c in comms],
    }


def normalised(value: dict[str, Any], case_id: int, account: str) -> str:
    """Without what differs between two openings of one story: the case's and the account's
    ids, the chain's hash, and who owns it (the least loaded member, where the case leaves the
    opening agent's team, is another one the second time)."""
    text = json.dumps(value, sort_keys=True, default=str)
    text = text.replace(account, "<account>")
    owner = value["answer"]["owner"]
    if owner:
        text = text.replace(f'"{owner}"', '"<owner>"')
    text = re.sub(rf'"(id|case_id)": {case_id}\b', r'"\1": "<case>"', text)
    text = text.replace(f"E{case_id}-", "E<case>-").replace(f"TL-{case_id}]", "TL-<case>]")
    return re.sub(r'"audit_head": "[0-9a-f]+"', '"audit_head": "<head>"', text)


#: Openings, and whether they are written from a preparation: not those that act at once
#: (a trigger fires, a message is queued), which are opened inside the write transaction.
STORIES: list[tuple[dict[str, Any], bool]] = [
    ({}, True),
    ({"description": "Third time I write. This is ridiculous, nothing works!"}, False),
    ({"severity": "S2", "product_area": "reports", "affected_customers": 3}, True),
    ({"value": "strategic"}, False),
    ({"contact_type": "outage", "severity": "S1"}, False),
    ({"description": "Useless. I want to speak to a manager now!"}, False),
]


@pytest.mark.parametrize("new_case", [True, False])
def test_a_prepared_case_is_stored_as_one_opened_under_the_lock(
    env: Env, written_prepared: list[int], monkeypatch: pytest.MonkeyPatch, new_case: bool
) -> None:
    results: dict[bool, list[str]] = {}
    for prepared in (True, False):
        if not prepared:
            monkeypatch.setattr(case_preparation, "prepare", lambda *a, **k: None)
        results[prepared] = []
        expected = []
        for n, (story, plain) in enumerate(STORIES):
            account = f"acct-{n}-{prepared}-{new_case}"  # each its own: nothing to repeat
            body = {k: v for k, v in story.items() if k != "value"}
            body["account"] = {"id": account, "name": "A", "value": story.get("value", "standard")}
            out = open_case(env, new_case=new_case, **body)
            results[prepared].append(normalised(stored(env, out), out["id"], account))
            if plain:
                expected.append(out["id"])
        if prepared:
            assert written_prepared == expected
    assert results[True] == results[False]
    with env.rt.uow(readonly=True) as uow:
        assert list(uow.events.verify()) == []


def test_an_account_changed_while_the_case_was_prepared_is_decided_again(
    env: Env, written_prepared: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account became strategic between the preparation and the write: the case is routed
    and prioritised for a strategic account, as if it had been opened after the change."""
    with env.rt.uow() as uow:
        uow.accounts.upsert(Account(id="globex", name="Globex"), env.clock.now())
        uow.commit()
    real = case_preparation.prepare

    def prepare_then_change(*args: Any, **kw: Any) -> Any:
        prepared = real(*args, **kw)
        with env.rt.uow() as uow:
            upgraded = Account(id="globex", name="Globex", value=AccountValue.STRATEGIC)
            uow.accounts.upsert(upgraded, env.clock.now())
            uow.commit()
        return prepared

    monkeypatch.setattr(case_preparation, "prepare", prepare_then_change)
    raced = open_case(env, account_id="globex", account=None, new_case=True)
    assert written_prepared == []  # the preparation was not used
    monkeypatch.setattr(case_preparation, "prepare", lambda *a, **k: None)
    direct = open_case(env, account_id="globex", account=None, new_case=True)
    assert normalised(stored(env, raced), raced["id"], "globex") == normalised(
        stored(env, direct), direct["id"], "globex"
    )
    with env.rt.uow(readonly=True) as uow:
        opened = uow.events.timeline(raced["id"])[0]
    assert raced["priority"] == direct["priority"]
    assert opened["data"]["account_id"] == "globex"


def test_a_guarded_read_only_transaction_refuses_to_write_and_leaves_the_connection_usable(
    env: Env,
) -> None:
    with pytest.raises(Exception) as refused, env.rt.uow(readonly=True, guarded=True) as ro:
        ro.accounts.upsert(Account(id="hooli", name="Hooli"), env.clock.now())
    assert is_write_attempt(refused.value)
    with env.rt.uow() as uow:  # the pooled connection writes again
        uow.accounts.upsert(Account(id="hooli", name="Hooli"), env.clock.now())
        uow.commit()
    with env.rt.uow(readonly=True) as uow:
        assert uow.accounts.get("hooli") is not None


def test_an_account_changed_after_the_process_remembered_it_is_read_again(
    env: Env, written_prepared: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A preparation routes by the account as this process last stored or read it; when it was
    changed since (here by another writer), the case is decided again under the lock."""
    first = open_case(env, account_id="umbrella", account=None, new_case=True)
    assert written_prepared == [first["id"]]  # prepared, and the account remembered
    with env.rt.uow() as uow:
        upgraded = Account(id="umbrella", name="umbrella", value=AccountValue.STRATEGIC)
        uow.accounts.upsert(upgraded, env.clock.now())
        uow.commit()
    second = open_case(env, account_id="umbrella", account=None, new_case=True)
    assert written_prepared == [first["id"]]  # the remembered account was stale: not used
    monkeypatch.setattr(case_preparation, "prepare", lambda *a, **k: None)
    direct = open_case(env, account_id="umbrella", account=None, new_case=True)
    assert normalised(stored(env, second), second["id"], "umbrella") == normalised(
        stored(env, direct), direct["id"], "umbrella"
    )
    assert second["priority"] != first["priority"] or second["team"] != first["team"]
