"""PRODUCT.md "Coins" as the ledger's SQL functions enforce it, called straight over asyncpg against the migrated
database: refusals, idempotency, grants, decisions, completion and archiving, and what the schema itself refuses.
The gRPC and REST surface of the same rules is in tests/e2e/test_coins.py."""

from __future__ import annotations

import json
import uuid

import asyncpg
import pytest

from services.common import errors
from tests.support.ledger import Ledger, new_id, refused

BALANCE = ("granted", "available", "allocated", "expended", "expired", "burned")


def balance(*values: int) -> dict[str, int]:
    return dict(zip(BALANCE, values, strict=True))


# ---- member moves ------------------------------------------------------------------------------------------------

async def test_allocate_withdraw_reallocate_move_coins_and_write_the_ledger(ledger: Ledger):
    arena = await ledger.open_campaign(members=1, ideas=2)
    [bob], (a, b) = arena.members, arena.ideas
    placed = await ledger.allocate(arena.campaign, bob, a, 30)
    assert (placed["balance"]["available"], placed["allocation"]["amount"]) == (70, 30)
    shifted = await ledger.reallocate(arena.campaign, bob, a, b, 10)
    assert (shifted["from_allocation"]["amount"], shifted["to_allocation"]["amount"]) == (20, 10)
    back = await ledger.withdraw(arena.campaign, bob, a, 5)
    assert (back["balance"]["available"], back["allocation"]["amount"]) == (75, 15)
    assert await ledger.balance(arena.campaign, bob) == balance(100, 75, 25, 0, 0, 0)
    assert await ledger.entries(arena.campaign, bob) == [("grant", 100), ("allocate", 30), ("reallocate", 10),
                                                          ("withdraw", 5)]


async def test_refusals_name_the_rule_and_move_nothing(ledger: Ledger):
    arena = await ledger.open_campaign(members=1, ideas=2, max_per_idea=50)
    [bob], (a, b) = arena.members, arena.ideas
    await ledger.allocate(arena.campaign, bob, a, 50)
    with refused(errors.INSUFFICIENT_COINS) as refusal:
        await ledger.allocate(arena.campaign, bob, b, 51)
    assert json.loads(refusal.value.hint) == {"available": 50, "requested": 51}
    with refused(errors.MAX_PER_IDEA):
        await ledger.allocate(arena.campaign, bob, a, 1)
    await ledger.allocate(arena.campaign, bob, b, 50)
    with refused(errors.MAX_PER_IDEA):
        await ledger.reallocate(arena.campaign, bob, b, a, 1)
    with refused(errors.NOT_ENOUGH_ON_IDEA):
        await ledger.withdraw(arena.campaign, bob, a, 51)
    with refused(errors.IDEA_NOT_FOUND):
        await ledger.allocate(arena.campaign, bob, uuid.uuid4(), 1)
    with refused(errors.NOT_A_MEMBER):
        await ledger.allocate(arena.campaign, uuid.uuid4(), a, 1)
    with refused(errors.INVALID_INPUT):
        await ledger.reallocate(arena.campaign, bob, a, a, 1)
    with refused(errors.CAMPAIGN_INACTIVE):
        await ledger.allocate(f"draft-{uuid.uuid4().hex[:8]}", bob, a, 1)
    assert await ledger.balance(arena.campaign, bob) == balance(100, 0, 100, 0, 0, 0)
    assert [kind for kind, _ in await ledger.entries(arena.campaign, bob)] == ["grant", "allocate", "allocate"]


async def test_a_policy_may_forbid_moving_coins_once_placed(ledger: Ledger):
    arena = await ledger.open_campaign(members=1, ideas=2, reallocation=False)
    [member], (a, b) = arena.members, arena.ideas
    await ledger.allocate(arena.campaign, member, a, 10)
    with refused(errors.REALLOCATION_DISABLED):
        await ledger.reallocate(arena.campaign, member, a, b, 1)
    with refused(errors.REALLOCATION_DISABLED):
        await ledger.withdraw(arena.campaign, member, a, 1)


