"""Tables of the customer's side of a case: the required communications and their outcomes,
post-escalation surveys, single-use customer links, and the Message-IDs of mail in and out.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tierline.store.tables.base import ID, TS, metadata

#: Every required customer communication of a case, one row per communication clock: the stored
#: deadline and its outcome, so compliance (share sent on time) is an aggregate query (R-COMM-6).
communications = Table(
    "communications",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("clock_key", String(120), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("opens_at", TS),  # not before (follow-up window)
    Column("due_at", TS),
    Column("sent_at", TS),
    Column("status", String(20), nullable=False),  # pending met met_late missed cancelled
    Column("owner", String(100)),  # who owned the communication when it was due
    Column("team", String(100)),
    Column("escalation_type", String(40)),
    Column("updated_at", TS, nullable=False),
    UniqueConstraint("case_id", "clock_key", name="uq_communications_case_clock"),
)
Index("ix_communications_due", communications.c.due_at)
Index("ix_communications_kind_status", communications.c.kind, communications.c.status)

#: Post-escalation satisfaction, kept apart from any overall CSAT (R-RES-2).
surveys = Table(
    "surveys",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False, default="post_escalation"),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("created_at", TS, nullable=False),
)

#: Single-use customer links: a used link's nonce is recorded and refused the second time.
link_uses = Table(
    "link_uses",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("used_at", TS, nullable=False),
)

#: Message-IDs of mail sent and received, to thread replies into their case and to refuse the
#: same inbound message twice.
mail_messages = Table(
    "mail_messages",
    metadata,
    Column("message_id", String(500), primary_key=True),
    Column("case_id", ID, ForeignKey("cases.id")),
    Column("direction", String(10), nullable=False),  # in, out
    Column("recorded_at", TS, nullable=False),
)
Index("ix_mail_messages_case", mail_messages.c.case_id)
