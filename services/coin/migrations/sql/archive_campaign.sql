-- Archiving: coins still on undecided ideas expire; the snapshot keeps the result.
CREATE OR REPLACE FUNCTION coin.archive_campaign(p_request_id text, p_campaign text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_row record;
    v_total bigint := 0;
    v_members bigint := 0;
BEGIN
    v_done := coin.begin_request(p_request_id, 'archive', p_campaign);
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    PERFORM pg_advisory_xact_lock(coin.lock_key('campaign', p_campaign));
    UPDATE coin.campaigns SET status = 'archived', updated_at = now()
    WHERE campaign_id = p_campaign AND status = 'completed';
    IF NOT FOUND THEN
        RETURN coin.finish_request(p_request_id, jsonb_build_object('expired', 0, 'members', 0));
    END IF;
    FOR v_row IN SELECT a.user_id, sum(a.amount)::bigint AS amount FROM coin.allocations a
                 JOIN coin.ideas i ON i.idea_id = a.idea_id
                 WHERE a.campaign_id = p_campaign AND i.state = 'open' AND a.amount > 0
                 GROUP BY a.user_id ORDER BY a.user_id LOOP
        PERFORM 1 FROM coin.accounts WHERE campaign_id = p_campaign AND user_id = v_row.user_id FOR UPDATE;
        UPDATE coin.accounts SET allocated = allocated - v_row.amount, expired = expired + v_row.amount
        WHERE campaign_id = p_campaign AND user_id = v_row.user_id;
        v_total := v_total + v_row.amount;
        v_members := v_members + 1;
    END LOOP;
    -- One entry per live allocation: the ledger alone rebuilds every balance and every idea total.
    INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, idea_id, request_id)
    SELECT p_campaign, a.user_id, 'expire', a.amount, a.idea_id, p_request_id
    FROM coin.allocations a JOIN coin.ideas i ON i.idea_id = a.idea_id
    WHERE a.campaign_id = p_campaign AND i.state = 'open' AND a.amount > 0 ORDER BY a.user_id, a.idea_id;
    UPDATE coin.allocations a SET amount = 0, updated_at = now() FROM coin.ideas i
    WHERE i.idea_id = a.idea_id AND a.campaign_id = p_campaign AND i.state = 'open' AND a.amount > 0;
    UPDATE coin.ideas SET state = 'expired', closed_at = now() WHERE campaign_id = p_campaign AND state = 'open';
    RETURN coin.finish_request(p_request_id, jsonb_build_object('expired', v_total, 'members', v_members));
END $$;
