-- The ledger is append-only: no UPDATE, DELETE or TRUNCATE reaches it.
CREATE OR REPLACE FUNCTION coin.ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'LEDGER_APPEND_ONLY' USING DETAIL = 'ledger entries are never changed or removed';
END $$;
