"""The coin service's read queries (services/coin/repository.py's CoinLedger) against ledger states the SQL functions
made: balances, idea totals and the standing, live and after completion, and verify()."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.coin.domain import Balance
from services.coin.repository import CoinLedger
from tests.support.ledger import Ledger


@pytest.fixture(scope="session")
async def coin_ledger(database_url: str) -> AsyncIterator[CoinLedger]:
    repository = await CoinLedger.connect(database_url, 2)
    yield repository
    await repository.close()


async def test_balance_reads_the_account_and_zero_for_a_stranger(ledger: Ledger, coin_ledger: CoinLedger):
    arena = await ledger.open_campaign(members=1, ideas=1)
    [member], [idea] = arena.members, arena.ideas
    await ledger.allocate(arena.campaign, member, idea, 12)
    assert await coin_ledger.balance(arena.campaign, member) == Balance(arena.campaign, str(member), 100, 88, 12)
    stranger = uuid.uuid4()
    assert await coin_ledger.balance(arena.campaign, stranger) == Balance(arena.campaign, str(stranger))


async def test_totals_and_standing_are_live_until_completion_then_frozen(ledger: Ledger, coin_ledger: CoinLedger):
    arena = await ledger.open_campaign(members=2, ideas=3)
    (alice, bob), (a, b, c) = arena.members, arena.ideas
    await ledger.allocate(arena.campaign, alice, a, 30)
    await ledger.allocate(arena.campaign, bob, a, 10)
    await ledger.allocate(arena.campaign, bob, b, 5)
    assert await coin_ledger.idea_totals(arena.campaign, []) == {str(a): 40, str(b): 5}
    assert await coin_ledger.idea_totals(arena.campaign, [b, c]) == {str(b): 5}
    final, ended, ideas = await coin_ledger.standing(arena.campaign)
    assert (final, ended) == (False, None)
    assert {(row.idea_id, row.coins, row.backers) for row in ideas} == {
        (str(a), 40, 2), (str(b), 5, 1), (str(c), 0, 0)}

    await ledger.expire_campaign(arena.campaign)
    await ledger.close_idea(b, "recycle")  # decided after the vote: its coins expire, the result keeps them
    assert await coin_ledger.idea_totals(arena.campaign, []) == {str(a): 40, str(b): 5}
    final, ended, ideas = await coin_ledger.standing(arena.campaign)
    assert final and ended is not None
    assert {(row.idea_id, row.coins) for row in ideas} == {(str(a), 40), (str(b), 5), (str(c), 0)}


async def test_verify_finds_a_balance_changed_behind_the_ledgers_back(ledger: Ledger, coin_ledger: CoinLedger,
                                                                      db: asyncpg.Pool):
    arena = await ledger.open_campaign(members=2, ideas=1)
    [member, _], [idea] = arena.members, arena.ideas
    await ledger.allocate(arena.campaign, member, idea, 10)
    assert await coin_ledger.verify(arena.campaign) == (2, [], 1, [])
    # Conservation still holds, so only the ledger can tell: 5 coins appeared from nowhere.
    tamper = ("UPDATE coin.accounts SET granted = granted + $3, available = available + $3 "
              "WHERE campaign_id = $1 AND user_id = $2")
    await db.execute(tamper, arena.campaign, member, 5)
    checked, mismatches, _, wrong_ideas = await coin_ledger.verify(arena.campaign)
    assert checked == 2 and wrong_ideas == []
    assert [(stored.available, rebuilt.available) for stored, rebuilt in mismatches] == [(95, 90)]
    await db.execute("UPDATE coin.allocations SET amount = amount + 1 WHERE idea_id = $1", idea)
    assert (await coin_ledger.verify(arena.campaign))[3] == [str(idea)]
    await db.execute(tamper, arena.campaign, member, -5)
    await db.execute("UPDATE coin.allocations SET amount = amount - 1 WHERE idea_id = $1", idea)
    assert await coin_ledger.verify(arena.campaign) == (2, [], 1, [])
