"""The analytics read model: campaigns, members, invitations (as digests), tags and ideas with their standing, kept
as their newest versions; a copy of the coin ledger keyed by entry id; the sums the dashboard reads (coins per
kind, allocations per hour, who has backed).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('allocated_hourly',
    sa.Column('campaign_id', sa.Text(), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('allocated', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('campaign_id', 'hour'),
    schema='analytics'
    )
    op.create_table('backers',
    sa.Column('campaign_id', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('campaign_id', 'user_id'),
    schema='analytics'
    )
    op.create_table('campaigns',
    sa.Column('campaign_id', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('start_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('campaign_id'),
    schema='analytics'
    )
    op.create_table('coin_sums',
    sa.Column('campaign_id', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('names_idea', sa.Boolean(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('campaign_id', 'kind', 'names_idea'),
    schema='analytics'
    )
    op.create_table('entries',
    sa.Column('entry_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('campaign_id', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('idea_id', sa.Uuid(), nullable=True),
    sa.Column('from_idea_id', sa.Uuid(), nullable=True),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('request_id', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('entry_id'),
    schema='analytics'
    )
    op.create_index('ix_entries_campaign', 'entries', ['campaign_id', 'entry_id'], unique=False, schema='analytics')
    op.create_table('ideas',
    sa.Column('idea_id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), server_default='', nullable=False),
    sa.Column('status', sa.Text(), server_default='pending', nullable=False),
    sa.Column('submitter_id', sa.Uuid(), nullable=True),
    sa.Column('context_id', sa.Text(), server_default='', nullable=False),
    sa.Column('source', sa.Text(), server_default='', nullable=False),
    sa.Column('tag_ids', postgresql.ARRAY(sa.Uuid()), server_default='{}', nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('idea_version', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('coins', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('backers', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('standing_version', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('idea_id'),
    schema='analytics'
    )
    op.create_index('ix_ideas_campaign_coins', 'ideas', ['campaign_id', sa.literal_column('coins DESC')],
                    unique=False, schema='analytics')
    op.create_table('invitations',
    sa.Column('campaign_id', sa.Text(), nullable=False),
    sa.Column('email_digest', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('campaign_id', 'email_digest'),
    schema='analytics'
    )
    op.create_table('members',
    sa.Column('campaign_id', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('joined', sa.Boolean(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('campaign_id', 'user_id'),
    schema='analytics'
    )
    op.create_table('tags',
    sa.Column('tag_id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('tag_id'),
    schema='analytics'
    )


def downgrade() -> None:
    op.drop_table('tags', schema='analytics')
    op.drop_table('members', schema='analytics')
    op.drop_table('invitations', schema='analytics')
    op.drop_index('ix_ideas_campaign_coins', table_name='ideas', schema='analytics')
    op.drop_table('ideas', schema='analytics')
    op.drop_index('ix_entries_campaign', table_name='entries', schema='analytics')
    op.drop_table('entries', schema='analytics')
    op.drop_table('coin_sums', schema='analytics')
    op.drop_table('campaigns', schema='analytics')
    op.drop_table('backers', schema='analytics')
    op.drop_table('allocated_hourly', schema='analytics')
