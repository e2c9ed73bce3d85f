"""Each use case through the API on both backends: what it writes, and what it refuses."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from tierline.domain.case import Account
from tierline.domain.vocabulary import AccountValue, Segment
from tierline.store.tables import cases, events, outbox

from .conftest import Env


def open_case(env: Env, who: str = "ana", **over: object) -> dict:
    body = {
        "contact_type": "bug_report",
        "subject": "Reports are empty",
        "description": "The weekly report has been empty since the update.",
        "channel": "email",
        "account": {"id": "initech", "name": "Initech"},
        "contact": {"name": "Peter", "email": "peter@initech.test"},
        **over,
    }
    r = env.post(who, "/api/cases", body)
    assert r.status_code in (200, 201), r.text
    return r.json()


def counts(env: Env) -> tuple[int, int, int]:
    with env.rt.uow(readonly=True) as uow:
        c = uow.conn
        return tuple(
            c.execute(select(func.count()).select_from(t)).scalar_one()  # type: ignore[return-value]
            for t in (cases, events, outbox)
        )


def test_open_routes_by_matrix_and_assigns_least_loaded_member(env: Env) -> None:
    first = open_case(env, "sue")  # a supervisor opening for the team assigns an agent
    assert first["team"] == "frontline" and first["owner"] in ("ana", "tom")
    second = open_case(env, "sue", contact={"email": "other@initech.test"}, new_case=True)
    assert {first["owner"], second["owner"]} == {"ana", "tom"}  # load is spread
    outage = open_case(env, contact_type="outage", severity="S1", new_case=True)
    assert outage["team"] == "on_call_engineering" and outage["priority"] == 1


def test_repeat_contact_links_to_the_open_case_and_counts(env: Env) -> None:
    first = open_case(env)
    before = counts(env)
    r = env.post(
        "ana",
        "/api/cases",
        {
            "contact_type": "bug_report",
            "account_id": "initech",
            "contact": {"email": "peter@initech.test"},
            "description": "Still empty, third week running!",
        },
    )
    assert r.status_code == 200 and r.json()["linked_to_existing"] is True
    assert r.json()["id"] == first["id"] and r.json()["repeat_contacts"] == 1
    assert counts(env)[0] == before[0]  # no new case


def test_bad_input_is_a_clear_4xx_and_writes_nothing(env: Env) -> None:
    open_case(env)
    before = counts(env)
    r = env.post("ana", "/api/cases", {"contact_type": "nonsense"})
    assert r.status_code == 422 and "unknown contact type 'nonsense'" in r.json()["message"]
    r = env.post("ana", "/api/cases", {"contact_type": "bug_report", "severity": "S9"})
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "severity"
    r = env.post("ana", "/api/cases", {"contact_type": "bug_report", "colour": "red"})
    assert r.status_code == 422 and "unknown field" in r.json()["details"][0]["problem"]
    r = env.client.post(
        "/api/cases",
        content=b"{not json",
        headers={**env.auth("ana"), "content-type": "application/json"},
    )
    assert r.status_code == 422
    assert env.client.post("/api/cases", json={"contact_type": "how_to"}).status_code == 401
    assert (
        env.client.post(
            "/api/cases", json={"contact_type": "how_to"}, headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    assert env.get("ana", "/api/cases/99999").status_code == 404
    assert counts(env) == before


def test_the_nul_character_is_refused_alike_on_both_backends(env: Env) -> None:
    """PostgreSQL cannot store or compare text holding U+0000 (it raised a server error);
    SQLite can. Both refuse it, in a body at any depth or in the URL, and store nothing."""
    case = open_case(env)
    before = counts(env)
    refused = [
        ("/api/cases", {"contact_type": "how_to", "subject": "a\x00b"}, "subject"),
        ("/api/cases", {"contact_type": "how_to", "account": {"id": "x", "name": "\x00"}}, None),
        (f"/api/cases/{case['id']}/messages", {"body": "hi", "direction": "inbound\x00"}, None),
        (f"/api/cases/{case['id']}/resolve", {"summary": "ok", "five_whys": ["a", "b\x00"]}, None),
    ]
    for path, body, field in refused:
        r = env.post("ana", path, body)
        assert r.status_code == 422, (path, r.text)
        problems = [d["problem"] for d in r.json()["details"]]
        assert "text must not contain the NUL character (U+0000)" in problems, r.text
        if field:
            assert r.json()["details"][0]["field"] == field
    for url in ("/api/cases?status=%00", "/api/cases?team=open%00", "/api/cases/%00"):
        r = env.get("ana", url)
        assert r.status_code == 400 and "NUL character" in r.json()["message"], (url, r.text)
    assert counts(env) == before


def test_a_lone_surrogate_is_refused_and_echoed_in_a_form_the_answer_can_carry(env: Env) -> None:
    """JSON may spell half a UTF-16 pair (``\\ud800``); the model refuses it, and the refusal
    echoes the input escaped: as it was, it could not be encoded and the refusal became a 500."""
    before = counts(env)
    raw = b'{"contact_type": "how_to", "subject": "a\\ud800b"}'
    r = env.client.post(
        "/api/cases", content=raw, headers={**env.auth("ana"), "Content-Type": "application/json"}
    )
    assert r.status_code == 422, r.text
    [detail] = r.json()["details"]
    assert detail["field"] == "subject" and detail["input"] == "a\\ud800b"
    whole = b'{"contact_type": "how_to", "subject": "\\ud83d\\ude00 a whole pair"}'
    r = env.client.post(
        "/api/cases", content=whole, headers={**env.auth("ana"), "Content-Type": "application/json"}
    )
    assert r.status_code == 201 and r.json()["subject"] == "\U0001f600 a whole pair"
    assert counts(env)[0] == before[0] + 1


def test_a_value_the_database_refuses_as_data_is_a_422_not_a_500(env: Env) -> None:
    """The net under the checks above: whatever value still reaches the database and is refused
    as data (by PostgreSQL's driver, or through SQLAlchemy) is a 422 saying so."""
    from sqlalchemy.exc import DataError

    def refused() -> None:
        with env.rt.uow() as uow:  # a real refusal, as the driver raises it
            uow.conn.execute(select(func.length("a\x00b" if uow.is_postgres else None)))
        raise DataError("SELECT", {}, ValueError("value out of range for type integer"))

    env.client.app.add_api_route("/api/_refused", refused, methods=["GET"])  # type: ignore[attr-defined]
    r = env.get("ana", "/api/_refused")
    assert r.status_code == 422, r.text
    assert r.json()["message"].startswith("the request holds a value the database cannot store: ")


def test_numbers_beyond_what_the_store_holds_are_refused(env: Env) -> None:
    """An id or offset past a signed 64-bit integer overflowed the driver (a server error);
    now a 422 naming the parameter."""
    huge = 2**63
    for method, url in [
        ("get", f"/api/cases/{huge}"),
        ("get", f"/api/cases/{huge}/timeline"),
        ("get", f"/api/cases?offset={huge}"),
        ("post", f"/api/cases/{huge}/accept"),
        ("post", f"/api/approvals/{huge}/decision"),
    ]:
        if method == "get":
            r = env.get("root", url)
        else:
            r = env.post("root", url, {"decision": "approve"} if "approvals" in url else {})
        assert r.status_code == 422, (url, r.text)
        field = r.json()["details"][0]["field"]
        assert field.split(".")[-1] in ("case_id", "offset", "approval_id"), r.text
    assert env.get("root", f"/api/cases/{huge - 1}").status_code == 404


def test_an_external_reference_already_used_is_refused_naming_its_case(env: Env) -> None:
    """The store holds one case per (source, external_ref); a second contact claiming the
    reference is a 409 that names the case holding it, on every opening path, and stores
    nothing."""
    first = open_case(env, external_ref="ZD-1", account_id="initech", account=None)
    open_case(env, account_id="initech", account=None, new_case=True)  # (account remembered)
    before = counts(env)
    attempts = [
        {"contact_type": "how_to", "new_case": False},  # not the same issue: a new case
        {"contact_type": "bug_report", "new_case": True},
        {"contact_type": "bug_report", "new_case": True, "account": {"id": "umbrella"}},
        {"contact_type": "bug_report", "new_case": True},  # (account as remembered)
    ]
    for attempt in attempts:
        body = {"account_id": "initech", "external_ref": "ZD-1", "description": "x", **attempt}
        if "account" in body:
            del body["account_id"]
        r = env.post("ana", "/api/cases", body)
        assert r.status_code == 409, r.text
        out = r.json()
        assert out["error"] == "conflict" and "external_ref 'ZD-1' already exists" in out["message"]
        assert out["details"] == [{"case_id": first["id"], "source": "api", "external_ref": "ZD-1"}]
    assert counts(env) == before
    with env.rt.uow(readonly=True) as uow:
        assert uow.accounts.get("umbrella") is None  # the refused contact's account too
    # The connections the refusals used serve the next case as usual.
    later = open_case(env, account_id="initech", account=None, external_ref="ZD-2", new_case=True)
    assert later["external_ref"] == "ZD-2" and counts(env)[0] == before[0] + 1
    r = env.get("root", f"/api/cases/{first['id']}/timeline")
    assert r.status_code == 200 and r.json()["events"][0]["kind"] == "opened"


def test_roles_are_enforced(env: Env) -> None:
    case = open_case(env)
    # A QA reviewer may read but not write; an agent may not decide approvals or change policy.
    assert env.get("quinn", f"/api/cases/{case['id']}").status_code == 200
    r = env.post(
        "quinn", f"/api/cases/{case['id']}/messages", {"direction": "outbound", "body": "hello"}
    )
    assert r.status_code == 403 and "case.write" in r.json()["message"]
    assert (
        env.post(
            "ana", "/api/policy", content=b"name: x", headers={"content-type": "application/yaml"}
        ).status_code
        == 403
    )
    # An agent of another team does not see the case at all.
    assert env.get("ben", f"/api/cases/{case['id']}").status_code == 404


def test_authority_limits_hold_whatever_the_client_sends(env: Env) -> None:
    case = open_case(env)
    r = env.post(
        "ana",
        f"/api/cases/{case['id']}/actions",
        {"action": "credit", "amount": 40, "reason": "goodwill"},
    )
    assert r.status_code == 201 and r.json()["outcome"] == "applied"
    r = env.post(
        "ana",
        f"/api/cases/{case['id']}/actions",
        {"action": "credit", "amount": 60, "reason": "goodwill"},
    )
    assert r.status_code == 202 and r.json()["approver_role"] == "senior_agent"
    # Claiming a role in the body is refused, not believed.
    r = env.post(
        "ana",
        f"/api/cases/{case['id']}/actions",
        {"action": "credit", "amount": 60, "reason": "x", "role": "director"},
    )
    assert r.status_code == 422
    r = env.post(
        "ana",
        f"/api/cases/{case['id']}/actions",
        {"action": "refund", "amount": "-5", "reason": "x"},
    )
    assert r.status_code == 422 and "positive" in r.json()["message"]
    # Nobody approves their own request.
    approval = r = env.get("max", "/api/approvals").json()["approvals"][0]
    assert (
        env.post(
            "ana", f"/api/approvals/{approval['id']}/decision", {"decision": "approve"}
        ).status_code
        == 403
    )


def test_pause_status_pauses_the_resolution_clock(env: Env) -> None:
    case = open_case(env)
    cid = case["id"]
    due_before = case["resolution_due"]
    r = env.post("ana", f"/api/cases/{cid}/status", {"status": "waiting_on_customer"})
    assert r.status_code == 200 and r.json()["status"] == "waiting_on_customer"
    assert r.json()["resolution_due"] is None  # paused: no known due instant
    env.clock.advance(timedelta(hours=3))
    r = env.post("ana", f"/api/cases/{cid}/status", {"status": "open"})
    assert r.json()["resolution_due"] > due_before  # moved by the paused business time
    r = env.post("ana", f"/api/cases/{cid}/status", {"status": "resolved"})
    assert r.status_code == 422 and "expected one of" in r.json()["message"]


def test_consult_keeps_the_owner(env: Env) -> None:
    case = open_case(env)
    r = env.post(
        "ana",
        f"/api/cases/{case['id']}/consults",
        {"expert": "eli", "question": "Is the report job failing in the backend?"},
    )
    assert r.status_code == 201
    assert r.json()["owner"] == "ana" and "eli" in r.json()["state"]["collaborators"]
    assert env.get("eli", f"/api/cases/{case['id']}").status_code == 200  # collaborators see it


def test_resolve_close_reopen(env: Env) -> None:
    case = open_case(env)
    cid = case["id"]
    r = env.post("ana", f"/api/cases/{cid}/close", {"closure": "customer_accepted"})
    assert r.status_code == 409  # only resolved cases can be customer-accepted
    r = env.post(
        "ana",
        f"/api/cases/{cid}/resolve",
        {"summary": "Re-ran the report job", "root_cause": "nope"},
    )
    assert r.status_code == 422 and "unknown root cause" in r.json()["message"]
    r = env.post(
        "ana",
        f"/api/cases/{cid}/resolve",
        {"summary": "Re-ran the report job", "root_cause": "product_defect"},
    )
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    assert r.json()["next_due_at"] is None or r.json()["resolution_due"] is None
    env.clock.advance(timedelta(days=2))
    r = env.post("ana", f"/api/cases/{cid}/reopen", {"reason": "Empty again"})
    assert r.status_code == 200 and r.json()["reopen_count"] == 1
    events_ = env.get("ana", f"/api/cases/{cid}/timeline").json()["events"]
    reopened = [e for e in events_ if e["kind"] == "reopened"]
    assert len(reopened) == 1 and reopened[0]["data"]["repeat_escalation"] is True
    env.post("ana", f"/api/cases/{cid}/resolve", {"summary": "Fixed the job schedule"})
    r = env.post(
        "ana", f"/api/cases/{cid}/close", {"closure": "process_closed", "reason": "no reply"}
    )
    assert r.status_code == 200 and r.json()["closure"] == "process_closed"
    assert (
        env.post("ana", f"/api/cases/{cid}/close", {"closure": "process_closed"}).status_code == 409
    )


def test_customer_asking_for_a_manager_is_acknowledged_before_any_transfer(env: Env) -> None:
    """R-COMM-5: acknowledgement first, then a specific commitment, then the escalation."""
    case = open_case(env)
    cid = case["id"]
    r = env.post(
        "ana",
        f"/api/cases/{cid}/messages",
        {"direction": "inbound", "body": "This is useless. I want to speak to a manager."},
    )
    body = r.json()
    assert body["state"]["pending_transfer"] is None  # no transfer before the acknowledgement
    assert body["communication_due"] is not None  # the acknowledgement is due (15 minutes)
    events = env.get("ana", f"/api/cases/{cid}/timeline").json()["events"]
    fired = [
        e
        for e in events
        if e["kind"] == "trigger_fired" and e["data"]["rule_id"] == "customer_asks_for_manager"
    ]
    assert fired and fired[0]["data"]["deferred"] == "acknowledgement required"
    # A manual customer-initiated escalation is refused until the customer is acknowledged.
    r = env.post(
        "ana",
        f"/api/cases/{cid}/escalations",
        {
            "type": "customer_initiated",
            "reason": "asked for a manager",
            "to_team": "escalations_desk",
        },
    )
    assert r.status_code == 409 and "acknowledge them first" in r.json()["message"]
    due = (env.clock.now() + timedelta(hours=2)).isoformat()
    r = env.post(
        "ana",
        f"/api/cases/{cid}/acknowledge",
        {
            "message": "I understand, and I am sorry it has taken this long.",
            "commitment": {"by": "cora", "due_at": due},
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"]["pending_transfer"]  # now the escalation proceeds
    esc = env.get("ana", f"/api/cases/{cid}").json()["escalations"][0]
    assert (esc["type"], esc["automatic"], esc["to_team"]) == (
        "customer_initiated",
        True,
        "escalations_desk",
    )
    assert esc["explanation"]["policy_version"] == env.rt.active().version
    comms = env.get("ana", f"/api/cases/{cid}/communications").json()["communications"]
    kinds = {c["kind"]: c["status"] for c in comms}
    assert kinds["acknowledgement"] == "met"
    assert kinds["commitment"] == "pending"  # Cora must contact the customer within 2 hours
    assert (
        env.post(
            "ana", f"/api/cases/{cid}/acknowledge", {"commitment": {"by": "cora", "due_at": due}}
        ).status_code
        == 409
    )


def test_policy_endpoints(env: Env) -> None:
    r = env.get(
        "ana",
        "/api/policy/explain",
        params={"contact_type": "billing_dispute", "severity": "S2", "account_value": "vip"},
    )
    assert r.status_code == 200 and r.json()["clocks"] and r.json()["why"]
    assert env.get("ana", "/api/policy/explain", params={"contact_type": "x"}).status_code == 422
    text = env.rt.active().source_text
    bad = text.replace("warning_fractions: [0.5, 0.75, 0.9]", "warning_fractions: [0.5, 1.5]")
    r = env.client.post(
        "/api/policy",
        content=bad.encode(),
        headers={**env.auth("root"), "content-type": "application/yaml"},
    )
    assert r.status_code == 422 and r.json()["details"]
    assert "warning_fractions" in str(r.json()["details"])
    version = env.rt.active().version
    changed = text.replace("max_time_in_tier: 6h", "max_time_in_tier: 5h")
    r = env.client.post(
        "/api/policy",
        content=changed.encode(),
        headers={**env.auth("root"), "content-type": "application/yaml"},
    )
    assert r.status_code == 201 and r.json()["version"] != version
    assert env.get("root", "/api/policy").json()["version"] == r.json()["version"]


def test_ops_endpoints(env: Env) -> None:
    open_case(env)
    assert env.client.get("/healthz").json()["status"] == "ok"
    metrics = env.client.get("/metrics").text
    assert 'tierline_cases{status="open"} 1.0' in metrics
    spec = env.client.get("/openapi.json").json()
    assert "/api/cases/{case_id}/escalations" in spec["paths"]
    assert env.client.get("/docs").status_code == 200
    page = env.client.get("/", cookies={"tierline_token": env.tokens["sue"]})
    assert page.status_code == 200 and "Open escalations" in page.text


def test_a_new_case_reads_the_same_whether_its_row_is_written_once_or_twice(env: Env) -> None:
    """``new_case`` writes the row once, complete; the repeat-contact path inserts it and then
    updates it. Answers, stored rows and events agree, escalation at opening included (the owner
    aside: the least loaded member gets the second case)."""
    stories: list[dict[str, object]] = [
        {},
        {"contact_type": "outage", "severity": "S1"},
        {"description": "Useless. I want to speak to a manager now!"},
        {"value": "strategic"},
        {"affected_customers": 25},  # escalated at once, to on-call engineering
    ]
    volatile = {"id", "case_ref", "audit_head"}

    def same(value: object, *names: tuple[object, str]) -> str:
        text = json.dumps(value, sort_keys=True)
        for name, placeholder in names:
            text = text.replace(str(name), placeholder)
        return re.sub(r'"id": \d+', '"id": "<n>"', text)  # handoffs' and approvals' ids

    for n, story in enumerate(stories):
        seen = []
        for new_case in (False, True):
            account = f"acct-{n}-{new_case}"  # another account: no earlier escalation to repeat
            body = {k: v for k, v in story.items() if k != "value"}
            body["account"] = {"id": account, "name": "A", "value": story.get("value", "standard")}
            out = open_case(env, new_case=new_case, **body)
            got = env.get("root", f"/api/cases/{out['id']}").json()
            with env.rt.uow(readonly=True) as uow:
                timeline = uow.events.timeline(out["id"])
            seen.append(
                same(
                    [
                        {k: v for k, v in out.items() if k not in volatile},
                        {k: v for k, v in got.items() if k not in volatile},
                        [(e["kind"], e["data"], e["before"], e["after"]) for e in timeline],
                    ],
                    (f'"{out["owner"]}"', '"<owner>"'),
                    (account, "<account>"),
                    (f"E{out['id']}-", "E<case>-"),  # escalation ids
                    (f'"case_id": {out["id"]},', '"case_id": "<case>",'),
                )
            )
        assert seen[0] == seen[1], story
    with env.rt.uow(readonly=True) as uow:
        assert list(uow.events.verify()) == []


def test_the_next_id_read_gives_the_account_as_the_repository_does(env: Env) -> None:
    """next_id_with_account reads through the driver (SQLite: dates as text); the account must
    come out exactly as the repository's own read gives it."""
    dated = Account(
        id="dated",
        name="Dated Ltd",
        segment=Segment.ENTERPRISE,
        value=AccountValue.STRATEGIC,
        industry="retail",
        region="EMEA",
        customer_since=date(2020, 1, 2),
        renewal_date=date(2027, 3, 4),
        account_manager="max",
    )
    with env.rt.uow() as uow:
        uow.accounts.upsert(dated, env.clock.now())
        uow.commit()
    with env.rt.uow() as uow:
        got = uow.cases.next_id_with_account("dated").account
        assert got == dated == uow.accounts.get("dated")
        assert uow.cases.next_id_with_account("nobody").account is None
