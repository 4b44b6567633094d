"""Ideas with a normalised title key for duplicate detection, tags, status history, request ids.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "idea"


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Stemmed words without stop words, in the tsvector's fixed order: "Bike racks at offices" and "office bike
    # rack" get the same key; trigram similarity on keys then forgives typos.
    op.execute("""
        CREATE FUNCTION idea.title_key(title text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT coalesce(nullif(array_to_string(tsvector_to_array(to_tsvector('english'::regconfig, title)), ' '),
                                   ''), lower(title))
        $$""")
    op.create_table(
        "ideas",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("campaign_id", sa.String(100), nullable=False),
        sa.Column("submitter_id", UUID, nullable=False),
        sa.Column("submitter_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("title_key", sa.Text, sa.Computed("idea.title_key(title)", persisted=True)),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("context_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("permalink_source", sa.String(255), nullable=False, server_default=""),
        *(sa.Column(name, sa.DateTime(timezone=True)) for name in (
            "approved_at", "rejected_at", "accepted_at", "started_at", "completed_at")),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("status IN ('pending', 'rejected', 'competing', 'accepted', 'in_progress', 'complete')",
                           name="ck_ideas_status"),
        schema=SCHEMA,
    )
    op.create_index("ix_ideas_campaign_status", "ideas", ["campaign_id", "status"], schema=SCHEMA)
    op.create_index("ix_ideas_campaign_context", "ideas", ["campaign_id", "context_id"], schema=SCHEMA)
    op.execute("CREATE INDEX ix_ideas_title_key_trgm ON idea.ideas USING gin (title_key gin_trgm_ops)")
    op.create_table(
        "idea_tags",
        sa.Column("idea_id", UUID, sa.ForeignKey(f"{SCHEMA}.ideas.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag_id", UUID, primary_key=True, index=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "status_changes",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("idea_id", UUID, sa.ForeignKey(f"{SCHEMA}.ideas.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor_id", UUID, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "requests",
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("idea_id", UUID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("requests", "status_changes", "idea_tags", "ideas"):
        op.drop_table(table, schema=SCHEMA)
    op.execute("DROP FUNCTION idea.title_key(text)")
