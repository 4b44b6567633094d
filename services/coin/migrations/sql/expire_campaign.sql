-- Completion: nothing moves once this commits. Members' available coins expire; coins on competing ideas stay,
-- and the snapshot records the result. A campaign already completed (a repeat, another replica) changes nothing.
CREATE OR REPLACE FUNCTION coin.expire_campaign(p_request_id text, p_campaign text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_row record;
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
    FOR v_row IN SELECT user_id, available FROM coin.accounts
                 WHERE campaign_id = p_campaign AND available > 0 ORDER BY user_id FOR UPDATE LOOP
        INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, request_id)
        VALUES (p_campaign, v_row.user_id, 'expire', v_row.available, p_request_id);
        UPDATE coin.accounts SET expired = expired + available, available = 0
        WHERE campaign_id = p_campaign AND user_id = v_row.user_id;
        v_total := v_total + v_row.available;
        v_members := v_members + 1;
    END LOOP;
    INSERT INTO coin.results (campaign_id, idea_id, coins, backers)
    SELECT p_campaign, idea_id, coins, backers FROM coin.live_standing(p_campaign);
    RETURN coin.finish_request(p_request_id, jsonb_build_object('expired', v_total, 'members', v_members));
END $$;
