-- Ends an open idea's competition. While the campaign is active: accept expends its coins, reject returns them to
-- their backers (recycle) or burns them. After completion: accept expends, reject lets them expire. A rejected
-- idea that earned the submission reward gives it back.
CREATE OR REPLACE FUNCTION coin.close_idea(p_request_id text, p_idea uuid, p_actor uuid, p_outcome text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_idea coin.ideas;
    v_campaign coin.campaigns;
    v_kind text;
    v_total bigint := 0;
    v_backers bigint := 0;
    v_taken bigint := 0;
    v_row record;
BEGIN
    v_done := coin.begin_request(p_request_id, p_outcome, p_idea::text);
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    SELECT * INTO v_idea FROM coin.ideas WHERE idea_id = p_idea;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'IDEA_001' USING DETAIL = 'no competing idea has this id';
    END IF;
    PERFORM pg_advisory_xact_lock_shared(coin.lock_key('campaign', v_idea.campaign_id));
    SELECT * INTO v_campaign FROM coin.campaigns WHERE campaign_id = v_idea.campaign_id;
    IF v_campaign.status NOT IN ('active', 'completed') THEN
        RAISE EXCEPTION 'CAMPAIGN_002' USING DETAIL = 'ideas are decided only until the campaign is archived';
    END IF;
    PERFORM pg_advisory_xact_lock(coin.lock_key('idea', p_idea::text));
    SELECT * INTO v_idea FROM coin.ideas WHERE idea_id = p_idea FOR UPDATE;
    IF v_idea.state = 'expended' THEN
        RAISE EXCEPTION 'IDEA_004' USING DETAIL = 'the idea was already accepted: its coins are spent';
    ELSIF v_idea.state <> 'open' THEN
        RAISE EXCEPTION 'IDEA_003' USING DETAIL = 'the idea is not competing';
    END IF;
    IF p_outcome = 'expend' THEN
        v_kind := 'expend';
    ELSIF v_campaign.status = 'completed' THEN
        v_kind := 'expire';
    ELSIF v_campaign.allow_recycling THEN
        v_kind := 'recycle';
    ELSE
        v_kind := 'burn';
    END IF;
    -- Backers' and the submitter's accounts, locked in user order like every other multi-account move.
    PERFORM 1 FROM coin.accounts
    WHERE campaign_id = v_idea.campaign_id
      AND (user_id = v_idea.submitter_id
           OR user_id IN (SELECT user_id FROM coin.allocations WHERE idea_id = p_idea AND amount > 0))
    ORDER BY user_id FOR UPDATE;
    FOR v_row IN SELECT user_id, amount FROM coin.allocations WHERE idea_id = p_idea AND amount > 0
                 ORDER BY user_id FOR UPDATE LOOP
        UPDATE coin.accounts SET
            allocated = allocated - v_row.amount,
            expended = expended + CASE WHEN v_kind = 'expend' THEN v_row.amount ELSE 0 END,
            available = available + CASE WHEN v_kind = 'recycle' THEN v_row.amount ELSE 0 END,
            burned = burned + CASE WHEN v_kind = 'burn' THEN v_row.amount ELSE 0 END,
            expired = expired + CASE WHEN v_kind = 'expire' THEN v_row.amount ELSE 0 END
        WHERE campaign_id = v_idea.campaign_id AND user_id = v_row.user_id;
        INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, idea_id, actor_id, request_id)
        VALUES (v_idea.campaign_id, v_row.user_id, v_kind, v_row.amount, p_idea, p_actor, p_request_id);
        v_total := v_total + v_row.amount;
        v_backers := v_backers + 1;
    END LOOP;
    IF v_kind = 'expend' THEN
        UPDATE coin.allocations SET expended = true, updated_at = now() WHERE idea_id = p_idea;
    ELSE
        UPDATE coin.allocations SET amount = 0, updated_at = now() WHERE idea_id = p_idea;
    END IF;
    IF v_kind <> 'expend' AND v_idea.reward > 0 AND NOT v_idea.reward_revoked THEN
        SELECT least(available, v_idea.reward) INTO v_taken FROM coin.accounts
        WHERE campaign_id = v_idea.campaign_id AND user_id = v_idea.submitter_id;
        IF v_taken > 0 THEN
            UPDATE coin.accounts SET granted = granted - v_taken, available = available - v_taken
            WHERE campaign_id = v_idea.campaign_id AND user_id = v_idea.submitter_id;
            INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, idea_id, actor_id, request_id)
            VALUES (v_idea.campaign_id, v_idea.submitter_id, 'reward_revoked', v_taken, p_idea, p_actor,
                    p_request_id);
        END IF;
    END IF;
    UPDATE coin.ideas SET state = CASE v_kind WHEN 'expend' THEN 'expended' WHEN 'recycle' THEN 'recycled'
                                              WHEN 'burn' THEN 'burned' ELSE 'expired' END,
                          reward_revoked = reward_revoked OR v_kind <> 'expend',
                          closed_at = now()
    WHERE idea_id = p_idea;
    RETURN coin.finish_request(p_request_id, jsonb_build_object('kind', v_kind, 'total', v_total,
                                                                'backers', v_backers, 'reward_revoked', v_taken));
END $$;
