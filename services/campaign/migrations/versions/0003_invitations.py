"""Invitations become single-use links of their own table; members are the people who joined, by user id.

Open invitations of the old kind matched an email address and never had a link: they are carried over as expired,
so managers still see whom they invited and invite again to get a link.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "campaign"


def _time(name: str, required: bool = False, now: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=not required,
                     server_default=sa.func.now() if now else None)


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("campaign_id", UUID, sa.ForeignKey(f"{SCHEMA}.campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        # sha256 of the link's token: the token itself is never stored.
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("invited_by", UUID, nullable=False),
        _time("created_at", True, True), _time("expires_at", True),
        sa.Column("accepted_by", UUID),
        _time("accepted_at"), _time("revoked_at"),
        sa.CheckConstraint("role IN ('member', 'manager')", name="ck_invitations_role"),
        sa.CheckConstraint("accepted_at IS NULL OR revoked_at IS NULL", name="ck_invitations_one_end"),
        schema=SCHEMA,
    )
    op.create_index("ix_invitations_campaign", "invitations", ["campaign_id", "created_at"], schema=SCHEMA)
    # At most one open invitation per address and campaign: inviting again replaces its link.
    op.create_index("ux_invitations_open", "invitations", ["campaign_id", "email_key"], unique=True, schema=SCHEMA,
                    postgresql_where=sa.text("accepted_at IS NULL AND revoked_at IS NULL"))
    op.execute(f"""
        INSERT INTO {SCHEMA}.invitations (id, campaign_id, email, email_key, role, token_digest, invited_by,
                                          created_at, expires_at)
        SELECT id, campaign_id, email, email_key, role, encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')),
               'hex'), invited_by, coalesce(invited_at, now()), now()
        FROM {SCHEMA}.members WHERE state = 'invited' AND invited_by IS NOT NULL""")
    op.execute(f"DELETE FROM {SCHEMA}.members WHERE state = 'invited'")
    for column in ("state", "invited_by", "invited_at", "email_key"):  # drops their constraints and indexes too
        op.drop_column("members", column, schema=SCHEMA)
    op.alter_column("members", "user_id", nullable=False, schema=SCHEMA)
    op.create_unique_constraint("uq_members_campaign_user", "members", ["campaign_id", "user_id"], schema=SCHEMA)


def downgrade() -> None:
    raise NotImplementedError("invitation links cannot become email matches again")
