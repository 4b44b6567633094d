CREATE OR REPLACE FUNCTION coin.grant_initial(p_request_id text, p_campaign text, p_users uuid[]) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
BEGIN
    v_done := coin.begin_request(p_request_id, 'grant', p_campaign || ':' || array_to_string(p_users, ','));
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    RETURN coin.finish_request(p_request_id, jsonb_build_object(
        'granted_members', coin.grant_members(p_request_id, coin.active_campaign(p_campaign), p_users)));
END $$;
