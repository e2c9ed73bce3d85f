"""What inbound-mail services POST, turned back into one RFC 822 message.

Every shape ends as bytes for :func:`tierline.mail.ingest.ingest`, so threading, duplicate
detection and the refusal rules are the same whichever way a message arrived:

- raw: the body is the message (``message/rfc822``, ``text/plain``, ``application/octet-stream``);
- JSON ``{"raw": "..."}``, optionally with ``"encoding": "base64"`` (or ``{"raw_base64": ...}``);
- Postmark's inbound JSON (``RawEmail`` when "include raw content" is on, else its parsed fields);
- AWS SES through SNS: a ``Notification`` whose ``Message`` carries the mail in ``content``;
- form fields (urlencoded or multipart) from Mailgun routes (``body-mime`` for raw routes, else
  ``from``/``sender``, ``subject``, ``body-plain``, ``body-html``, ``Message-Id``,
  ``In-Reply-To``, ``References``, ``message-headers``) and SendGrid Inbound Parse (``email``
  when "send raw" is on, else ``from``, ``subject``, ``text``, ``html``, ``headers``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterable
from email import message_from_string
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import HTTP, compat32
from typing import Any
from urllib.parse import parse_qs

from tierline.mail.parse import MailRejected

#: Headers carried over from a service's parsed fields: threading, identity, loop prevention.
_KEEP = (
    "Message-ID",
    "In-Reply-To",
    "References",
    "Date",
    "Auto-Submitted",
    "Precedence",
    "X-Autoreply",
    "X-Autorespond",
    "Return-Path",
)


class SubscriptionConfirmation(Exception):
    """An SNS subscription confirmation: not a mail; an administrator must confirm it."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        raise MailRejected(f"{what} is not valid base64") from None


def from_json(doc: Any) -> bytes:
    """The raw message inside one of the JSON shapes above."""
    if not isinstance(doc, dict):
        raise MailRejected("expected a JSON object")
    if doc.get("Type") == "SubscriptionConfirmation":
        raise SubscriptionConfirmation(str(doc.get("SubscribeURL") or ""))
    if doc.get("Type") == "Notification" and isinstance(doc.get("Message"), str):
        return _from_ses(doc["Message"])
    if isinstance(doc.get("raw_base64"), str):
        return _b64(doc["raw_base64"], "raw_base64")
    if isinstance(doc.get("raw"), str):
        if str(doc.get("encoding") or "").lower() == "base64":
            return _b64(doc["raw"], "raw")
        return doc["raw"].encode("utf-8", "surrogateescape")
    if isinstance(doc.get("RawEmail"), str) and doc["RawEmail"].strip():
        return doc["RawEmail"].encode("utf-8", "surrogateescape")
    if "FromFull" in doc or ("From" in doc and ("TextBody" in doc or "HtmlBody" in doc)):
        return _from_postmark(doc)
    raise MailRejected(
        'unrecognised JSON: expected {"raw": ...}, Postmark\'s inbound JSON, or an SNS '
        "notification from Amazon SES"
    )


def _from_ses(message: str) -> bytes:
    try:
        inner = json.loads(message)
    except ValueError:
        raise MailRejected("the SNS Message is not JSON") from None
    content = inner.get("content") if isinstance(inner, dict) else None
    if not isinstance(content, str):
        raise MailRejected(
            "the SES notification carries no message content; use an SNS action "
            "(which includes the content) rather than an S3 action"
        )
    action = (inner.get("receipt") or {}).get("action") or {}
    if str(action.get("encoding") or "").upper() == "BASE64":
        return _b64(content, "the SES content")
    return content.encode("utf-8", "surrogateescape")


def _from_postmark(doc: dict[str, Any]) -> bytes:
    full: dict[str, Any] = doc["FromFull"] if isinstance(doc.get("FromFull"), dict) else {}
    sender = _address(str(full.get("Name") or ""), str(full.get("Email") or doc.get("From") or ""))
    pairs = [
        (str(h.get("Name")), str(h.get("Value")))
        for h in doc.get("Headers") or []
        if isinstance(h, dict) and h.get("Name")
    ]
    if not any(n.lower() == "message-id" for n, _ in pairs) and doc.get("MessageID"):
        pairs.append(("Message-ID", f"<{doc['MessageID']}@postmark>"))
    if doc.get("Date"):
        pairs.append(("Date", str(doc["Date"])))
    return _build(
        sender,
        str(doc.get("Subject") or ""),
        str(doc.get("TextBody") or ""),
        str(doc.get("HtmlBody") or ""),
        pairs,
    )


