"""Campaigns, members and invitations, sponsors, tags, request ids, outbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "campaign"


def _time(name: str, required: bool = False, now: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=not required,
                     server_default=sa.func.now() if now else None)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("slug", sa.String(100), nullable=False, unique=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="draft"),
        _time("start_time"), _time("end_time"),
        sa.Column("banner_image_url", sa.String(500), nullable=False, server_default=""),
        sa.Column("icon_url", sa.String(500), nullable=False, server_default=""),
        sa.Column("initial_allocation", sa.BigInteger, nullable=False, server_default="100"),
        sa.Column("idea_submission_reward", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("allow_reallocation", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("allow_recycling", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("max_per_idea", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_by", UUID),
        _time("created_at", True, True), _time("updated_at", True, True),
        sa.CheckConstraint("type IN ('open', 'mediated', 'closed')", name="ck_campaigns_type"),
        sa.CheckConstraint("status IN ('draft', 'active', 'completed', 'archived')", name="ck_campaigns_status"),
        sa.CheckConstraint("initial_allocation >= 0 AND idea_submission_reward >= 0 AND max_per_idea >= 0",
                           name="ck_campaigns_policy"),
        schema=SCHEMA,
    )
    op.create_index("ix_campaigns_due_start", "campaigns", ["start_time"], schema=SCHEMA,
                    postgresql_where=sa.text("status = 'draft'"))
    op.create_index("ix_campaigns_due_end", "campaigns", ["end_time"], schema=SCHEMA,
                    postgresql_where=sa.text("status = 'active'"))
    op.create_table(
        "members",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("campaign_id", UUID, sa.ForeignKey(f"{SCHEMA}.campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", UUID, index=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False, index=True),
        sa.Column("full_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("invited_by", UUID),
        _time("invited_at"), _time("joined_at"),
        sa.UniqueConstraint("campaign_id", "email_key"),
        sa.CheckConstraint("role IN ('member', 'manager')", name="ck_members_role"),
        sa.CheckConstraint("state IN ('invited', 'joined')", name="ck_members_state"),
        schema=SCHEMA,
    )
    op.create_table(
        "sponsors",
        sa.Column("campaign_id", UUID, sa.ForeignKey(f"{SCHEMA}.campaigns.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", UUID, primary_key=True),
        _time("added_at", True, True),
        schema=SCHEMA,
    )
    op.create_table(
        "tags",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("campaign_id", UUID, sa.ForeignKey(f"{SCHEMA}.campaigns.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("color", sa.String(7), nullable=False, server_default=""),
        _time("created_at", True, True),
        schema=SCHEMA,
    )
    op.create_index("ux_tags_campaign_name", "tags", ["campaign_id", sa.text("lower(name)")], unique=True,
                    schema=SCHEMA)
    op.create_table(
        "requests",
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("result_id", sa.String(100), nullable=False),
        _time("created_at", True, True),
        schema=SCHEMA,
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        _time("created_at", True, True), _time("delivered_at"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        schema=SCHEMA,
    )
    op.create_index("ix_outbox_pending", "outbox", ["id"], schema=SCHEMA,
                    postgresql_where=sa.text("delivered_at IS NULL"))


def downgrade() -> None:
    for table in ("outbox", "requests", "tags", "sponsors", "members", "campaigns"):
        op.drop_table(table, schema=SCHEMA)
