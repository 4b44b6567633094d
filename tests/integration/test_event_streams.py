"""The events backbone (services/common/events.py) against a real Redis (a private redis-server on a free port) and
the tier's PostgreSQL: outbox, relay, consumer groups with retries and dead letters, replay, catch-up, cap, lag."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
import pytest
import sqlalchemy as sa
from redis.asyncio import Redis

from coins.v1 import events_pb2 as ev
from coins.v1 import resources_pb2 as res
from services.common import events
from services.common.config import EventSettings, Settings
from services.common.db import Database

SCHEMA = "events_it"
FAST = EventSettings(stream_maxlen=10_000, max_attempts=3, retry_base_s=0.05, retry_max_s=0.2, relay_poll_s=0.05)


@pytest.fixture(scope="module")
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(Settings.from_env("notification", {"DATABASE_URL": database_url, "COINS_DB_POOL_SIZE": "4"}))
    async with db.engine.begin() as connection:
        await connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        await connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    yield db
    async with db.engine.begin() as connection:
        await connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    await db.close()


@pytest.fixture
async def outbox(database: Database) -> events.EventOutbox:
    """A fresh outbox table and a family (so a stream) of its own for each test."""
    family = f"t{uuid.uuid4().hex[:8]}"
    table = events.event_outbox_table(sa.MetaData(schema=SCHEMA), name=f"outbox_{family}")
    async with database.engine.begin() as connection:
        await connection.run_sync(table.create)
    return events.EventOutbox(table, source=family)


class Effects:
    """A consumer's side: its processed-event ids and the effect of its handler, one row per event, in one
    transaction."""

    def __init__(self, database: Database, name: str):
        metadata = sa.MetaData(schema=SCHEMA)
        self.database = database
        self.processed_table = events.processed_events_table(metadata, name=f"processed_{name}")
        self.effects = sa.Table(f"effects_{name}", metadata, sa.Column("id", sa.BigInteger, sa.Identity(),
                                                                       primary_key=True),
                                sa.Column("event_id", sa.Uuid, nullable=False))
        self.processed = events.ProcessedEvents(database, self.processed_table)
        self.metadata = metadata

    async def create(self) -> None:
        async with self.database.engine.begin() as connection:
            await connection.run_sync(self.metadata.create_all)

    async def apply(self, event: ev.Event) -> None:
        async with self.database.unit_of_work() as session:
            if await self.processed.claim(session, event.event_id):
                await session.execute(sa.insert(self.effects).values(event_id=uuid.UUID(event.event_id)))

    async def count(self) -> int:
        async with self.database.unit_of_work() as session:
            return await session.scalar(sa.select(sa.func.count()).select_from(self.effects)) or 0


@pytest.fixture
async def effects(database: Database) -> Effects:
    side = Effects(database, uuid.uuid4().hex[:8])
    await side.create()
    return side


def renamed(name: str) -> ev.Event:
    return events.new_event(ev.UserRenamed(full_name=name), subject=f"users/{uuid.uuid4()}")


def status_changed(to: int = res.IDEA_STATUS_ACCEPTED) -> ev.Event:
    idea = res.Idea(id=str(uuid.uuid4()), campaign_id="c-1", title="Bike racks", status=to)
    return events.new_event(ev.IdeaStatusChanged(idea=idea, from_status=res.IDEA_STATUS_COMPETING, to_status=to),
                            campaign_id="c-1", subject=f"ideas/{idea.id}")


async def add(database: Database, outbox: events.EventOutbox, *batch: ev.Event) -> None:
    async with database.unit_of_work() as session:
        for event in batch:
            await outbox.add(session, event)


async def drain(relay: events.EventRelay) -> None:
    while not await relay.publish_pending():
        pass


async def stream_event_ids(redis: Redis, stream: str) -> list[str]:
    return [fields[b"event_id"].decode() for _, fields in await redis.xrange(stream)]


async def until(condition: Callable[[], Awaitable[bool]], step: Callable[[], Awaitable[object]],
                timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await step()


def consumer(redis: Redis, outbox: events.EventOutbox, handler: events.Handler, name: str = "c1",
             group: str = "g", seen: events.SeenEvents | None = None,
             settings: EventSettings = FAST) -> events.StreamConsumer:
    return events.StreamConsumer(redis, [outbox.stream], group, name, handler, settings, seen=seen, block_ms=50)


async def pending(redis: Redis, stream: str, group: str = "g") -> int:
    return (await redis.xpending(stream, group))["pending"]


# ---- producing ---------------------------------------------------------------------------------------------------


async def test_an_event_written_in_a_rolled_back_transaction_is_never_published(database, outbox, redis):
    kept, dropped = renamed("kept"), renamed("dropped")
    with pytest.raises(RuntimeError):
        async with database.unit_of_work() as session:
            await outbox.add(session, dropped)
            raise RuntimeError("the change failed")
    await add(database, outbox, kept)
    await drain(events.EventRelay(database, outbox.table, redis, FAST))
    assert await stream_event_ids(redis, outbox.stream) == [kept.event_id]
    [(_, fields)] = await redis.xrange(outbox.stream)
    decoded = ev.Event.FromString(fields[b"event"])
    assert decoded == kept and decoded.type == "coins.v1.UserRenamed" and decoded.source == outbox.source
    assert fields[b"type"] == b"coins.v1.UserRenamed"


async def test_rows_are_published_in_outbox_order_and_marked(database, outbox, redis):
    written = [renamed(f"n{i}") for i in range(25)]
    for start in range(0, 25, 5):
        await add(database, outbox, *written[start:start + 5])
    await drain(events.EventRelay(database, outbox.table, redis, FAST, batch=7))
    assert await stream_event_ids(redis, outbox.stream) == [e.event_id for e in written]
    async with database.unit_of_work() as session:
        left = await session.scalar(sa.select(sa.func.count()).select_from(outbox.table)
                                    .where(outbox.table.c.published_at.is_(None)))
    assert left == 0


async def test_two_relays_publish_each_row_once_and_in_order(database, outbox, redis):
    written = [renamed(f"n{i}") for i in range(300)]
    relays = [events.EventRelay(database, outbox.table, redis, FAST, batch=20) for _ in range(2)]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    try:
        for start in range(0, 300, 30):  # written while both relays run
            await add(database, outbox, *written[start:start + 30])
            for relay in relays:
                relay.kick()
        await until(lambda: _count(redis, outbox.stream, 300), lambda: asyncio.sleep(0.05))
        await asyncio.sleep(0.2)  # a second copy would arrive now
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert await stream_event_ids(redis, outbox.stream) == [e.event_id for e in written]


async def _count(redis: Redis, stream: str, at_least: int) -> bool:
    return await redis.xlen(stream) >= at_least


async def test_maxlen_caps_the_stream_and_the_outbox_keeps_everything(database, outbox, redis):
    capped = EventSettings(stream_maxlen=50, max_attempts=3, retry_base_s=0.05, retry_max_s=0.2, relay_poll_s=0.05)
    await add(database, outbox, *(renamed(f"n{i}") for i in range(600)))
    await drain(events.EventRelay(database, outbox.table, redis, capped, batch=100))
    length = await redis.xlen(outbox.stream)
    # `MAXLEN ~` trims whole nodes of the stream's radix tree (100 entries each by default), never below the cap.
    assert 50 <= length <= 50 + 100
    async with database.unit_of_work() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(outbox.table)) == 600


# ---- consuming ---------------------------------------------------------------------------------------------------


async def test_events_the_consumer_does_not_want_are_acknowledged_without_a_look(database, outbox, redis):
    wanted, unwanted = status_changed(), renamed("nobody cares")
    handled: list[str] = []
    asked: list[str] = []

    class Seen:
        async def seen(self, event_id: str) -> bool:
            asked.append(event_id)
            return False

    async def handler(got: ev.Event) -> None:
        handled.append(got.event_id)

    await add(database, outbox, unwanted, wanted, unwanted.__class__.FromString(renamed("again").SerializeToString()))
    await drain(events.EventRelay(database, outbox.table, redis, FAST))
    runner = events.StreamConsumer(redis, [outbox.stream], "picky", "c1", handler, FAST, seen=Seen(), block_ms=50,
                                   wants=lambda event: event.WhichOneof("payload") == "idea_status_changed")
    await runner.ensure_groups()
    assert await runner.step() == 3
    assert handled == asked == [wanted.event_id]
    assert await pending(redis, outbox.stream, "picky") == 0


async def test_a_handler_failing_twice_then_succeeding_takes_effect_once(database, outbox, redis, effects):
    event = status_changed()
    calls: list[float] = []

    async def handler(got: ev.Event) -> None:
        calls.append(time.monotonic())
        if len(calls) <= 2:
            raise RuntimeError("the database said no")
        await effects.apply(got)

    await add(database, outbox, event)
    await drain(events.EventRelay(database, outbox.table, redis, FAST))
    runner = consumer(redis, outbox, handler, seen=effects.processed)
    await runner.ensure_groups()
    await until(lambda: _effect_done(effects, redis, outbox.stream), runner.step)
    assert len(calls) == 3 and await effects.count() == 1
    # Exponential backoff between deliveries: 50 ms, then 100 ms, as Redis measures idle time (in whole ms, from its
    # own delivery, a little before the handler runs: hence the 10% slack).
    assert calls[1] - calls[0] >= 0.045 and calls[2] - calls[1] >= 0.09
    assert await redis.xlen(events.dead_stream(outbox.stream)) == 0

    # The same event published again (a relay that crashed before marking its row): skipped, acknowledged.
    [(_, fields)] = await redis.xrange(outbox.stream)
    await redis.xadd(outbox.stream, fields)
    for _ in range(3):
        await runner.step()
    assert len(calls) == 3 and await effects.count() == 1 and await pending(redis, outbox.stream) == 0


async def _effect_done(effects: Effects, redis: Redis, stream: str) -> bool:
    return await effects.count() == 1 and await pending(redis, stream) == 0


async def test_a_poison_event_is_dead_lettered_after_max_attempts_and_replay_brings_it_back(
        database, outbox, redis, effects, redis_url, monkeypatch, capsys):
    good, poison = status_changed(), status_changed(res.IDEA_STATUS_REJECTED)
    attempts: list[str] = []
    healed = False

    async def handler(got: ev.Event) -> None:
        if got.event_id == poison.event_id:
            attempts.append(got.event_id)
            if not healed:
                raise ValueError("cannot handle a rejection")
        await effects.apply(got)

    await add(database, outbox, poison, good)
    await drain(events.EventRelay(database, outbox.table, redis, FAST))
    runner = consumer(redis, outbox, handler, seen=effects.processed)
    await runner.ensure_groups()
    dead = events.dead_stream(outbox.stream)
    await until(lambda: _count(redis, dead, 1), runner.step)
    assert len(attempts) == FAST.max_attempts and await effects.count() == 1  # the good one was not held up
    assert await pending(redis, outbox.stream) == 0  # acknowledged in the stream it died in
    [letter] = await events.dead_letters(redis, outbox.stream)
    assert (letter.event_id, letter.group, letter.attempts) == (poison.event_id, "g", FAST.max_attempts)
    assert letter.type == "coins.v1.IdeaStatusChanged" and "ValueError: cannot handle a rejection" in letter.error

    # The command line shows it and replays it (REDIS_URL, as the services read it).
    monkeypatch.setenv("REDIS_URL", redis_url)
    assert await asyncio.to_thread(events.main, ["dead", outbox.stream]) == 0
    shown = capsys.readouterr().out
    assert poison.event_id in shown and "1 dead letter(s)" in shown
    healed = True
    assert await asyncio.to_thread(events.main, ["replay", outbox.stream, "--group", "g"]) == 0
    assert "replayed 1 dead letter(s)" in capsys.readouterr().out
    assert await redis.xlen(dead) == 0
    await until(lambda: _effects(effects, 2), runner.step)
    assert await pending(redis, outbox.stream) == 0 and await events.dead_letters(redis, outbox.stream) == []


async def _effects(effects: Effects, count: int) -> bool:
    return await effects.count() == count


async def test_a_batch_handler_takes_a_read_at_once_and_a_bad_event_fails_alone_keeping_its_position(
        database, outbox, redis):
    """Search applies a stream read in one transaction; when one event spoils the batch, the others go through
    one by one, the bad one dead-letters alone, and replayed it still carries its first stream position (search
    orders by it: a replayed old event must not pass for a new one)."""
    good, poison, later = renamed("one"), renamed("two"), renamed("three")
    batches: list[list[str]] = []
    positions: dict[str, str] = {}
    healed = False

    async def apply(deliveries) -> None:
        names = [d.event.user_renamed.full_name for d in deliveries]
        if poison.event_id in {d.event.event_id for d in deliveries} and not healed:
            raise ValueError("cannot apply two")
        batches.append(names)
        positions.update((d.event.event_id, d.entry_id) for d in deliveries)

    await add(database, outbox, good, poison, later)
    await drain(events.EventRelay(database, outbox.table, redis, FAST))
    entries = await redis.xrange(outbox.stream)
    first_positions = {fields[b"event_id"].decode(): entry.decode() for entry, fields in entries}
    runner = events.StreamConsumer(redis, [outbox.stream], "g", "c1", None, FAST, block_ms=50, batch_handler=apply)
    await runner.ensure_groups()
    dead = events.dead_stream(outbox.stream)
    await until(lambda: _count(redis, dead, 1), runner.step)
    assert batches == [["one"], ["three"]]  # the batch of three failed; the good ones went through alone
    healed = True
    assert await events.replay(redis, outbox.stream) == 1
    await until(lambda: _true(len(batches) == 3), runner.step)
    assert batches[-1] == ["two"]
    assert positions == first_positions  # the replayed event kept the position it first had

    more = [renamed(f"n{i}") for i in range(5)]
    await add(database, outbox, *more)
    await drain(events.EventRelay(database, outbox.table, redis, FAST))
    await until(lambda: _true(len(batches) == 4), runner.step)
    assert batches[-1] == [f"n{i}" for i in range(5)]  # one read, one call
    assert await pending(redis, outbox.stream) == 0
    with pytest.raises(ValueError):
        events.StreamConsumer(redis, [outbox.stream], "g", "c1", None, FAST)


async def _true(value: bool) -> bool:
    return value


@pytest.mark.parametrize("outage", [
    ConnectionRefusedError("the consumer's database is down"),
    grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(),
                         "the idea service is restarting"),
], ids=["database", "another service"])
async def test_infrastructure_failures_are_retried_without_being_dead_lettered(database, outbox, redis, outage):
    calls = 0

    async def handler(got: ev.Event) -> None:
        nonlocal calls
        calls += 1
        if calls <= FAST.max_attempts + 2:
            raise outage

    await add(database, outbox, renamed("x"))
    await drain(events.EventRelay(database, outbox.table, redis, FAST))
    runner = consumer(redis, outbox, handler)
    await runner.ensure_groups()
    await until(lambda: _settled(redis, outbox.stream), runner.step)
    assert calls == FAST.max_attempts + 3 and await redis.xlen(events.dead_stream(outbox.stream)) == 0


async def _settled(redis: Redis, stream: str) -> bool:
    info = {i["name"]: i for i in await redis.xinfo_groups(stream)}
    return info[b"g"]["entries-read"] == 1 and await pending(redis, stream) == 0


async def test_an_undecodable_entry_is_dead_lettered_at_once(outbox, redis):
    await redis.xadd(outbox.stream, {"event_id": "x", "type": "coins.v1.UserRenamed", "event": b"\xff\xff\xff"})
    handled: list[ev.Event] = []

    async def handler(got: ev.Event) -> None:
        handled.append(got)

    runner = consumer(redis, outbox, handler)
    await runner.ensure_groups()
    await runner.step()
    [letter] = await events.dead_letters(redis, outbox.stream)
    assert letter.attempts == 1 and "undecodable" in letter.error and handled == []


async def test_a_stopped_consumer_catches_up_from_where_it_stopped(database, outbox, redis, effects):
    seen: list[str] = []

    async def handler(got: ev.Event) -> None:
        seen.append(got.event_id)
        await effects.apply(got)

    relay = events.EventRelay(database, outbox.table, redis, FAST)
    before = [renamed(f"b{i}") for i in range(5)]
    await add(database, outbox, *before)
    await drain(relay)
    first = consumer(redis, outbox, handler, name="replica-1", seen=effects.processed)
    await first.ensure_groups()
    await until(lambda: _effects(effects, 5), first.step)
    # It stops; more happens meanwhile; it starts again (a new process, a new consumer name in the same group).
    after = [renamed(f"a{i}") for i in range(7)]
    await add(database, outbox, *after)
    await drain(relay)
    again = consumer(redis, outbox, handler, name="replica-1-restarted", seen=effects.processed)
    await again.ensure_groups()
    await until(lambda: _effects(effects, 12), again.step)
    assert seen == [e.event_id for e in before + after]


async def test_lag_is_the_age_of_the_oldest_unacknowledged_entry(database, outbox, redis):
    failing = True

    async def handler(got: ev.Event) -> None:
        if failing:
            raise RuntimeError("not yet")

    runner = consumer(redis, outbox, handler, settings=EventSettings(
        stream_maxlen=10_000, max_attempts=100, retry_base_s=5, retry_max_s=5, relay_poll_s=0.05))
    await runner.ensure_groups()
    assert await events.lag(redis, outbox.stream, "g") == 0.0
    await add(database, outbox, renamed("one"), renamed("two"))
    await drain(events.EventRelay(database, outbox.table, redis, FAST))
    await asyncio.sleep(0.3)
    undelivered = await events.lag(redis, outbox.stream, "g")
    assert 0.3 <= undelivered < 5
    await runner.step()  # delivered, failed: both pending now
    assert await pending(redis, outbox.stream) == 2
    assert (await events.lags(redis, outbox.stream))["g"] >= undelivered
    failing = False
    await redis.xclaim(outbox.stream, "g", "c1", 0, [i for i, _ in await redis.xrange(outbox.stream)],
                               idle=10_000)  # pretend their backoff passed
    await runner.step()
    assert await pending(redis, outbox.stream) == 0 and await events.lag(redis, outbox.stream, "g") == 0.0


def test_an_envelope_names_its_payload():
    event = status_changed()
    assert event.type == "coins.v1.IdeaStatusChanged" and event.WhichOneof("payload") == "idea_status_changed"
    assert uuid.UUID(event.event_id) and event.occur_time.seconds > 0
    with pytest.raises(ValueError):
        events.new_event(res.Tag(name="not an event"), source="campaign")
