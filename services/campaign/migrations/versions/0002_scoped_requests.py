"""Request ids scoped to (caller, method) with a fingerprint and the first answer; the reward cap in the policy.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from services.common.migrations import replace_requests_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "campaign"


def upgrade() -> None:
    replace_requests_table(SCHEMA)
    op.add_column("campaigns", sa.Column("max_rewarded_ideas", sa.BigInteger, nullable=False, server_default="3"),
                  schema=SCHEMA)


def downgrade() -> None:
    raise NotImplementedError("request ids cannot be unscoped again")
