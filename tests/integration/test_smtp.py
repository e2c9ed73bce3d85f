"""Customer e-mail through the real worker to a real SMTP server on loopback (aiosmtpd):
headers, AUTH, STARTTLS and implicit TLS, one session for many messages, 4xx retried with
backoff, 5xx to the dead letters (visible and retryable in the API)."""

from __future__ import annotations

import socket
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tierline.channels.base import DeliveryError
from tierline.channels.log import LogChannel
from tierline.channels.smtp import SMTPChannel
from tierline.config import Settings
from tierline.store.tables import outbox
from tierline.worker.runner import Worker

from .conftest import Env
from .mailserver import Mailbox, client_context, free_port, make_certificate, smtp_server


def mail_settings(env: Env, box: Mailbox | None, **over: Any) -> Settings:
    return replace(
        env.rt.settings,
        smtp_host="127.0.0.1",
        smtp_port=box.port if box else free_port(),
        mail_from="support@acme.test",
        mail_from_name="Acme Support",
        **over,
    )


def queue(env: Env, n: int = 1, **payload: Any) -> list[str]:
    """Queue ``n`` e-mails the way the service does (docs/outbox.md); returns their keys."""
    now = env.rt.now()
    tag = uuid.uuid4().hex[:8]
    rows = []
    for i in range(n):
        body = {
            "case_id": None,
            "kind": "update",
            "to": "hank@globex.example",
            "to_name": "Hank Scorpio",
            "subject": f"[TL-7] Update {i}",
            "text": f"Hello Hank,\nupdate number {i}.\n",
            "html": None,
            "message_id": f"<tl-7-{tag}{i}@acme.test>",
            "in_reply_to": None,
            "references": [],
            "reply_to": "support@acme.test",
            **payload,
        }
        rows.append(
            {
                "idempotency_key": f"test:{tag}:{i}",
                "case_id": None,
                "event_id": None,
                "kind": "customer_message",
                "channel": "email",
                "recipient": body["to"],
                "subject": body["subject"],
                "payload": body,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    with env.rt.uow() as uow:
        uow.outbox.add_many(rows)
        uow.commit()
    return [r["idempotency_key"] for r in rows]


def row(env: Env, key: str) -> dict[str, Any]:
    with env.rt.uow(readonly=True) as uow:
        found = uow.conn.execute(select(outbox).where(outbox.c.idempotency_key == key))
        return dict(found.mappings().one())


def worker(env: Env, channel: SMTPChannel) -> Worker:
    return Worker(env.rt, channels={"email": channel, "log": LogChannel()})


def test_an_email_arrives_with_its_threading_headers(env: Env) -> None:
    with smtp_server() as box:
        [key] = queue(
            env,
            subject="[TL-7] Your case has been escalated",
            text="Hello Hank,\nBen from the product specialists owns your case now. Grüße!\n",
            html="<p>Hello Hank,</p><p>Ben owns your case now.</p>",
            in_reply_to="<hank-2@globex.example>",
            references=["<hank-1@globex.example>", "<hank-2@globex.example>"],
            message_id="<tl-7-fixed@acme.test>",
        )
        result = worker(env, SMTPChannel(mail_settings(env, box))).tick()
        assert result.delivered == 1
        [got] = box.received
    msg = got.message
    assert got.mail_from == "support@acme.test" and got.rcpt_tos == ["hank@globex.example"]
    assert msg["From"] == "Acme Support <support@acme.test>"
    assert msg["To"] == "Hank Scorpio <hank@globex.example>"
    assert msg["Subject"] == "[TL-7] Your case has been escalated"
    assert msg["Message-ID"] == "<tl-7-fixed@acme.test>"
    assert msg["In-Reply-To"] == "<hank-2@globex.example>"
    assert msg["References"].split() == ["<hank-1@globex.example>", "<hank-2@globex.example>"]
    assert msg["Reply-To"] == "support@acme.test"
    assert msg["Date"] is not None
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Hello Hank,\nBen from") and "Grüße!" in text  # 7-bit, intact
    assert "Ben owns your case" in msg.get_body(("html",)).get_content()
    assert all(b < 128 for b in got.data)  # any relay takes it, 8BITMIME or not
    sent = row(env, key)
    assert sent["status"] == "sent" and sent["attempts"] == 1


def test_many_messages_share_one_session(env: Env) -> None:
    with smtp_server() as box:
        queue(env, 25)
        result = worker(env, SMTPChannel(mail_settings(env, box))).tick()
        assert result.delivered == 25
        assert len({r.session for r in box.received}) == 1
        assert len(set(box.message_ids())) == 25


def test_a_session_the_server_dropped_is_replaced_without_losing_the_message(env: Env) -> None:
    with smtp_server() as box:
        channel = SMTPChannel(mail_settings(env, box))
        w = worker(env, channel)
        queue(env, 1)
        w.tick()
        assert channel._conn is not None
        channel._conn.sock.shutdown(socket.SHUT_RDWR)  # as if the server had dropped it
        queue(env, 1)
        assert w.tick().delivered == 1
        assert box.count() == 2 and len({r.session for r in box.received}) == 2


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_auth_and_a_wrong_password(env: Env) -> None:
    with smtp_server(users={"tierline": "s3cret"}) as box:
        good = SMTPChannel(mail_settings(env, box, smtp_user="tierline", smtp_password="s3cret"))
        queue(env, 1)
        assert worker(env, good).tick().delivered == 1
        assert box.logins == ["tierline"]

        bad = SMTPChannel(mail_settings(env, box, smtp_user="tierline", smtp_password="nope"))
        [key] = queue(env, 1)
        assert worker(env, bad).tick().delivery_failures == 1
    failed = row(env, key)
    # The message is fine, the configuration is not: retried later, with the reason recorded.
    assert failed["status"] == "failed" and "refused the login" in failed["last_error"]
    assert "TIERLINE_SMTP_PASSWORD" in failed["last_error"]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


def test_starttls_with_auth(env: Env, certificate: tuple[Path, Path]) -> None:
    with smtp_server(users={"tierline": "s3cret"}, starttls=certificate) as box:
        settings = mail_settings(
            env, box, smtp_tls="starttls", smtp_user="tierline", smtp_password="s3cret"
        )
        channel = SMTPChannel(settings, ssl_context=client_context(certificate[0]))
        queue(env, 2)
        assert worker(env, channel).tick().delivered == 2
        assert box.count() == 2

        # Without trusting the certificate, TLS fails: retryable, and the reason is recorded.
        [key] = queue(env, 1)
        assert worker(env, SMTPChannel(settings)).tick().delivery_failures == 1
    assert "TLS with 127.0.0.1" in row(env, key)["last_error"]


def test_implicit_tls(env: Env, certificate: tuple[Path, Path]) -> None:
    with smtp_server(implicit_tls=certificate) as box:
        settings = mail_settings(env, box, smtp_tls="ssl")
        channel = SMTPChannel(settings, ssl_context=client_context(certificate[0]))
        queue(env, 1)
        assert worker(env, channel).tick().delivered == 1


def test_a_server_without_starttls_is_not_used_in_the_clear(env: Env) -> None:
    with smtp_server() as box:
        channel = SMTPChannel(mail_settings(env, box, smtp_tls="starttls"))
        [key] = queue(env, 1)
        assert worker(env, channel).tick().delivery_failures == 1
        assert box.count() == 0
    assert "does not offer STARTTLS" in row(env, key)["last_error"]


def test_4xx_is_retried_with_backoff_and_sent_once(env: Env) -> None:
    with smtp_server() as box:
        box.data_script = ["451 4.3.0 mailbox busy, try again later"]
        w = worker(env, SMTPChannel(mail_settings(env, box)))
        [key] = queue(env, 1)
        assert w.tick().delivery_failures == 1
        failed = row(env, key)
        assert failed["status"] == "failed" and "451" in failed["last_error"]
        assert failed["next_attempt_at"] > env.rt.now()  # backoff: not before its time
        assert w.tick().delivered == 0
        env.clock.advance(timedelta(seconds=6))
        assert w.tick().delivered == 1
        assert box.count() == 1
    sent = row(env, key)
    assert sent["status"] == "sent" and sent["attempts"] == 2


def test_connection_refused_is_retried(env: Env) -> None:
    channel = SMTPChannel(mail_settings(env, None))  # nothing listens on that port
    [key] = queue(env, 1)
    assert worker(env, channel).tick().delivery_failures == 1
    failed = row(env, key)
    assert failed["status"] == "failed" and "cannot connect" in failed["last_error"]


def test_5xx_goes_to_the_dead_letters_and_can_be_retried(env: Env) -> None:
    with smtp_server() as box:
        box.rcpt_script = ["550 5.1.1 no such user here"]
        w = worker(env, SMTPChannel(mail_settings(env, box)))
        [key] = queue(env, 1)
        [other] = queue(env, 1)
        result = w.tick()
        # The refusal reset the transaction; the next row went out in the same session.
        assert result.delivery_failures == 1 and result.delivered == 1
        dead = row(env, key)
        assert dead["status"] == "dead" and "550 5.1.1" in dead["last_error"]
        assert row(env, other)["status"] == "sent"

        listed = env.get("root", "/api/outbox?status=dead").json()["messages"]
        assert [m["idempotency_key"] for m in listed] == [key]
        assert "no such user" in listed[0]["last_error"]
        r = env.post("root", f"/api/outbox/{dead['id']}/retry")
        assert r.status_code == 200
        assert w.tick().delivered == 1
        assert box.count() == 2


def test_a_payload_that_cannot_be_an_email_is_a_dead_letter(env: Env) -> None:
    with smtp_server() as box:
        w = worker(env, SMTPChannel(mail_settings(env, box)))
        [no_to] = queue(env, 1, to="")
        [injected] = queue(env, 1, subject="Hi\r\nBcc: everyone@example.com")
        w.tick()
        assert box.count() == 0
    assert row(env, no_to)["status"] == "dead"
    assert row(env, injected)["status"] == "dead"
    assert "cannot become an e-mail" in row(env, injected)["last_error"]


def test_an_unknown_tls_mode_is_refused_at_start(env: Env) -> None:
    with pytest.raises(ValueError, match="TIERLINE_SMTP_TLS"):
        SMTPChannel(mail_settings(env, None, smtp_tls="tls"))


def test_delivery_error_classification_of_a_closed_session(env: Env) -> None:
    """A 421 (the server is closing) is retryable and drops the session."""
    with smtp_server() as box:
        box.data_script = ["421 4.3.2 shutting down"]
        channel = SMTPChannel(mail_settings(env, box))
        [key] = queue(env, 1)
        with env.rt.uow(readonly=True) as uow:
            r = dict(
                uow.conn.execute(select(outbox).where(outbox.c.idempotency_key == key))
                .mappings()
                .one()
            )
        with pytest.raises(DeliveryError) as err:
            channel.deliver(r)
        assert err.value.retryable and channel._conn is None
        channel.deliver(r)
        assert box.count() == 1
