"""When the scheduler told that an active campaign ends soon (CampaignEndingSoon): set in the same unit of work as
the event, under the campaign's row lock, so the notice goes out once however many replicas run the scheduler.
Campaigns that exist already start untold: those ending within the window are told at the next pass.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SCHEMA = "campaign"


def upgrade() -> None:
    op.add_column("campaigns", sa.Column("ending_notice_at", sa.DateTime(timezone=True), nullable=True), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("campaigns", "ending_notice_at", schema=SCHEMA)
