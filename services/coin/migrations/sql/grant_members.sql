-- Grants the campaign's initial allocation to each member who never had it, and (re)opens their accounts. Idempotent
-- by the accounts' state, so a repeated activation or join grants nobody twice.
CREATE OR REPLACE FUNCTION coin.grant_members(p_request_id text, p_campaign coin.campaigns, p_users uuid[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_user uuid;
    v_granted bigint := 0;
BEGIN
    FOR v_user IN SELECT DISTINCT u FROM unnest(p_users) AS u ORDER BY u LOOP
        -- Joining again reopens the account; the initial allocation is still granted only once.
        INSERT INTO coin.accounts (campaign_id, user_id) VALUES (p_campaign.campaign_id, v_user)
        ON CONFLICT (campaign_id, user_id) DO UPDATE SET member = true;
        UPDATE coin.accounts
        SET granted = granted + p_campaign.initial_allocation, available = available + p_campaign.initial_allocation,
            initial_granted = true
        WHERE campaign_id = p_campaign.campaign_id AND user_id = v_user AND NOT initial_granted;
        IF FOUND THEN
            v_granted := v_granted + 1;
            IF p_campaign.initial_allocation > 0 THEN
                INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, request_id)
                VALUES (p_campaign.campaign_id, v_user, 'grant', p_campaign.initial_allocation, p_request_id);
            END IF;
        END IF;
    END LOOP;
    RETURN v_granted;
END $$;