def _address(name: str, email: str) -> str:
    return f'"{name}" <{email}>' if name and "<" not in email else email


def _build(
    sender: str, subject: str, text: str, html: str, headers: Iterable[tuple[str, str]]
) -> bytes:
    """A message made of a service's parsed fields (deterministic bytes: the same fields always
    make the same message, so a service's retry is recognised as a duplicate)."""
    msg = EmailMessage()
    seen: set[str] = set()
    try:
        msg["From"] = " ".join(sender.split())
        msg["Subject"] = " ".join(subject.split())
        for name, value in headers:
            canonical = next((k for k in _KEEP if k.lower() == name.strip().lower()), None)
            if canonical and canonical not in seen and value.strip():
                seen.add(canonical)
                msg[canonical] = " ".join(value.split())
        msg.set_content(text or "")
        if html.strip():
            msg.add_alternative(html, subtype="html")
            seed = "\x00".join((sender, subject, text, html)).encode("utf-8", "replace")
            msg.set_boundary(f"tierline-{hashlib.sha256(seed).hexdigest()[:32]}")
    except (ValueError, TypeError, IndexError) as exc:
        raise MailRejected(f"the posted fields do not make an e-mail: {exc}") from None
    return msg.as_bytes(policy=HTTP)


def urlencoded_fields(body: bytes) -> dict[str, str]:
    """Form fields of an ``application/x-www-form-urlencoded`` body (first value of each)."""
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items() if v}


def multipart_fields(body: bytes, content_type: str) -> dict[str, str]:
    """Text fields of a ``multipart/form-data`` body, read with the standard library's MIME
    parser (a form is a MIME multipart); files are skipped: the case keeps text only."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    msg = BytesParser(policy=compat32).parsebytes(head + body)
    if not msg.is_multipart():
        raise MailRejected("the multipart body has no parts (is the boundary right?)")
    fields: dict[str, str] = {}
    for part in msg.get_payload():
        if not isinstance(part, Message) or part.get_filename():
            continue
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes) and name not in fields:
            fields[name] = payload.decode(part.get_content_charset() or "utf-8", "replace")
    return fields


def from_fields(fields: dict[str, str]) -> bytes:
    """The raw message a Mailgun or SendGrid form carries, or one made of its parsed fields."""
    get: Callable[[str], str] = lambda name: next(  # noqa: E731 - a tiny case-blind lookup
        (v for k, v in fields.items() if k.lower() == name.lower()), ""
    )
    for raw_field in ("body-mime", "email"):
        if get(raw_field).strip():
            return get(raw_field).encode("utf-8", "surrogateescape")
    sender = get("from") or get("sender")
    text = get("body-plain") or get("text")
    html = get("body-html") or get("html")
    if not sender and not text and not html:
        raise MailRejected(
            "unrecognised form: expected Mailgun's (from, subject, body-plain, ...) or "
            "SendGrid's (from, subject, text, ...) fields, or a raw message in body-mime or email"
        )
    pairs: list[tuple[str, str]] = []
    for name in ("Message-Id", "In-Reply-To", "References", "Date"):
        if get(name):
            pairs.append((name, get(name)))
    if get("message-headers"):  # Mailgun: a JSON list of [name, value]
        try:
            listed = json.loads(get("message-headers"))
        except ValueError:
            raise MailRejected("message-headers is not JSON") from None
        pairs += [(str(p[0]), str(p[1])) for p in listed if isinstance(p, list) and len(p) == 2]
    if get("headers"):  # SendGrid: the raw header block
        block = message_from_string(get("headers") + "\n\n", policy=compat32)
        pairs += [(k, str(v)) for k, v in block.items()]
    return _build(sender, get("subject"), text, html, pairs)
