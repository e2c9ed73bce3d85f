"""Endpoints the stories reach only through the service, called through the API on both
backends: who am I, the policy's versions, assigning, flagging, cancelling a transfer, the
prefilled handoff, checking a resolution message, and the communication report."""

from __future__ import annotations

from typing import Any

from .conftest import Env
from .test_use_cases import open_case


def escalated(env: Env) -> dict[str, Any]:
    case = open_case(env)
    r = env.post(
        "ana",
        f"/api/cases/{case['id']}/escalations",
        {"type": "tier", "reason": "Needs the export service logs", "to_tier": "T2"},
    )
    assert r.status_code in (200, 201), r.text
    return case


def test_me_says_who_the_token_belongs_to(env: Env) -> None:
    me = env.get("sue", "/api/me").json()
    assert (me["handle"], me["role"], me["team"]) == ("sue", "supervisor", "frontline")
    assert "case.accept" in me["permissions"]
    assert env.client.get("/api/me").status_code == 401


def test_policy_versions_list_the_active_one(env: Env) -> None:
    versions = env.get("max", "/api/policy/versions").json()["versions"]
    active = [v for v in versions if v["active"]]
    assert (
        len(active) == 1 and active[0]["version"] == env.get("max", "/api/policy").json()["version"]
    )
    assert env.client.get("/api/policy/versions").status_code == 401


def test_assign_within_the_team_only(env: Env) -> None:
    case = open_case(env, "sue")
    other = "tom" if case["owner"] == "ana" else "ana"
    r = env.post("sue", f"/api/cases/{case['id']}/assign", {"owner": other})
    assert r.status_code == 200 and r.json()["owner"] == other
    r = env.post("sue", f"/api/cases/{case['id']}/assign", {"owner": "ben"})
    assert r.status_code == 422 and "escalate to move the case" in r.json()["message"]
    r = env.post("sue", f"/api/cases/{case['id']}/assign", {"owner": "nobody"})
    assert r.status_code == 422 and "unknown person 'nobody'" in r.json()["message"]
    assert env.post("quinn", f"/api/cases/{case['id']}/assign", {"owner": "ana"}).status_code == 403
    assert env.get("sue", f"/api/cases/{case['id']}").json()["owner"] == other


def test_flags_record_a_situation_and_refuse_unknown_ones(env: Env) -> None:
    case = open_case(env)
    r = env.post("ana", f"/api/cases/{case['id']}/flags", {"situation": "suspected_defect"})
    assert r.status_code == 200, r.text
    timeline = env.get("ana", f"/api/cases/{case['id']}/timeline").json()["events"]
    flagged = [e for e in timeline if e["kind"] == "flagged"]
    assert flagged and flagged[-1]["data"]["situation"] == "suspected_defect"
    r = env.post("ana", f"/api/cases/{case['id']}/flags", {"flag": "sparkles"})
    assert r.status_code == 422 and "unknown flag 'sparkles'" in r.json()["message"]
    r = env.post("ana", f"/api/cases/{case['id']}/flags", {})
    assert r.status_code == 422 and "nothing to flag" in r.json()["message"]


def test_a_pending_transfer_can_be_cancelled_once(env: Env) -> None:
    case = escalated(env)
    assert env.get("ana", f"/api/cases/{case['id']}").json()["state"]["pending_transfer"]
    r = env.post("ana", f"/api/cases/{case['id']}/transfer/cancel", {"reason": "Solved at T1"})
    assert r.status_code == 200, r.text
    assert r.json()["state"]["pending_transfer"] is None and r.json()["tier"] == "T1"
    again = env.post("ana", f"/api/cases/{case['id']}/transfer/cancel", {"reason": "again"})
    assert again.status_code == 409 and "no transfer is pending" in again.json()["message"]


def test_the_handoff_draft_is_prefilled_and_lists_what_is_missing(env: Env) -> None:
    case = escalated(env)
    out = env.get("ana", f"/api/cases/{case['id']}/handoffs/draft").json()
    assert out["draft"]["issue_summary"]  # prefilled from the case
    assert set(out["missing"]) <= set(out["fields"]) and out["missing"]
    assert 0 <= out["completeness"] < 1
    # The receiving team sees it; another team does not, as for the case itself.
    assert env.get("ben", f"/api/cases/{case['id']}/handoffs/draft").status_code == 200
    assert env.get("fay", f"/api/cases/{case['id']}/handoffs/draft").status_code == 404


def test_a_resolution_message_is_checked_without_being_sent(env: Env) -> None:
    case = open_case(env)
    before = env.get("ana", f"/api/cases/{case['id']}/timeline").json()["events"]
    partial = env.post(
        "ana", f"/api/cases/{case['id']}/resolution/check", {"what_was_done": "Raised the limit."}
    ).json()
    assert partial["complete"] is False and partial["missing"]
    whole = env.post(
        "ana",
        f"/api/cases/{case['id']}/resolution/check",
        {
            "what_was_done": "We removed the 10,000-row limit from exports.",
            "impact_acknowledged": "Your monthly report was incomplete for two months.",
            "root_cause": "An old safety limit on export size was never lifted.",
            "recurrence_prevention": "Exports are now tested at a million rows.",
            "apology": "We are sorry; the limit should not have been there.",
        },
    ).json()
    assert whole["complete"] is True and not whole["missing"]
    assert env.get("ana", f"/api/cases/{case['id']}/timeline").json()["events"] == before


def test_the_communication_report_needs_the_right_and_a_zoned_period(env: Env) -> None:
    open_case(env)
    r = env.get("max", "/api/reports/communication?by=team")
    assert r.status_code == 200, r.text
    assert env.get("ana", "/api/reports/communication").status_code == 403
    naive = env.get("max", "/api/reports/communication?since=2026-11-01T00:00:00")
    assert naive.status_code == 422 and "time zone" in naive.json()["message"]
    assert env.get("max", "/api/reports/communication?by=planet").status_code == 422
