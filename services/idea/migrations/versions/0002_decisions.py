"""Request ids scoped to (caller, method); decisions in flight (accept / reject driven to one outcome).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from services.common.migrations import replace_requests_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "idea"


def upgrade() -> None:
    replace_requests_table(SCHEMA)
    op.create_table(
        "decisions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("idea_id", UUID, sa.ForeignKey("idea.ideas.id", ondelete="CASCADE"), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("actor_id", UUID, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("request_caller", sa.String(80), nullable=False, server_default=""),
        sa.Column("request_method", sa.String(200), nullable=False, server_default=""),
        sa.Column("request_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("request_fingerprint", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("refusal", sa.Text, nullable=False, server_default=""),
        schema=SCHEMA,
    )
    op.create_index("ux_decisions_open_per_idea", "decisions", ["idea_id"], unique=True, schema=SCHEMA,
                    postgresql_where=sa.text("done_at IS NULL"))


def downgrade() -> None:
    raise NotImplementedError("request ids cannot be unscoped again")
