"""What a customer link does: confirm the resolution, reopen, rate (R-RES-1, R-RES-2, R-COMM-4).

The tokens themselves are made and checked in :mod:`tierline.service.links`; this module is the
use cases behind ``/c/<token>``. Nothing here acts on a link that is forged, edited, expired or
already used, and a refused action leaves the link usable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from tierline.domain.events import EventKind
from tierline.domain.vocabulary import CaseStatus, ClosureKind
from tierline.service.actors import Actor
from tierline.service.cases import can_see, close, in_case, reopen
from tierline.service.errors import Invalid, NotFound
from tierline.service.links import (
    CUSTOMER,
    Link,
    LinkError,
    link_summary,
    record_use,
    used_error,
    verify_link,
    was_used,
)
from tierline.service.runtime import Tierline
from tierline.service.session import CaseSession
from tierline.store.tables import surveys

#: The survey kind of these ratings, kept apart from any overall CSAT (R-RES-2).
POST_ESCALATION = "post_escalation"
_REOPENED = "the customer reopened the case with the link in our e-mail"


def open_link(rt: Tierline, token: str, now: datetime | None = None) -> tuple[Link, dict[str, Any]]:
    """Check a link for the page that offers its action; changes nothing."""
    link = verify_link(rt.settings, token, now or rt.now())
    with rt.uow(readonly=True) as uow:
        if was_used(uow, link):
            raise used_error()
        row = uow.cases.get(link.case_id)
    if row is None:
        raise LinkError("This case no longer exists.", 404, "not_found")
    return link, link_summary(link, row)


def use_link(
    rt: Tierline,
    token: str,
    *,
    rating: int | None = None,
    comment: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Do what the link is for. Rating is one transaction with the link's use; confirming and
    reopening go through the ``close`` and ``reopen`` use cases (which keep their own rules,
    such as the repeat-escalation window) and then record the use: if the process died in
    between, the case's state still refuses a second confirmation or reopening."""
    when = now or rt.now()
    link, summary = open_link(rt, token, when)
    status = summary["status"]
    comment = comment.strip()[:2000]
    if link.purpose == "rate":
        if rating is None or not 1 <= rating <= 5:
            raise Invalid("choose a rating from 1 (very poor) to 5 (excellent)")
        return _rate(rt, link, rating, comment, when)
    if link.purpose == "confirm":
        if status == CaseStatus.CLOSED.value:
            raise LinkError("This case is already closed. Thank you.", 409, "already_closed")
        if status != CaseStatus.RESOLVED.value:
            raise LinkError(
                "This case has been reopened and is being worked on, so there is nothing to "
                "confirm yet.",
                409,
                "not_resolved",
            )
        row = close(
            rt,
            link.case_id,
            CUSTOMER,
            ClosureKind.CUSTOMER_ACCEPTED,
            reason=comment or "the customer confirmed the resolution",
            now=when,
        )
    else:
        if status not in (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value):
            raise LinkError("This case is open; we are working on it.", 409, "already_open")
        row = reopen(
            rt,
            link.case_id,
            CUSTOMER,
            reason=reason.strip()[:2000] or comment or _REOPENED,
            now=when,
        )
    with rt.uow() as uow:
        record_use(uow, link, when)
        uow.commit()
    return link_summary(link, row)


def _rate(rt: Tierline, link: Link, rating: int, comment: str, when: datetime) -> dict[str, Any]:
    def work(s: CaseSession) -> None:
        if not record_use(s.uow, link, when):
            raise used_error()
        survey_id = s.uow.conn.execute(
            insert(surveys)
            .values(
                case_id=link.case_id,
                kind=POST_ESCALATION,
                rating=rating,
                comment=comment,
                created_at=when,
            )
            .returning(surveys.c.id)
        ).scalar_one()
        s.record(
            EventKind.SURVEY_ANSWERED,
            {
                "survey_id": int(survey_id),
                "kind": POST_ESCALATION,
                "rating": rating,
                "comment": comment,
            },
            actor=CUSTOMER.handle,
        )

    _, row = in_case(
        rt,
        link.case_id,
        CUSTOMER,
        work,
        permission="case.write",
        doing="answer surveys",
        now=when,
        check_visibility=False,
    )
    return {**link_summary(link, row), "rating": rating}


def case_surveys(rt: Tierline, case_id: int, actor: Actor) -> list[dict[str, Any]]:
    """A case's survey answers, oldest first, for whoever may read the case."""
    if not actor.can("case.read_all"):
        actor.require("case.read", "read cases")
    with rt.uow(readonly=True) as uow:
        row = uow.cases.get(case_id)
        if row is None or not can_see(actor, row):
            raise NotFound(f"case {case_id} does not exist")
        rows = uow.conn.execute(
            select(surveys).where(surveys.c.case_id == case_id).order_by(surveys.c.id)
        ).mappings()
        return [
            {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()}
            for r in rows
        ]
