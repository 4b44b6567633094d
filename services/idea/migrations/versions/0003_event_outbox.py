"""The idea family's event outbox (services/common/events.py): idea submitted, edited, status changed.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from services.common.events import event_outbox_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "idea"


def upgrade() -> None:
    event_outbox_table(sa.MetaData(schema=SCHEMA)).create(op.get_bind())


def downgrade() -> None:
    op.drop_table("event_outbox", schema=SCHEMA)
