-- The caller's account, locked; refuses anyone who is not (or no longer) a member of the campaign.
CREATE OR REPLACE FUNCTION coin.member_account(p_campaign text, p_user uuid) RETURNS coin.accounts LANGUAGE plpgsql AS $$
DECLARE
    v_account coin.accounts;
BEGIN
    SELECT * INTO v_account FROM coin.accounts WHERE campaign_id = p_campaign AND user_id = p_user FOR UPDATE;
    IF NOT FOUND OR NOT v_account.member THEN
        RAISE EXCEPTION 'NOT_A_MEMBER' USING DETAIL = 'you hold no coins in this campaign: join it first';
    END IF;
    RETURN v_account;
END $$;
