CREATE OR REPLACE FUNCTION coin.withdraw(p_request_id text, p_campaign text, p_user uuid, p_idea uuid, p_amount bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_campaign coin.campaigns;
    v_account coin.accounts;
    v_on_idea bigint;
BEGIN
    v_done := coin.begin_request(p_request_id, 'withdraw', concat_ws(':', p_campaign, p_user, p_idea, p_amount));
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    v_campaign := coin.movable_campaign(p_campaign);
    PERFORM pg_advisory_xact_lock_shared(coin.lock_key('idea', p_idea::text));
    PERFORM coin.open_idea_of(p_campaign, p_idea, true);
    PERFORM coin.member_account(p_campaign, p_user);
    v_on_idea := coin.shift_allocation(p_campaign, p_user, p_idea, -p_amount, 0);
    UPDATE coin.accounts SET available = available + p_amount, allocated = allocated - p_amount
    WHERE campaign_id = p_campaign AND user_id = p_user RETURNING * INTO v_account;
    INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, idea_id, actor_id, request_id)
    VALUES (p_campaign, p_user, 'withdraw', p_amount, p_idea, p_user, p_request_id);
    RETURN coin.finish_request(p_request_id, jsonb_build_object(
        'balance', coin.balance_json(v_account),
        'allocation', jsonb_build_object('idea_id', p_idea, 'amount', v_on_idea)));
END $$;
