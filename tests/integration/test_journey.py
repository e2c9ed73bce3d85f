"""A new user's journey through the API, on SQLite and PostgreSQL.

A VIP account disputes a charge. The front line cannot credit that much, so the case is escalated
to billing; the first handoff is refused for a missing field, the second is complete; billing
accepts, asks for a credit above its own limit, a supervisor approves it, billing resolves the
case, and the timeline and the audit chain show every step.
"""

from __future__ import annotations

from datetime import timedelta

from tierline.store.eventlog import EventLog

from .conftest import Env


def test_vip_billing_dispute_goes_from_t1_to_billing_with_approval(env: Env) -> None:
    r = env.post(
        "ana",
        "/api/cases",
        {
            "contact_type": "billing_dispute",
            "subject": "Charged twice for November",
            "description": "We were invoiced twice for the November licence, 1,800 EUR too much.",
            "channel": "email",
            "account": {
                "id": "globex",
                "name": "Globex",
                "segment": "enterprise",
                "value": "vip",
                "renewal_date": "2027-01-15",
                "account_manager": "max",
            },
            "contact": {"name": "Hank Scorpio", "email": "hank@globex.test"},
        },
    )
    assert r.status_code == 201, r.text
    case = r.json()
    cid = case["id"]
    assert (case["tier"], case["team"], case["owner"]) == ("T1", "frontline", "ana")
    assert case["priority"] <= 2  # VIP raises priority above an S3's base
    assert case["first_response_due"] and case["next_due_at"]

    # Ana answers, then tries a credit above her limit (agent: 50 EUR): an approval is opened.
    assert (
        env.post(
            "ana",
            f"/api/cases/{cid}/messages",
            {"direction": "outbound", "body": "We are looking into the double charge."},
        ).status_code
        == 201
    )
    r = env.post(
        "ana",
        f"/api/cases/{cid}/actions",
        {"action": "credit", "amount": 1800, "reason": "duplicate invoice"},
    )
    assert r.status_code == 202, r.text
    assert r.json()["outcome"] == "approval_requested"
    assert r.json()["approver_role"] == "support_manager"  # lowest role covering 1,800 EUR

    # She escalates to billing (functional); the first handoff lacks the customer's urgency.
    r = env.post(
        "ana",
        f"/api/cases/{cid}/escalations",
        {"type": "functional", "reason": "Invoice correction needs billing", "to_team": "billing"},
    )
    assert r.status_code == 201, r.text
    esc = r.json()["escalation_id"]
    handoff = {
        "issue_summary": "Customer says: 'we were invoiced twice for November'",
        "steps_taken": "Checked the invoice list: two identical invoices on 1 Nov",
        "reason": "T1 cannot void invoices or credit above 50 EUR",
        "customer_told": "Billing will correct it within one business day",
        "emotional_state": "frustrated",
    }
    r = env.post("ana", f"/api/cases/{cid}/handoffs", handoff)
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["details"]] == ["stated_urgency"]
    # Billing cannot accept before the handoff is complete.
    assert env.post("fay", f"/api/cases/{cid}/accept", {}).status_code == 409
    r = env.post(
        "ana",
        f"/api/cases/{cid}/handoffs",
        {**handoff, "stated_urgency": "month-end close on Friday"},
    )
    assert r.status_code == 201, r.text

    # Someone outside billing may not accept (a supervisor who can see the case: 403; an agent
    # of another team cannot even see it: 404); Fay in billing may.
    assert env.post("sue", f"/api/cases/{cid}/accept", {}).status_code == 403
    assert env.post("ben", f"/api/cases/{cid}/accept", {}).status_code == 404
    # Naming an escalation that is not the pending one is a conflict with the case, not a refusal
    # of who asks.
    r = env.post("fay", f"/api/cases/{cid}/accept", {"escalation_id": "not-this-one"})
    assert r.status_code == 409 and "is not the pending one" in r.json()["message"], r.text
    env.clock.advance(timedelta(minutes=20))
    r = env.post("fay", f"/api/cases/{cid}/accept", {"escalation_id": esc})
    assert r.status_code == 200, r.text
    assert (r.json()["owner"], r.json()["team"], r.json()["tier"]) == ("fay", "billing", "T2")

    # The approval: a supervisor's limit (1,000) does not cover it; the support manager's does.
    approval = env.get("max", "/api/approvals").json()["approvals"][0]
    assert approval["amount"] == "1800.00"
    r = env.post("sue", f"/api/approvals/{approval['id']}/decision", {"decision": "approve"})
    assert r.status_code == 403
    r = env.post(
        "max",
        f"/api/approvals/{approval['id']}/decision",
        {"decision": "approve", "note": "duplicate confirmed"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    # Deciding twice is refused.
    assert (
        env.post(
            "max", f"/api/approvals/{approval['id']}/decision", {"decision": "deny"}
        ).status_code
        == 409
    )

    r = env.post(
        "fay",
        f"/api/cases/{cid}/resolve",
        {
            "summary": "Voided the duplicate invoice and credited 1,800 EUR",
            "root_cause": "product_defect",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "resolved"

    events = env.get("sue", f"/api/cases/{cid}/timeline").json()["events"]
    kinds = [e["kind"] for e in events]
    for expected in (
        "opened",
        "message",
        "approval_requested",
        "escalated",
        "handoff_recorded",
        "accepted",
        "approval_decided",
        "action_applied",
        "resolved",
    ):
        assert expected in kinds, f"{expected} missing from {kinds}"
    accepted = next(e for e in events if e["kind"] == "accepted")
    assert accepted["data"]["waited_seconds"] == 20 * 60
    assert accepted["before"]["owner"] == "ana" and accepted["after"]["owner"] == "fay"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))

    with env.rt.uow(readonly=True) as uow:
        assert list(EventLog(uow.conn).verify()) == []
