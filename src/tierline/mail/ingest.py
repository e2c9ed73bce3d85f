"""One inbound e-mail → one customer message on a case, in one transaction (R-CASE-4).

Threading, in order:

1. ``In-Reply-To`` / ``References`` name a Message-ID Tierline sent or received for a case: the
   mail is a reply on that case's thread. Those IDs are long and random, so knowing one means
   having received the conversation; no further check is needed.
2. The ``[TL-<id>]`` token in the subject (mail programs that drop the reference headers keep
   the subject). Case numbers are sequential and easy to guess, so the token is honoured only
   when the sender is the case's contact, or writes from the same company domain (never a
   free-mail domain such as gmail.com, where "same domain" means nothing). Otherwise anyone
   could write into anyone's case, and trip its triggers, by typing a number.
3. Otherwise it is a new contact: ``open_case`` either opens a case or, when the same customer
   already has an open case about the same issue, counts a repeat contact there.

A case closed longer ago than the policy's ``reopen_window`` is not threaded into: a reply to
it is a new contact. Machine-generated mail (auto-replies, bounces) is ignored so that an
out-of-office answer to our own message cannot open a case or start a mail loop. The same
Message-ID twice is a duplicate: nothing is added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tierline.domain.vocabulary import CaseStatus, Channel
from tierline.mail.parse import InboundMail, MailRejected, parse
from tierline.service.cases import OpenCase, open_case, record_inbound
from tierline.service.errors import Conflict
from tierline.service.links import CUSTOMER
from tierline.service.runtime import Tierline
from tierline.service.session import CaseSession
from tierline.store.tables import cases, mail_messages
from tierline.store.uow import UnitOfWork

THREADED, OPENED, LINKED_REPEAT, DUPLICATE = "threaded", "opened", "linked_repeat", "duplicate"
IGNORED, REJECTED = "ignored", "rejected"

_TOKEN = re.compile(r"\[TL-(\d{1,12})\]", re.IGNORECASE)
_PREFIX = re.compile(r"^\s*((re|aw|fw|fwd|wg|sv|vs|antw|tr)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
#: Domains shared by unrelated people: a matching domain proves nothing there.
FREE_MAIL = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.de",
        "gmx.net", "gmx.com", "web.de", "t-online.de", "proton.me", "protonmail.com",
        "mail.com", "mail.ru", "yandex.ru", "qq.com", "163.com", "zoho.com", "fastmail.com",
    }
)  # fmt: skip


@dataclass(frozen=True)
class IngestResult:
    #: threaded | opened | linked_repeat | duplicate | ignored | rejected
    action: str
    case_id: int | None = None
    reason: str = ""
    message_id: str | None = None

    @property
    def accepted(self) -> bool:
        """True unless the mail itself was refused (a rejected mail will never be accepted)."""
        return self.action != REJECTED


class _Duplicate(Exception):
    """Raised inside the transaction to roll it back when another process stored the same
    Message-ID first."""


def case_token_in(subject: str) -> int | None:
    found = _TOKEN.search(subject)
    return int(found.group(1)) if found else None


def clean_subject(subject: str) -> str:
    """The subject without reply prefixes and case tokens, for a new case's title."""
    return _PREFIX.sub("", _TOKEN.sub("", subject)).strip() or "(no subject)"


def sender_may_use_token(mail: InboundMail, row: dict[str, object]) -> bool:
    """The contact, or a colleague at the contact's (or the account's) non-free-mail domain."""
    contact = str(row.get("contact_email") or "").lower()
    if contact and contact == mail.from_address:
        return True
    domain = mail.domain
    if domain in FREE_MAIL:
        return False
    account = str(row.get("account_id") or "").lower()
    return domain in (contact.rpartition("@")[2], account)


def ingest(rt: Tierline, raw: bytes, *, source: str, now: datetime | None = None) -> IngestResult:
    """Record one RFC 822 message. A malformed one comes back ``rejected`` with the reason and
    nothing stored; errors that are not the mail's fault (no active policy, the database) raise,
    so that the caller keeps the message and tries again later."""
    try:
        mail = parse(raw)
    except MailRejected as exc:
        return IngestResult(REJECTED, reason=str(exc))
    if mail.auto_generated:
        return IngestResult(
            IGNORED,
            reason=f"machine-generated ({mail.auto_generated}); not recorded",
            message_id=mail.message_id,
        )
    when = now or rt.now()
    for attempt in range(3):
        try:
            return _ingest(rt, mail, source, when)
        except _Duplicate:
            return _duplicate(rt, mail)
        except Conflict:
            if attempt == 2:  # the case kept changing under us, or a lasting refusal
                raise
    raise AssertionError("unreachable")


