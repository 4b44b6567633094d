"""Each idea keeps the seconds it spent in each step it has left, worked out when it is written
(services/analytics/domain.py `time_in_steps`): a report's funnel medians become one aggregate query instead of
reading every idea's milestones. Ideas written before this revision get theirs at their next change, or all at once
with `python -m services.analytics rebuild`.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ideas", sa.Column("pending_s", sa.Float(), nullable=True), schema="analytics")
    op.add_column("ideas", sa.Column("competing_s", sa.Float(), nullable=True), schema="analytics")
    op.add_column("ideas", sa.Column("accepted_s", sa.Float(), nullable=True), schema="analytics")
    op.add_column("ideas", sa.Column("in_progress_s", sa.Float(), nullable=True), schema="analytics")


def downgrade() -> None:
    op.drop_column("ideas", "in_progress_s", schema="analytics")
    op.drop_column("ideas", "accepted_s", schema="analytics")
    op.drop_column("ideas", "competing_s", schema="analytics")
    op.drop_column("ideas", "pending_s", schema="analytics")
