"""Incidents through the API on both backends (R-CASE-5, R-WARN-4): declared with or without an
id, cases linked (each showing the incident's reach), and one proactive message per affected
account, recorded on every linked open case."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tierline.service import incidents
from tierline.service.people import authenticate
from tierline.store.tables import events, outbox

from .conftest import Env
from .test_use_cases import open_case


def declare(env: Env, **body: Any) -> dict[str, Any]:
    r = env.post("cora", "/api/incidents", {"title": "Exports fail", "severity": "S1", **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


def case_of(env: Env, account: str, email: str | None = None) -> dict[str, Any]:
    """A new case for ``account``, from ``email`` (by default the builder's usual contact)."""
    contact = {"contact": {"name": "Contact", "email": email}} if email else {}
    return open_case(
        env, account={"id": account, "name": account.title()}, new_case=True, **contact
    )


def customer_messages(env: Env) -> list[tuple[int, str, str]]:
    with env.rt.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(outbox.c.case_id, outbox.c.recipient, outbox.c.subject)
            .where(outbox.c.kind == "customer_message")
            .order_by(outbox.c.id)
        )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def test_declare_with_an_id_or_without_one(env: Env) -> None:
    inc = declare(env, id="INC-export-1")
    assert inc["id"] == "INC-export-1" and inc["status"] == "open" and inc["severity"] == "S1"
    assert (inc["affected_cases"], inc["affected_accounts"]) == (0, 0)
    again = env.post("cora", "/api/incidents", {"title": "Again", "id": "INC-export-1"})
    assert again.status_code == 409 and "already exists" in again.json()["message"]
    bad = env.post("cora", "/api/incidents", {"title": "Bad id", "id": "has spaces"})
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "id"
    # Without an id, one is made from the time; two in the same second do not collide.
    first, second = declare(env), declare(env, title="Logins fail")
    stamp = env.rt.now().strftime("%Y%m%d-%H%M%S")
    assert (first["id"], second["id"]) == (f"INC-{stamp}", f"INC-{stamp}-2")
    assert env.post("quinn", "/api/incidents", {"title": "No"}).status_code == 403
    assert env.get("ana", "/api/incidents/INC-nope").status_code == 404


def test_linked_cases_show_the_incident_and_its_reach(env: Env) -> None:
    inc = declare(env, id="INC-7")
    a1 = case_of(env, "initech")
    a2 = case_of(env, "initech", "joanna@initech.test")
    b1 = case_of(env, "globex", "hank@globex.example")
    affected = []
    for case in (a1, a2, b1):
        r = env.post("ana", f"/api/cases/{case['id']}/incident", {"incident_id": "INC-7"})
        assert r.status_code == 200, r.text
        assert r.json()["incident_id"] == "INC-7"
        timeline = env.get("ana", f"/api/cases/{case['id']}/timeline").json()["events"]
        [linked] = [e for e in timeline if e["kind"] == "linked"]
        affected.append(linked["data"]["affected"])
    # The second Initech case adds a case, not an account.
    assert affected == [1, 1, 2]
    detail = env.get("ana", f"/api/cases/{a1['id']}").json()
    assert detail["incident"]["affected_cases"] == 3
    assert detail["incident"]["affected_accounts"] == 2
    got = env.get("ana", f"/api/incidents/{inc['id']}").json()
    assert [c["id"] for c in got["cases"]] == [a1["id"], a2["id"], b1["id"]]
    again = env.post("ana", f"/api/cases/{a1['id']}/incident", {"incident_id": "INC-7"})
    assert again.status_code == 409 and "already linked" in again.json()["message"]
    unknown = env.post("ana", f"/api/cases/{a1['id']}/incident", {"incident_id": "INC-8"})
    assert unknown.status_code == 422 and "unknown incident" in unknown.json()["message"]


def test_one_message_per_affected_account_recorded_on_every_open_case(env: Env) -> None:
    declare(env, id="INC-9")
    older = case_of(env, "initech")
    env.clock.advance(timedelta(minutes=5))
    newer = case_of(env, "initech", "joanna@initech.test")
    other = case_of(env, "globex", "hank@globex.example")
    done = case_of(env, "umbrella", "alice@umbrella.example")
    for case in (older, newer, other, done):
        r = env.post("ana", f"/api/cases/{case['id']}/incident", {"incident_id": "INC-9"})
        assert r.status_code == 200, r.text
    r = env.post("ana", f"/api/cases/{done['id']}/resolve", {"summary": "Worked around."})
    assert r.status_code == 200, r.text
    before = customer_messages(env)
    r = env.post(
        "cora",
        "/api/incidents/INC-9/communications",
        {"message": "Exports fail for everyone; a fix is being deployed.", "subject": "Exports"},
    )
    assert r.status_code == 201, r.text
    assert r.json() == {"incident_id": "INC-9", "accounts": 2, "cases": 3}
    sent = customer_messages(env)[len(before) :]
    # One e-mail per account, to the contact of its most recent case; none for resolved cases.
    assert sorted(sent) == [
        (newer["id"], "joanna@initech.test", f"[TL-{newer['id']}] Exports"),
        (other["id"], "hank@globex.example", f"[TL-{other['id']}] Exports"),
    ]
    for case, via in ((older, newer["id"]), (newer, None), (other, None)):
        timeline = env.get("ana", f"/api/cases/{case['id']}/timeline").json()["events"]
        [told] = [
            e
            for e in timeline
            if e["kind"] == "message" and e["data"].get("kind") == "incident_update"
        ]
        assert told["data"]["direction"] == "outbound"
        assert told["data"].get("via_case") == via
    timeline = env.get("ana", f"/api/cases/{done['id']}/timeline").json()["events"]
    assert not [e for e in timeline if e["data"].get("kind") == "incident_update"]
    assert (
        env.post("cora", "/api/incidents/INC-0/communications", {"message": "x"}).status_code == 404
    )


def test_telling_the_accounts_is_all_or_nothing(env: Env, monkeypatch: Any) -> None:
    """A failure on one case tells no account (before, each case was its own transaction: the
    accounts before the failure were told, and sending again told them twice)."""
    declare(env, id="INC-10")
    for account in ("initech", "globex", "umbrella"):
        case = case_of(env, account, f"c@{account}.example")
        r = env.post("ana", f"/api/cases/{case['id']}/incident", {"incident_id": "INC-10"})
        assert r.status_code == 200, r.text
    before = customer_messages(env)
    calls = []

    def failing_send(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the mail template broke")
        real_send(*args, **kwargs)

    real_send = incidents.send
    monkeypatch.setattr(incidents, "send", failing_send)
    cora = authenticate(env.rt, env.tokens["cora"])
    with pytest.raises(RuntimeError):
        incidents.tell_affected(env.rt, cora, "INC-10", message="A fix is being deployed.")
    assert customer_messages(env) == before
    with env.rt.uow(readonly=True) as uow:
        told = uow.conn.execute(
            select(func.count()).select_from(events).where(events.c.kind == "message")
        ).scalar_one()
    assert told == 0
    monkeypatch.setattr(incidents, "send", real_send)
    out = incidents.tell_affected(env.rt, cora, "INC-10", message="A fix is being deployed.")
    assert out["accounts"] == 3 and len(customer_messages(env)) == len(before) + 3
