"""Submitter names follow renames (UserRenamed on coins:events:auth, services/idea/renames.py): each idea keeps the
version of the rename that set its submitter's name, and a rename only applies over an older one. Ideas that exist
already start at 0 (the name taken at submission), so any rename still in the stream applies to them. The index
lets a rename find its user's ideas.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "idea"


def upgrade() -> None:
    op.add_column("ideas", sa.Column("submitter_name_version", sa.BigInteger, nullable=False, server_default="0"),
                  schema=SCHEMA)
    op.create_index("ix_ideas_submitter", "ideas", ["submitter_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_ideas_submitter", "ideas", schema=SCHEMA)
    op.drop_column("ideas", "submitter_name_version", schema=SCHEMA)
