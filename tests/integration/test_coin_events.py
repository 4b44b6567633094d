"""Coin moves as coins.v1.CoinsMoved events (services/coin/events.py): the ledger's trigger fills coin.event_outbox in
each move's transaction, and the coin relay publishes one event per operation (or per part of at most 500 entries)
on `coins:events:coin` of a private redis-server, as the tier's PostgreSQL and the ledger functions produce them."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from redis.asyncio import Redis

from coins.v1 import events_pb2 as ev
from coins.v1 import resources_pb2 as res
from services.coin.domain import LedgerOperation
from services.coin.events import PART_SIZE, CoinEventRelay
from services.coin.repository import ENTRY_COLUMNS, CoinEventOutbox, CoinLedger, connect_pool, entry_of
from services.coin.servicer import entry_message
from services.common.config import EventSettings
from services.common.events import stream_for
from tests.support.ledger import Ledger, refused

# Polls seldom: only a kick makes the relay publish before a test asks it to.
SETTINGS = EventSettings(stream_maxlen=100_000, relay_poll_s=30)
STREAM = stream_for("coin")
COINS_MOVED = "coins.v1.CoinsMoved"



@pytest.fixture(scope="module")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """The coin service's own pool (statement timeout, JSON codec)."""
    coin_pool = await connect_pool(database_url, 4)
    yield coin_pool
    await coin_pool.close()


@pytest.fixture
def relay(pool: asyncpg.Pool, redis: Redis) -> CoinEventRelay:
    return CoinEventRelay(CoinEventOutbox(pool), redis, SETTINGS)


async def drain(relay: CoinEventRelay) -> None:
    while not await relay.publish_pending():
        pass


async def published(relay: CoinEventRelay, redis: Redis, campaign: str) -> list[ev.Event]:
    """Publishes whatever waits, then answers the campaign's events on the stream, oldest first."""
    await drain(relay)
    found = []
    for _, fields in await redis.xrange(STREAM):
        event = ev.Event.FromString(fields[b"event"])
        assert fields[b"event_id"].decode() == event.event_id and fields[b"type"].decode() == event.type
        if event.campaign_id == campaign:
            found.append(event)
    return found


async def ledger_rows(ledger: Ledger, campaign: str, request_id: str | None = None) -> list[asyncpg.Record]:
    async with ledger.pool.acquire() as connection:
        return await connection.fetch(
            f"""SELECT {ENTRY_COLUMNS} FROM coin.ledger WHERE campaign_id = $1 AND ($2::text IS NULL
                OR request_id = $2) ORDER BY id""", campaign, request_id)


def as_entries(rows: list[asyncpg.Record]) -> list[res.LedgerEntry]:
    return [entry_message(entry_of(row)) for row in rows]


def totals(event: ev.Event) -> list[tuple[str, int, int]]:
    return [(t.idea_id, t.coin_total, t.backer_count) for t in event.coins_moved.idea_totals]


def moved(event: ev.Event) -> list[tuple[Any, ...]]:
    return [(res.LedgerEntryKind.Name(e.kind), e.user_id, e.amount, e.idea_id, e.from_idea_id)
            for e in event.coins_moved.entries]


def only_part(event: ev.Event) -> bool:
    return (event.coins_moved.part, event.coins_moved.part_count) == (1, 1)


async def test_activation_and_an_allocation_each_leave_one_event_telling_the_ledger(ledger, relay, redis):
    arena = await ledger.open_campaign(members=2, ideas=1)
    member, [idea] = arena.members[1], arena.ideas
    client_id = str(uuid.uuid4())
    key = f"client:{member}|/coins.v1.CoinService/AllocateCoins|{client_id}"  # as handlers.client_request() scopes it
    await ledger.allocate(arena.campaign, member, idea, 30, request_id=key)

    granted, allocated = await published(relay, redis, arena.campaign)  # opening an idea without reward moved nothing
    grants = await ledger_rows(ledger, arena.campaign)
    assert granted.coins_moved.operation == ev.COIN_OPERATION_GRANT and only_part(granted)
    assert sorted(moved(granted)) == sorted(("LEDGER_ENTRY_KIND_GRANT", str(m), 100, "", "") for m in arena.members)
    assert granted.subject == f"campaigns/{arena.campaign}" and granted.actor_id == "" and totals(granted) == []
    assert granted.request_id == grants[0]["request_id"]  # a service's key is told whole

    [row] = await ledger_rows(ledger, arena.campaign, key)
    assert allocated.type == COINS_MOVED and allocated.source == "coin" and only_part(allocated)
    assert allocated.coins_moved.operation == ev.COIN_OPERATION_ALLOCATE
    assert list(allocated.coins_moved.entries) == as_entries([row])
    assert moved(allocated) == [("LEDGER_ENTRY_KIND_ALLOCATE", str(member), 30, str(idea), "")]
    assert totals(allocated) == [(str(idea), 30, 1)]
    assert allocated.subject == f"ideas/{idea}" and allocated.actor_id == str(member)
    assert allocated.request_id == client_id  # the id the client sent, not the ledger's scoped key
    assert allocated.occur_time.ToDatetime(row["created_at"].tzinfo) == row["created_at"]
    uuid.UUID(allocated.event_id)
    assert allocated.event_id != granted.event_id


