CREATE OR REPLACE FUNCTION coin.balance_json(p_account coin.accounts) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('campaign_id', p_account.campaign_id, 'user_id', p_account.user_id,
                              'granted', p_account.granted, 'available', p_account.available,
                              'allocated', p_account.allocated, 'expended', p_account.expended,
                              'expired', p_account.expired, 'burned', p_account.burned)
$$;
