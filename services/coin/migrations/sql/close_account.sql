CREATE OR REPLACE FUNCTION coin.close_account(p_request_id text, p_campaign text, p_user uuid) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
BEGIN
    v_done := coin.begin_request(p_request_id, 'close_account', p_campaign || ':' || p_user);
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    UPDATE coin.accounts SET member = false WHERE campaign_id = p_campaign AND user_id = p_user;
    RETURN coin.finish_request(p_request_id, '{}'::jsonb);
END $$;
