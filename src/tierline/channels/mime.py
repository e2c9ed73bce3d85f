"""The bytes of a customer e-mail, built from an ``email`` outbox row (docs/outbox.md).

Built with the standard library's classic MIME classes: about six times faster than the
``EmailMessage`` header registry, which parses every header it is given, and this is on the
delivery path of every message. The classic classes do not refuse line breaks in header values,
so every value is checked here (a line break would let a payload add headers, such as a Bcc).

The result is the same bytes on every attempt: the Message-ID, the Date (the row's creation)
and the multipart boundary (a digest of the content) are fixed by the row, so a redelivery after
a crash is recognisably the same message. Bodies are 7-bit (quoted-printable when needed), which
every relay accepts. Internationalised addresses (a non-ASCII local part) need SMTPUTF8; those
rare messages are built with the modern API and sent with the SMTPUTF8 option.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTPUTF8, compat32
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from typing import Any

from tierline.channels.base import DeliveryError
from tierline.config import Settings

_CRLF = compat32.clone(linesep="\r\n")
_UTF8_POLICY = SMTPUTF8.clone(cte_type="7bit")
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP


@dataclass(frozen=True)
class Outgoing:
    data: bytes
    sender: str
    recipients: list[str]
    message_id: str
    smtputf8: bool  # the addresses need the SMTPUTF8 extension


def _bad(why: str) -> DeliveryError:
    return DeliveryError(f"the payload cannot become an e-mail: {why}", retryable=False)


def address(value: Any, what: str) -> str:
    """A bare address from a payload field, or a permanent error saying what is wrong."""
    if not isinstance(value, str) or not value.strip():
        raise DeliveryError(f"the payload has no {what} address", retryable=False)
    return _parse_address(value, what)


@lru_cache(maxsize=4096)  # parseaddr is slow, and the same few addresses recur
def _parse_address(value: str, what: str) -> str:
    if "\r" in value or "\n" in value:
        raise _bad(f"the {what} address contains a line break")
    _, addr = parseaddr(value)
    local, at, domain = addr.rpartition("@")
    if not at or not local or "." not in domain.strip("."):
        raise DeliveryError(f"'{value}' is not an e-mail address ({what})", retryable=False)
    return addr


def _message_id(row: dict[str, Any], sender: str) -> str:
    """The payload's Message-ID; a row without one gets one derived from its idempotency key,
    so even it is the same message on every attempt."""
    mid = (row.get("payload") or {}).get("message_id")
    if isinstance(mid, str) and mid.strip():
        mid = mid.strip()
        return mid if mid.startswith("<") else f"<{mid}>"
    digest = hashlib.sha256(str(row.get("idempotency_key") or row.get("id")).encode()).hexdigest()
    return f"<tl-{digest[:24]}@{sender.rpartition('@')[2]}>"


def _headers(settings: Settings, row: dict[str, Any], sender: str, to: str) -> dict[str, str]:
    p = row.get("payload") or {}
    created = row.get("created_at")
    when = created if isinstance(created, datetime) else datetime.now(UTC)
    refs = p.get("references") or []
    refs = refs.split() if isinstance(refs, str) else [str(r) for r in refs]
    headers = {
        "From": formataddr((settings.mail_from_name, sender), "utf-8"),
        "To": formataddr((str(p.get("to_name") or ""), to), "utf-8"),
        "Subject": str(p.get("subject") or row.get("subject") or ""),
        "Date": format_datetime(when if when.tzinfo else when.replace(tzinfo=UTC)),
        "Message-ID": _message_id(row, sender),
        "In-Reply-To": str(p.get("in_reply_to") or ""),
        "References": " ".join(refs),
        "Reply-To": address(p["reply_to"], "Reply-To") if p.get("reply_to") else "",
        "X-Tierline-Case": str(row.get("case_id") or p.get("case_id") or ""),
    }
    for name, value in headers.items():
        if "\r" in value or "\n" in value:
            raise _bad(f"the {name} header contains a line break")
    return {k: v for k, v in headers.items() if v}


def _text(text: str, subtype: str) -> MIMEText:
    plain = text.isascii() and all(len(line) <= 900 for line in text.splitlines())
    # A Charset object picks quoted-printable (typeshed only knows charset names).
    return MIMEText(text, subtype, "us-ascii" if plain else _UTF8_QP)  # type: ignore[arg-type]


def build_message(settings: Settings, row: dict[str, Any]) -> Outgoing:
    """The e-mail an ``email`` outbox row describes; a payload that cannot be one is a
    permanent :class:`DeliveryError` (it would fail the same way on every attempt)."""
    p = row.get("payload") or {}
    to = address(p.get("to") or row.get("recipient"), "recipient")
    sender = address(settings.mail_from, "sender (TIERLINE_MAIL_FROM)")
    text, html = str(p.get("text") or ""), str(p.get("html") or "")
    if not text and not html:
        raise DeliveryError("the payload has neither text nor html", retryable=False)
    headers = _headers(settings, row, sender, to)
    if not (to.isascii() and sender.isascii()):
        return Outgoing(_utf8(headers, text, html), sender, [to], headers["Message-ID"], True)
    msg: Message
    if html:
        seed = f"{headers['Message-ID']}\x00{text}\x00{html}".encode("utf-8", "replace")
        boundary = f"=_tl_{hashlib.sha256(seed).hexdigest()[:32]}"
        msg = MIMEMultipart("alternative", boundary=boundary)
        msg.attach(_text(text, "plain"))
        msg.attach(_text(html, "html"))
    else:
        msg = _text(text, "plain")
    head = "".join(f"{name}: {_fold(name, value)}\r\n" for name, value in headers.items())
    data = head.encode("ascii") + msg.as_bytes(policy=_CRLF)
    return Outgoing(data, sender, [to], headers["Message-ID"], False)


def _fold(name: str, value: str) -> str:
    """A header value as it goes on the wire: encoded words for a non-ASCII subject (names are
    already encoded by ``formataddr``), long reference lists folded between their IDs. Written
    by hand because the generator's folding costs more than the rest of the message."""
    if not value.isascii():
        return Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    if len(name) + len(value) > 76 and name == "References":
        return "\r\n ".join(value.split())
    return value


def _utf8(headers: dict[str, str], text: str, html: str) -> bytes:
    msg = EmailMessage(policy=_UTF8_POLICY)
    try:
        for name, value in headers.items():
            msg[name] = value
        msg.set_content(text)
        if html:
            msg.add_alternative(html, subtype="html")
    except (ValueError, TypeError) as exc:
        raise _bad(str(exc)) from None
    return msg.as_bytes()