async def test_reallocating_and_withdrawing_tell_both_ideas_totals(ledger, relay, redis):
    arena = await ledger.open_campaign(members=2, ideas=2)
    (alice, bob), (a, b) = arena.members, arena.ideas
    await ledger.allocate(arena.campaign, alice, a, 40)
    await ledger.allocate(arena.campaign, bob, a, 10)
    await ledger.reallocate(arena.campaign, alice, a, b, 15)
    await ledger.withdraw(arena.campaign, alice, b, 5)

    _, _, _, shifted, withdrawn = await published(relay, redis, arena.campaign)
    rows = await ledger_rows(ledger, arena.campaign)
    assert shifted.coins_moved.operation == ev.COIN_OPERATION_REALLOCATE
    assert list(shifted.coins_moved.entries) == as_entries([rows[-2]])
    assert moved(shifted) == [("LEDGER_ENTRY_KIND_REALLOCATE", str(alice), 15, str(b), str(a))]
    # Totals as they are when published: the withdrawal had already happened.
    assert totals(shifted) == [(str(b), 10, 1), (str(a), 35, 2)]
    assert shifted.subject == f"campaigns/{arena.campaign}"  # two ideas: the campaign is the subject
    assert withdrawn.coins_moved.operation == ev.COIN_OPERATION_WITHDRAW
    assert list(withdrawn.coins_moved.entries) == as_entries([rows[-1]])
    assert totals(withdrawn) == [(str(b), 10, 1)] and withdrawn.subject == f"ideas/{b}"


async def test_accepting_an_idea_is_one_event_however_many_statements_and_batches(ledger, pool, redis):
    arena = await ledger.open_campaign(members=5, ideas=1)
    [idea] = arena.ideas
    for n, member in enumerate(arena.members, start=1):
        await ledger.allocate(arena.campaign, member, idea, n)
    small = CoinEventRelay(CoinEventOutbox(pool), redis, SETTINGS, batch=2)
    await drain(small)
    manager = uuid.uuid4()
    await ledger.close_idea(idea, "expend", actor=manager)  # five INSERT statements: five outbox rows

    accepted = (await published(small, redis, arena.campaign))[-1]
    assert accepted.coins_moved.operation == ev.COIN_OPERATION_ACCEPT_IDEA and only_part(accepted)
    expends = [row for row in await ledger_rows(ledger, arena.campaign) if row["kind"] == "expend"]
    assert len(expends) == 5 and list(accepted.coins_moved.entries) == as_entries(expends)
    assert totals(accepted) == [(str(idea), 15, 5)]  # what was expended on it
    assert accepted.subject == f"ideas/{idea}" and accepted.actor_id == str(manager)
    async with pool.acquire() as connection:
        left = await connection.fetchval("SELECT count(*) FROM coin.event_outbox WHERE published_at IS NULL")
    assert left == 0


async def test_rejecting_an_idea_recycles_its_coins_and_takes_the_reward_back(ledger, relay, redis):
    arena = await ledger.open_campaign(members=2, ideas=1, reward=10)
    (submitter, backer), [idea] = arena.members, arena.ideas
    await ledger.allocate(arena.campaign, backer, idea, 20)
    await ledger.close_idea(idea, "recycle")

    _, opened, _, rejected = await published(relay, redis, arena.campaign)
    assert opened.coins_moved.operation == ev.COIN_OPERATION_OPEN_IDEA and opened.subject == f"ideas/{idea}"
    assert moved(opened) == [("LEDGER_ENTRY_KIND_SUBMISSION_REWARD", str(submitter), 10, str(idea), "")]
    assert rejected.coins_moved.operation == ev.COIN_OPERATION_REJECT_IDEA and rejected.subject == f"ideas/{idea}"
    assert moved(rejected) == [("LEDGER_ENTRY_KIND_RECYCLE", str(backer), 20, str(idea), ""),
                               ("LEDGER_ENTRY_KIND_REWARD_REVOKED", str(submitter), 10, str(idea), "")]
    assert totals(rejected) == [(str(idea), 0, 0)]  # no longer competing: nothing on it


