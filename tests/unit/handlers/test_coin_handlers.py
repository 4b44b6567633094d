"""The coin service's use cases over in-memory ports: every handler, the request keys it gives the ledger, its
input checks, the ledger's refusals as clients see them, and who may read what."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.coin.domain import (
    Access,
    Allocation,
    Balance,
    CoinPolicy,
    CoinsExpired,
    IdeaClosed,
    IdeaOutcome,
    IdeaStanding,
    LedgerCheck,
    LedgerEntry,
    LedgerIdea,
    LedgerOperation,
    MemberMove,
    Standing,
)
from services.coin.handlers import CoinHandlers
from services.common import errors
from services.common.concepts import CampaignRole, LedgerEntryKind, SystemRole
from services.common.context import Caller
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from tests.unit.handlers.fakes_auth import call_context
from tests.unit.handlers.fakes_coin import FakeCampaignAccess, FakeLedger, Move

CAMPAIGN = "city-parks"
ALLOCATE = "/coins.v1.CoinService/AllocateCoins"
WITHDRAW = "/coins.v1.CoinService/WithdrawCoins"
IDEA, OTHER_IDEA = uuid.uuid4(), uuid.uuid4()
ANN = Caller(str(uuid.uuid4()), "ann@example.org")
BOB = Caller(str(uuid.uuid4()), "bob@example.org")
ADMIN = Caller(str(uuid.uuid4()), "root@example.org", frozenset({SystemRole.ADMIN}))
SPONSOR = Caller(str(uuid.uuid4()), "spo@example.org", frozenset({SystemRole.SPONSOR}))
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def balance_json(user: Caller, available: int, allocated: int) -> dict:
    return {"campaign_id": CAMPAIGN, "user_id": user.user_id, "granted": available + allocated,
            "available": available, "allocated": allocated, "expended": 0, "expired": 0, "burned": 0}


@pytest.fixture
def ledger() -> FakeLedger:
    return FakeLedger(answers={
        LedgerOperation.ALLOCATE: {"balance": balance_json(ANN, 90, 10),
                                   "allocation": {"idea_id": str(IDEA), "amount": 10}},
        LedgerOperation.WITHDRAW: {"balance": balance_json(ANN, 95, 5),
                                   "allocation": {"idea_id": str(IDEA), "amount": 5}},
        LedgerOperation.REALLOCATE: {"balance": balance_json(ANN, 90, 10),
                                     "from_allocation": {"idea_id": str(IDEA), "amount": 6},
                                     "to_allocation": {"idea_id": str(OTHER_IDEA), "amount": 4}},
        LedgerOperation.OPEN_CAMPAIGN: {"granted_members": 2},
        LedgerOperation.GRANT: {"granted_members": 1},
        LedgerOperation.OPEN_IDEA: {"reward": 5},
        LedgerOperation.CLOSE_IDEA: {"kind": "burn", "total": 30, "backers": 2, "reward_revoked": 5},
        LedgerOperation.EXPIRE: {"expired": 120, "members": 3},
        LedgerOperation.ARCHIVE: {"expired": 7, "members": 1},
        LedgerOperation.CLOSE_ACCOUNT: {},
    })


@pytest.fixture
def campaigns() -> FakeCampaignAccess:
    return FakeCampaignAccess()


@pytest.fixture
def coins(ledger, campaigns) -> CoinHandlers:
    return CoinHandlers(ledger, campaigns)


def client_key(who: Caller, method: str, request_id: str) -> str:
    return f"client:{who.user_id}|{method}|{request_id}"


# ---- member moves ----------------------------------------------------------------------------------------------------

async def test_allocate_asks_the_ledger_under_the_callers_request_key(coins, ledger):
    with call_context(ANN, method=ALLOCATE, request_id="r-1"):
        moved = await coins.allocate(ANN, CAMPAIGN, str(IDEA), 10)
    assert ledger.moves == [Move(LedgerOperation.ALLOCATE, client_key(ANN, ALLOCATE, "r-1"),
                                 (CAMPAIGN, uuid.UUID(ANN.user_id), IDEA, 10))]
    assert moved == MemberMove(Balance(CAMPAIGN, ANN.user_id, 100, 90, 10),
                               Allocation(CAMPAIGN, str(IDEA), ANN.user_id, 10))


async def test_a_request_id_is_scoped_to_its_caller_and_method(coins, ledger):
    with call_context(ANN, method=ALLOCATE, request_id="r-1"):
        first = await coins.allocate(ANN, CAMPAIGN, str(IDEA), 10)
        assert await coins.allocate(ANN, CAMPAIGN, str(IDEA), 10) == first  # a retry: the ledger replays
    with call_context(BOB, method=ALLOCATE, request_id="r-1"):
        await coins.allocate(BOB, CAMPAIGN, str(IDEA), 10)
    with call_context(ANN, method=WITHDRAW, request_id="r-1"):
        await coins.withdraw(ANN, CAMPAIGN, str(IDEA), 5)
    assert [m.request_key for m in ledger.moves] == [
        client_key(ANN, ALLOCATE, "r-1"), client_key(BOB, ALLOCATE, "r-1"), client_key(ANN, WITHDRAW, "r-1")]


async def test_a_member_move_needs_a_request_id(coins, ledger):
    with call_context(ANN, method=ALLOCATE), pytest.raises(InvalidArgument) as refused:
        await coins.allocate(ANN, CAMPAIGN, str(IDEA), 10)
    assert refused.value.field == "request_id" and ledger.moves == []


@pytest.mark.parametrize("campaign,idea,amount,field", [
    ("Not A Slug", str(IDEA), 10, "campaign_id"), (CAMPAIGN, "idea-7", 10, "idea_id"), (CAMPAIGN, "", 10, "idea_id"),
    (CAMPAIGN, str(IDEA), 0, "amount"), (CAMPAIGN, str(IDEA), 1_000_000_001, "amount")])
async def test_member_moves_check_their_input_before_the_ledger(coins, ledger, campaign, idea, amount, field):
    with call_context(ANN, method=ALLOCATE, request_id="r-1"):
        for move in (coins.allocate, coins.withdraw):
            with pytest.raises(InvalidArgument) as refused:
                await move(ANN, campaign, idea, amount)
            assert refused.value.field == field
    assert ledger.moves == []


async def test_withdraw_answers_what_is_left_on_the_idea(coins, ledger):
    with call_context(ANN, method=WITHDRAW, request_id="r-2"):
        moved = await coins.withdraw(ANN, CAMPAIGN, str(IDEA), 5)
    assert ledger.moves[0].operation is LedgerOperation.WITHDRAW
    assert (moved.balance.available, moved.allocation.amount) == (95, 5)


async def test_reallocate_moves_between_two_ideas(coins, ledger):
    with call_context(ANN, method="/coins.v1.CoinService/ReallocateCoins", request_id="r-3"):
        moved = await coins.reallocate(ANN, CAMPAIGN, str(IDEA), str(OTHER_IDEA), 4)
        with pytest.raises(InvalidArgument) as refused:
            await coins.reallocate(ANN, CAMPAIGN, str(IDEA), "nope", 4)
    assert refused.value.field == "to_idea_id"
    assert ledger.moves[0].args == (CAMPAIGN, uuid.UUID(ANN.user_id), IDEA, OTHER_IDEA, 4)
    assert (moved.from_allocation.idea_id, moved.from_allocation.amount) == (str(IDEA), 6)
    assert (moved.to_allocation.idea_id, moved.to_allocation.amount, moved.to_allocation.user_id) == (
        str(OTHER_IDEA), 4, ANN.user_id)


@pytest.mark.parametrize("reason,hint,kind,field", [
    (errors.INSUFFICIENT_COINS, None, FailedPrecondition, None),
    (errors.CAMPAIGN_INACTIVE, None, FailedPrecondition, None),
    (errors.MAX_PER_IDEA, "at most 20 per idea", FailedPrecondition, None),
    (errors.REALLOCATION_DISABLED, None, FailedPrecondition, None),
    (errors.IDEA_NOT_FOUND, None, NotFound, None),
    (errors.NOT_A_MEMBER, None, PermissionDenied, None),
    (errors.REQUEST_ID_REUSED, None, InvalidArgument, "request_id"),
    (errors.INVALID_INPUT, "amount", InvalidArgument, "amount")])
async def test_ledger_refusals_reach_the_client_with_their_reason(coins, ledger, reason, hint, kind, field):
    ledger.refusals[LedgerOperation.ALLOCATE] = (reason, "the ledger says no", hint)
    with call_context(ANN, method=ALLOCATE, request_id="r-1"), pytest.raises(kind) as refused:
        await coins.allocate(ANN, CAMPAIGN, str(IDEA), 10)
    error = refused.value
    assert error.message == "the ledger says no"
    assert error.reason == (errors.INSUFFICIENT_PERMISSIONS if kind is PermissionDenied else reason)
    if field:
        assert error.field == field
    if kind is FailedPrecondition and hint:
        assert error.metadata == {"detail": hint}


# ---- reads -----------------------------------------------------------------------------------------------------------

async def test_balance_is_the_callers_own(coins, ledger):
    ledger.balances[(CAMPAIGN, uuid.UUID(ANN.user_id))] = Balance(CAMPAIGN, ANN.user_id, 100, 60, 40)
    assert (await coins.balance(ANN, CAMPAIGN)).available == 60
    assert await coins.balance(BOB, CAMPAIGN) == Balance(CAMPAIGN, BOB.user_id)
    with pytest.raises(InvalidArgument):
        await coins.balance(ANN, "x")


async def test_allocations_page_by_offset(coins, ledger):
    ledger.allocations_of[(CAMPAIGN, uuid.UUID(ANN.user_id))] = [
        Allocation(CAMPAIGN, str(uuid.uuid4()), ANN.user_id, amount) for amount in (5, 4, 3)]
    first, token = await coins.allocations(ANN, CAMPAIGN, 2, "")
    assert [a.amount for a in first] == [5, 4] and token
    rest, token = await coins.allocations(ANN, CAMPAIGN, 2, token)
    assert [a.amount for a in rest] == [3] and token == ""
    with pytest.raises(InvalidArgument) as refused:
        await coins.allocations(ANN, CAMPAIGN, 2, "made-up")
    assert refused.value.field == "page_token"


@pytest.fixture
def backed_idea(ledger) -> uuid.UUID:
    ledger.ideas[IDEA] = LedgerIdea(CAMPAIGN, expended=True)
    ledger.backers_of[IDEA] = [Allocation(CAMPAIGN, str(IDEA), ANN.user_id, 30, True, NOW),
                               Allocation(CAMPAIGN, str(IDEA), BOB.user_id, 12, True, NOW)]
    return IDEA


@pytest.mark.parametrize("who,access", [
    (ANN, Access(CampaignRole.MEMBER, False)), (BOB, Access(CampaignRole.MANAGER, False)),
    (SPONSOR, Access(None, True)), (ADMIN, Access(None, False))])
async def test_idea_coins_are_read_by_members_managers_sponsors_and_admins(coins, campaigns, backed_idea, who,
                                                                              access):
    campaigns.stands[(CAMPAIGN, who.user_id)] = access
    coins_on_idea = await coins.idea_coins(who, str(backed_idea))
    assert (coins_on_idea.campaign_id, coins_on_idea.expended, coins_on_idea.total) == (CAMPAIGN, True, 42)
    assert [b.user_id for b in coins_on_idea.backers] == [ANN.user_id, BOB.user_id]


@pytest.mark.parametrize("who,access", [
    (BOB, Access(None, False)),
    (BOB, Access(None, True)),  # sponsoring the campaign counts only for a user who holds the sponsor role
])
async def test_idea_coins_are_hidden_from_everyone_else(coins, campaigns, backed_idea, who, access):
    campaigns.stands[(CAMPAIGN, who.user_id)] = access
    with pytest.raises(NotFound) as refused:
        await coins.idea_coins(who, str(backed_idea))
    assert refused.value.reason == errors.IDEA_NOT_FOUND


async def test_an_idea_without_coins_is_not_found_without_asking_the_campaign(coins, campaigns):
    with pytest.raises(NotFound):
        await coins.idea_coins(ADMIN, str(uuid.uuid4()))
    with pytest.raises(InvalidArgument):
        await coins.idea_coins(ADMIN, "idea")
    assert campaigns.asked == []


def entries_of(who: Caller, ids: range) -> list[LedgerEntry]:
    return [LedgerEntry(i, CAMPAIGN, who.user_id, LedgerEntryKind.GRANT, 100, None, None, None, f"service:g{i}", NOW)
            for i in ids]


async def test_a_member_pages_through_its_own_ledger(coins, ledger, campaigns):
    ledger.entries[(CAMPAIGN, uuid.UUID(ANN.user_id))] = entries_of(ANN, range(5, 0, -1))
    first, token = await coins.ledger_entries(ANN, CAMPAIGN, "", 3, "")
    assert [e.id for e in first] == [5, 4, 3]
    rest, token = await coins.ledger_entries(ANN, CAMPAIGN, ANN.user_id, 3, token)
    assert [e.id for e in rest] == [2, 1] and token == ""
    assert campaigns.asked == []  # one's own ledger needs nobody's word


async def test_another_members_ledger_is_for_managers_and_admins(coins, ledger, campaigns):
    ledger.entries[(CAMPAIGN, uuid.UUID(BOB.user_id))] = entries_of(BOB, range(2, 0, -1))
    campaigns.stands[(CAMPAIGN, ANN.user_id)] = Access(CampaignRole.MEMBER, True)
    with pytest.raises(PermissionDenied):
        await coins.ledger_entries(ANN, CAMPAIGN, BOB.user_id, 0, "")
    campaigns.stands[(CAMPAIGN, ANN.user_id)] = Access(CampaignRole.MANAGER, False)
    assert len((await coins.ledger_entries(ANN, CAMPAIGN, BOB.user_id, 0, ""))[0]) == 2
    assert len((await coins.ledger_entries(ADMIN, CAMPAIGN, BOB.user_id, 0, ""))[0]) == 2
    with pytest.raises(InvalidArgument) as refused:
        await coins.ledger_entries(ADMIN, CAMPAIGN, "bob", 0, "")
    assert refused.value.field == "user_id"


async def test_verify_is_for_admins(coins, ledger):
    ledger.check = LedgerCheck(4, [], 2, [])
    with pytest.raises(PermissionDenied):
        await coins.verify(ANN, "")
    assert await coins.verify(ADMIN, "") == (4, [], 2, [])
    await coins.verify(ADMIN, CAMPAIGN)
    with pytest.raises(InvalidArgument):
        await coins.verify(ADMIN, "Bad Slug")
    assert ledger.verified == [None, CAMPAIGN]


# ---- moves other services cause --------------------------------------------------------------------------------------

async def test_open_campaign_freezes_the_policy_and_grants_the_members(coins, ledger):
    policy = CoinPolicy(100, 5, True, False, 20, 3)
    members = [str(uuid.uuid4()), str(uuid.uuid4())]
    assert await coins.open_campaign(CAMPAIGN, policy, members, "activate:c1") == 2
    assert ledger.moves == [Move(LedgerOperation.OPEN_CAMPAIGN, "service:activate:c1",
                                 (CAMPAIGN, 100, 5, True, False, 20, 3, [uuid.UUID(m) for m in members]))]
    with pytest.raises(InvalidArgument) as refused:
        await coins.open_campaign(CAMPAIGN, policy, members, "")
    assert refused.value.field == "request_id"
    with pytest.raises(InvalidArgument):
        await coins.open_campaign(CAMPAIGN, policy, ["someone"], "activate:c2")


async def test_service_request_ids_never_meet_client_ones(coins, ledger):
    with call_context(ANN, method=ALLOCATE, request_id="join:1"):
        await coins.allocate(ANN, CAMPAIGN, str(IDEA), 10)
        assert await coins.grant(CAMPAIGN, [ANN.user_id], "join:1") == 1
    assert [m.request_key for m in ledger.moves] == [client_key(ANN, ALLOCATE, "join:1"), "service:join:1"]
    with pytest.raises(InvalidArgument):
        await coins.grant(CAMPAIGN, [ANN.user_id], "x" * 251)


async def test_open_idea_answers_the_submitters_reward(coins, ledger):
    submitter = uuid.uuid4()
    assert await coins.open_idea(CAMPAIGN, str(IDEA), str(submitter), f"compete:{IDEA}") == 5
    assert ledger.moves[0].args == (CAMPAIGN, IDEA, submitter)
    with pytest.raises(InvalidArgument) as refused:
        await coins.open_idea(CAMPAIGN, str(IDEA), "", "compete:x")
    assert refused.value.field == "submitter_id"


@pytest.mark.parametrize("outcome", list(IdeaOutcome))
async def test_close_idea_expends_or_recycles(coins, ledger, outcome):
    actor = uuid.uuid4()
    closed = await coins.close_idea(str(IDEA), str(actor), f"decide:{IDEA}", outcome)
    assert closed == IdeaClosed(LedgerEntryKind.BURN, 30, 2, 5)
    assert ledger.moves[0].args == (IDEA, actor, outcome)


async def test_close_idea_without_an_actor_is_the_system(coins, ledger):
    await coins.close_idea(str(IDEA), "", "sweep:1", IdeaOutcome.RECYCLE)
    assert ledger.moves[0].args == (IDEA, None, IdeaOutcome.RECYCLE)


async def test_expire_and_archive_report_what_expired(coins, ledger):
    assert await coins.expire(CAMPAIGN, "complete:c1") == CoinsExpired(120, 3)
    assert await coins.archive(CAMPAIGN, "archive:c1") == CoinsExpired(7, 1)
    assert [(m.operation, m.request_key, m.args) for m in ledger.moves] == [
        (LedgerOperation.EXPIRE, "service:complete:c1", (CAMPAIGN,)),
        (LedgerOperation.ARCHIVE, "service:archive:c1", (CAMPAIGN,))]


async def test_close_account_ends_a_members_coins(coins, ledger):
    await coins.close_account(CAMPAIGN, ANN.user_id, "leave:1")
    assert ledger.moves == [Move(LedgerOperation.CLOSE_ACCOUNT, "service:leave:1",
                                 (CAMPAIGN, uuid.UUID(ANN.user_id)))]


async def test_standing_and_idea_totals(coins, ledger):
    ledger.standings[CAMPAIGN] = Standing(True, NOW, [IdeaStanding(str(IDEA), 40, 2)])
    assert await coins.standing(CAMPAIGN) == Standing(True, NOW, [IdeaStanding(str(IDEA), 40, 2)])
    ledger.totals[CAMPAIGN] = {str(IDEA): 40, str(OTHER_IDEA): 5}
    assert await coins.idea_totals(CAMPAIGN, []) == {str(IDEA): 40, str(OTHER_IDEA): 5}
    assert await coins.idea_totals(CAMPAIGN, [str(OTHER_IDEA)]) == {str(OTHER_IDEA): 5}
    for read in (coins.standing(CAMPAIGN + "\0"), coins.idea_totals("\0", [])):
        with pytest.raises(InvalidArgument):
            await read
