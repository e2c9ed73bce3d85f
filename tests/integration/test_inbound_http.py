"""``POST /api/inbound/email`` as inbound-mail services call it: the shared secret (header or
HTTP Basic), raw RFC 822, ``{"raw": ...}`` JSON, Postmark, Amazon SES through SNS, Mailgun's
urlencoded fields and SendGrid's multipart form; refusals are 4xx with a reason and store
nothing."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import pytest

from .conftest import Env
from .test_inbound_mail import inbound, mail, stored

SECRET = "inbound-s3cret-for-tests"
URL = "/api/inbound/email"


@pytest.fixture
def hook(env: Env) -> Env:
    env.rt.settings = replace(env.rt.settings, inbound_secret=SECRET)
    return env


def post(env: Env, content: bytes | str, content_type: str, **headers: str) -> Any:
    headers = {"X-Tierline-Inbound-Secret": SECRET, "Content-Type": content_type, **headers}
    return env.client.post(URL, content=content, headers=headers)


def test_refused_when_no_secret_is_configured(env: Env) -> None:
    r = env.client.post(URL, content=mail(), headers={"Content-Type": "message/rfc822"})
    assert r.status_code == 503
    assert "TIERLINE_INBOUND_SECRET" in r.json()["message"]


def test_a_wrong_or_missing_secret_is_refused(hook: Env) -> None:
    before = stored(hook)
    r = hook.client.post(URL, content=mail(), headers={"Content-Type": "message/rfc822"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    r = post(hook, mail(), "message/rfc822", **{"X-Tierline-Inbound-Secret": "guess"})
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert stored(hook) == before


def test_raw_rfc822_with_the_secret_as_basic_password(hook: Env) -> None:
    basic = "Basic " + base64.b64encode(f"postmark:{SECRET}".encode()).decode()
    r = hook.client.post(
        URL, content=mail(), headers={"Content-Type": "message/rfc822", "Authorization": basic}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["action"] == "opened" and body["message_id"] == "<m1@globex.example>"
    again = post(hook, mail(), "text/plain")  # the service retried: nothing new
    assert again.status_code == 200 and again.json()["action"] == "duplicate"
    assert again.json()["case_id"] == body["case_id"]


def test_json_raw_plain_and_base64(hook: Env) -> None:
    r = post(hook, json.dumps({"raw": mail().decode()}), "application/json")
    assert r.status_code == 201 and r.json()["action"] == "opened"
    encoded = base64.b64encode(mail("Any news?", message_id="<m2@globex.example>")).decode()
    r = post(hook, json.dumps({"raw": encoded, "encoding": "base64"}), "application/json")
    assert r.json()["action"] == "linked_repeat"
    r = post(hook, json.dumps({"raw_base64": encoded}), "application/json")
    assert r.json()["action"] == "duplicate"


def test_postmark_fields_thread_by_their_headers(hook: Env) -> None:
    case_id = post(hook, mail(), "message/rfc822").json()["case_id"]
    doc = {
        "FromName": "Hank Scorpio",
        "From": "hank@globex.example",
        "FromFull": {"Email": "hank@globex.example", "Name": "Hank Scorpio"},
        "Subject": "Re: Export stops",
        "MessageID": "7a9e8f6c-postmark",
        "Date": "Mon, 23 Nov 2026 11:00:00 +0100",
        "TextBody": "Works now.\n\nOn Mon, Support wrote:\n> try again\n",
        "HtmlBody": "<p>Works now.</p>",
        "StrippedTextReply": "Works now.",
        "Headers": [
            {"Name": "Message-ID", "Value": "<pm-1@globex.example>"},
            {"Name": "In-Reply-To", "Value": "<m1@globex.example>"},
            {"Name": "X-Spam-Status", "Value": "No"},
        ],
        "Attachments": [],
    }
    r = post(hook, json.dumps(doc), "application/json")
    assert r.status_code == 200, r.text
    assert (r.json()["action"], r.json()["case_id"]) == ("threaded", case_id)
    assert r.json()["message_id"] == "<pm-1@globex.example>"
    assert [m["data"]["body"] for m in inbound(hook, case_id)] == ["Works now."]
    assert post(hook, json.dumps(doc), "application/json").json()["action"] == "duplicate"


def test_postmark_raw_email(hook: Env) -> None:
    doc = {"From": "hank@globex.example", "TextBody": "x", "RawEmail": mail().decode()}
    assert post(hook, json.dumps(doc), "application/json").json()["action"] == "opened"


def test_ses_through_sns(hook: Env) -> None:
    ses = {
        "notificationType": "Received",
        "mail": {"source": "hank@globex.example", "messageId": "ses-1"},
        "receipt": {"action": {"type": "SNS", "encoding": "BASE64"}},
        "content": base64.b64encode(mail()).decode(),
    }
    sns = {"Type": "Notification", "MessageId": "sns-1", "Message": json.dumps(ses)}
    r = post(hook, json.dumps(sns), "text/plain; charset=UTF-8")  # as SNS sends it
    assert r.status_code == 201 and r.json()["action"] == "opened"
    r = post(hook, json.dumps(sns), "application/json")
    assert r.status_code == 200 and r.json()["action"] == "duplicate"
    confirm = {"Type": "SubscriptionConfirmation", "SubscribeURL": "https://sns.example/x"}
    r = post(hook, json.dumps(confirm), "application/json")
    assert r.status_code == 200 and r.json()["action"] == "ignored"


def test_mailgun_urlencoded_fields(hook: Env) -> None:
    case_id = post(hook, mail(), "message/rfc822").json()["case_id"]
    form = {
        "recipient": "support@acme.test",
        "sender": "hank@globex.example",
        "from": "Hank Scorpio <hank@globex.example>",
        "subject": "Re: Export stops",
        "body-plain": "Thanks, that did it.\n\n> old quote\n",
        "stripped-text": "Thanks, that did it.",
        "Message-Id": "<mg-1@globex.example>",
        "In-Reply-To": "<m1@globex.example>",
        "References": "<m1@globex.example>",
        "message-headers": json.dumps([["Date", "Mon, 23 Nov 2026 12:00:00 +0100"]]),
        "timestamp": "1795000000",
        "token": "t" * 50,
        "signature": "0" * 64,
    }
    r = post(hook, urlencode(form), "application/x-www-form-urlencoded")
    assert r.status_code == 200, r.text
    assert (r.json()["action"], r.json()["case_id"]) == ("threaded", case_id)
    assert [m["data"]["body"] for m in inbound(hook, case_id)] == ["Thanks, that did it."]


def test_sendgrid_multipart_form(hook: Env) -> None:
    boundary = "xYzZY"
    fields = {
        "headers": "Message-ID: <sg-1@initech.test>\nDate: Mon, 23 Nov 2026 12:00:00 +0100\n",
        "from": "Peter <peter@initech.test>",
        "to": "support@acme.test",
        "subject": "Reports are empty",
        "text": "The weekly report is empty.",
        "html": "<p>The weekly report is empty.</p>",
    }
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    body = "".join(parts) + f"--{boundary}--\r\n"
    r = post(hook, body, f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 201, r.text
    assert r.json()["action"] == "opened" and r.json()["message_id"] == "<sg-1@initech.test>"
    case = hook.get("max", f"/api/cases/{r.json()['case_id']}").json()
    assert case["description"] == "The weekly report is empty."
    assert case["contact_email"] == "peter@initech.test"


def test_refusals_say_why_and_store_nothing(hook: Env) -> None:
    before = stored(hook)
    cases = [
        (b"not a mail", "message/rfc822", 422, "not an e-mail"),
        (mail(""), "message/rfc822", 422, "no body"),
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b'{"hello": 1}', "application/json", 422, "unrecognised JSON"),
        (b'{"raw": "!!!", "encoding": "base64"}', "application/json", 422, ""),
        (b"a=1&b=2", "application/x-www-form-urlencoded", 422, "unrecognised form"),
        (b"<xml/>", "application/xml", 415, "cannot read 'application/xml'"),
    ]
    for content, ctype, status, why in cases:
        r = post(hook, content, ctype)
        assert r.status_code == status, (ctype, r.text)
        assert why in r.json()["message"]
    r = post(hook, b"x" * (15 * 1024 * 1024), "message/rfc822")
    assert r.status_code == 413
    assert stored(hook) == before
