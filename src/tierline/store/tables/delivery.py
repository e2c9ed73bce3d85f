"""Tables of what goes out and who sends it: the outbox, staff alerts, and the workers'
heartbeats.

``outbox`` rows are written in the same transaction as the events that caused them and carry an
idempotency key, unique, so a message can be queued once and delivered once.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from tierline.store.tables.base import ID, TS, JSONType, metadata

outbox = Table(
    "outbox",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("case_id", ID, ForeignKey("cases.id")),
    Column("event_id", ID),
    Column("kind", String(40), nullable=False),  # notification, case_event, customer_message
    Column("channel", String(20), nullable=False),  # log, webhook, email
    Column("recipient", String(300)),
    Column("subject", String(500)),
    Column("payload", JSONType, nullable=False),
    Column("status", String(20), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS, nullable=False),
    Column("claimed_by", String(100)),
    Column("claimed_until", TS),
    Column("last_error", Text),
    Column("created_at", TS, nullable=False),
    Column("sent_at", TS),
)
Index("ix_outbox_status_next", outbox.c.status, outbox.c.next_attempt_at)

worker_heartbeats = Table(
    "worker_heartbeats",
    metadata,
    Column("worker", String(100), primary_key=True),
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", TS, nullable=False),
    Column("seen_at", TS, nullable=False),
    Column("fired", BigInteger, nullable=False, default=0),
    Column("sent", BigInteger, nullable=False, default=0),
    Column("lag_seconds", Float, nullable=False, default=0.0),
)

#: Staff alerts (warning, breach, vacuum, approval due…): repeated until acknowledged, routed to
#: whoever is on duty, de-duplicated and batched into digests (R-COMM, issue 4 §8).
alerts = Table(
    "alerts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id")),
    Column("recipient", String(100), nullable=False),
    Column("intended_for", String(100)),  # the person named, when another on duty took it
    Column("kind", String(40), nullable=False),  # warning breach vacuum approval_due ...
    Column("summary", Text, nullable=False),
    Column("payload", JSONType, nullable=False),
    Column("dedupe_key", String(300), nullable=False),
    Column("digest", Boolean, nullable=False, default=False),
    Column("status", String(20), nullable=False, default="pending"),  # pending sent acked
    Column("created_at", TS, nullable=False),
    Column("deliver_after", TS, nullable=False),
    Column("delivered_at", TS),
    Column("repeats", Integer, nullable=False, default=0),
    Column("next_repeat_at", TS),
    Column("acknowledged_at", TS),
    Column("acknowledged_by", String(100)),
)
Index("ix_alerts_status_deliver", alerts.c.status, alerts.c.deliver_after)
Index("ix_alerts_recipient", alerts.c.recipient, alerts.c.status)
Index("ix_alerts_dedupe", alerts.c.dedupe_key)
