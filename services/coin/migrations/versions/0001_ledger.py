"""The coin ledger: campaigns and ideas as the coin service knows them, accounts kept in step with an append-only
ledger, live allocations, request ids; and the functions that move coins, one transaction each.

Locks, always taken in this order so that no two operations wait on each other in a cycle:
  1. campaign advisory lock: shared by every coin move, exclusive for expiry (no move slips past completion);
  2. idea advisory lock(s), sorted: shared by moves, exclusive for expend and recycle (a late allocation is refused
     instead of landing unexpended on an accepted idea; advisory locks queue fairly, row locks starve);
  3. account rows, sorted by user id.
Idea totals are never stored: they are sums over allocations, so a hot idea has no hot row.

Revision ID: 0001
Revises:
"""

from alembic import op

from services.common.migrations import execute_script

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA_SQL = r"""
CREATE TABLE coin.campaigns (
    campaign_id            text PRIMARY KEY,
    status                 text NOT NULL,
    initial_allocation     bigint NOT NULL CHECK (initial_allocation >= 0),
    idea_submission_reward bigint NOT NULL CHECK (idea_submission_reward >= 0),
    allow_reallocation     boolean NOT NULL,
    allow_recycling        boolean NOT NULL,
    max_per_idea           bigint NOT NULL CHECK (max_per_idea >= 0),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE coin.accounts (
    campaign_id     text NOT NULL REFERENCES coin.campaigns,
    user_id         uuid NOT NULL,
    granted         bigint NOT NULL DEFAULT 0,
    available       bigint NOT NULL DEFAULT 0,
    allocated       bigint NOT NULL DEFAULT 0,
    expended        bigint NOT NULL DEFAULT 0,
    expired         bigint NOT NULL DEFAULT 0,
    burned          bigint NOT NULL DEFAULT 0,
    initial_granted boolean NOT NULL DEFAULT false,
    -- false once the member left the campaign: it keeps what it placed but moves nothing until it joins again
    member          boolean NOT NULL DEFAULT true,
    PRIMARY KEY (campaign_id, user_id),
    CONSTRAINT no_negative_balance CHECK (granted >= 0 AND available >= 0 AND allocated >= 0 AND expended >= 0
                                          AND expired >= 0 AND burned >= 0),
    CONSTRAINT coins_conserved CHECK (granted = available + allocated + expended + expired + burned)
);

CREATE TABLE coin.ideas (
    idea_id      uuid PRIMARY KEY,
    campaign_id  text NOT NULL REFERENCES coin.campaigns,
    submitter_id uuid NOT NULL,
    state        text NOT NULL CHECK (state IN ('open', 'expended', 'recycled', 'burned', 'expired')),
    opened_at    timestamptz NOT NULL DEFAULT now(),
    closed_at    timestamptz
);

CREATE TABLE coin.allocations (
    idea_id     uuid NOT NULL REFERENCES coin.ideas,
    user_id     uuid NOT NULL,
    campaign_id text NOT NULL,
    amount      bigint NOT NULL CHECK (amount >= 0),
    expended    boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (idea_id, user_id)
);
CREATE INDEX allocations_by_member ON coin.allocations (campaign_id, user_id);

CREATE TABLE coin.ledger (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id  text NOT NULL,
    user_id      uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('grant', 'submission_reward', 'allocate', 'reallocate', 'withdraw',
                                               'expend', 'recycle', 'burn', 'expire')),
    amount       bigint NOT NULL CHECK (amount > 0),
    idea_id      uuid,
    from_idea_id uuid,
    actor_id     uuid,
    request_id   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_by_member ON coin.ledger (campaign_id, user_id, id DESC);

-- The ledger is append-only: no UPDATE, DELETE or TRUNCATE reaches it.
CREATE FUNCTION coin.ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'LEDGER_APPEND_ONLY' USING DETAIL = 'ledger entries are never changed or removed';
END $$;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON coin.ledger
    FOR EACH ROW EXECUTE FUNCTION coin.ledger_is_append_only();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON coin.ledger
    FOR EACH STATEMENT EXECUTE FUNCTION coin.ledger_is_append_only();

CREATE TABLE coin.requests (
    request_id  text PRIMARY KEY,
    operation   text NOT NULL,
    fingerprint text NOT NULL,
    response    jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- ---- helpers ------------------------------------------------------------------------------------------------

CREATE FUNCTION coin.lock_key(kind text, id text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT hashtextextended(kind || ':' || id, 0)
$$;

-- The stored answer when this request id was seen before (and the same request), else NULL after claiming it.
CREATE FUNCTION coin.begin_request(p_request_id text, p_operation text, p_fingerprint text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_seen coin.requests;
BEGIN
    IF p_request_id IS NULL OR p_request_id = '' THEN
        RAISE EXCEPTION 'INVALID_INPUT' USING DETAIL = 'request_id is required', HINT = 'request_id';
    END IF;
    INSERT INTO coin.requests (request_id, operation, fingerprint) VALUES (p_request_id, p_operation, p_fingerprint)
    ON CONFLICT (request_id) DO NOTHING;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v_seen FROM coin.requests WHERE request_id = p_request_id;
    IF v_seen.operation <> p_operation OR v_seen.fingerprint <> p_fingerprint THEN
        RAISE EXCEPTION 'REQUEST_ID_REUSED' USING DETAIL = 'this request_id was already used for a different request';
    END IF;
    RETURN v_seen.response || '{"replayed": true}'::jsonb;
END $$;

CREATE FUNCTION coin.finish_request(p_request_id text, p_response jsonb) RETURNS jsonb LANGUAGE sql AS $$
    UPDATE coin.requests SET response = p_response WHERE request_id = p_request_id;
    SELECT p_response;
$$;

-- Campaign must be active; takes the campaign's shared lock.
CREATE FUNCTION coin.active_campaign(p_campaign text) RETURNS coin.campaigns LANGUAGE plpgsql AS $$
DECLARE
    v_campaign coin.campaigns;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(coin.lock_key('campaign', p_campaign));
    SELECT * INTO v_campaign FROM coin.campaigns WHERE campaign_id = p_campaign;
    IF NOT FOUND OR v_campaign.status <> 'active' THEN
        RAISE EXCEPTION 'CAMPAIGN_002' USING DETAIL = 'coins move only while the campaign is active';
    END IF;
    RETURN v_campaign;
END $$;

-- Campaign must be active and let coins move once placed (reallocate, withdraw).
CREATE FUNCTION coin.movable_campaign(p_campaign text) RETURNS coin.campaigns LANGUAGE plpgsql AS $$
DECLARE
    v_campaign coin.campaigns;
BEGIN
    v_campaign := coin.active_campaign(p_campaign);
    IF NOT v_campaign.allow_reallocation THEN
        RAISE EXCEPTION 'REALLOCATION_DISABLED' USING DETAIL = 'this campaign does not let coins move once placed';
    END IF;
    RETURN v_campaign;
END $$;

-- Idea must belong to the campaign and take allocations. Coins on an accepted idea never move again.
CREATE FUNCTION coin.open_idea_of(p_campaign text, p_idea uuid, p_taking_out boolean DEFAULT false)
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

-- The caller's account, locked; refuses anyone who is not (or no longer) a member of the campaign.
CREATE FUNCTION coin.member_account(p_campaign text, p_user uuid) RETURNS coin.accounts LANGUAGE plpgsql AS $$
DECLARE
    v_account coin.accounts;
BEGIN
    SELECT * INTO v_account FROM coin.accounts WHERE campaign_id = p_campaign AND user_id = p_user FOR UPDATE;
    IF NOT FOUND OR NOT v_account.member THEN
        RAISE EXCEPTION 'NOT_A_MEMBER' USING DETAIL = 'you hold no coins in this campaign: join it first';
    END IF;
    RETURN v_account;
END $$;

CREATE FUNCTION coin.balance_json(p_account coin.accounts) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('campaign_id', p_account.campaign_id, 'user_id', p_account.user_id,
                              'granted', p_account.granted, 'available', p_account.available,
                              'allocated', p_account.allocated, 'expended', p_account.expended,
                              'expired', p_account.expired, 'burned', p_account.burned)
$$;

-- Changes one member's live allocation on one idea by p_delta; refuses to go below zero or past the cap.
CREATE FUNCTION coin.shift_allocation(p_campaign text, p_user uuid, p_idea uuid, p_delta bigint, p_cap bigint)
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

-- ---- member moves -------------------------------------------------------------------------------------------

CREATE FUNCTION coin.allocate(p_request_id text, p_campaign text, p_user uuid, p_idea uuid, p_amount bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_campaign coin.campaigns;
    v_account coin.accounts;
    v_on_idea bigint;
BEGIN
    v_done := coin.begin_request(p_request_id, 'allocate', concat_ws(':', p_campaign, p_user, p_idea, p_amount));
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    v_campaign := coin.active_campaign(p_campaign);
    PERFORM pg_advisory_xact_lock_shared(coin.lock_key('idea', p_idea::text));
    PERFORM coin.open_idea_of(p_campaign, p_idea);
    v_account := coin.member_account(p_campaign, p_user);
    IF v_account.available < p_amount THEN
        RAISE EXCEPTION 'COIN_001' USING DETAIL = format('you have %s coins available, not %s', v_account.available,
                                                          p_amount),
            HINT = json_build_object('available', v_account.available, 'requested', p_amount)::text;
    END IF;
    UPDATE coin.accounts SET available = available - p_amount, allocated = allocated + p_amount
    WHERE campaign_id = p_campaign AND user_id = p_user RETURNING * INTO v_account;
    v_on_idea := coin.shift_allocation(p_campaign, p_user, p_idea, p_amount, v_campaign.max_per_idea);
    INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, idea_id, actor_id, request_id)
    VALUES (p_campaign, p_user, 'allocate', p_amount, p_idea, p_user, p_request_id);
    RETURN coin.finish_request(p_request_id, jsonb_build_object(
        'balance', coin.balance_json(v_account),
        'allocation', jsonb_build_object('idea_id', p_idea, 'amount', v_on_idea)));
END $$;

CREATE FUNCTION coin.withdraw(p_request_id text, p_campaign text, p_user uuid, p_idea uuid, p_amount bigint)
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

CREATE FUNCTION coin.reallocate(p_request_id text, p_campaign text, p_user uuid, p_from uuid, p_to uuid,
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

-- ---- moves other services cause -----------------------------------------------------------------------------

CREATE FUNCTION coin.grant_initial(p_request_id text, p_campaign text, p_users uuid[]) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_campaign coin.campaigns;
    v_user uuid;
    v_granted bigint := 0;
BEGIN
    v_done := coin.begin_request(p_request_id, 'grant', p_campaign || ':' || array_to_string(p_users, ','));
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    v_campaign := coin.active_campaign(p_campaign);
    FOR v_user IN SELECT DISTINCT u FROM unnest(p_users) AS u ORDER BY u LOOP
        -- Joining again reopens the account; the initial allocation is still granted only once.
        INSERT INTO coin.accounts (campaign_id, user_id) VALUES (p_campaign, v_user)
        ON CONFLICT (campaign_id, user_id) DO UPDATE SET member = true;
        UPDATE coin.accounts
        SET granted = granted + v_campaign.initial_allocation, available = available + v_campaign.initial_allocation,
            initial_granted = true
        WHERE campaign_id = p_campaign AND user_id = v_user AND NOT initial_granted;
        IF FOUND THEN
            v_granted := v_granted + 1;
            IF v_campaign.initial_allocation > 0 THEN
                INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, request_id)
                VALUES (p_campaign, v_user, 'grant', v_campaign.initial_allocation, p_request_id);
            END IF;
        END IF;
    END LOOP;
    RETURN coin.finish_request(p_request_id, jsonb_build_object('granted_members', v_granted));
END $$;

CREATE FUNCTION coin.open_idea(p_request_id text, p_campaign text, p_idea uuid, p_submitter uuid) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_campaign coin.campaigns;
BEGIN
    v_done := coin.begin_request(p_request_id, 'open', concat_ws(':', p_campaign, p_idea, p_submitter));
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    v_campaign := coin.active_campaign(p_campaign);
    INSERT INTO coin.ideas (idea_id, campaign_id, submitter_id, state) VALUES (p_idea, p_campaign, p_submitter, 'open')
    ON CONFLICT (idea_id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN coin.finish_request(p_request_id, jsonb_build_object('reward', 0));
    END IF;
    IF v_campaign.idea_submission_reward > 0 THEN
        INSERT INTO coin.accounts AS a (campaign_id, user_id, granted, available)
        VALUES (p_campaign, p_submitter, v_campaign.idea_submission_reward, v_campaign.idea_submission_reward)
        ON CONFLICT (campaign_id, user_id) DO UPDATE
            SET granted = a.granted + EXCLUDED.granted, available = a.available + EXCLUDED.available;
        INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, idea_id, request_id)
        VALUES (p_campaign, p_submitter, 'submission_reward', v_campaign.idea_submission_reward, p_idea, p_request_id);
    END IF;
    RETURN coin.finish_request(p_request_id, jsonb_build_object('reward', v_campaign.idea_submission_reward));
END $$;

-- Ends an open idea's competition: its live allocations are expended (accept), returned (recycle) or burned.
CREATE FUNCTION coin.close_idea(p_request_id text, p_idea uuid, p_actor uuid, p_outcome text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
    v_idea coin.ideas;
    v_campaign coin.campaigns;
    v_kind text;
    v_total bigint := 0;
    v_backers bigint := 0;
    v_row record;
BEGIN
    v_done := coin.begin_request(p_request_id, p_outcome, p_idea::text);
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    SELECT * INTO v_idea FROM coin.ideas WHERE idea_id = p_idea;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'IDEA_001' USING DETAIL = 'no competing idea has this id';
    END IF;
    v_campaign := coin.active_campaign(v_idea.campaign_id);
    PERFORM pg_advisory_xact_lock(coin.lock_key('idea', p_idea::text));
    SELECT * INTO v_idea FROM coin.ideas WHERE idea_id = p_idea FOR UPDATE;
    IF v_idea.state = 'expended' THEN
        RAISE EXCEPTION 'IDEA_004' USING DETAIL = 'the idea was already accepted: its coins are spent';
    ELSIF v_idea.state <> 'open' THEN
        RAISE EXCEPTION 'IDEA_003' USING DETAIL = 'the idea is not competing';
    END IF;
    IF p_outcome = 'expend' THEN
        v_kind := 'expend';
    ELSIF v_campaign.allow_recycling THEN
        v_kind := 'recycle';
    ELSE
        v_kind := 'burn';
    END IF;
    FOR v_row IN SELECT user_id, amount FROM coin.allocations WHERE idea_id = p_idea AND amount > 0
                 ORDER BY user_id FOR UPDATE LOOP
        PERFORM 1 FROM coin.accounts WHERE campaign_id = v_idea.campaign_id AND user_id = v_row.user_id FOR UPDATE;
        UPDATE coin.accounts SET
            allocated = allocated - v_row.amount,
            expended = expended + CASE WHEN v_kind = 'expend' THEN v_row.amount ELSE 0 END,
            available = available + CASE WHEN v_kind = 'recycle' THEN v_row.amount ELSE 0 END,
            burned = burned + CASE WHEN v_kind = 'burn' THEN v_row.amount ELSE 0 END
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
    UPDATE coin.ideas SET state = CASE v_kind WHEN 'expend' THEN 'expended' WHEN 'recycle' THEN 'recycled'
                                              ELSE 'burned' END,
                          closed_at = now()
    WHERE idea_id = p_idea;
    RETURN coin.finish_request(p_request_id, jsonb_build_object('kind', v_kind, 'total', v_total,
                                                                'backers', v_backers));
END $$;

CREATE FUNCTION coin.close_account(p_request_id text, p_campaign text, p_user uuid) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_done jsonb;
BEGIN
    v_done := coin.begin_request(p_request_id, 'close_account', p_campaign || ':' || p_user);
    IF v_done IS NOT NULL THEN RETURN v_done; END IF;
    UPDATE coin.accounts SET member = false WHERE campaign_id = p_campaign AND user_id = p_user;
    RETURN coin.finish_request(p_request_id, '{}'::jsonb);
END $$;

CREATE FUNCTION coin.expire_campaign(p_request_id text, p_campaign text) RETURNS jsonb LANGUAGE plpgsql AS $$
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
    UPDATE coin.campaigns SET status = 'completed', updated_at = now() WHERE campaign_id = p_campaign;
    -- One entry per live allocation and one for what was still available: the ledger alone rebuilds every
    -- balance and every idea total.
    FOR v_row IN SELECT a.user_id, a.idea_id, a.amount FROM coin.allocations a
                 WHERE a.campaign_id = p_campaign AND NOT a.expended AND a.amount > 0
                 ORDER BY a.user_id, a.idea_id FOR UPDATE LOOP
        INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, idea_id, request_id)
        VALUES (p_campaign, v_row.user_id, 'expire', v_row.amount, v_row.idea_id, p_request_id);
    END LOOP;
    FOR v_row IN SELECT user_id, available, available + allocated AS amount FROM coin.accounts
                 WHERE campaign_id = p_campaign ORDER BY user_id FOR UPDATE LOOP
        IF v_row.available > 0 THEN
            INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, request_id)
            VALUES (p_campaign, v_row.user_id, 'expire', v_row.available, p_request_id);
        END IF;
        IF v_row.amount > 0 THEN
            UPDATE coin.accounts SET expired = expired + available + allocated, available = 0, allocated = 0
            WHERE campaign_id = p_campaign AND user_id = v_row.user_id;
            v_total := v_total + v_row.amount;
            v_members := v_members + 1;
        END IF;
    END LOOP;
    UPDATE coin.allocations SET amount = 0, updated_at = now()
    WHERE campaign_id = p_campaign AND NOT expended AND amount > 0;
    UPDATE coin.ideas SET state = 'expired', closed_at = now() WHERE campaign_id = p_campaign AND state = 'open';
    RETURN coin.finish_request(p_request_id, jsonb_build_object('expired', v_total, 'members', v_members));
END $$;
"""


def upgrade() -> None:
    execute_script(SCHEMA_SQL)


def downgrade() -> None:
    op.execute("DROP SCHEMA coin CASCADE")

