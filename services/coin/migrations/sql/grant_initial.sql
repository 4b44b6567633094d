CREATE OR REPLACE FUNCTION coin.grant_initial(p_request_id text, p_campaign text, p_users uuid[]) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_campaign coin.campaigns;
    v_user uuid;
    v_granted bigint := 0;
BEGIN
    v_done := coin.begin_request(p_request_id, 'grant', p_campaign || ':' || array_to_string(p_users, ','));
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    v_campaign := coin.active_campaign(p_campaign);
    FOR v_user IN SELECT DISTINCT u FROM unnest(p_users) AS u ORDER BY u LOOP
        -- Joining again reopens the account; the initial allocation is still granted only once.
        INSERT INTO coin.accounts (campaign_id, user_id) VALUES (p_campaign, v_user)
        ON CONFLICT (campaign_id, user_id) DO UPDATE SET member = true;
        UPDATE coin.accounts
        SET granted = granted + v_campaign.initial_allocation, available = available + v_campaign.initial_allocation,
            initial_granted = true
        WHERE campaign_id = p_campaign AND user_id = v_user AND NOT initial_granted;
        IF FOUND THEN
            v_granted := v_granted + 1;
            IF v_campaign.initial_allocation > 0 THEN
                INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, request_id)
                VALUES (p_campaign, v_user, 'grant', v_campaign.initial_allocation, p_request_id);
            END IF;
        END IF;
    END LOOP;
    RETURN coin.finish_request(p_request_id, jsonb_build_object('granted_members', v_granted));
END $$;
