"""Signed customer links on both backends: the page never acts on GET; confirm closes a resolved
case as customer-accepted, reopen reopens it, rate stores a post-escalation survey answer; each
link works once, expires on the (fake) clock, and refuses any edit, with nothing changed."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tierline.config import Settings
from tierline.service import links
from tierline.service.links import LinkSecretMissing, make_link, verify_link
from tierline.store.tables import events, link_uses, surveys

from .conftest import Env
from .test_use_cases import open_case

KEY = "k" * 40


@pytest.fixture
def keyed(env: Env) -> Env:
    env.rt.settings = replace(env.rt.settings, secret_key=KEY)
    return env


def resolved_case(env: Env) -> int:
    case_id = int(open_case(env, contact={"name": "Hank", "email": "hank@globex.example"})["id"])
    r = env.post("ana", f"/api/cases/{case_id}/resolve", {"summary": "Raised the row limit."})
    assert r.status_code == 200, r.text
    return case_id


def link(env: Env, case_id: int, purpose: str, ttl: timedelta = timedelta(days=7)) -> str:
    url = make_link(env.rt.settings, case_id, purpose, env.rt.now(), ttl)
    assert url.startswith(env.rt.settings.public_url + "/c/")
    return url.removeprefix(env.rt.settings.public_url)


def case(env: Env, case_id: int) -> dict[str, Any]:
    return dict(env.get("max", f"/api/cases/{case_id}").json())


def event_count(env: Env) -> int:
    with env.rt.uow(readonly=True) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(events)).scalar_one())


def test_confirm_closes_as_customer_accepted_once(keyed: Env) -> None:
    env = keyed
    case_id = resolved_case(env)
    path = link(env, case_id, "confirm")
    page = env.client.get(path)
    assert page.status_code == 200 and 'method="post"' in page.text
    assert "Yes, my issue is resolved" in page.text and f"TL-{case_id}" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Frame-Options"] == "DENY"
    env.client.get(path)  # a mail scanner opening the link twice changes nothing
    assert case(env, case_id)["status"] == "resolved"

    done = env.client.post(path, content="comment=Thanks!", headers=_form())
    assert done.status_code == 200 and "Your case is now closed" in done.text
    closed = case(env, case_id)
    assert closed["status"] == "closed" and closed["closure"] == "customer_accepted"
    timeline = env.get("max", f"/api/cases/{case_id}/timeline").json()["events"]
    [ev] = [e for e in timeline if e["kind"] == "closed"]
    assert ev["actor"] == "customer" and ev["data"]["closure"] == "customer_accepted"

    before = event_count(env)
    again = env.client.post(path, content="", headers=_form())
    assert again.status_code == 409 and "already been used" in again.text
    assert env.client.get(path).status_code == 409
    assert event_count(env) == before


def _form() -> dict[str, str]:
    return {"Content-Type": "application/x-www-form-urlencoded"}


def test_confirm_of_a_case_that_is_not_resolved_changes_nothing(keyed: Env) -> None:
    env = keyed
    case_id = int(open_case(env)["id"])
    path = link(env, case_id, "confirm")
    before = event_count(env)
    r = env.client.post(path, content="", headers=_form())
    assert r.status_code == 409 and "nothing to confirm" in r.text
    assert case(env, case_id)["status"] == "open" and event_count(env) == before
    with env.rt.uow(readonly=True) as uow:  # the link was not spent on a refusal
        assert uow.conn.execute(select(func.count()).select_from(link_uses)).scalar_one() == 0


def test_reopen_within_the_window(keyed: Env) -> None:
    env = keyed
    case_id = resolved_case(env)
    path = link(env, case_id, "reopen", timedelta(days=14))
    env.clock.advance(timedelta(days=3))
    r = env.client.post(path, content="reason=It+fails+again+since+the+update", headers=_form())
    assert r.status_code == 200 and "open again" in r.text
    row = case(env, case_id)
    assert row["status"] == "open" and row["reopen_count"] == 1
    timeline = env.get("max", f"/api/cases/{case_id}/timeline").json()["events"]
    [ev] = [e for e in timeline if e["kind"] == "reopened"]
    assert ev["actor"] == "customer" and ev["data"]["repeat_escalation"] is True
    assert ev["data"]["reason"] == "It fails again since the update"
    assert env.client.post(path, content="", headers=_form()).status_code == 409


def test_rate_stores_a_post_escalation_survey(keyed: Env) -> None:
    env = keyed
    case_id = resolved_case(env)
    path = link(env, case_id, "rate", timedelta(days=30))
    assert "How did we handle your escalation?" in env.client.get(path).text
    missing = env.client.post(path, content="comment=great", headers=_form())
    assert missing.status_code == 422 and "choose a rating" in missing.text
    wrong = env.client.post(path, content="rating=9", headers=_form())
    assert wrong.status_code == 422
    r = env.client.post(path, content="rating=4&comment=Quick+and+clear", headers=_form())
    assert r.status_code == 200 and "Thank you for your rating" in r.text
    answers = env.get("max", f"/api/cases/{case_id}/surveys").json()["surveys"]
    assert [(a["kind"], a["rating"], a["comment"]) for a in answers] == [
        ("post_escalation", 4, "Quick and clear")
    ]
    timeline = env.get("max", f"/api/cases/{case_id}/timeline").json()["events"]
    [ev] = [e for e in timeline if e["kind"] == "survey_answered"]
    assert ev["data"]["rating"] == 4 and ev["data"]["survey_id"] == answers[0]["id"]
    assert env.client.post(path, content="rating=1", headers=_form()).status_code == 409
    with env.rt.uow(readonly=True) as uow:
        assert uow.conn.execute(select(func.count()).select_from(surveys)).scalar_one() == 1


def test_a_nul_character_in_a_comment_is_kept_as_a_replacement_character(keyed: Env) -> None:
    """PostgreSQL cannot store U+0000 (the rating failed there with a server error); the
    customer's answer is stored on both backends, the NUL shown as U+FFFD."""
    case_id = resolved_case(keyed)
    path = link(keyed, case_id, "rate", timedelta(days=30))
    r = keyed.client.post(path, content="rating=5&comment=Fast%00+fix", headers=_form())
    assert r.status_code == 200 and "Thank you for your rating" in r.text
    [answer] = keyed.get("max", f"/api/cases/{case_id}/surveys").json()["surveys"]
    assert answer["comment"] == "Fast\ufffd fix"


