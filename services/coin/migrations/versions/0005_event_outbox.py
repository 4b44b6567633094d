"""Coin moves leave as events: a statement-level trigger on the ledger writes an outbox row for the entries each
INSERT appended, in the move's own transaction, and the coin relay (services/coin/events.py) publishes them as
coins.v1.CoinsMoved on `coins:events:coin`. The ledger functions are unchanged; entries written before this revision
are not published.

Revision ID: 0005
Revises: 0004
"""

from services.common.migrations import execute_script, execute_sql_files

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OUTBOX_SQL = r"""
CREATE TABLE coin.event_outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- pg_current_xact_id() of the move: the rows of one transaction are published together, as one operation
    xact_id      bigint NOT NULL,
    request_id   text NOT NULL,
    campaign_id  text NOT NULL,
    -- the ledger entries this row announces (concurrent moves interleave their ids, so no range would do)
    entry_ids    bigint[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX ix_event_outbox_unpublished ON coin.event_outbox (id) WHERE published_at IS NULL;
"""


def upgrade() -> None:
    execute_script(OUTBOX_SQL)
    execute_sql_files("coin", "outbox_moves", "ledger_outbox")


def downgrade() -> None:
    execute_script("""
        DROP TRIGGER ledger_outbox ON coin.ledger;
        DROP FUNCTION coin.outbox_moves();
        DROP TABLE coin.event_outbox;
    """)
