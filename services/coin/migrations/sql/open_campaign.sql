-- Activation: the campaign's frozen policy, then the initial grant to everyone who joined before. Idempotent by
-- state, not by request id: should the campaign service's own commit fail after this, its retry (with members who
-- joined meanwhile) converges instead of being refused as a different request. The policy stays the one recorded
-- first: coins may have moved under it.
CREATE OR REPLACE FUNCTION coin.open_campaign(p_request_id text, p_campaign text, p_initial bigint, p_reward bigint,
                                   p_reallocation boolean, p_recycling boolean, p_max_per_idea bigint,
                                   p_max_rewarded bigint, p_users uuid[])
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO coin.campaigns (campaign_id, status, initial_allocation, idea_submission_reward,
                                     allow_reallocation, allow_recycling, max_per_idea, max_rewarded_ideas)
    VALUES (p_campaign, 'active', p_initial, p_reward, p_reallocation, p_recycling, p_max_per_idea, p_max_rewarded)
    ON CONFLICT (campaign_id) DO NOTHING;
    RETURN jsonb_build_object('granted_members',
                              coin.grant_members(p_request_id, coin.active_campaign(p_campaign), p_users));
END $$;