async def test_a_campaigns_expiry_is_split_into_parts_and_archiving_tells_the_frozen_result(ledger, relay, redis):
    members = 2 * PART_SIZE + 201
    arena = await ledger.open_campaign(members=members, ideas=1)
    [idea] = arena.ideas
    await ledger.allocate(arena.campaign, arena.members[0], idea, 10)
    await ledger.expire_campaign(arena.campaign)
    await ledger.archive_campaign(arena.campaign)

    found = await published(relay, redis, arena.campaign)
    grants, allocated, expiry, archived = found[:3], found[3], found[4:7], found[7:]
    assert [e.coins_moved.operation for e in grants] == [ev.COIN_OPERATION_GRANT] * 3
    assert [e.coins_moved.operation for e in expiry] == [ev.COIN_OPERATION_EXPIRE_CAMPAIGN] * 3
    for parts in (grants, expiry):
        assert [(e.coins_moved.part, e.coins_moved.part_count) for e in parts] == [(1, 3), (2, 3), (3, 3)]
        assert [len(e.coins_moved.entries) for e in parts] == [PART_SIZE, PART_SIZE, 201]
        assert len({e.event_id for e in parts}) == 3 and len({e.request_id for e in parts}) == 1
    expired = [row for row in await ledger_rows(ledger, arena.campaign) if row["kind"] == "expire"]
    assert [entry for e in expiry for entry in e.coins_moved.entries] == as_entries(expired[:members])
    assert expiry[0].subject == f"campaigns/{arena.campaign}" and totals(expiry[0]) == []
    assert allocated.coins_moved.operation == ev.COIN_OPERATION_ALLOCATE

    [archived] = archived
    assert archived.coins_moved.operation == ev.COIN_OPERATION_ARCHIVE_CAMPAIGN and only_part(archived)
    assert moved(archived) == [("LEDGER_ENTRY_KIND_EXPIRE", str(arena.members[0]), 10, str(idea), "")]
    assert totals(archived) == [(str(idea), 10, 1)]  # the result frozen at completion, not the expired allocation


class LosesAnswers:
    """A redis client whose pipelines run, then lose the answer (the connection broke): the relay cannot tell that
    its XADDs happened, so its transaction rolls back and the rows stay unpublished."""

    def __init__(self, redis: Redis):
        self._redis = redis

    def pipeline(self, transaction: bool = True) -> Any:
        pipe = self._redis.pipeline(transaction=transaction)
        execute = pipe.execute

        async def execute_then_fail(raise_on_error: bool = True) -> None:
            await execute(raise_on_error)
            raise ConnectionError("connection lost after the XADDs")

        pipe.execute = execute_then_fail  # type: ignore[method-assign]
        return pipe


async def test_a_batch_published_again_after_a_crash_carries_the_same_event_ids(ledger, pool, relay, redis):
    arena = await ledger.open_campaign(members=2, ideas=1)
    await drain(relay)
    await ledger.allocate(arena.campaign, arena.members[0], arena.ideas[0], 7)
    await ledger.expire_campaign(arena.campaign)

    crashing = CoinEventRelay(CoinEventOutbox(pool), LosesAnswers(redis), SETTINGS)  # type: ignore[arg-type]
    with pytest.raises(ConnectionError):
        await crashing.publish_pending()
    first = (await redis.xrange(STREAM))[-2:]
    again = (await published(relay, redis, arena.campaign))[-4:]

    ids = [ev.Event.FromString(fields[b"event"]).event_id for _, fields in first]
    assert [e.event_id for e in again] == ids + ids  # each one twice: consumers drop the second by its id
    assert again[0].coins_moved == again[2].coins_moved and again[1].coins_moved == again[3].coins_moved
    assert [e.coins_moved.operation for e in again[:2]] == [ev.COIN_OPERATION_ALLOCATE,
                                                            ev.COIN_OPERATION_EXPIRE_CAMPAIGN]
    assert len(await published(relay, redis, arena.campaign)) == len(again) + 1  # the grant; nothing a third time


async def test_refused_and_rolled_back_moves_publish_nothing(ledger, relay, redis):
    arena = await ledger.open_campaign(members=1, ideas=1)
    [member], [idea] = arena.members, arena.ideas
    with refused("COIN_001"):
        await ledger.allocate(arena.campaign, member, idea, 500)
    async with ledger.pool.acquire() as connection:
        transaction = connection.transaction()
        await transaction.start()
        await connection.fetchval("SELECT coin.allocate($1, $2, $3, $4, 5)", str(uuid.uuid4()), arena.campaign,
                                  member, idea)
        await transaction.rollback()

    [granted] = await published(relay, redis, arena.campaign)
    assert granted.coins_moved.operation == ev.COIN_OPERATION_GRANT
    assert await ledger.balance(arena.campaign, member) == {
        "granted": 100, "available": 100, "allocated": 0, "expended": 0, "expired": 0, "burned": 0}


async def test_a_committed_move_kicks_the_relay_so_its_event_leaves_at_once(ledger, pool, relay, redis):
    arena = await ledger.open_campaign(members=1, ideas=1)
    await drain(relay)
    running = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.1)  # its first pass found nothing; the next poll is SETTINGS.relay_poll_s away
        coin_ledger = CoinLedger(pool, moved=relay.kick)
        started = time.monotonic()
        await coin_ledger.move(LedgerOperation.ALLOCATE, f"client:x|y|{uuid.uuid4()}", arena.campaign,
                               arena.members[0], arena.ideas[0], 3)
        while len(await _on_stream(redis, arena.campaign)) < 2:
            assert time.monotonic() - started < 1, "the event did not arrive within a second of the commit"
            await asyncio.sleep(0.01)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def _on_stream(redis: Redis, campaign: str) -> list[ev.Event]:
    decoded = (ev.Event.FromString(fields[b"event"]) for _, fields in await redis.xrange(STREAM))
    return [event for event in decoded if event.campaign_id == campaign]
