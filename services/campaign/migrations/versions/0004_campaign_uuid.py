"""One name per concept: `campaign_id` is a campaign's slug everywhere, so the columns holding the internal key
(campaigns.id) become `campaign_uuid`, with the foreign keys and the index named after them.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "campaign"
TABLES = ("members", "invitations", "sponsors", "tags")


def _rename(old: str, new: str) -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {SCHEMA}.{table} RENAME COLUMN {old} TO {new}")
        # PostgreSQL named the unnamed foreign keys <table>_<column>_fkey.
        op.execute(f"ALTER TABLE {SCHEMA}.{table} RENAME CONSTRAINT {table}_{old}_fkey TO {table}_{new}_fkey")
    op.execute(f"ALTER INDEX {SCHEMA}.ix_campaign_tags_{old} RENAME TO ix_campaign_tags_{new}")


def upgrade() -> None:
    _rename("campaign_id", "campaign_uuid")


def downgrade() -> None:
    _rename("campaign_uuid", "campaign_id")
