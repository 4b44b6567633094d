-- Changes one member's live allocation on one idea by p_delta; refuses to go below zero or past the cap.
CREATE OR REPLACE FUNCTION coin.shift_allocation(p_campaign text, p_user uuid, p_idea uuid, p_delta bigint, p_cap bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_amount bigint;
BEGIN
    IF p_delta > 0 THEN
        INSERT INTO coin.allocations AS a (idea_id, user_id, campaign_id, amount)
        VALUES (p_idea, p_user, p_campaign, p_delta)
        ON CONFLICT (idea_id, user_id) DO UPDATE SET amount = a.amount + EXCLUDED.amount, updated_at = now()
        RETURNING amount INTO v_amount;
        IF p_cap > 0 AND v_amount > p_cap THEN
            RAISE EXCEPTION 'MAX_PER_IDEA' USING DETAIL = format('at most %s coins per member on one idea', p_cap),
                HINT = json_build_object('max_per_idea', p_cap, 'would_be', v_amount)::text;
        END IF;
    ELSE
        UPDATE coin.allocations SET amount = amount + p_delta, updated_at = now()
        WHERE idea_id = p_idea AND user_id = p_user AND amount >= -p_delta
        RETURNING amount INTO v_amount;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'NOT_ENOUGH_ON_IDEA'
                USING DETAIL = 'you have fewer coins than that on this idea', HINT = p_idea::text;
        END IF;
    END IF;
    RETURN v_amount;
END $$;
