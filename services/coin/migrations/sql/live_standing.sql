-- Every competing (or accepted) idea of the campaign with its coins and backers, as the allocations say now.
CREATE OR REPLACE FUNCTION coin.live_standing(p_campaign text)
RETURNS TABLE (idea_id uuid, coins bigint, backers bigint) LANGUAGE sql STABLE AS $$
    SELECT i.idea_id, coalesce(sum(a.amount), 0)::bigint, count(a.user_id) FILTER (WHERE a.amount > 0)
    FROM coin.ideas i LEFT JOIN coin.allocations a ON a.idea_id = i.idea_id
    WHERE i.campaign_id = p_campaign AND i.state IN ('open', 'expended')
    GROUP BY i.idea_id
$$;
