-- Campaign must be active and let coins move once placed (reallocate, withdraw).
CREATE OR REPLACE FUNCTION coin.movable_campaign(p_campaign text) RETURNS coin.campaigns LANGUAGE plpgsql AS $$
DECLARE
    v_campaign coin.campaigns;
BEGIN
    v_campaign := coin.active_campaign(p_campaign);
    IF NOT v_campaign.allow_reallocation THEN
        RAISE EXCEPTION 'REALLOCATION_DISABLED' USING DETAIL = 'this campaign does not let coins move once placed';
    END IF;
    RETURN v_campaign;
END $$;
