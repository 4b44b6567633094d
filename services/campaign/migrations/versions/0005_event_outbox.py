"""The domain events' outbox (services/common/events.py): each change writes its events here in its own transaction,
and the relay publishes them to the stream coins:events:campaign.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from services.common.events import event_outbox_table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = "campaign"


def upgrade() -> None:
    event_outbox_table(sa.MetaData(schema=SCHEMA)).create(op.get_bind())


def downgrade() -> None:
    op.drop_table("event_outbox", schema=SCHEMA)
