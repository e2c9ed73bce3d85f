"""index on cases.contact_email

Inbound mail looks up the sender's latest case by address (R-CASE-4); without an index that
is a full scan of ``cases`` for every message received.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 19:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_contact_email", "cases", ["contact_email"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_contact_email", table_name="cases")