def test_surveys_are_visible_only_to_those_who_may_read_the_case(keyed: Env) -> None:
    case_id = resolved_case(keyed)
    assert keyed.get("eli", f"/api/cases/{case_id}/surveys").status_code == 404
    assert keyed.get("ana", f"/api/cases/{case_id}/surveys").status_code == 200


def test_an_expired_link_changes_nothing(keyed: Env) -> None:
    env = keyed
    case_id = resolved_case(env)
    path = link(env, case_id, "confirm", timedelta(days=7))
    env.clock.advance(timedelta(days=7, seconds=1))
    assert env.client.get(path).status_code == 410
    r = env.client.post(path, content="", headers=_form())
    assert r.status_code == 410 and "expired" in r.text
    assert case(env, case_id)["status"] == "resolved"


def _edit(token: str, index: int, value: str) -> str:
    parts = token.split(".")
    parts[index] = value
    return ".".join(parts)


def test_an_edited_or_forged_link_is_refused(keyed: Env) -> None:
    env = keyed
    case_id = resolved_case(env)
    other = int(open_case(env, new_case=True)["id"])
    token = link(env, case_id, "confirm").removeprefix("/c/")
    _, _, _, expires, _, mac = token.split(".")
    forged = [
        _edit(token, 1, str(other)),  # another case
        _edit(token, 2, "reopen"),  # another purpose
        _edit(token, 3, str(int(expires) + 86_400 * 365)),  # a longer life
        _edit(token, 4, "A" * 16),  # another nonce
        _edit(token, 5, mac[:-1] + ("A" if mac[-1] != "A" else "B")),  # another MAC
        token + ".x",
        "v1.not.a.link",
        "",
    ]
    other_key = replace(env.rt.settings, secret_key="another key entirely; 32 chars!")
    forged.append(
        make_link(other_key, case_id, "confirm", env.rt.now(), timedelta(days=1)).split("/c/")[1]
    )
    before = event_count(env)
    for bad in forged:
        r = env.client.post(f"/c/{bad}", content="", headers=_form())
        assert r.status_code in (403, 404, 405), bad  # "" is not even a route
        if r.status_code == 403:
            assert "not valid" in r.text
    assert case(env, case_id)["status"] == "resolved" and event_count(env) == before


def test_keys_rotate_without_breaking_sent_links(keyed: Env) -> None:
    env = keyed
    case_id = resolved_case(env)
    old = link(env, case_id, "rate")
    env.rt.settings = replace(env.rt.settings, secret_key=f"{'n' * 40},{KEY}")
    assert env.client.get(old).status_code == 200  # made with the old key, still valid
    fresh = make_link(env.rt.settings, case_id, "rate", env.rt.now(), timedelta(days=1))
    without_old = replace(env.rt.settings, secret_key="n" * 40)
    verify_link(without_old, fresh.split("/c/")[1], env.rt.now())  # signed with the new one


def test_sqlite_keeps_a_generated_key_file(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'desk.db'}")
    first = make_link(settings, 1, "confirm", _now(), timedelta(days=1))
    keyfile = tmp_path / "desk.db.secret-key"
    assert keyfile.exists() and stat.S_IMODE(os.stat(keyfile).st_mode) == 0o600
    links._KEYS.clear()  # a new process reads the same file
    verify_link(settings, first.split("/c/")[1], _now())


def _now() -> Any:
    from tierline.clock import SystemClock

    return SystemClock().now()


@pytest.mark.parametrize(
    "url", ["postgresql://tierline@db.internal/tierline", "sqlite:///:memory:", "sqlite://"]
)
def test_no_key_where_no_file_can_hold_one(url: str) -> None:
    with pytest.raises(LinkSecretMissing, match="TIERLINE_SECRET_KEY"):
        make_link(Settings(database_url=url), 1, "confirm", _now(), timedelta(days=1))


def test_a_short_key_is_refused() -> None:
    with pytest.raises(LinkSecretMissing, match="too short"):
        make_link(Settings(secret_key="abc"), 1, "confirm", _now(), timedelta(days=1))
