-- Campaign must be active; takes the campaign's shared lock.
CREATE OR REPLACE FUNCTION coin.active_campaign(p_campaign text) RETURNS coin.campaigns LANGUAGE plpgsql AS $$
DECLARE
    v_campaign coin.campaigns;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(coin.lock_key('campaign', p_campaign));
    SELECT * INTO v_campaign FROM coin.campaigns WHERE campaign_id = p_campaign;
    IF NOT FOUND OR v_campaign.status <> 'active' THEN
        RAISE EXCEPTION 'CAMPAIGN_002' USING DETAIL = 'coins move only while the campaign is active';
    END IF;
    RETURN v_campaign;
END $$;
