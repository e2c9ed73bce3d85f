"""Tables of the cases themselves and what happens to them: the case row, its event log,
escalations with their handoffs, approvals, and the incidents cases can be linked to.

* ``events`` is both the case history the domain folds and the audit trail: append-only, one row
  per change with before/after, hash-chained per case (``prev_hash`` → ``hash``) with the chain
  head kept on the case row, so editing, deleting or inserting an event is detected.
* ``cases`` keeps a projection of the folded state plus every deadline and ``next_due_at``
  (indexed), which is what the worker scans; it never rescans all open cases.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tierline.store.tables.base import ID, TS, JSONType, metadata

cases = Table(
    "cases",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("external_ref", String(200)),
    Column("source", String(100)),  # api, email, import:<file>
    Column("account_id", String(100), ForeignKey("accounts.id")),
    Column("contact_name", String(300), nullable=False, default=""),
    Column("contact_email", String(300)),
    Column("subject", String(500), nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("channel", String(20)),
    Column("contact_type", String(100), nullable=False),
    Column("product_area", String(200), nullable=False, default=""),
    Column("language", String(10), nullable=False, default="en"),
    Column("severity", String(2), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("status", String(60), nullable=False),
    Column("tier", String(40)),
    Column("team", String(100)),
    Column("owner", String(100)),
    Column("coordinator", String(100)),
    Column("next_comm_owner", String(100)),
    Column("ownership_state", String(30), nullable=False, default="owned"),
    Column("policy_version", String(40), nullable=False),
    Column("plan_digest", String(40), ForeignKey("plans.digest"), nullable=False),
    Column("opened_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("resolved_at", TS),
    Column("closed_at", TS),
    Column("closure", String(30)),
    Column("first_response_due", TS),
    Column("next_update_due", TS),
    Column("resolution_due", TS),
    Column("acceptance_due", TS),
    Column("regulatory_due", TS),
    Column("communication_due", TS),
    Column("next_due_at", TS),
    Column("breached", Boolean, nullable=False, default=False),
    Column("repeat_contacts", Integer, nullable=False, default=0),
    Column("reopen_count", Integer, nullable=False, default=0),
    Column("transfers", Integer, nullable=False, default=0),
    Column("ping_pong", Boolean, nullable=False, default=False),
    Column("escalation_count", Integer, nullable=False, default=0),
    Column("repeat_of", ID, ForeignKey("cases.id")),
    Column("incident_id", String(100)),
    Column("root_cause", String(100)),
    Column("clocks", JSONType, nullable=False, default=list),
    Column("state", JSONType, nullable=False, default=dict),
    Column("version", Integer, nullable=False, default=1),
    Column("audit_seq", Integer, nullable=False, default=0),
    Column("audit_head", String(64), nullable=False, default=""),
    UniqueConstraint("source", "external_ref", name="uq_cases_source_external_ref"),
)
Index("ix_cases_next_due_at", cases.c.next_due_at)
Index("ix_cases_status_team", cases.c.status, cases.c.team)
Index("ix_cases_account_open", cases.c.account_id, cases.c.contact_type, cases.c.status)
Index("ix_cases_owner", cases.c.owner)
Index("ix_cases_opened_at", cases.c.opened_at)
Index("ix_cases_contact_email", cases.c.contact_email)

events = Table(
    "events",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", TS, nullable=False),  # when it happened (may be simulated / imported time)
    Column("recorded_at", TS, nullable=False),  # when it was written
    Column("kind", String(40), nullable=False),
    Column("actor", String(100)),
    Column("data", JSONType, nullable=False),
    Column("before", JSONType),
    Column("after", JSONType),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("case_id", "seq", name="uq_events_case_seq"),
)
Index("ix_events_kind_at", events.c.kind, events.c.at)

escalations = Table(
    "escalations",
    metadata,
    Column("id", String(60), primary_key=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("type", String(40), nullable=False),
    Column("from_tier", String(40)),
    Column("from_team", String(100)),
    Column("from_owner", String(100)),
    Column("to_tier", String(40)),
    Column("to_team", String(100)),
    Column("to_person", String(100)),
    Column("reason", Text, nullable=False, default=""),
    Column("automatic", Boolean, nullable=False, default=False),
    Column("rule_id", String(100)),
    Column("explanation", JSONType),
    Column("requested_at", TS, nullable=False),
    Column("requested_by", String(100)),
    Column("accepted_at", TS),
    Column("accepted_by", String(100)),
    Column("status", String(20), nullable=False, default="pending"),  # pending accepted cancelled
    Column("handoff_completeness", Float),
    Column("repeat_of", String(60)),
)
Index("ix_escalations_requested_at", escalations.c.requested_at)

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("escalation_id", String(60), ForeignKey("escalations.id")),
    Column("fields", JSONType, nullable=False),
    Column("completeness", Float, nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("warm", Boolean, nullable=False, default=False),
    Column("recorded_by", String(100)),
    Column("recorded_at", TS, nullable=False),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("action", String(40), nullable=False),
    Column("amount", String(60), nullable=False),
    Column("currency", String(10)),
    Column("reason", Text, nullable=False, default=""),
    Column("requested_by", String(100), nullable=False),
    Column("requester_role", String(100), nullable=False),
    Column("approver_role", String(100), nullable=False),
    Column("status", String(20), nullable=False, default="pending"),
    Column("requested_at", TS, nullable=False),
    Column("due_at", TS),
    Column("decided_by", String(100)),
    Column("decided_at", TS),
    Column("decision_note", Text),
    Column("explanation", JSONType),
)

#: Incidents (outages) that many cases can be linked to (R-CASE-5, R-WARN-4).
incidents = Table(
    "incidents",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("title", String(500), nullable=False),
    Column("severity", String(2), nullable=False),
    Column("status", String(20), nullable=False, default="open"),
    Column("started_at", TS, nullable=False),
    Column("resolved_at", TS),
    Column("created_by", String(100)),
    Column("created_at", TS, nullable=False),
)
