"""RFC 822 bytes → :class:`InboundMail`: who wrote, what they wrote this time, and what it answers.

The text kept is what the customer wrote *in this message*: text/plain is preferred (it is what
the writer saw as plain text), HTML is stripped only when there is no plain part, charsets are
decoded with fallbacks (mail mislabels its charset often), and the quoted earlier conversation
and the signature are cut, because the case already holds the earlier messages and repeating them
would distort frustration scoring and "asks for a manager" detection on old words.

Anything that is not an acceptable e-mail raises :class:`MailRejected` with a reason meant for
the person or system that sent it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime

from tierline.mail.text import html_to_text, strip_reply, unflow

#: Larger messages are refused: support mail with big attachments is stored by the mail system,
#: and the case only keeps the text.
MAX_BYTES = 10 * 1024 * 1024
#: The text stored on the case is cut here (events are kept forever and read often).
MAX_TEXT = 100_000

#: Header field names as mail programs write them (RFC 5322 allows more; nobody uses it).
_HEADER_LINE = re.compile(rb"^[A-Za-z0-9][A-Za-z0-9_-]*[ \t]*:")
_MAIL_HEADERS = ("from", "to", "subject", "date", "message-id", "received", "mime-version")
_MSGID = re.compile(r"<[^<>\s]+>")


class MailRejected(ValueError):
    """Input that is not an acceptable e-mail; the message says why."""


@dataclass(frozen=True)
class InboundMail:
    from_address: str  # lower-cased
    from_name: str
    subject: str
    body: str  # the new text of this message: quoted reply and signature cut
    message_id: str  # as sent; derived from the content when the sender gave none
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    date: datetime | None
    #: Why this is machine-generated (an auto-reply, a bounce), or "" for a person's mail.
    auto_generated: str = ""
    attachments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A NUL character in mail (a broken client, a binary part labelled text) is shown as
        # U+FFFD, as undecodable bytes are: PostgreSQL cannot store it, and a customer's
        # message is not refused for it, whatever format it came in.
        for name, value in vars(self).items():
            if isinstance(value, str) and "\x00" in value:
                object.__setattr__(self, name, value.replace("\x00", "\ufffd"))
            elif isinstance(value, tuple) and any("\x00" in v for v in value):
                object.__setattr__(self, name, tuple(v.replace("\x00", "\ufffd") for v in value))

    @property
    def domain(self) -> str:
        return self.from_address.rpartition("@")[2]

    @property
    def refers_to(self) -> list[str]:
        """Message-IDs this one answers, oldest first and the direct parent last."""
        out = [m for m in self.references if m not in self.in_reply_to]
        return out + list(self.in_reply_to)


def parse(raw: bytes, *, max_bytes: int = MAX_BYTES) -> InboundMail:
    """Parse one RFC 822 message; raises :class:`MailRejected` saying what is wrong."""
    if len(raw) > max_bytes:
        raise MailRejected(
            f"the message is {len(raw) / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB"
        )
    data = raw.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n")
    if data.startswith(b"From ") and not data.startswith(b"From :"):
        data = data.partition(b"\n")[2]  # the envelope line of an mbox file
    if not data.strip():
        raise MailRejected("the input is empty; expected an RFC 822 message")
    if not _HEADER_LINE.match(data):
        raise MailRejected(
            "not an e-mail: the input does not start with header lines such as 'From: ...'"
        )
    msg = BytesParser(policy=policy.default).parsebytes(data)
    if not any(k.lower() in _MAIL_HEADERS for k, _ in msg.raw_items()):
        raise MailRejected("not an e-mail: none of the headers a mail has (From, Subject, Date…)")
    from_value = _header(msg, "From")
    if not from_value:
        raise MailRejected("the message has no From header; the sender is needed")
    name, address = parseaddr(from_value)
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain.strip(".") or " " in address:
        raise MailRejected(f"the From header has no usable address: '{from_value[:200]}'")
    attachments: list[str] = []
    text = _body_text(msg, attachments)
    body = strip_reply(text) or text.strip()
    if not body and attachments:
        body = "(no text; attachments: " + ", ".join(attachments) + ")"
    elif attachments:
        body += "\n\n[attachments not stored: " + ", ".join(attachments) + "]"
    if not body:
        raise MailRejected("the message has no body: no text part, or only empty text")
    if len(body) > MAX_TEXT:
        body = body[:MAX_TEXT] + f"\n[cut: the text had {len(body):,} characters]"
    return InboundMail(
        from_address=address.lower(),
        from_name=" ".join(name.split()),
        subject=" ".join(_header(msg, "Subject").split()),
        body=body,
        message_id=_message_id(msg, data),
        in_reply_to=tuple(_MSGID.findall(_header(msg, "In-Reply-To")))[-5:],
        references=tuple(_MSGID.findall(_header(msg, "References")))[-50:],
        date=_date(_header(msg, "Date")),
        auto_generated=_auto_generated(msg, address),
        attachments=tuple(attachments),
    )


def _header(msg: Message, name: str) -> str:
    """A header as text, encoded words decoded; malformed ones fall back to the raw value."""
    try:
        value = msg.get(name)
    except (ValueError, IndexError, TypeError, AttributeError):
        value = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    return "" if value is None else str(value).strip()


def _message_id(msg: Message, data: bytes) -> str:
    found = _MSGID.findall(_header(msg, "Message-ID"))
    if found:
        return found[0][:500]
    bare = _header(msg, "Message-ID")
    if bare and "@" in bare and " " not in bare:
        return f"<{bare}>"[:500]
    # No Message-ID: one derived from the content, so the same file ingested twice is still
    # recognised as the same message.
    return f"<sha256-{hashlib.sha256(data).hexdigest()[:40]}@tierline.missing-message-id>"


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _auto_generated(msg: Message, address: str) -> str:
    """RFC 3834 and common practice: answering or recording these would start mail loops."""
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if _header(msg, name):
            return f"{name} header"
    precedence = _header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if msg.get_content_type() == "multipart/report":
        return "a delivery or read report (multipart/report)"
    if address.partition("@")[0].lower() in ("mailer-daemon", "postmaster"):
        return f"sent by {address}"
    if _header(msg, "Return-Path") == "<>":
        return "a null sender (Return-Path: <>)"
    return ""


def _decode(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    declared = (part.get_content_charset() or "").lower()
    tries = [c for c in (declared, "utf-8") if c and c not in ("us-ascii", "unknown-8bit")]
    for charset in [*tries, "cp1252"]:
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")  # never fails: every byte is a character


def _param(part: Message, name: str) -> str:
    value = part.get_param(name)
    return value.lower() if isinstance(value, str) else ""


def _body_text(msg: EmailMessage | Message, attachments: list[str]) -> str:
    plain: list[str] = []
    html: list[str] = []

    def walk(part: Message) -> None:
        ctype = part.get_content_type()
        if ctype == "message/rfc822":  # a forwarded message: its text is not this message's
            attachments.append("forwarded message")
            return
        if part.is_multipart():
            for sub in part.get_payload():
                if isinstance(sub, Message):
                    walk(sub)
            return
        filename = part.get_filename()
        if part.get_content_disposition() == "attachment" or ctype not in (
            "text/plain",
            "text/html",
        ):
            attachments.append(filename or ctype)
        elif ctype == "text/plain":
            text = _decode(part)
            if _param(part, "format") == "flowed":
                text = unflow(text, delsp=_param(part, "delsp") == "yes")
            plain.append(text)
        else:
            html.append(html_to_text(_decode(part)))

    walk(msg)
    chosen = plain if any(t.strip() for t in plain) else html
    text = "\n".join(t for t in chosen if t.strip())
    return text.replace("\r\n", "\n").replace("\r", "\n")
