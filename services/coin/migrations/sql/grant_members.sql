-- Grants the campaign's initial allocation to each member who never had it, and (re)opens their accounts. Idempotent
-- by the accounts' state, so a repeated activation or join grants nobody twice.
CREATE OR REPLACE FUNCTION coin.grant_members(p_request_id text, p_campaign coin.campaigns, p_users uuid[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_granted bigint;
BEGIN
    -- Set-based, in user order (the lock order every grant takes): one ledger INSERT for all the members.
    -- Joining again reopens the account; the initial allocation is still granted only once.
    INSERT INTO coin.accounts (campaign_id, user_id)
    SELECT p_campaign.campaign_id, u FROM (SELECT DISTINCT u FROM unnest(p_users) AS u) AS wanted ORDER BY u
    ON CONFLICT (campaign_id, user_id) DO UPDATE SET member = true;
    WITH granted AS (
        UPDATE coin.accounts
        SET granted = granted + p_campaign.initial_allocation, available = available + p_campaign.initial_allocation,
            initial_granted = true
        WHERE campaign_id = p_campaign.campaign_id AND user_id = ANY(p_users) AND NOT initial_granted
        RETURNING user_id
    ), logged AS (
        INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, request_id)
        SELECT p_campaign.campaign_id, user_id, 'grant', p_campaign.initial_allocation, p_request_id
        FROM granted WHERE p_campaign.initial_allocation > 0 ORDER BY user_id
        RETURNING 1
    )
    SELECT count(*) INTO v_granted FROM granted;
    RETURN v_granted;
END $$;