async def test_a_closed_idea_takes_no_coins_and_an_accepted_one_gives_none_back(ledger: Ledger):
    arena = await ledger.open_campaign(members=1, ideas=3)
    [member], (rejected, accepted, open_idea) = arena.members, arena.ideas
    await ledger.allocate(arena.campaign, member, accepted, 10)
    await ledger.close_idea(rejected, "recycle")
    await ledger.close_idea(accepted, "expend")
    with refused(errors.IDEA_NOT_COMPETING):
        await ledger.allocate(arena.campaign, member, rejected, 1)
    with refused(errors.IDEA_NOT_COMPETING):
        await ledger.reallocate(arena.campaign, member, open_idea, rejected, 1)
    with refused(errors.COINS_ALREADY_EXPENDED):
        await ledger.withdraw(arena.campaign, member, accepted, 1)
    with refused(errors.IDEA_ALREADY_ACCEPTED):
        await ledger.close_idea(accepted, "recycle")


async def test_a_member_who_left_moves_nothing_and_joining_again_grants_nothing_twice(ledger: Ledger):
    arena = await ledger.open_campaign(members=1, ideas=1)
    [member], [idea] = arena.members, arena.ideas
    await ledger.allocate(arena.campaign, member, idea, 10)
    await ledger.close_account(arena.campaign, member)
    with refused(errors.NOT_A_MEMBER):
        await ledger.allocate(arena.campaign, member, idea, 1)
    with refused(errors.NOT_A_MEMBER):
        await ledger.withdraw(arena.campaign, member, idea, 1)
    assert (await ledger.grant(arena.campaign, [member]))["granted_members"] == 0
    await ledger.allocate(arena.campaign, member, idea, 1)
    assert await ledger.balance(arena.campaign, member) == balance(100, 89, 11, 0, 0, 0)


# ---- idempotency -------------------------------------------------------------------------------------------------

async def test_a_repeated_request_id_replays_the_first_answer_and_moves_nothing(ledger: Ledger):
    arena = await ledger.open_campaign(members=1, ideas=2)
    [bob], (a, b) = arena.members, arena.ideas
    request_id = new_id()
    first = await ledger.allocate(arena.campaign, bob, a, 7, request_id)
    again = await ledger.allocate(arena.campaign, bob, a, 7, request_id)
    assert again == {**first, "replayed": True}
    assert (await ledger.balance(arena.campaign, bob))["available"] == 93
    for different in (ledger.allocate(arena.campaign, bob, b, 7, request_id),
                      ledger.allocate(arena.campaign, bob, a, 8, request_id),
                      ledger.withdraw(arena.campaign, bob, a, 7, request_id)):
        with refused(errors.REQUEST_ID_REUSED):
            await different
    with refused(errors.INVALID_INPUT) as refusal:
        await ledger.allocate(arena.campaign, bob, a, 1, "")
    assert refusal.value.hint == "request_id"
    assert await ledger.entries(arena.campaign, bob) == [("grant", 100), ("allocate", 7)]


# ---- grants, rewards, decisions ----------------------------------------------------------------------------------

async def test_open_campaign_records_the_policy_once_and_grants_each_member_once(ledger: Ledger, db: asyncpg.Pool):
    arena = await ledger.open_campaign(members=2, initial=40, max_per_idea=7)
    late = uuid.uuid4()
    assert (await ledger.grant(arena.campaign, [*arena.members, late, late]))["granted_members"] == 1
    for user in (*arena.members, late):
        assert await ledger.balance(arena.campaign, user) == balance(40, 40, 0, 0, 0, 0)
        assert await ledger.entries(arena.campaign, user) == [("grant", 40)]
    # A repeat (another replica, a retry under a new id) keeps the policy frozen at activation.
    await ledger.activate(arena.campaign, arena.members, initial=999)
    policy = await db.fetchrow("SELECT initial_allocation, max_per_idea FROM coin.campaigns WHERE campaign_id = $1",
                               arena.campaign)
    assert tuple(policy) == (40, 7)


async def test_a_repeated_activation_converges_with_members_who_joined_meanwhile(ledger: Ledger):
    """The campaign service's commit may fail after the coin side activated: its retry (same id, one more member)
    grants the newcomer and nobody twice, instead of being refused as another request."""
    campaign, early, late = f"it-{uuid.uuid4().hex[:10]}", uuid.uuid4(), uuid.uuid4()
    first = await ledger.activate(campaign, [early], initial=40, request_id=f"activate:{campaign}")
    again = await ledger.activate(campaign, [late, early], initial=40, request_id=f"activate:{campaign}")
    assert (first["granted_members"], again["granted_members"]) == (1, 1)
    for user in (early, late):
        assert await ledger.entries(campaign, user) == [("grant", 40)]


