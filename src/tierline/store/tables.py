"""The database schema (SQLAlchemy Core). Alembic migrations create it; tests use the same path.

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

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite only autoincrements INTEGER keys
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Instant(TypeDecorator[datetime]):
    """An aware instant, stored in UTC; SQLite has no time zones, so it gets naive UTC text.

    Every value read back is an aware UTC datetime, whatever the backend, so the domain never
    sees a naive datetime from the store.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}; the store keeps aware instants only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TS = Instant()

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("version", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("label", String(200), nullable=False, default=""),
    Column("filename", String(500), nullable=False, default=""),
    Column("source_text", Text, nullable=False),
    Column("document", JSONType, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100)),
    Column("activated_at", TS),
    Column("active", Boolean, nullable=False, default=False),
)

plans = Table(
    "plans",
    metadata,
    Column("digest", String(40), primary_key=True),
    Column("policy_version", String(40), nullable=False),
    Column("data", JSONType, nullable=False),
    Column("created_at", TS, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(300), nullable=False, default=""),
    Column("segment", String(40), nullable=False, default="smb"),
    Column("value", String(40), nullable=False, default="standard"),
    Column("industry", String(100), nullable=False, default=""),
    Column("region", String(100), nullable=False, default=""),
    Column("customer_since", DateTime(timezone=False)),
    Column("renewal_date", DateTime(timezone=False)),
    Column("account_manager", String(100)),
    Column("created_at", TS, nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("handle", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("email", String(300)),
    Column("role", String(100), nullable=False),
    Column("team", String(100)),
    Column("skills", JSONType, nullable=False, default=list),
    Column("token_hash", String(64), unique=True),
    Column("scopes", JSONType, nullable=False, default=list),
    Column("active", Boolean, nullable=False, default=True),
    Column("working_hours", JSONType),  # {"calendar": name} or weekly hours; None = team calendar
    Column("quiet_hours", JSONType),
    Column("created_at", TS, nullable=False),
)

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


# --------------------------------------------------------------------------- communications

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

# --------------------------------------------------------------------------- import and replay

#: One row per run of ``tierline import events``: the file is known by the SHA-256 of its bytes
#: and the mapping by a digest of its text, so a re-run of the same pair finds the earlier run
#: (complete: nothing to do; interrupted: resume). Cases themselves are idempotent through
#: ``cases (source, external_ref)``.
import_runs = Table(
    "import_runs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("mapping_name", String(100), nullable=False),
    Column("mapping_digest", String(64), nullable=False),
    Column("status", String(20), nullable=False),  # running, interrupted, complete
    Column("resumed_from", ID),
    Column("started_at", TS, nullable=False),
    Column("finished_at", TS),
    Column("rows", Integer, nullable=False, default=0),
    Column("cases_in_file", Integer, nullable=False, default=0),
    Column("cases_imported", Integer, nullable=False, default=0),
    Column("cases_existing", Integer, nullable=False, default=0),
    Column("events_written", BigInteger, nullable=False, default=0),
    Column("bad_rows", Integer, nullable=False, default=0),
    Column("skipped_cases", Integer, nullable=False, default=0),
    Column("problems", JSONType, nullable=False, default=list),  # the first ones, with lines
    Column("policy_version", String(40)),
)
Index("ix_import_runs_file", import_runs.c.file_sha256, import_runs.c.mapping_digest)

#: Stored replay and what-if reports (``tierline replay`` / ``simulate`` with a database, and
#: the API), so the web UI can list and show them later.
replay_runs = Table(
    "replay_runs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # replay, simulate
    Column("policy_version", String(40), nullable=False),
    Column("candidate_version", String(40)),
    Column("log_name", String(500), nullable=False),
    Column("log_sha256", String(64), nullable=False),
    Column("mapping_name", String(100), nullable=False),
    Column("events", BigInteger, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100)),
    Column("report", JSONType, nullable=False),
)
Index("ix_replay_runs_created_at", replay_runs.c.created_at)
