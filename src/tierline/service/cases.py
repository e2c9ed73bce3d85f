"""Case use cases: flagging what a case turns out to be about, and the re-exports of the rest.

Each function is one transaction. A refusal raises before anything is written, so a refused
request leaves the store exactly as it was.

The other case use cases live in modules by concern — ``case_opening`` (opening a case),
``case_access`` (visibility and the one-transaction wrapper ``in_case``), ``case_messages``
(the conversation with the customer) and ``case_lifecycle`` (status, assignment, resolve,
close, reopen) — and are re-exported here, so ``cases.open_case(...)`` and
``from tierline.service.cases import in_case`` keep working.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tierline.domain.events import EventKind
from tierline.service.actors import Actor
from tierline.service.case_access import can_see, in_case
from tierline.service.case_lifecycle import assign, change_status, close, reopen, resolve
from tierline.service.case_messages import add_message, record_inbound
from tierline.service.case_opening import OpenCase, Opened, open_case, situation_flag
from tierline.service.errors import Invalid
from tierline.service.runtime import Tierline

__all__ = [
    "FLAGS",
    "OpenCase",
    "Opened",
    "add_message",
    "assign",
    "can_see",
    "change_status",
    "close",
    "flag",
    "in_case",
    "open_case",
    "record_inbound",
    "reopen",
    "resolve",
    "situation_flag",
]


FLAGS = ("customer_request", "suspected_defect", "frustration", "affected_customers")


def flag(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    *,
    situation: str | None = None,
    flag_name: str | None = None,
    regulatory_obligation: str | None = None,
    count: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    policy = rt.active().policy
    data: dict[str, Any] = {}
    if situation:
        if situation not in policy.situations:
            raise Invalid(
                f"unknown situation '{situation}'; expected one of: "
                f"{', '.join(sorted(policy.situations))}"
            )
        data.update(situation_flag(rt, situation))
    if flag_name:
        if flag_name not in FLAGS:
            raise Invalid(f"unknown flag '{flag_name}'; expected one of: {', '.join(FLAGS)}")
        data["flag"] = flag_name
        if count is not None:
            data["count"] = count
    if regulatory_obligation:
        if regulatory_obligation not in policy.regulatory_obligations:
            raise Invalid(
                f"unknown regulatory obligation '{regulatory_obligation}'; expected one "
                f"of: {', '.join(sorted(policy.regulatory_obligations))}"
            )
        data["regulatory_obligation"] = regulatory_obligation
    if not data:
        raise Invalid("nothing to flag; expected a situation, a flag or a regulatory_obligation")
    data["note"] = note
    return in_case(
        rt,
        case_id,
        actor,
        lambda s: s.record(EventKind.FLAGGED, data),
        permission="case.write",
        doing="flag cases",
        now=now,
    )[1]