def _known(uow: UnitOfWork, message_id: str) -> tuple[bool, int | None]:
    row = uow.conn.execute(
        select(mail_messages.c.case_id).where(mail_messages.c.message_id == message_id[:500])
    ).first()
    return (row is not None, int(row[0]) if row and row[0] is not None else None)


def _remember(uow: UnitOfWork, message_id: str, case_id: int, when: datetime) -> bool:
    """Record an inbound Message-ID; False if another transaction stored it first.

    RETURNING rather than the row count ``MailRepo.record`` relies on: psycopg 3 reports -1 for
    an ``INSERT … ON CONFLICT DO NOTHING`` here, which made every mail look like a duplicate."""
    ins = pg_insert if uow.is_postgres else sqlite_insert
    stmt = (
        ins(mail_messages)
        .values(message_id=message_id[:500], case_id=case_id, direction="in", recorded_at=when)
        .on_conflict_do_nothing(index_elements=["message_id"])
        .returning(mail_messages.c.message_id)
    )
    return uow.conn.execute(stmt).first() is not None


def _duplicate(rt: Tierline, mail: InboundMail) -> IngestResult:
    with rt.uow(readonly=True) as uow:
        _, case_id = _known(uow, mail.message_id)
    return IngestResult(
        DUPLICATE,
        case_id,
        reason="this Message-ID was received before; nothing added",
        message_id=mail.message_id,
    )


def _ingest(rt: Tierline, mail: InboundMail, source: str, when: datetime) -> IngestResult:
    policy = rt.active().policy
    note = ""
    with rt.uow(readonly=True) as uow:
        known, _ = _known(uow, mail.message_id)
        if known:
            raise _Duplicate
        target, how = _thread_target(uow, mail)
        if target is not None:
            row = uow.cases.get(target)
            closed_at = row.get("closed_at") if row else None
            if row is None or (
                row["status"] == CaseStatus.CLOSED.value
                and isinstance(closed_at, datetime)
                and when - closed_at > policy.communication.reopen_window
            ):
                note = f"case {target} was closed too long ago to reopen; "
                target = None
        account_id = None if target is not None else _account_for(uow, mail)
    if target is not None:
        with rt.uow() as uow:
            session = CaseSession.load(rt, uow, target, when, CUSTOMER)
            via = f"e-mail via {source}, threaded by {how}"
            record_inbound(session, mail.body, Channel.EMAIL, repeat=False, via=via)
            if not _remember(uow, mail.message_id, target, when):
                raise _Duplicate
            session.finish()
            uow.commit()
        return IngestResult(THREADED, target, f"reply threaded by {how}", mail.message_id)

    def within(session: CaseSession) -> None:
        if not _remember(session.uow, mail.message_id, session.case_id, when):
            raise _Duplicate

    contact_type = policy.communication.inbound_contact_type or next(iter(policy.contact_types))
    opened = open_case(
        rt,
        OpenCase(
            contact_type=contact_type,
            subject=clean_subject(mail.subject),
            description=mail.body,
            channel=Channel.EMAIL,
            account_id=account_id,
            contact_name=mail.from_name,
            contact_email=mail.from_address,
            source="email",
        ),
        CUSTOMER,
        when,
        within=within,
    )
    case_id = int(opened.row["id"])
    if opened.linked:
        return IngestResult(
            LINKED_REPEAT,
            case_id,
            note + "a new message about an open case: counted as a repeat contact",
            mail.message_id,
        )
    return IngestResult(OPENED, case_id, note + "a new case", mail.message_id)


def _thread_target(uow: UnitOfWork, mail: InboundMail) -> tuple[int | None, str]:
    by_headers = uow.mail.case_of(mail.refers_to)
    if by_headers is not None:
        return by_headers, "reference headers"
    token = case_token_in(mail.subject)
    if token is not None:
        row = uow.cases.get(token)
        if row is not None and sender_may_use_token(mail, row):
            return token, f"the subject token [TL-{token}]"
    return None, ""


def _account_for(uow: UnitOfWork, mail: InboundMail) -> str:
    """The account of the sender's latest case; else their domain (their address at a
    free-mail provider, where a domain is not a company)."""
    row = uow.conn.execute(
        select(cases.c.account_id)
        .where(cases.c.contact_email == mail.from_address, cases.c.account_id.is_not(None))
        .order_by(cases.c.opened_at.desc(), cases.c.id.desc())
        .limit(1)
    ).first()
    if row is not None:
        return str(row[0])
    return (mail.from_address if mail.domain in FREE_MAIL else mail.domain)[:100]
