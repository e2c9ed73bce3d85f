"""The conversation on a case: customer messages in (scored for frustration, checked for a request
for a manager) and staff messages out.

Opening a case records its first inbound message the same way, so the rules for what a
customer's words set off live here once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tierline.domain.events import EventKind
from tierline.domain.frustration import asks_for_escalation, frustration_score
from tierline.domain.vocabulary import CaseStatus, Channel, EscalationType, MessageDirection
from tierline.service.actors import Actor
from tierline.service.case_access import in_case
from tierline.service.errors import Conflict, Invalid
from tierline.service.runtime import Tierline
from tierline.service.session import CaseSession


def record_inbound(
    session: CaseSession, body: str, channel: Channel | None, *, repeat: bool, via: str = ""
) -> None:
    """Record a customer's message: frustration is scored from the words, and a customer who
    asks for a manager is flagged as such, which starts their protocol (R-TRIG-1, R-COMM-5)."""
    policy = session.policy.policy
    score = frustration_score(body, policy.frustration_terms)
    session.record(
        EventKind.MESSAGE,
        {
            "direction": MessageDirection.INBOUND.value,
            "body": body,
            "channel": channel.value if channel else None,
            "repeat_contact": repeat,
            "frustration": score,
            "via": via,
        },
        actor="customer",
    )
    flag_escalation_request(session, body)


def flag_escalation_request(session: CaseSession, text: str) -> None:
    """Flag a customer who asks for a manager in ``text`` (once per case), so their protocol
    starts; opening a case runs it on the subject and description too."""
    state = session.require_state()
    if state.customer_requested or not asks_for_escalation(text):
        return
    policy = session.policy.policy
    situation = next(
        (
            s.id
            for s in policy.situations.values()
            if s.escalation_type is EscalationType.CUSTOMER_INITIATED
        ),
        None,
    )
    data: dict[str, Any] = {"flag": "customer_request", "detected_in": "customer message"}
    if situation:
        data["situation"] = situation
    session.record(EventKind.FLAGGED, data, actor="tierline")


def add_message(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    *,
    direction: MessageDirection,
    body: str,
    channel: Channel | None = None,
    repeat_contact: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    if not body.strip():
        raise Invalid("body is empty; expected the message text")

    def work(s: CaseSession) -> None:
        state = s.require_state()
        if direction is MessageDirection.INBOUND:
            # A reply after resolution is kept on the thread; reopening is an explicit decision.
            record_inbound(s, body, channel, repeat=repeat_contact)
        else:
            if state.status == CaseStatus.CLOSED.value:
                raise Conflict("the case is closed; reopen it before writing to the customer")
            s.record(
                EventKind.MESSAGE,
                {
                    "direction": direction.value,
                    "body": body,
                    "channel": channel.value if channel else None,
                },
            )

    _, row = in_case(
        rt, case_id, actor, work, permission="case.write", doing="add messages", now=now
    )
    return row
