-- The standing read by listings and the result: the snapshot once the vote ended, else the live allocations.
CREATE OR REPLACE FUNCTION coin.standing(p_campaign text)
RETURNS TABLE (idea_id uuid, coins bigint, backers bigint) LANGUAGE sql STABLE AS $$
    SELECT r.idea_id, r.coins, r.backers FROM coin.results r WHERE r.campaign_id = p_campaign
    UNION ALL
    SELECT l.idea_id, l.coins, l.backers FROM coin.live_standing(p_campaign) l
    WHERE NOT EXISTS (SELECT 1 FROM coin.campaigns c
                      WHERE c.campaign_id = p_campaign AND c.status IN ('completed', 'archived'))
$$;
