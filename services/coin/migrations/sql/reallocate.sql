CREATE OR REPLACE FUNCTION coin.reallocate(p_request_id text, p_campaign text, p_user uuid, p_from uuid, p_to uuid,
                                p_amount bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_campaign coin.campaigns;
    v_account coin.accounts;
    v_from bigint;
    v_to bigint;
BEGIN
    v_done := coin.begin_request(p_request_id, 'reallocate',
                                 concat_ws(':', p_campaign, p_user, p_from, p_to, p_amount));
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    IF p_from = p_to THEN
        RAISE EXCEPTION 'INVALID_INPUT' USING DETAIL = 'to_idea_id must differ from from_idea_id', HINT = 'to_idea_id';
    END IF;
    v_campaign := coin.movable_campaign(p_campaign);
    PERFORM pg_advisory_xact_lock_shared(coin.lock_key('idea', least(p_from, p_to)::text));
    PERFORM pg_advisory_xact_lock_shared(coin.lock_key('idea', greatest(p_from, p_to)::text));
    PERFORM coin.open_idea_of(p_campaign, p_from, true);
    PERFORM coin.open_idea_of(p_campaign, p_to);
    v_account := coin.member_account(p_campaign, p_user);
    v_from := coin.shift_allocation(p_campaign, p_user, p_from, -p_amount, 0);
    v_to := coin.shift_allocation(p_campaign, p_user, p_to, p_amount, v_campaign.max_per_idea);
    INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, idea_id, from_idea_id, actor_id, request_id)
    VALUES (p_campaign, p_user, 'reallocate', p_amount, p_to, p_from, p_user, p_request_id);
    RETURN coin.finish_request(p_request_id, jsonb_build_object(
        'balance', coin.balance_json(v_account),
        'from_allocation', jsonb_build_object('idea_id', p_from, 'amount', v_from),
        'to_allocation', jsonb_build_object('idea_id', p_to, 'amount', v_to)));
END $$;
