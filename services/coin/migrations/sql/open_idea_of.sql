-- Idea must belong to the campaign and take allocations. Coins on an accepted idea never move again.
CREATE OR REPLACE FUNCTION coin.open_idea_of(p_campaign text, p_idea uuid, p_taking_out boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_state text;
BEGIN
    SELECT state INTO v_state FROM coin.ideas WHERE idea_id = p_idea AND campaign_id = p_campaign;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'IDEA_001' USING DETAIL = 'the campaign has no competing idea with this id';
    END IF;
    IF v_state = 'expended' AND p_taking_out THEN
        RAISE EXCEPTION 'COIN_002' USING DETAIL = 'the idea was accepted: coins on it are spent and never move again';
    END IF;
    IF v_state <> 'open' THEN
        RAISE EXCEPTION 'IDEA_003' USING DETAIL = 'the idea is not competing: it takes no coins';
    END IF;
END $$;
