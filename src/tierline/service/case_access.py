"""Who may see a case, and the one way a use case works on an existing case: lock it, check the
actor may see it, run the change, finish and commit in one transaction.

Every use case that changes a case (here and in escalations, communications, approvals,
incidents, customer links) goes through :func:`in_case`, so visibility and the
one-transaction rule are enforced in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from tierline.service.actors import Actor
from tierline.service.errors import NotFound
from tierline.service.runtime import Tierline
from tierline.service.session import CaseSession

T = TypeVar("T")


def can_see(actor: Actor, row: dict[str, Any]) -> bool:
    """R-AUTH-4: everyone with case.read_all; otherwise one's team, one's cases, one's consults."""
    if actor.can("case.read_all"):
        return True
    if not actor.can("case.read"):
        return False
    state = row.get("state") or {}
    return (
        (actor.team is not None and row.get("team") == actor.team)
        or actor.handle in (row.get("owner"), row.get("coordinator"), row.get("next_comm_owner"))
        or actor.handle in (state.get("collaborators") or [])
        or (actor.team is not None and state.get("pending_transfer_team") == actor.team)
    )


def in_case(
    rt: Tierline,
    case_id: int,
    actor: Actor,
    work: Callable[[CaseSession], T],
    *,
    permission: str,
    doing: str,
    now: datetime | None = None,
    check_visibility: bool = True,
) -> tuple[T, dict[str, Any]]:
    """Run ``work`` on a locked case inside one transaction, then finish and commit."""
    actor.require(permission, doing)
    rt.active()  # fail early (409) when no policy is active
    when = now or rt.now()
    with rt.uow() as uow:
        session = CaseSession.load(rt, uow, case_id, when, actor)
        if check_visibility and not actor.is_system and not can_see(actor, session.row):
            raise NotFound(f"case {case_id} does not exist")  # do not reveal other teams' cases
        result = work(session)
        row = session.finish()
        uow.commit()
    return result, row
