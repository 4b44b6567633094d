-- Trigger of ledger_outbox: each statement that appends to the ledger leaves, in its transaction, one outbox row
-- per request it wrote entries for, naming them. The coin relay (services/coin/events.py) publishes those entries
-- as CoinsMoved; a move refused or rolled back leaves no row, and no ledger function needs to know.
CREATE OR REPLACE FUNCTION coin.outbox_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The top-level transaction's id: the rows of one commit are one operation, published together. The request id
    -- alone would not do: a retried activation (open_campaign) grants latecomers under its first id.
    INSERT INTO coin.event_outbox (xact_id, request_id, campaign_id, entry_ids)
    SELECT pg_current_xact_id()::text::bigint, request_id, campaign_id, array_agg(id ORDER BY id)
    FROM appended GROUP BY request_id, campaign_id;
    RETURN NULL;
END $$;
