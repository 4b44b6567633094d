"""Grants and expiry append their entries in one INSERT each instead of one per member: a campaign of 10,000 members
expires in one statement, and the ledger's event trigger writes one outbox row for it instead of 10,000.

Revision ID: 0006
Revises: 0005
"""

from services.common.migrations import execute_sql_files

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_sql_files("coin", "grant_members", "expire_campaign")


def downgrade() -> None:
    raise NotImplementedError("the ledger's functions move forward only; restore from a backup instead")
