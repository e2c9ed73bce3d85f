"""The database schema (SQLAlchemy Core). Alembic migrations create it; tests use the same path.

The tables live in modules by what they hold — ``reference`` (policy versions, plans, accounts,
people), ``casework`` (cases, events, escalations, handoffs, approvals, incidents), ``delivery``
(outbox, staff alerts, worker heartbeats), ``customer`` (communications, surveys, link uses, mail
Message-IDs) and ``runs`` (import and replay runs) — all on the one ``metadata`` of ``base``.
This package re-exports every table, ``metadata`` and the column types, so
``from tierline.store.tables import cases`` keeps working, Alembic's ``env.py`` sees every table
through ``metadata``, and the migrations' ``tierline.store.tables.Instant`` still resolves.

Design notes:
* ``events`` is both the case history the domain folds and the audit trail: append-only, one row
  per change with before/after, hash-chained per case (``prev_hash`` → ``hash``) with the chain
  head kept on the case row, so editing, deleting or inserting an event is detected.
* ``cases`` keeps a projection of the folded state plus every deadline and ``next_due_at``
  (indexed), which is what the worker scans; it never rescans all open cases.
* ``plans`` stores each frozen plan once, by digest; cases point at it.
* ``outbox`` rows are written in the same transaction as the events that caused them and carry
  an idempotency key, unique, so a message can be queued once and delivered once.
"""

from __future__ import annotations

from tierline.store.tables.base import ID, TS, Instant, JSONType, metadata
from tierline.store.tables.casework import (
    approvals,
    cases,
    escalations,
    events,
    handoffs,
    incidents,
)
from tierline.store.tables.customer import communications, link_uses, mail_messages, surveys
from tierline.store.tables.delivery import alerts, outbox, worker_heartbeats
from tierline.store.tables.reference import accounts, people, plans, policy_versions
from tierline.store.tables.runs import import_runs, replay_runs

__all__ = [
    "ID",
    "TS",
    "Instant",
    "JSONType",
    "accounts",
    "alerts",
    "approvals",
    "cases",
    "communications",
    "escalations",
    "events",
    "handoffs",
    "import_runs",
    "incidents",
    "link_uses",
    "mail_messages",
    "metadata",
    "outbox",
    "people",
    "plans",
    "policy_versions",
    "replay_runs",
    "surveys",
    "worker_heartbeats",
]
