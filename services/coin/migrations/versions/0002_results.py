"""Completion ends the vote, not the result; rewards are capped and taken back on rejection.

- Completing a campaign expires only members' available coins. Coins on competing ideas stay on them, frozen, and a
  snapshot (`coin.results`) keeps every competing idea's final coins and backers, whatever is decided later.
- After completion, managers still accept ideas (coins expended) or reject them (coins expire); archiving expires
  what is left on undecided ideas. Member moves need an active campaign, as before.
- Activation records the campaign's policy and grants every member in one call (`open_campaign`), so the campaign
  service can finish it before it answers.
- At most `max_rewarded_ideas` ideas per member earn the submission reward; a rejected rewarded idea gives it back
  from the submitter's available coins (as far as they reach) as a `reward_revoked` entry.

Revision ID: 0002
Revises: 0001
"""


from services.common.migrations import execute_script

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA_SQL = r"""
ALTER TABLE coin.campaigns ADD COLUMN max_rewarded_ideas bigint NOT NULL DEFAULT 3 CHECK (max_rewarded_ideas >= 0),
                           ADD COLUMN completed_at timestamptz;
ALTER TABLE coin.ideas ADD COLUMN reward bigint NOT NULL DEFAULT 0,
                       ADD COLUMN reward_revoked boolean NOT NULL DEFAULT false;
CREATE INDEX ideas_by_submitter ON coin.ideas (campaign_id, submitter_id);
ALTER TABLE coin.ledger DROP CONSTRAINT ledger_kind_check;
ALTER TABLE coin.ledger ADD CONSTRAINT ledger_kind_check
    CHECK (kind IN ('grant', 'submission_reward', 'reward_revoked', 'allocate', 'reallocate', 'withdraw', 'expend',
                    'recycle', 'burn', 'expire'));

-- Each competing idea's coins and backers when the vote ended.
CREATE TABLE coin.results (
    campaign_id text NOT NULL REFERENCES coin.campaigns,
    idea_id     uuid NOT NULL REFERENCES coin.ideas,
    coins       bigint NOT NULL,
    backers     bigint NOT NULL,
    PRIMARY KEY (campaign_id, idea_id)
);

-- Every competing (or accepted) idea of the campaign with its coins and backers, as the allocations say now.
CREATE FUNCTION coin.live_standing(p_campaign text)
RETURNS TABLE (idea_id uuid, coins bigint, backers bigint) LANGUAGE sql STABLE AS $$
    SELECT i.idea_id, coalesce(sum(a.amount), 0)::bigint, count(a.user_id) FILTER (WHERE a.amount > 0)
    FROM coin.ideas i LEFT JOIN coin.allocations a ON a.idea_id = i.idea_id
    WHERE i.campaign_id = p_campaign AND i.state IN ('open', 'expended')
    GROUP BY i.idea_id
$$;

-- The standing read by listings and the result: the snapshot once the vote ended, else the live allocations.
CREATE FUNCTION coin.standing(p_campaign text)
RETURNS TABLE (idea_id uuid, coins bigint, backers bigint) LANGUAGE sql STABLE AS $$
    SELECT r.idea_id, r.coins, r.backers FROM coin.results r WHERE r.campaign_id = p_campaign
    UNION ALL
    SELECT l.idea_id, l.coins, l.backers FROM coin.live_standing(p_campaign) l
    WHERE NOT EXISTS (SELECT 1 FROM coin.campaigns c
                      WHERE c.campaign_id = p_campaign AND c.status IN ('completed', 'archived'))
$$;

-- Activation: the campaign's frozen policy, then the initial grant to everyone who joined before.
CREATE FUNCTION coin.open_campaign(p_request_id text, p_campaign text, p_initial bigint, p_reward bigint,
                                   p_reallocation boolean, p_recycling boolean, p_max_per_idea bigint,
                                   p_max_rewarded bigint, p_users uuid[])
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO coin.campaigns AS c (campaign_id, status, initial_allocation, idea_submission_reward,
                                     allow_reallocation, allow_recycling, max_per_idea, max_rewarded_ideas)
    VALUES (p_campaign, 'active', p_initial, p_reward, p_reallocation, p_recycling, p_max_per_idea, p_max_rewarded)
    ON CONFLICT (campaign_id) DO NOTHING;
    RETURN coin.grant_initial(p_request_id, p_campaign, p_users);
END $$;

CREATE OR REPLACE FUNCTION coin.open_idea(p_request_id text, p_campaign text, p_idea uuid, p_submitter uuid)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_campaign coin.campaigns;
    v_rewarded bigint;
    v_reward bigint := 0;
BEGIN
    v_done := coin.begin_request(p_request_id, 'open', concat_ws(':', p_campaign, p_idea, p_submitter));
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    v_campaign := coin.active_campaign(p_campaign);
    -- The submitter's account, locked: two ideas opening at once cannot both take the last rewarded place.
    INSERT INTO coin.accounts (campaign_id, user_id) VALUES (p_campaign, p_submitter)
    ON CONFLICT (campaign_id, user_id) DO NOTHING;
    PERFORM 1 FROM coin.accounts WHERE campaign_id = p_campaign AND user_id = p_submitter FOR UPDATE;
    SELECT count(*) INTO v_rewarded FROM coin.ideas
    WHERE campaign_id = p_campaign AND submitter_id = p_submitter AND reward > 0 AND NOT reward_revoked;
    IF v_rewarded < v_campaign.max_rewarded_ideas THEN
        v_reward := v_campaign.idea_submission_reward;
    END IF;
    -- One row per idea: the reward is paid when it is inserted, so never twice for one idea.
    INSERT INTO coin.ideas (idea_id, campaign_id, submitter_id, state, reward)
    VALUES (p_idea, p_campaign, p_submitter, 'open', v_reward)
    ON CONFLICT (idea_id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN coin.finish_request(p_request_id, jsonb_build_object('reward', 0));
    END IF;
    IF v_reward > 0 THEN
        UPDATE coin.accounts SET granted = granted + v_reward, available = available + v_reward
        WHERE campaign_id = p_campaign AND user_id = p_submitter;
        INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, idea_id, request_id)
        VALUES (p_campaign, p_submitter, 'submission_reward', v_reward, p_idea, p_request_id);
    END IF;
    RETURN coin.finish_request(p_request_id, jsonb_build_object('reward', v_reward));
END $$;

-- Ends an open idea's competition. While the campaign is active: accept expends its coins, reject returns them to
-- their backers (recycle) or burns them. After completion: accept expends, reject lets them expire. A rejected
-- idea that earned the submission reward gives it back.
CREATE OR REPLACE FUNCTION coin.close_idea(p_request_id text, p_idea uuid, p_actor uuid, p_outcome text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_idea coin.ideas;
    v_campaign coin.campaigns;
    v_kind text;
    v_total bigint := 0;
    v_backers bigint := 0;
    v_taken bigint := 0;
    v_row record;
BEGIN
    v_done := coin.begin_request(p_request_id, p_outcome, p_idea::text);
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    SELECT * INTO v_idea FROM coin.ideas WHERE idea_id = p_idea;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'IDEA_001' USING DETAIL = 'no competing idea has this id';
    END IF;
    PERFORM pg_advisory_xact_lock_shared(coin.lock_key('campaign', v_idea.campaign_id));
    SELECT * INTO v_campaign FROM coin.campaigns WHERE campaign_id = v_idea.campaign_id;
    IF v_campaign.status NOT IN ('active', 'completed') THEN
        RAISE EXCEPTION 'CAMPAIGN_002' USING DETAIL = 'ideas are decided only until the campaign is archived';
    END IF;
    PERFORM pg_advisory_xact_lock(coin.lock_key('idea', p_idea::text));
    SELECT * INTO v_idea FROM coin.ideas WHERE idea_id = p_idea FOR UPDATE;
    IF v_idea.state = 'expended' THEN
        RAISE EXCEPTION 'IDEA_004' USING DETAIL = 'the idea was already accepted: its coins are spent';
    ELSIF v_idea.state <> 'open' THEN
        RAISE EXCEPTION 'IDEA_003' USING DETAIL = 'the idea is not competing';
    END IF;
    IF p_outcome = 'expend' THEN
        v_kind := 'expend';
    ELSIF v_campaign.status = 'completed' THEN
        v_kind := 'expire';
    ELSIF v_campaign.allow_recycling THEN
        v_kind := 'recycle';
    ELSE
        v_kind := 'burn';
    END IF;
    -- Backers' and the submitter's accounts, locked in user order like every other multi-account move.
    PERFORM 1 FROM coin.accounts
    WHERE campaign_id = v_idea.campaign_id
      AND (user_id = v_idea.submitter_id
           OR user_id IN (SELECT user_id FROM coin.allocations WHERE idea_id = p_idea AND amount > 0))
    ORDER BY user_id FOR UPDATE;
    FOR v_row IN SELECT user_id, amount FROM coin.allocations WHERE idea_id = p_idea AND amount > 0
                 ORDER BY user_id FOR UPDATE LOOP
        UPDATE coin.accounts SET
            allocated = allocated - v_row.amount,
            expended = expended + CASE WHEN v_kind = 'expend' THEN v_row.amount ELSE 0 END,
            available = available + CASE WHEN v_kind = 'recycle' THEN v_row.amount ELSE 0 END,
            burned = burned + CASE WHEN v_kind = 'burn' THEN v_row.amount ELSE 0 END,
            expired = expired + CASE WHEN v_kind = 'expire' THEN v_row.amount ELSE 0 END
        WHERE campaign_id = v_idea.campaign_id AND user_id = v_row.user_id;
        INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, idea_id, actor_id, request_id)
        VALUES (v_idea.campaign_id, v_row.user_id, v_kind, v_row.amount, p_idea, p_actor, p_request_id);
        v_total := v_total + v_row.amount;
        v_backers := v_backers + 1;
    END LOOP;
    IF v_kind = 'expend' THEN
        UPDATE coin.allocations SET expended = true, updated_at = now() WHERE idea_id = p_idea;
    ELSE
        UPDATE coin.allocations SET amount = 0, updated_at = now() WHERE idea_id = p_idea;
    END IF;
    IF v_kind <> 'expend' AND v_idea.reward > 0 AND NOT v_idea.reward_revoked THEN
        SELECT least(available, v_idea.reward) INTO v_taken FROM coin.accounts
        WHERE campaign_id = v_idea.campaign_id AND user_id = v_idea.submitter_id;
        IF v_taken > 0 THEN
            UPDATE coin.accounts SET granted = granted - v_taken, available = available - v_taken
            WHERE campaign_id = v_idea.campaign_id AND user_id = v_idea.submitter_id;
            INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, idea_id, actor_id, request_id)
            VALUES (v_idea.campaign_id, v_idea.submitter_id, 'reward_revoked', v_taken, p_idea, p_actor,
                    p_request_id);
        END IF;
    END IF;
    UPDATE coin.ideas SET state = CASE v_kind WHEN 'expend' THEN 'expended' WHEN 'recycle' THEN 'recycled'
                                              WHEN 'burn' THEN 'burned' ELSE 'expired' END,
                          reward_revoked = reward_revoked OR v_kind <> 'expend',
                          closed_at = now()
    WHERE idea_id = p_idea;
    RETURN coin.finish_request(p_request_id, jsonb_build_object('kind', v_kind, 'total', v_total,
                                                                'backers', v_backers, 'reward_revoked', v_taken));
END $$;

-- Completion: nothing moves once this commits. Members' available coins expire; coins on competing ideas stay,
-- and the snapshot records the result. A campaign already completed (a repeat, another replica) changes nothing.
CREATE OR REPLACE FUNCTION coin.expire_campaign(p_request_id text, p_campaign text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_row record;
    v_total bigint := 0;
    v_members bigint := 0;
BEGIN
    v_done := coin.begin_request(p_request_id, 'expire', p_campaign);
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    -- Exclusive: waits for every move in flight, and no move starts until the campaign reads completed.
    PERFORM pg_advisory_xact_lock(coin.lock_key('campaign', p_campaign));
    UPDATE coin.campaigns SET status = 'completed', completed_at = now(), updated_at = now()
    WHERE campaign_id = p_campaign AND status = 'active';
    IF NOT FOUND THEN
        RETURN coin.finish_request(p_request_id, jsonb_build_object('expired', 0, 'members', 0));
    END IF;
    FOR v_row IN SELECT user_id, available FROM coin.accounts
                 WHERE campaign_id = p_campaign AND available > 0 ORDER BY user_id FOR UPDATE LOOP
        INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, request_id)
        VALUES (p_campaign, v_row.user_id, 'expire', v_row.available, p_request_id);
        UPDATE coin.accounts SET expired = expired + available, available = 0
        WHERE campaign_id = p_campaign AND user_id = v_row.user_id;
        v_total := v_total + v_row.available;
        v_members := v_members + 1;
    END LOOP;
    INSERT INTO coin.results (campaign_id, idea_id, coins, backers)
    SELECT p_campaign, idea_id, coins, backers FROM coin.live_standing(p_campaign);
    RETURN coin.finish_request(p_request_id, jsonb_build_object('expired', v_total, 'members', v_members));
END $$;

-- Archiving: coins still on undecided ideas expire; the snapshot keeps the result.
CREATE FUNCTION coin.archive_campaign(p_request_id text, p_campaign text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_row record;
    v_total bigint := 0;
    v_members bigint := 0;
BEGIN
    v_done := coin.begin_request(p_request_id, 'archive', p_campaign);
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    PERFORM pg_advisory_xact_lock(coin.lock_key('campaign', p_campaign));
    UPDATE coin.campaigns SET status = 'archived', updated_at = now()
    WHERE campaign_id = p_campaign AND status = 'completed';
    IF NOT FOUND THEN
        RETURN coin.finish_request(p_request_id, jsonb_build_object('expired', 0, 'members', 0));
    END IF;
    FOR v_row IN SELECT a.user_id, sum(a.amount)::bigint AS amount FROM coin.allocations a
                 JOIN coin.ideas i ON i.idea_id = a.idea_id
                 WHERE a.campaign_id = p_campaign AND i.state = 'open' AND a.amount > 0
                 GROUP BY a.user_id ORDER BY a.user_id LOOP
        PERFORM 1 FROM coin.accounts WHERE campaign_id = p_campaign AND user_id = v_row.user_id FOR UPDATE;
        UPDATE coin.accounts SET allocated = allocated - v_row.amount, expired = expired + v_row.amount
        WHERE campaign_id = p_campaign AND user_id = v_row.user_id;
        v_total := v_total + v_row.amount;
        v_members := v_members + 1;
    END LOOP;
    -- One entry per live allocation: the ledger alone rebuilds every balance and every idea total.
    INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, idea_id, request_id)
    SELECT p_campaign, a.user_id, 'expire', a.amount, a.idea_id, p_request_id
    FROM coin.allocations a JOIN coin.ideas i ON i.idea_id = a.idea_id
    WHERE a.campaign_id = p_campaign AND i.state = 'open' AND a.amount > 0 ORDER BY a.user_id, a.idea_id;
    UPDATE coin.allocations a SET amount = 0, updated_at = now() FROM coin.ideas i
    WHERE i.idea_id = a.idea_id AND a.campaign_id = p_campaign AND i.state = 'open' AND a.amount > 0;
    UPDATE coin.ideas SET state = 'expired', closed_at = now() WHERE campaign_id = p_campaign AND state = 'open';
    RETURN coin.finish_request(p_request_id, jsonb_build_object('expired', v_total, 'members', v_members));
END $$;
"""


def upgrade() -> None:
    execute_script(SCHEMA_SQL)


def downgrade() -> None:
    raise NotImplementedError("the ledger is append-only: restore from a backup instead of downgrading")
