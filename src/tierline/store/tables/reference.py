"""Tables of what cases refer to: policy versions, the plans frozen from them, customer accounts
and the staff who work cases.

``plans`` stores each frozen plan once, by digest; cases point at it.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    String,
    Table,
    Text,
)

from tierline.store.tables.base import ID, TS, JSONType, metadata

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
