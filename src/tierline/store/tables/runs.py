"""Tables recording runs over whole event logs: imports (so a re-run resumes or does nothing) and
stored replay and what-if reports.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Table,
)

from tierline.store.tables.base import ID, TS, JSONType, metadata

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
