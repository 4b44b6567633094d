"""Notifications per user, preferences, the mail queue (with digests), processed event ids.

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
    op.create_table('email_settings',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('user_id'),
    schema='notification'
    )
    op.create_table('mails',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('mail_key', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('to_email', sa.String(length=320), nullable=False),
    sa.Column('to_name', sa.Text(), server_default='', nullable=False),
    sa.Column('template', sa.String(length=32), nullable=False),
    sa.Column('context', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('digest_id', sa.Uuid(), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mail_key'),
    schema='notification'
    )
    op.create_index('ix_mails_digest', 'mails', ['user_id', 'created_at'], unique=False, schema='notification',
                    postgresql_where=sa.text("state = 'waiting_digest'"))
    op.create_index('ix_mails_due', 'mails', ['next_attempt_at'], unique=False, schema='notification',
                    postgresql_where=sa.text("state = 'queued'"))
    op.create_table('notifications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('source_event_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('campaign_id', sa.String(length=100), server_default='', nullable=False),
    sa.Column('campaign_title', sa.Text(), server_default='', nullable=False),
    sa.Column('idea_id', sa.String(length=36), server_default='', nullable=False),
    sa.Column('link', sa.Text(), server_default='', nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seq'),
    sa.UniqueConstraint('source_event_id', 'user_id', 'kind', name='uq_notifications_once'),
    schema='notification'
    )
    op.create_index('ix_notifications_by_user', 'notifications', ['user_id', 'seq'], unique=False,
                    schema='notification')
    op.create_index('ix_notifications_unread', 'notifications', ['user_id', 'seq'], unique=False, schema='notification',
                    postgresql_where=sa.text('read_at IS NULL'))
    op.create_table('preferences',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'kind', 'channel'),
    schema='notification'
    )
    op.create_table('processed_events',
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('event_id'),
    schema='notification'
    )


def downgrade() -> None:
    op.drop_table('processed_events', schema='notification')
    op.drop_table('preferences', schema='notification')
    op.drop_index('ix_notifications_unread', table_name='notifications', schema='notification',
                  postgresql_where=sa.text('read_at IS NULL'))
    op.drop_index('ix_notifications_by_user', table_name='notifications', schema='notification')
    op.drop_table('notifications', schema='notification')
    op.drop_index('ix_mails_due', table_name='mails', schema='notification',
                  postgresql_where=sa.text("state = 'queued'"))
    op.drop_index('ix_mails_digest', table_name='mails', schema='notification',
                  postgresql_where=sa.text("state = 'waiting_digest'"))
    op.drop_table('mails', schema='notification')
    op.drop_table('email_settings', schema='notification')
