"""The account events' outbox (services/common/events.py): registration, email verification, deactivation and
reactivation write their events here in their own transaction, and the relay publishes them to the stream
coins:events:auth.

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

SCHEMA = "auth"


def upgrade() -> None:
    # Built from the same factory as repository.py's EVENT_OUTBOX, so model and migration agree.
    event_outbox_table(sa.MetaData(schema=SCHEMA)).create(op.get_bind())


def downgrade() -> None:
    op.drop_table("event_outbox", schema=SCHEMA)