async def test_rejection_frees_no_rewarded_place(ledger: Ledger):
    arena = await ledger.open_campaign(members=1, initial=0, reward=10, max_rewarded=1)
    [author] = arena.members
    first = await ledger.open_idea(arena.campaign, author)
    await ledger.close_idea(first, "recycle")  # the reward is taken back...
    await ledger.open_idea(arena.campaign, author)  # ...but the one rewarded place stays used
    assert (await ledger.balance(arena.campaign, author))["granted"] == 0


async def test_a_submitter_who_never_joined_holds_an_account_that_moves_nothing(ledger: Ledger):
    arena = await ledger.open_campaign(members=1, initial=0, reward=10)
    outsider = uuid.uuid4()
    idea = await ledger.open_idea(arena.campaign, outsider)
    assert (await ledger.balance(arena.campaign, outsider))["available"] == 10
    with refused("NOT_A_MEMBER"):
        await ledger.allocate(arena.campaign, outsider, idea, 1)


async def test_submission_rewards_stop_at_the_cap(ledger: Ledger, db: asyncpg.Pool):
    arena = await ledger.open_campaign(members=1, initial=0, reward=10, max_rewarded=2)
    [author] = arena.members
    for _ in range(3):
        await ledger.open_idea(arena.campaign, author)
    assert await ledger.balance(arena.campaign, author) == balance(20, 20, 0, 0, 0, 0)
    rewards = await db.fetch("SELECT reward FROM coin.ideas WHERE campaign_id = $1 ORDER BY opened_at", arena.campaign)
    assert sorted(row["reward"] for row in rewards) == [0, 10, 10]


@pytest.mark.parametrize(("recycling", "kind", "after"), [
    (True, "recycle", balance(100, 100, 0, 0, 0, 0)),
    (False, "burn", balance(100, 70, 0, 0, 0, 30)),
])
async def test_rejecting_an_idea_recycles_or_burns_its_coins(ledger: Ledger, recycling: bool, kind: str,
                                                            after: dict[str, int]):
    arena = await ledger.open_campaign(members=1, ideas=1, recycling=recycling)
    [member], [idea] = arena.members, arena.ideas
    await ledger.allocate(arena.campaign, member, idea, 30)
    closed = await ledger.close_idea(idea, "recycle")
    assert (closed["kind"], closed["total"], closed["backers"]) == (kind, 30, 1)
    assert await ledger.balance(arena.campaign, member) == after
    assert (await ledger.entries(arena.campaign, member))[-1] == (kind, 30)


async def test_accepting_an_idea_expends_its_coins(ledger: Ledger):
    arena = await ledger.open_campaign(members=2, ideas=1)
    (alice, bob), [idea] = arena.members, arena.ideas
    await ledger.allocate(arena.campaign, alice, idea, 10)
    await ledger.allocate(arena.campaign, bob, idea, 20)
    closed = await ledger.close_idea(idea, "expend")
    assert (closed["kind"], closed["total"], closed["backers"]) == ("expend", 30, 2)
    assert await ledger.balance(arena.campaign, bob) == balance(100, 80, 0, 20, 0, 0)


async def test_a_rejected_rewarded_idea_gives_its_reward_back_as_far_as_it_reaches(ledger: Ledger):
    arena = await ledger.open_campaign(members=2, initial=0, reward=10)
    author, backer = arena.members
    kept = await ledger.open_idea(arena.campaign, author)
    spent = await ledger.open_idea(arena.campaign, author)
    await ledger.allocate(arena.campaign, author, kept, 16)  # 4 of the 20 rewarded coins stay available
    first = await ledger.close_idea(spent, "recycle")
    assert first["reward_revoked"] == 4
    assert await ledger.balance(arena.campaign, author) == balance(16, 0, 16, 0, 0, 0)
    assert (await ledger.entries(arena.campaign, author))[-1] == ("reward_revoked", 4)
    # Accepting never takes a reward back.
    assert (await ledger.close_idea(kept, "expend"))["reward_revoked"] == 0
    assert (await ledger.balance(arena.campaign, backer))["granted"] == 0


# ---- completion and archiving ------------------------------------------------------------------------------------

