-- The ledger is append-only: no row of it is changed or removed.
CREATE OR REPLACE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON coin.ledger
    FOR EACH ROW EXECUTE FUNCTION coin.ledger_is_append_only();
