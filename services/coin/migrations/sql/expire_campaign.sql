-- Completion: nothing moves once this commits. Members' available coins expire; coins on competing ideas stay,
-- and the snapshot records the result. A campaign already completed (a repeat, another replica) changes nothing.
CREATE OR REPLACE FUNCTION coin.expire_campaign(p_request_id text, p_campaign text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_total bigint := 0;
    v_members bigint := 0;
BEGIN
    v_done := coin.begin_request(p_request_id, 'expire', p_campaign);
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    -- Exclusive: waits for every move in flight, and no move starts until the campaign reads completed.
    PERFORM pg_advisory_xact_lock(coin.lock_key('campaign', p_campaign));
    UPDATE coin.campaigns SET status = 'completed', completed_at = now(), updated_at = now()
    WHERE campaign_id = p_campaign AND status = 'active';
    IF NOT FOUND THEN
        RETURN coin.finish_request(p_request_id, jsonb_build_object('expired', 0, 'members', 0));
    END IF;
    -- One statement for every member (one ledger INSERT: one outbox row, however many members), in user order.
    WITH expiring AS (
        SELECT user_id, available FROM coin.accounts
        WHERE campaign_id = p_campaign AND available > 0 ORDER BY user_id FOR UPDATE
    ), logged AS (
        INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, request_id)
        SELECT p_campaign, user_id, 'expire', available, p_request_id FROM expiring ORDER BY user_id
        RETURNING amount
    ), emptied AS (
        UPDATE coin.accounts a SET expired = a.expired + e.available, available = 0
        FROM expiring e WHERE a.campaign_id = p_campaign AND a.user_id = e.user_id
        RETURNING 1
    )
    SELECT coalesce(sum(amount), 0), count(*) INTO v_total, v_members FROM logged;
    INSERT INTO coin.results (campaign_id, idea_id, coins, backers)
    SELECT p_campaign, idea_id, coins, backers FROM coin.live_standing(p_campaign);
    RETURN coin.finish_request(p_request_id, jsonb_build_object('expired', v_total, 'members', v_members));
END $$;