async def test_expiry_keeps_allocations_snapshots_the_result_and_stops_every_move(ledger: Ledger, db: asyncpg.Pool):
    arena = await ledger.open_campaign(members=2, ideas=3)
    (alice, bob), (a, b, c) = arena.members, arena.ideas
    await ledger.allocate(arena.campaign, alice, a, 30)
    await ledger.allocate(arena.campaign, bob, a, 10)
    await ledger.allocate(arena.campaign, bob, b, 5)
    expired = await ledger.expire_campaign(arena.campaign)
    assert expired == {"expired": 70 + 85, "members": 2}
    assert await ledger.balance(arena.campaign, bob) == balance(100, 0, 15, 0, 85, 0)
    results = await db.fetch("SELECT idea_id, coins, backers FROM coin.results WHERE campaign_id = $1",
                             arena.campaign)
    assert {row["idea_id"]: (row["coins"], row["backers"]) for row in results} == {
        a: (40, 2), b: (5, 1), c: (0, 0)}
    with refused(errors.CAMPAIGN_INACTIVE):
        await ledger.allocate(arena.campaign, alice, a, 1)
    with refused(errors.CAMPAIGN_INACTIVE):
        await ledger.withdraw(arena.campaign, alice, a, 1)
    with refused(errors.CAMPAIGN_INACTIVE):
        await ledger.reallocate(arena.campaign, alice, a, b, 1)
    assert await ledger.expire_campaign(arena.campaign) == {"expired": 0, "members": 0}
    # Decisions go on after completion: accepting expends, rejecting lets the coins expire.
    assert (await ledger.close_idea(a, "expend"))["kind"] == "expend"
    assert (await ledger.close_idea(b, "recycle"))["kind"] == "expire"
    assert await ledger.balance(arena.campaign, bob) == balance(100, 0, 0, 10, 90, 0)


async def test_archiving_expires_what_undecided_ideas_hold_and_keeps_the_result(ledger: Ledger, db: asyncpg.Pool):
    arena = await ledger.open_campaign(members=1, ideas=2)
    [member], (decided, undecided) = arena.members, arena.ideas
    await ledger.allocate(arena.campaign, member, decided, 20)
    await ledger.allocate(arena.campaign, member, undecided, 30)
    assert await ledger.archive_campaign(arena.campaign) == {"expired": 0, "members": 0}  # only after completion
    await ledger.expire_campaign(arena.campaign)
    await ledger.close_idea(decided, "expend")
    assert await ledger.archive_campaign(arena.campaign) == {"expired": 30, "members": 1}
    assert await ledger.balance(arena.campaign, member) == balance(100, 0, 0, 20, 80, 0)
    assert (await ledger.entries(arena.campaign, member))[-1] == ("expire", 30)
    states = await db.fetch("SELECT idea_id, state FROM coin.ideas WHERE campaign_id = $1", arena.campaign)
    assert {row["idea_id"]: row["state"] for row in states} == {decided: "expended", undecided: "expired"}
    assert await db.fetchval("SELECT sum(coins) FROM coin.results WHERE campaign_id = $1", arena.campaign) == 50
    with refused(errors.CAMPAIGN_INACTIVE):
        await ledger.close_idea(undecided, "expend")


# ---- what the schema refuses -------------------------------------------------------------------------------------

async def test_the_ledger_is_append_only(ledger: Ledger, db: asyncpg.Pool):
    arena = await ledger.open_campaign(members=1)
    for statement in ("UPDATE coin.ledger SET amount = 1 WHERE campaign_id = $1",
                      "DELETE FROM coin.ledger WHERE campaign_id = $1"):
        with refused("LEDGER_APPEND_ONLY"):
            await db.execute(statement, arena.campaign)
    with refused("LEDGER_APPEND_ONLY"):
        await db.execute("TRUNCATE coin.ledger")
    assert await ledger.entries(arena.campaign, arena.members[0]) == [("grant", 100)]


@pytest.mark.parametrize(("statement", "constraint"), [
    ("UPDATE coin.accounts SET available = -1, granted = granted - available - 1 WHERE campaign_id = $1",
     "no_negative_balance"),
    ("UPDATE coin.accounts SET available = available + 1 WHERE campaign_id = $1", "coins_conserved"),
    (("INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, request_id) "
      "VALUES ($1, gen_random_uuid(), 'grant', 0, 'r')"), "ledger_amount_check"),
    (("INSERT INTO coin.ledger (campaign_id, user_id, kind, amount, request_id) "
      "VALUES ($1, gen_random_uuid(), 'gift', 1, 'r')"), "ledger_kind_check"),
    ("UPDATE coin.ideas SET state = 'lost' WHERE campaign_id = $1", "ideas_state_check"),
])
async def test_check_constraints_refuse_impossible_rows(ledger: Ledger, db: asyncpg.Pool, statement: str,
                                                        constraint: str):
    arena = await ledger.open_campaign(members=1, ideas=1)
    with pytest.raises(asyncpg.CheckViolationError) as violation:
        await db.execute(statement, arena.campaign)
    assert violation.value.constraint_name == constraint
