-- Once per INSERT statement, not per row: an archive appending thousands of entries in one statement writes one
-- outbox row.
CREATE OR REPLACE TRIGGER ledger_outbox AFTER INSERT ON coin.ledger REFERENCING NEW TABLE AS appended
    FOR EACH STATEMENT EXECUTE FUNCTION coin.outbox_moves();
