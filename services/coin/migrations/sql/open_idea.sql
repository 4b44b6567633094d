CREATE OR REPLACE FUNCTION coin.open_idea(p_request_id text, p_campaign text, p_idea uuid, p_submitter uuid)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_campaign coin.campaigns;
    v_rewarded bigint;
    v_reward bigint := 0;
BEGIN
    v_done := coin.begin_request(p_request_id, 'open', concat_ws(':', p_campaign, p_idea, p_submitter));
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    v_campaign := coin.active_campaign(p_campaign);
    -- The submitter's account, locked: two ideas opening at once cannot both take the last rewarded place.
    -- (A submitter without an account, e.g. an admin who never joined, gets one that moves nothing.)
    INSERT INTO coin.accounts (campaign_id, user_id, member) VALUES (p_campaign, p_submitter, false)
    ON CONFLICT (campaign_id, user_id) DO NOTHING;
    PERFORM 1 FROM coin.accounts WHERE campaign_id = p_campaign AND user_id = p_submitter FOR UPDATE;
    SELECT count(*) INTO v_rewarded FROM coin.ideas
    -- Every idea that ever earned the reward counts, taken back or not: rejection frees no place.
    WHERE campaign_id = p_campaign AND submitter_id = p_submitter AND reward > 0;
    IF v_rewarded < v_campaign.max_rewarded_ideas THEN
        v_reward := v_campaign.idea_submission_reward;
    END IF;
    -- One row per idea: the reward is paid when it is inserted, so never twice for one idea.
    INSERT INTO coin.ideas (idea_id, campaign_id, submitter_id, state, reward)
    VALUES (p_idea, p_campaign, p_submitter, 'open', v_reward)
    ON CONFLICT (idea_id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN coin.finish_request(p_request_id, jsonb_build_object('reward', 0));
    END IF;
    IF v_reward > 0 THEN
        UPDATE coin.accounts SET granted = granted + v_reward, available = available + v_reward
        WHERE campaign_id = p_campaign AND user_id = p_submitter;
        INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, idea_id, request_id)
        VALUES (p_campaign, p_submitter, 'submission_reward', v_reward, p_idea, p_request_id);
    END IF;
    RETURN coin.finish_request(p_request_id, jsonb_build_object('reward', v_reward));
END $$;
