"""Repositories: the queries each use case needs, one small class per table.

They speak rows (plain dicts) and domain values; they never decide anything. Locks are taken
here (``FOR UPDATE`` on PostgreSQL; SQLite already holds the write lock from ``BEGIN IMMEDIATE``).

Each repository lives in a module named for what it holds — ``store.cases``, ``store.people``,
``store.accounts``, ``store.escalations`` (escalations, handoffs, approvals) and
``store.policies`` (policy versions, plans) — next to the ones that always had their own
(``store.alerts``, ``store.communications``, ``store.outbox``, ``store.mail``). This module
re-exports the former, so ``from tierline.store.repos import X`` keeps working.
"""

from __future__ import annotations

from tierline.store.accounts import AccountRepo, account_from_row
from tierline.store.cases import CaseRepo, Row
from tierline.store.escalations import ApprovalRepo, EscalationRepo, HandoffRepo
from tierline.store.people import PeopleRepo
from tierline.store.policies import PlanRepo, PolicyRepo

__all__ = [
    "AccountRepo",
    "ApprovalRepo",
    "CaseRepo",
    "EscalationRepo",
    "HandoffRepo",
    "PeopleRepo",
    "PlanRepo",
    "PolicyRepo",
    "Row",
    "account_from_row",
]
