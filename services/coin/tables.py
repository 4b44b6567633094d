"""The coin schema's tables as SQLAlchemy sees them. The migrations create them in plain SQL and the ledger functions
(migrations/sql/) are what reads and writes them; this declaration is what `python -m services.common.migrations
check coin` compares the migrated database with, so a column added on one side only fails the check. Check
constraints and triggers are not compared by Alembic; they live in the migrations alone."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = sa.MetaData(schema="coin")

NOW = sa.text("now()")


def _coins(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger, nullable=False, server_default=sa.text("0"))


campaigns = sa.Table(
    "campaigns", metadata,
    sa.Column("campaign_id", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("initial_allocation", sa.BigInteger, nullable=False),
    sa.Column("idea_submission_reward", sa.BigInteger, nullable=False),
    sa.Column("allow_reallocation", sa.Boolean, nullable=False),
    sa.Column("allow_recycling", sa.Boolean, nullable=False),
    sa.Column("max_per_idea", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.TIMESTAMP(timezone=True), nullable=False, server_default=NOW),
    sa.Column("max_rewarded_ideas", sa.BigInteger, nullable=False, server_default=sa.text("3")),
    sa.Column("completed_at", sa.TIMESTAMP(timezone=True)),
)

accounts = sa.Table(
    "accounts", metadata,
    sa.Column("campaign_id", sa.Text, sa.ForeignKey(campaigns.c.campaign_id), primary_key=True),
    sa.Column("user_id", UUID, primary_key=True),
    _coins("granted"),
    _coins("available"),
    _coins("allocated"),
    _coins("expended"),
    _coins("expired"),
    _coins("burned"),
    sa.Column("initial_granted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("member", sa.Boolean, nullable=False, server_default=sa.true()),
)

ideas = sa.Table(
    "ideas", metadata,
    sa.Column("idea_id", UUID, primary_key=True),
    sa.Column("campaign_id", sa.Text, sa.ForeignKey(campaigns.c.campaign_id), nullable=False),
    sa.Column("submitter_id", UUID, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("opened_at", sa.TIMESTAMP(timezone=True), nullable=False, server_default=NOW),
    sa.Column("closed_at", sa.TIMESTAMP(timezone=True)),
    sa.Column("reward", sa.BigInteger, nullable=False, server_default=sa.text("0")),
    sa.Column("reward_revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ideas_by_submitter", "campaign_id", "submitter_id"),
)

allocations = sa.Table(
    "allocations", metadata,
    sa.Column("idea_id", UUID, sa.ForeignKey(ideas.c.idea_id), primary_key=True),
    sa.Column("user_id", UUID, primary_key=True),
    sa.Column("campaign_id", sa.Text, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("expended", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", sa.TIMESTAMP(timezone=True), nullable=False, server_default=NOW),
    sa.Index("allocations_by_member", "campaign_id", "user_id"),
)

ledger = sa.Table(
    "ledger", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("campaign_id", sa.Text, nullable=False),
    sa.Column("user_id", UUID, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("idea_id", UUID),
    sa.Column("from_idea_id", UUID),
    sa.Column("actor_id", UUID),
    sa.Column("request_id", sa.Text, nullable=False),
    sa.Column("created_at", sa.TIMESTAMP(timezone=True), nullable=False, server_default=NOW),
)
# A member's history, newest first.
sa.Index("ledger_by_member", ledger.c.campaign_id, ledger.c.user_id, ledger.c.id.desc())

requests = sa.Table(
    "requests", metadata,
    sa.Column("request_id", sa.Text, primary_key=True),
    sa.Column("operation", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("response", JSONB),
    sa.Column("created_at", sa.TIMESTAMP(timezone=True), nullable=False, server_default=NOW),
)

results = sa.Table(
    "results", metadata,
    sa.Column("campaign_id", sa.Text, sa.ForeignKey(campaigns.c.campaign_id), primary_key=True),
    sa.Column("idea_id", UUID, sa.ForeignKey(ideas.c.idea_id), primary_key=True),
    sa.Column("coins", sa.BigInteger, nullable=False),
    sa.Column("backers", sa.BigInteger, nullable=False),
)

# Written by the ledger's trigger (migrations/sql/outbox_moves.sql), read and marked by the coin relay (events.py).
event_outbox = sa.Table(
    "event_outbox", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("xact_id", sa.BigInteger, nullable=False),
    sa.Column("request_id", sa.Text, nullable=False),
    sa.Column("campaign_id", sa.Text, nullable=False),
    sa.Column("entry_ids", ARRAY(sa.BigInteger), nullable=False),
    sa.Column("created_at", sa.TIMESTAMP(timezone=True), nullable=False, server_default=NOW),
    sa.Column("published_at", sa.TIMESTAMP(timezone=True)),
    sa.Index("ix_event_outbox_unpublished", "id", postgresql_where=sa.text("published_at IS NULL")),
)
