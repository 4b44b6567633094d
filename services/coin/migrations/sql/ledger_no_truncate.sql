-- The ledger is append-only: TRUNCATE does not empty it either.
CREATE OR REPLACE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON coin.ledger
    FOR EACH STATEMENT EXECUTE FUNCTION coin.ledger_is_append_only();
