"""Inbound e-mail on both backends: a reply threads into its case (by reference headers, or by
the subject token from the right sender), a new message opens a case, a repeat contact is
counted, a duplicate adds nothing, malformed mail is refused with a reason and nothing stored;
and the command line over files, stdin and a Maildir."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from tierline.channels.log import LogChannel
from tierline.channels.smtp import SMTPChannel
from tierline.mail.ingest import ingest
from tierline.store.tables import accounts, cases, events, mail_messages, outbox
from tierline.worker.runner import Worker

from .conftest import PG_URL, Env
from .mailserver import smtp_server
from .test_use_cases import open_case


def mail(
    body: str = "Our monthly export stops at 10,000 rows.",
    *,
    sender: str = "Hank Scorpio <hank@globex.example>",
    subject: str = "Export stops at 10,000 rows",
    message_id: str = "<m1@globex.example>",
    **headers: str,
) -> bytes:
    head = {
        "From": sender,
        "To": "support@acme.test",
        "Subject": subject,
        "Message-ID": message_id,
        "Date": "Mon, 23 Nov 2026 10:00:00 +0100",
        **{k.replace("_", "-"): v for k, v in headers.items()},
    }
    return ("\r\n".join(f"{k}: {v}" for k, v in head.items()) + "\r\n\r\n" + body).encode()


def stored(env: Env) -> tuple[int, ...]:
    with env.rt.uow(readonly=True) as uow:
        return tuple(
            int(uow.conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (cases, events, mail_messages, accounts, outbox)
        )


def inbound(env: Env, case_id: int) -> list[dict]:
    timeline = env.get("max", f"/api/cases/{case_id}/timeline").json()["events"]
    return [e for e in timeline if e["kind"] == "message" and e["data"]["direction"] == "inbound"]


def test_a_new_mail_opens_a_case(env: Env) -> None:
    result = ingest(env.rt, mail(subject="Fwd: Export stops at 10,000 rows"), source="test")
    assert result.action == "opened" and result.case_id is not None
    case = env.get("max", f"/api/cases/{result.case_id}").json()
    assert case["contact_email"] == "hank@globex.example" and case["contact_name"] == "Hank Scorpio"
    assert case["account_id"] == "globex.example"  # a new sender's account is their domain
    assert case["channel"] == "email" and case["source"] == "email"
    assert case["contact_type"] == "how_to"  # communication.inbound_contact_type
    assert case["subject"] == "Export stops at 10,000 rows"
    assert case["description"] == "Our monthly export stops at 10,000 rows."
    with env.rt.uow(readonly=True) as uow:
        assert uow.mail.thread(result.case_id) == [("<m1@globex.example>", "in")]


def test_a_nul_character_in_mail_is_kept_as_a_replacement_character(env: Env) -> None:
    """PostgreSQL cannot store U+0000 (a broken mail client's NUL failed the whole ingest there,
    so the provider would retry and bounce it); the customer's mail is stored on both backends,
    each NUL shown as U+FFFD."""
    raw = mail(
        "Export\x00 stops", subject="Rows\x00 missing", message_id="<n\x00ul@globex.example>"
    )
    result = ingest(env.rt, raw, source="test")
    assert result.action == "opened" and result.case_id is not None
    case = env.get("max", f"/api/cases/{result.case_id}").json()
    assert (case["subject"], case["description"]) == ("Rows\ufffd missing", "Export\ufffd stops")
    again = ingest(env.rt, raw, source="test")
    assert again.action == "duplicate" and again.case_id == result.case_id


def test_a_known_contact_keeps_their_account(env: Env) -> None:
    first = open_case(env, contact={"name": "Peter", "email": "peter@initech.test"})
    assert first["account_id"] == "initech"
    result = ingest(env.rt, mail(sender="peter@initech.test", subject="Other thing"), source="t")
    assert result.action in ("opened", "linked_repeat")
    assert env.get("max", f"/api/cases/{result.case_id}").json()["account_id"] == "initech"


def test_a_reply_to_a_real_email_threads_into_its_case(env: Env) -> None:
    """Out through the worker to a real SMTP server, back in as the customer's mail client
    would reply: In-Reply-To and References, no case token in the subject."""
    case = open_case(env, contact={"name": "Hank", "email": "hank@globex.example"})
    r = env.post(
        "ana",
        f"/api/cases/{case['id']}/communications",
        {"kind": "daily_update", "text": "We reproduced it and are testing a fix."},
    )
    assert r.status_code == 201, r.text
    with smtp_server() as box:
        settings = replace(
            env.rt.settings, smtp_host="127.0.0.1", smtp_port=box.port, mail_from="s@acme.test"
        )
        Worker(env.rt, channels={"email": SMTPChannel(settings), "log": LogChannel()}).tick()
        [sent] = box.received
    ours = sent.message
    reply = mail(
        "It works now, thank you!\n\nOn Mon, 23 Nov 2026, Acme Support <s@acme.test> wrote:\n"
        "> We reproduced it and are testing a fix.\n",
        subject="Re: your export problem",  # the token was edited away
        message_id="<hank-reply-1@globex.example>",
        In_Reply_To=str(ours["Message-ID"]),
        References=str(ours["Message-ID"]),
    )
    result = ingest(env.rt, reply, source="test")
    assert (result.action, result.case_id) == ("threaded", case["id"])
    assert "reference headers" in result.reason
    [msg] = inbound(env, case["id"])
    assert msg["data"]["body"] == "It works now, thank you!" and msg["actor"] == "customer"

    # A later reply that only references the customer's own earlier mail threads too.
    again = mail(
        "One more question.",
        subject="Re: your export problem",
        message_id="<hank-reply-2@globex.example>",
        References="<hank-reply-1@globex.example>",
    )
    assert ingest(env.rt, again, source="test").case_id == case["id"]


def test_the_subject_token_threads_only_for_the_contact_or_a_colleague(env: Env) -> None:
    case = open_case(env, contact={"name": "Hank", "email": "hank@globex.example"})
    token = f"Re: [TL-{case['id']}] Export"
    by_contact = ingest(env.rt, mail(subject=token, message_id="<a@x>"), source="t")
    assert (by_contact.action, by_contact.case_id) == ("threaded", case["id"])
    colleague = mail(sender="sally@globex.example", subject=token, message_id="<b@x>")
    assert ingest(env.rt, colleague, source="t").case_id == case["id"]

    stranger = ingest(
        env.rt, mail(sender="mallory@evil.example", subject=token, message_id="<c@x>"), source="t"
    )
    assert stranger.action == "opened" and stranger.case_id != case["id"]
    assert len(inbound(env, case["id"])) == 2  # nothing written into someone else's case


def test_a_shared_free_mail_domain_proves_nothing(env: Env) -> None:
    case = open_case(
        env, account={"id": "hank", "name": "Hank"}, contact={"name": "H", "email": "h@gmail.com"}
    )
    other = mail(sender="eve@gmail.com", subject=f"[TL-{case['id']}] hi", message_id="<e@x>")
    result = ingest(env.rt, other, source="t")
    assert result.action == "opened" and result.case_id != case["id"]
    # ... and a free-mail sender is an account of their own, not "gmail.com".
    assert env.get("max", f"/api/cases/{result.case_id}").json()["account_id"] == "eve@gmail.com"


def test_a_repeat_contact_is_counted_on_the_open_case(env: Env) -> None:
    first = ingest(env.rt, mail(), source="t")
    again = ingest(
        env.rt,
        mail("Still nothing? This is the third week!", message_id="<m2@globex.example>"),
        source="t",
    )
    assert first.action == "opened"
    assert (again.action, again.case_id) == ("linked_repeat", first.case_id)
    assert env.get("max", f"/api/cases/{first.case_id}").json()["repeat_contacts"] == 1
    with env.rt.uow(readonly=True) as uow:
        assert [d for _, d in uow.mail.thread(first.case_id)] == ["in", "in"]


def test_the_same_message_twice_adds_nothing(env: Env) -> None:
    first = ingest(env.rt, mail(), source="t")
    before = stored(env)
    again = ingest(env.rt, mail(), source="t")
    assert (again.action, again.case_id) == ("duplicate", first.case_id)
    assert stored(env) == before


def test_malformed_mail_is_refused_and_nothing_is_stored(env: Env) -> None:
    before = stored(env)
    for raw, why in [
        (b"not a mail at all", "not an e-mail"),
        (mail(sender="Hank"), "no usable address"),
        (mail(""), "no body"),
        (b"Subject: hi\r\n\r\nbody", "no From header"),
        (mail("x" * 11_000_000), "the limit is 10 MB"),
    ]:
        result = ingest(env.rt, raw, source="t")
        assert result.action == "rejected" and why in result.reason, result
    assert stored(env) == before


def test_auto_replies_are_ignored(env: Env) -> None:
    before = stored(env)
    result = ingest(env.rt, mail("Out of office.", Auto_Submitted="auto-replied"), source="t")
    assert result.action == "ignored" and "Auto-Submitted" in result.reason
    assert stored(env) == before


def test_a_reply_to_a_long_closed_case_opens_a_new_one(env: Env) -> None:
    first = ingest(env.rt, mail(), source="t")
    assert first.case_id is not None
    env.post("max", f"/api/cases/{first.case_id}/close", {"closure": "process_closed"})
    env.clock.advance(timedelta(days=30))  # past the reopen window (14 days)
    late = mail(
        "Back again.",
        subject=f"Re: [TL-{first.case_id}] Export",
        message_id="<late@globex.example>",
        In_Reply_To="<m1@globex.example>",
    )
    result = ingest(env.rt, late, source="t")
    assert result.action == "opened" and result.case_id != first.case_id
    assert "closed too long ago" in result.reason


# ----------------------------------------------------------------------------- the command line


def database_url(engine: Engine, backend: str) -> str:
    if backend == "sqlite":
        return str(engine.url)
    with engine.connect() as conn:
        schema = conn.exec_driver_sql("select current_schema()").scalar_one()
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


def cli(url: str, *args: str, stdin: bytes = b"", cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERLINE_")}
    env["TIERLINE_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "tierline.cli.main", "mail", "ingest", *args],
        input=stdin.decode(),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_files_and_stdin(env: Env, engine: Engine, backend: str, tmp_path: Path) -> None:
    url = database_url(engine, backend)
    (tmp_path / "a.eml").write_bytes(mail())
    (tmp_path / "b.eml").write_bytes(mail("Any news?", message_id="<m2@globex.example>"))
    (tmp_path / "bad.eml").write_bytes(b"hello")
    r = cli(url, "a.eml", "b.eml", "bad.eml", "a.eml", cwd=tmp_path)
    assert r.returncode == 1, r.stderr  # one was rejected
    lines = r.stdout.splitlines()
    assert lines[0].startswith("a.eml: opened case ")
    assert lines[1].startswith("b.eml: linked_repeat case ")
    assert lines[2] == (
        "bad.eml: rejected: not an e-mail: the input does not start with header lines such "
        "as 'From: ...'"
    )
    assert lines[3].startswith("a.eml: duplicate case ")
    assert "4 messages: 1 duplicate, 1 linked_repeat, 1 opened, 1 rejected" in r.stderr

    r = cli(url, "-", stdin=mail(sender="x@initech.test", message_id="<s@x>"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("<stdin>: opened case ")


def test_cli_maildir(env: Env, engine: Engine, backend: str, tmp_path: Path) -> None:
    box = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (box / sub).mkdir(parents=True)
    (box / "new" / "1700000001.M1P1.host").write_bytes(mail())
    (box / "new" / "1700000002.M2P1.host").write_bytes(b"garbage")
    (box / "new" / "1700000003.M3P1.host").write_bytes(
        mail("I am away", message_id="<ooo@x>", Auto_Submitted="auto-replied")
    )
    url = database_url(engine, backend)
    r = cli(url, "--maildir", str(box), cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "1700000001.M1P1.host: opened case" in r.stdout
    assert "1700000003.M3P1.host: ignored" in r.stdout
    assert sorted(p.name for p in (box / "cur").iterdir()) == [
        "1700000001.M1P1.host:2,S",
        "1700000003.M3P1.host:2,S",
    ]
    assert [p.name for p in (box / ".Rejected" / "cur").iterdir()] == ["1700000002.M2P1.host:2,"]
    assert not list((box / "new").iterdir())
    r = cli(url, "--maildir", str(box), cwd=tmp_path)  # nothing left to do
    assert r.returncode == 0 and "0 messages: none" in r.stderr
    r = cli(url, "--maildir", str(tmp_path), cwd=tmp_path)
    assert r.returncode == 1 and "is not a Maildir" in r.stderr
