"""Opening a new case on SQLite: prepared before the write lock, written under it.

SQLite writers take turns on one write lock, so there a new case is prepared first (routed,
its opening events recorded, its clocks and triggers settled, its row projected) without
writing, and only written under the lock, together with the others its process prepared
meanwhile (write_turns.py), after checking that what it was prepared from has not changed.
One preparation at a time per process (``PREPARING``): threads preparing in parallel would keep
the lock's holder waiting for the GIL, and hold the lock longer than they saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from tierline.domain.case import Account
from tierline.domain.events import EventKind
from tierline.service import known_accounts
from tierline.service.case_opening import (
    Opened,
    Opening,
    account_for,
    new_session,
    open_in,
    route_case,
    same_issue,
    store_account,
)
from tierline.service.runtime import Tierline
from tierline.service.session import CaseSession
from tierline.store.uow import UnitOfWork, is_write_attempt

_UNALLOCATED = 0  # a prepared case's id until the write transaction allocates it


@dataclass
class Prepared:
    stored: Account | None  # the account as it was read (or remembered)
    session: CaseSession


class _ReadOnDemand:
    """A guarded read-only unit of work, begun only if the preparation reads something: with
    its account remembered and its owner the opening agent, a new case reads nothing."""

    def __init__(self, rt: Tierline) -> None:
        self._rt = rt
        self._uow: UnitOfWork | None = None

    def __enter__(self) -> _ReadOnDemand:
        return self

    def __getattr__(self, name: str) -> Any:
        if self._uow is None:
            uow = self._rt.uow(readonly=True, guarded=True)
            uow.__enter__()
            self._uow = uow
        return getattr(self._uow, name)

    def __exit__(self, *exc: Any) -> None:
        if self._uow is not None:
            self._uow.__exit__(*exc)


def prepare(o: Opening) -> Prepared | None:
    """A new case settled without writing, or None where opening it writes or sends more than
    its row, events and communications (a trigger fired, a clock stage came due, a message
    was queued): that is left to the write transaction, which does it all again."""
    rt, account_id = o.rt, o.account_id
    try:
        with _ReadOnDemand(rt) as ro:
            known = known_accounts.known(rt, account_id)
            if known is not None:
                stored = known.account
            elif account_id:
                stored = ro.cases.next_id_with_account(account_id).account  # (id not kept)
            else:
                stored = None
            account = account_for(o, stored)
            decision = route_case(o, account)
            session = new_session(cast(UnitOfWork, ro), o, account, decision, _UNALLOCATED)
            session.settle()
            session.project()
    except Exception as exc:
        if is_write_attempt(exc):
            return None
        raise
    plain = all(p.event.kind in _PLAIN_OPENING for p in session.pending)
    if not plain or session.messages.queued:
        return None
    return Prepared(stored, session)


_PLAIN_OPENING = frozenset({EventKind.OPENED, EventKind.FLAGGED})


def write_prepared(uow: UnitOfWork, o: Opening, prepared: Prepared) -> Opened:
    """Write a prepared case in ``uow`` (not committed here: see write_turns.py)."""
    case_id, stored, _ = uow.cases.next_id_with_account(o.account_id)
    changed = stored != prepared.stored
    if changed or (not o.cmd.new_case and same_issue(uow, o)):
        # The account changed since, or this contact repeats an open case: decide again, here,
        # as without preparation.
        known_accounts.forget(o.rt, o.account_id)
        return open_in(uow, o, case_id, stored, None)
    known_accounts.remember(o.rt, store_account(uow, o, stored))
    session = prepared.session
    session.rebind(uow, case_id)
    return Opened(session.write(), linked=False)
