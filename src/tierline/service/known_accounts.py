"""Accounts as this process last found them stored, so that opening a case need not read its
account first.

A case is routed by its account (its value decides the tier, the targets, the level names), so
an opening that trusts a remembered account must find out, when it writes, whether the account
changed meanwhile, and then decide again from the stored one: on SQLite the write re-reads it
under the write lock (``case_preparation.py``); on PostgreSQL the case's one statement checks
the row still holds the values it was read with (``one_statement.expect_row``). A stale entry
costs a redo, never a case routed by an account that was no longer so.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from tierline.domain.case import Account
from tierline.service.runtime import Tierline

_LIMIT = 20_000  # accounts per engine; past it the memory starts over


@dataclass(frozen=True)
class Known:
    account: Account
    seen: dict[str, Any] | None  # the stored row's columns as read (what the write checks)


#: Per engine (a disposed engine's go with it), by account id.
_KNOWN: weakref.WeakKeyDictionary[Engine, dict[str, Known]] = weakref.WeakKeyDictionary()


def _of(rt: Tierline) -> dict[str, Known]:
    known = _KNOWN.get(rt.engine)
    if known is None:
        known = _KNOWN.setdefault(rt.engine, {})
    return known


def known(rt: Tierline, account_id: str | None) -> Known | None:
    return _of(rt).get(account_id) if account_id else None


def remember(rt: Tierline, account: Account | None, seen: dict[str, Any] | None = None) -> None:
    if account is not None:
        memory = _of(rt)
        if len(memory) >= _LIMIT:
            memory.clear()
        memory[account.id] = Known(account, seen)


def forget(rt: Tierline, account_id: str | None) -> None:
    _of(rt).pop(account_id or "", None)
