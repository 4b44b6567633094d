"""Verified email addresses: when each user proved theirs, and the single-use tokens of verification links.
Register's request ids scoped to caller and method, with a fingerprint and the first answer (idempotency.py).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from services.common.idempotency import requests_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "auth"


def upgrade() -> None:
    # Accounts that exist already have proved nothing: they start unverified.
    op.add_column("users", sa.Column("email_verified_at", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.create_table(
        "email_verifications",
        sa.Column("token_digest", sa.LargeBinary(32), primary_key=True),
        sa.Column("user_id", UUID, sa.ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    op.drop_table("registration_requests", schema=SCHEMA)
    requests_table(sa.MetaData(schema=SCHEMA)).create(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("request ids cannot be unscoped again")
