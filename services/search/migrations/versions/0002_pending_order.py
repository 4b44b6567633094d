"""The projector claims the oldest queued ideas first: an index on `queued_at` spares it sorting the whole queue
(193 ms per claim at 300,000 queued ideas without, 60 ms with; bench/README.md).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "search"


def upgrade() -> None:
    op.create_index("ix_pending_queued_at", "pending", ["queued_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_pending_queued_at", "pending", schema=SCHEMA)
