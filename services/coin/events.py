"""Coin moves leave the coin service as coins.v1.CoinsMoved events on `coins:events:coin`.

The moves are the ledger's plpgsql functions, so no Python runs inside their transactions to write an event there:
a statement-level trigger on the ledger (migrations/sql/outbox_moves.sql) records, in the move's transaction, which
entries each INSERT appended, and `CoinEventRelay` turns those outbox rows into events after the commit. Like
services/common/events.py's EventRelay it publishes in outbox order under an advisory lock (one relay across the
replicas), XADDs with an approximate MAXLEN, and marks the rows published in the same transaction; it shares its
polling loop and the stream entry's layout, so StreamConsumer reads these events like any other.

One event per operation: the rows one transaction wrote are published together (a close_idea or an expiry appends
its entries in many statements). An operation with more than PART_SIZE entries is split into parts, in ledger
order. Event ids derive from the operation's first outbox row and the part, so a batch published again after a
crash (XADD done, rows not yet marked) carries the same ids and consumers drop the repeats.

`idea_totals` are read when the event is published, not when the coins moved: an event published late (a relay
that was down) tells the totals of its publishing time. The relay publishes in outbox order and every event reads
them afresh, so a later event never carries older totals than an earlier one; consumers that keep totals can keep
the latest event's. Their meaning is the campaign's standing (coin.standing): live allocations while the campaign
runs, the frozen result once it completed; an idea no longer competing (rejected while the vote ran) has none.
"""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from coins.v1 import events_pb2 as ev
from services.coin import domain
from services.coin.domain import CoinMove
from services.coin.repository import CoinEventOutbox
from services.coin.servicer import entry_message
from services.common import events, metrics
from services.common.config import EventSettings

SOURCE = "coin"
OUTBOX = "coin.event_outbox"
PART_SIZE = 500  # entries per event: an expiry of 10,000 members makes 20 events of a few tens of kB each
EVENT_IDS = uuid.UUID("5f1d1c2e-8a4b-4d57-9c1e-6f0b3a2d7c41")  # uuid5 namespace of the coin events' ids

_COINS_MOVED = ev.CoinsMoved.DESCRIPTOR.full_name


def event_id(move: CoinMove, part: int) -> str:
    """The same for a move's part however often it is published."""
    return str(uuid.uuid5(EVENT_IDS, f"{move.first_outbox_id}:{part}"))


def envelope_request_id(stored: str) -> str:
    """The client's own request id for a member's move; the service's whole key (`service:...`) otherwise."""
    return domain.client_request_id(stored) if stored.startswith("client:") else stored


def coins_moved(move: CoinMove) -> list[ev.Event]:
    """The events of one move: one per part of at most PART_SIZE entries, each with the totals of its ideas."""
    operation = domain.coin_operation(move)
    actor = next((entry.actor_id for entry in move.entries if entry.actor_id), "")
    subject = domain.move_subject(move, operation)
    parts = [move.entries[start:start + PART_SIZE] for start in range(0, len(move.entries), PART_SIZE)]
    published = []
    for number, entries in enumerate(parts, start=1):
        payload = ev.CoinsMoved(
            operation=f"COIN_OPERATION_{operation.name}",  # the proto enum of the same name
            entries=[entry_message(entry) for entry in entries],
            idea_totals=[ev.IdeaCoinTotal(idea_id=idea, coin_total=standing.coins, backer_count=standing.backers)
                         if (standing := move.standing.get(idea)) else ev.IdeaCoinTotal(idea_id=idea)
                         for idea in domain.moved_ideas(entries)],
            part=number, part_count=len(parts))
        event = ev.Event(event_id=event_id(move, number), type=_COINS_MOVED, campaign_id=move.campaign_id,
                         actor_id=actor, subject=subject, source=SOURCE,
                         request_id=envelope_request_id(move.request_id), coins_moved=payload)
        event.occur_time.FromDatetime(entries[0].created_at)  # the move's transaction time, the same on every entry
        published.append(event)
    return published


class CoinEventRelay(events.Relay):
    """Publishes the coin moves waiting in coin.event_outbox to `coins:events:coin`, in order."""

    def __init__(self, outbox: CoinEventOutbox, redis: Redis, settings: EventSettings, batch: int = 200):
        super().__init__(settings)
        self._outbox = outbox
        self._redis = redis
        self._batch = batch
        self.stream = events.stream_for(SOURCE)
        metrics.watch_outbox(OUTBOX, outbox.backlog)

    async def publish_pending(self) -> bool:
        published: list[CoinMove] = []

        async def publish(moves: list[CoinMove]) -> None:
            await events.publish(self._redis, [(self.stream, event.event_id, event.type,
                                                event.SerializeToString(deterministic=True))
                                               for move in moves for event in coins_moved(move)], self._settings)
            published.extend(moves)

        done = await self._outbox.publish_batch(publish, events.relay_lock_key(OUTBOX), self._batch)
        # Counted once the batch is marked published: a batch published again after a failed commit counts once.
        metrics.coins_moved((entry.kind, entry.amount) for move in published for entry in move.entries)
        return done
