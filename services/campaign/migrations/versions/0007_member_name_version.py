"""Members' names follow renames (UserRenamed on coins:events:auth, services/campaign/renames.py): each membership
keeps the version of the rename that set its full_name, and a rename only applies over an older one. Memberships
that exist already start at 0 (the name taken at joining), so any rename still in the stream applies to them.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SCHEMA = "campaign"


def upgrade() -> None:
    op.add_column("members", sa.Column("name_version", sa.BigInteger, nullable=False, server_default="0"),
                  schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("members", "name_version", schema=SCHEMA)
