"""The events backbone: domain events (coins.v1.Event, proto/coins/v1/events.proto) leave a service through its own
outbox and reach their consumers through Redis Streams.

    python -m services.common.events dead STREAM [--count N]             # the dead letters of a stream
    python -m services.common.events replay STREAM [--group G] [ID ...]  # move dead letters back to the stream
    python -m services.common.events lag [STREAM ...]                    # seconds behind, per consumer group

Producing: `EventOutbox.add(session, event)` writes the serialized event into the service's `event_outbox` table in
the caller's transaction, so an event exists exactly when its change committed. `EventRelay` publishes unpublished
rows in outbox order with XADD (length capped with an approximate MAXLEN) and marks them published. The outbox is
the record of truth: a capped stream forgets old entries, the outbox does not. A crash between XADD and the mark
publishes a row again, so delivery is at least once.

One relay publishes at a time per outbox: it holds a transaction-scoped advisory lock while it publishes a batch,
and the other replicas' relays find it taken and wait for their next turn. Rows taken with FOR UPDATE SKIP LOCKED
by two relays would be published side by side, rows 51-100 possibly before rows 1-50, and consumers rely on the
stream's order (search keeps the newest version of an idea). A replica that dies releases the lock with its
connection, so another one takes over at its next poll.

Streams: one per event family, and a family is the producing service (`coins:events:campaign`, `…:idea`,
`…:coin`, `…:auth`). Each outbox feeds exactly one stream, so the stream's order is that service's commit order
without any cross-service coordination; consumers subscribe to the families they need (analytics reads coin and
idea, not auth) and the busiest family (coin moves) neither delays nor evicts the others under their MAXLEN caps;
lag is seen per family. The price: no order between families, which the events do not need (each is about one
subject owned by one service). The envelope's `type` lets a consumer skip payloads it does not handle.

Consuming: `StreamConsumer` reads with XREADGROUP as one consumer of a group; a group that is created reads the
stream from its first retained entry, and the group remembers its position, so a consumer that was down catches up
from where it stopped. Each entry is decoded and, unless the consumer's `SeenEvents` says its event id was already
processed, handed to the handler; success is acknowledged (XACK). A failure leaves the entry pending; it is claimed
again (XCLAIM, by any consumer of the group) once its backoff has passed: `retry_base_s * 2**(deliveries - 1)`,
capped at `retry_max_s`. XPENDING gives each entry's deliveries and idle time; XAUTOCLAIM's single idle threshold
cannot express a backoff that grows with the attempts. After `max_attempts` failed deliveries the entry moves to
the dead-letter stream `<stream>:dead` with the error (XADD and XACK in one MULTI); `replay` puts it back on the
stream. Failures of the infrastructure (connection errors, timeouts: `transient()`) are retried at the longest
backoff for as long as they last and never dead-letter an event, so an outage of the consumer's database delays
events but loses none. Entries that cannot be decoded are dead-lettered at once.

Idempotency is the handler's side: it records the event id in the same transaction as its effect
(`ProcessedEvents.claim()`), and the runner asks `seen()` before calling it, so a redelivered event (a crash
before XACK, a replay, a relay's second XADD) changes nothing.

Lag per group (`lag()`): the age of the oldest entry the group has not acknowledged, delivered or not, by the Redis
clock that stamped the entry ids; 0 when it is up to date.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

import grpc
import sqlalchemy as sa
from google.protobuf.message import DecodeError, Message
from redis import exceptions as redis_errors
from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT
from sqlalchemy import exc as sa_errors
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from coins.v1.events_pb2 import Event
from services.common import metrics, redis_client
from services.common.config import SERVICES, EventSettings, Settings
from services.common.db import Database
from services.common.faults import crash_point

log = logging.getLogger("coins.events")

STREAM_PREFIX = "coins:events:"
DEAD_SUFFIX = ":dead"

Handler = Callable[[Event], Awaitable[None]]


@dataclass(frozen=True)
class Delivery:
    """An event as a batch handler receives it. `entry_id` is where the event first entered its stream (a
    replayed dead letter keeps its first position), so it orders the events of one stream by their commits."""

    stream: str
    entry_id: str
    event: Event


BatchHandler = Callable[[Sequence[Delivery]], Awaitable[None]]


def stream_for(family: str) -> str:
    """The stream of an event family: the producing service's name ("idea" -> "coins:events:idea")."""
    return f"{STREAM_PREFIX}{family}"


def dead_stream(stream: str) -> str:
    return f"{stream}{DEAD_SUFFIX}"


def entry_version(entry_id: str) -> int:
    """A stream entry id ("1764121234567-3": Redis milliseconds and a sequence) as one growing number: within one
    stream, a later entry has a larger version. Consumers that keep the newest state of something (a batch handler's
    versioned writes) take its versions from the one stream that owns it, since ids of two streams do not compare."""
    millis, _, sequence = entry_id.partition("-")
    return int(millis) * 1_000_000 + int(sequence or 0)


def keep_newest(found: dict[Any, Any], key: Any, value: Any) -> None:
    """Keeps `value` (anything with a `version`) under `key` unless a newer one is there: a batch handler writes
    the newest state of each thing once, whatever order its events came in."""
    if key not in found or found[key].version < value.version:
        found[key] = value


# ---- the envelope ------------------------------------------------------------------------------------------------


def _message_name(field: Any) -> str:
    return field.message_type.full_name


def _payload_fields() -> dict[str, str]:
    oneof = Event.DESCRIPTOR.oneofs_by_name["payload"]
    return {_message_name(field): field.name for field in oneof.fields}


PAYLOAD_FIELDS = _payload_fields()  # payload message full name -> the Event field that carries it


def new_event(payload: Message, *, source: str = "", campaign_id: str = "", actor_id: str = "", subject: str = "",
              request_id: str = "", occur_time: datetime | None = None) -> Event:
    """An envelope around one of the payload messages of events.proto, with a fresh id, its type and the time.
    `source` may stay empty: the outbox fills in its service."""
    name = payload.DESCRIPTOR.full_name
    field = PAYLOAD_FIELDS.get(name)
    if field is None:
        raise ValueError(f"{name} is not an event payload of coins.v1.Event")
    event = Event(event_id=str(uuid.uuid4()), type=name, campaign_id=campaign_id, actor_id=actor_id,
                  subject=subject, source=source, request_id=request_id)
    event.occur_time.FromDatetime(occur_time or datetime.now(timezone.utc))
    getattr(event, field).CopyFrom(payload)
    return event


def _check(event: Event) -> None:
    which = event.WhichOneof("payload")
    if which is None:
        raise ValueError("an event needs a payload")
    expected = _message_name(Event.DESCRIPTOR.fields_by_name[which])
    if event.type != expected:
        raise ValueError(f"event type {event.type!r} does not match its payload {expected}")
    uuid.UUID(event.event_id)  # ValueError when it is no UUID


# ---- producing: the outbox and its relay -------------------------------------------------------------------------


def event_outbox_table(metadata: sa.MetaData, name: str = "event_outbox") -> sa.Table:
    """A service's event outbox, in its own schema (the metadata's)."""
    return sa.Table(
        name, metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("stream", sa.String(100), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),  # the serialized coins.v1.Event
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Index(f"ix_{name}_unpublished", "id", postgresql_where=sa.text("published_at IS NULL")),
    )


class EventOutbox:
    """Writes events into a service's outbox; `source` is the service, whose family names the stream."""

    def __init__(self, table: sa.Table, source: str):
        self.table = table
        self.source = source
        self.stream = stream_for(source)

    async def add(self, session: AsyncSession, event: Event) -> None:
        """Call inside the unit of work that makes the change; kick the relay after it commits."""
        if not event.source:
            event.source = self.source
        elif event.source != self.source:
            raise ValueError(f"an event of {event.source!r} cannot leave through the outbox of {self.source!r}")
        _check(event)
        await session.execute(sa.insert(self.table).values(
            event_id=uuid.UUID(event.event_id), stream=self.stream, type=event.type,
            payload=event.SerializeToString(deterministic=True)))


def relay_lock_key(outbox: str) -> str:
    """The advisory lock one relay of an outbox ("schema.table") holds while it publishes a batch."""
    return f"coins-event-relay:{outbox}"


def stream_fields(event_id: str, type_: str, payload: bytes) -> dict[FieldT, EncodableT]:
    """One stream entry as StreamConsumer reads it: the event id and type beside the serialized Event."""
    return {"event_id": event_id, "type": type_, "event": payload}


async def publish(redis: Redis, entries: Sequence[tuple[str, str, str, bytes]], settings: EventSettings) -> None:
    """XADDs (stream, event id, type, serialized Event) entries in one round trip, each stream capped at about
    `stream_maxlen`. A relay marks its rows published only after this returned."""
    pipe = redis.pipeline(transaction=False)
    for stream, event_id, type_, payload in entries:
        pipe.xadd(stream, stream_fields(event_id, type_, payload), maxlen=settings.stream_maxlen, approximate=True)
    await pipe.execute()
    crash_point("event-relay-published")  # the fault tests' crash between publishing and marking


class Relay(ABC):
    """The loop of an outbox relay: publishes batches until one comes back short, then waits for a kick or the next
    poll. Subclasses say how a batch is published."""

    def __init__(self, settings: EventSettings):
        self._settings = settings
        self._wake = asyncio.Event()

    def kick(self) -> None:
        """Publish now rather than at the next poll (call after a commit that added events)."""
        self._wake.set()

    async def run(self) -> None:
        """Background task: publishes forever, woken by kick() and polling every `relay_poll_s` otherwise."""
        while True:
            try:
                done = await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event relay failed; retrying")
                await asyncio.sleep(self._settings.relay_poll_s)
                continue
            if done:  # else a full batch was published: go on at once
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self._settings.relay_poll_s)
                except TimeoutError:
                    pass

    @abstractmethod
    async def publish_pending(self) -> bool:
        """Publishes one batch; True when nothing was left (or another replica is publishing)."""


class EventRelay(Relay):
    """Publishes an outbox's rows to their streams, in order; one relay per outbox at a time across replicas."""

    def __init__(self, database: Database, table: sa.Table, redis: Redis, settings: EventSettings,
                 batch: int = 200):
        super().__init__(settings)
        self._db = database
        self._table = table
        self._redis = redis
        self._batch = batch
        self._lock_key = relay_lock_key(f"{table.schema}.{table.name}")
        metrics.watch_outbox(f"{table.schema}.{table.name}", self.backlog)

    async def backlog(self) -> metrics.Backlog:
        """Rows not yet published: how many, and how long the oldest has waited."""
        async with self._db.unit_of_work() as session:
            return await metrics.table_backlog(session, self._table, "published_at")

    async def publish_pending(self) -> bool:
        table = self._table
        async with self._db.unit_of_work() as session:
            mine = await session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(
                sa.func.hashtextextended(self._lock_key, 0))))
            if not mine:
                return True
            rows = (await session.execute(
                sa.select(table.c.id, table.c.event_id, table.c.stream, table.c.type, table.c.payload)
                .where(table.c.published_at.is_(None)).order_by(table.c.id).limit(self._batch))).all()
            if not rows:
                return True
            await publish(self._redis, [(row.stream, str(row.event_id), row.type, row.payload) for row in rows],
                          self._settings)
            await session.execute(sa.update(table).where(table.c.id.in_([row.id for row in rows]))
                                  .values(published_at=sa.func.now()))
        return len(rows) < self._batch


# ---- consuming ---------------------------------------------------------------------------------------------------


class SeenEvents(Protocol):
    """What the consumer's side says about an event id: True once its handler's effect committed."""

    async def seen(self, event_id: str) -> bool: ...


def processed_events_table(metadata: sa.MetaData, name: str = "processed_events") -> sa.Table:
    """The event ids a consumer has processed, in the consumer's own schema."""
    return sa.Table(
        name, metadata,
        sa.Column("event_id", sa.Uuid, primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


class ProcessedEvents:
    """SeenEvents over a consumer's `processed_events` table."""

    def __init__(self, database: Database, table: sa.Table):
        self._db = database
        self._table = table

    async def seen(self, event_id: str) -> bool:
        async with self._db.unit_of_work() as session:
            return await session.scalar(sa.select(sa.exists().where(
                self._table.c.event_id == uuid.UUID(event_id)))) or False

    async def claim(self, session: AsyncSession, event_id: str) -> bool:
        """Records the event as processed in the handler's transaction; False when it already was (then the handler
        does nothing). A concurrent claim of the same id waits for this transaction, then gets False."""
        inserted = await session.execute(insert(self._table).values(event_id=uuid.UUID(event_id))
                                         .on_conflict_do_nothing().returning(self._table.c.event_id))
        return inserted.first() is not None


# Another service down, restarting or overloaded: its answer will change, the event is not at fault.
TRANSIENT_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                             grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.ABORTED})


def transient(error: BaseException) -> bool:
    """Failures of the infrastructure rather than of the event: retried without limit, never dead-lettered."""
    if isinstance(error, (OSError, TimeoutError, redis_errors.ConnectionError, redis_errors.TimeoutError)):
        return True
    if isinstance(error, grpc.aio.AioRpcError):
        return error.code() in TRANSIENT_CODES
    if isinstance(error, sa_errors.DBAPIError):
        return bool(error.connection_invalidated) or isinstance(error, (sa_errors.OperationalError,
                                                                        sa_errors.InterfaceError))
    return False


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _origin(entry_id: str, fields: dict) -> str:
    """The entry id the event had when it first entered the stream (replays record it)."""
    return _text(fields.get(b"origin", entry_id))


def _id_ms(entry_id: Any) -> int:
    return int(_text(entry_id).split("-")[0])


class StreamConsumer:
    """One consumer of a consumer group over one or more streams."""

    def __init__(self, redis: Redis, streams: Sequence[str], group: str, consumer: str, handler: Handler | None,
                 settings: EventSettings, seen: SeenEvents | None = None, batch: int = 50, block_ms: int = 1000,
                 is_transient: Callable[[BaseException], bool] = transient,
                 wants: Callable[[Event], bool] | None = None, batch_handler: BatchHandler | None = None):
        if (handler is None) == (batch_handler is None):
            raise ValueError("give a handler or a batch handler")
        if batch_handler is not None and seen is not None:
            raise ValueError("a batch handler is idempotent by itself (versioned writes): it takes no `seen`")
        self._redis = redis
        self.streams = list(streams)
        self.group = group
        self.consumer = consumer
        self._handler = handler
        # Takes each read's entries of a stream at once (one transaction for many events); when a batch fails its
        # entries are handled one by one, so one bad event retries or dead-letters alone.
        self._batch_handler = batch_handler
        self._settings = settings
        self._seen = seen
        self._batch = batch
        self._block_ms = block_ms
        self._transient = is_transient
        # Events the handler would ignore are acknowledged in bulk, unhandled: no `seen` query, no handler call.
        self._wants = wants

    async def ensure_groups(self) -> None:
        """Creates the group on every stream (and the stream) if missing; a new group starts at the oldest entry."""
        for stream in self.streams:
            try:
                await self._redis.xgroup_create(stream, self.group, id="0", mkstream=True)
            except redis_errors.ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise

    async def run(self) -> None:
        """Background task: consumes forever. Redis unreachable at start or later, or restarted without its data
        (the group gone: NOGROUP), costs retries, never the task."""
        grouped = False
        while True:
            try:
                if not grouped:
                    await self.ensure_groups()
                    grouped = True
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                grouped = grouped and "NOGROUP" not in str(error)
                log.warning("event consumer failed; retrying", extra={"group": self.group, "error": str(error)[:300]})
                await asyncio.sleep(1)

    def backoff_ms(self, deliveries: int) -> int:
        """How long an entry delivered `deliveries` times without success waits before its next delivery."""
        seconds = min(self._settings.retry_max_s, self._settings.retry_base_s * 2 ** max(deliveries - 1, 0))
        return int(seconds * 1000)

    async def step(self) -> int:
        """Retries the entries whose backoff passed, then reads new ones (waiting at most until the next retry is
        due, or block_ms). Returns how many entries it handled."""
        handled, next_due_ms = await self._retry_due()
        block = None if handled else max(1, min(self._block_ms, next_due_ms if next_due_ms is not None
                                                else self._block_ms))
        answer: Any = await self._redis.xreadgroup(self.group, self.consumer, {s: ">" for s in self.streams},
                                              count=self._batch, block=block)
        for stream, entries in answer or []:
            ignored: list[Any] = []
            wanted: list[tuple[str, dict]] = []
            for entry_id, fields in entries:
                if self._ignores(fields):
                    ignored.append(entry_id)
                else:
                    wanted.append((_text(entry_id), fields))
                handled += 1
            if ignored:
                await self._redis.xack(stream, self.group, *ignored)
            if not (self._batch_handler and len(wanted) > 1 and await self._handled_as_batch(_text(stream), wanted)):
                for entry_id, fields in wanted:
                    await self._handle(_text(stream), entry_id, fields, deliveries=1)
        return handled

    async def _handled_as_batch(self, stream: str, entries: list[tuple[str, dict]]) -> bool:
        assert self._batch_handler is not None
        try:
            deliveries = [Delivery(stream, _origin(entry_id, fields), Event.FromString(fields[b"event"]))
                          for entry_id, fields in entries]
            await self._batch_handler(deliveries)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("event batch failed; handling its events one by one", extra={
                "group": self.group, "stream": stream, "events": len(entries), "error": str(error)[:300]})
            return False
        await self._redis.xack(stream, self.group, *(entry_id for entry_id, _ in entries))
        return True

    def _ignores(self, fields: dict) -> bool:
        if self._wants is None:
            return False
        try:
            return not self._wants(Event.FromString(fields[b"event"]))
        except (KeyError, DecodeError):
            return False  # _handle dead-letters it

    async def _retry_due(self) -> tuple[int, int | None]:
        handled = 0
        next_due: int | None = None
        for stream in self.streams:
            pending = await self._redis.xpending_range(stream, self.group, min="-", max="+", count=self._batch)
            for entry in pending:
                deliveries, idle = int(entry["times_delivered"]), int(entry["time_since_delivered"])
                wait = self.backoff_ms(deliveries)
                if idle < wait:
                    next_due = wait - idle if next_due is None else min(next_due, wait - idle)
                    continue
                # min_idle_time: when another consumer claimed it meanwhile, its idle time restarted and we get nothing.
                claimed: Any = await self._redis.xclaim(stream, self.group, self.consumer, min_idle_time=wait,
                                                   message_ids=[entry["message_id"]])
                for entry_id, fields in claimed:
                    if not fields:  # trimmed from the stream while pending: nothing left to handle
                        await self._redis.xack(stream, self.group, entry_id)
                        continue
                    await self._handle(stream, _text(entry_id), fields, deliveries=deliveries + 1)
                    handled += 1
        return handled, next_due

    async def _handle(self, stream: str, entry_id: str, fields: dict, deliveries: int) -> None:
        try:
            event = Event.FromString(fields[b"event"])
        except (KeyError, DecodeError) as error:
            await self._bury(stream, entry_id, fields, deliveries, f"undecodable entry: {error!r}")
            return
        try:
            if self._seen is None or not await self._seen.seen(event.event_id):
                if self._batch_handler is not None:
                    await self._batch_handler([Delivery(stream, _origin(entry_id, fields), event)])
                else:
                    assert self._handler is not None
                    await self._handler(event)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if deliveries >= self._settings.max_attempts and not self._transient(error):
                await self._bury(stream, entry_id, fields, deliveries, f"{type(error).__name__}: {error}")
            else:
                log.warning("event handler failed; will retry", extra={
                    "group": self.group, "stream": stream, "entry_id": entry_id, "event_id": event.event_id,
                    "type": event.type, "deliveries": deliveries, "error": str(error)[:500]})
            return
        await self._redis.xack(stream, self.group, entry_id)

    async def _bury(self, stream: str, entry_id: str, fields: dict, deliveries: int, error: str) -> None:
        log.error("event moved to the dead-letter stream", extra={
            "group": self.group, "stream": stream, "entry_id": entry_id, "deliveries": deliveries,
            "error": error[:500]})
        pipe = self._redis.pipeline(transaction=True)
        pipe.xadd(dead_stream(stream), {
            "event_id": fields.get(b"event_id", b""), "type": fields.get(b"type", b""),
            "event": fields.get(b"event", b""), "stream": stream, "group": self.group, "consumer": self.consumer,
            "entry_id": _origin(entry_id, fields), "attempts": deliveries, "error": error[:2000]})
        pipe.xack(stream, self.group, entry_id)
        await pipe.execute()


# ---- dead letters, replay, lag -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadLetter:
    id: str  # its entry id in the dead-letter stream
    stream: str
    group: str
    entry_id: str  # its entry id in the stream it died in
    event_id: str
    type: str
    attempts: int
    error: str


def _dead_letter(entry_id: Any, fields: dict) -> DeadLetter:
    def get(name: str) -> str:
        return _text(fields.get(name.encode(), b""))

    return DeadLetter(_text(entry_id), get("stream"), get("group"), get("entry_id"), get("event_id"), get("type"),
                      int(get("attempts") or 0), get("error"))


async def _dead_entries(redis: Redis, stream: str) -> list[tuple[Any, dict]]:
    entries: list[tuple[Any, dict]] = []
    start = "-"
    while True:
        page: Any = await redis.xrange(dead_stream(stream), min=start, max="+", count=500)
        if not page:
            return entries
        entries.extend(page)
        start = f"({_text(page[-1][0])}"


async def dead_letters(redis: Redis, stream: str) -> list[DeadLetter]:
    """The dead letters of a stream, oldest first."""
    return [_dead_letter(entry_id, fields) for entry_id, fields in await _dead_entries(redis, stream)]


async def replay(redis: Redis, stream: str, *, group: str | None = None, ids: Sequence[str] = (),
                 maxlen: int | None = None) -> int:
    """Moves dead letters (all, those of `group`, or those named by their dead-letter ids) back to the end of their
    stream; returns how many. Every group of the stream receives the event again: those that processed it skip it
    by its event id, the one it failed in gets `max_attempts` fresh deliveries."""
    moved = 0
    for entry_id, fields in await _dead_entries(redis, stream):
        letter = _dead_letter(entry_id, fields)
        if (group and letter.group != group) or (ids and letter.id not in ids):
            continue
        pipe = redis.pipeline(transaction=True)
        pipe.xadd(stream, {"event_id": fields[b"event_id"], "type": fields[b"type"], "event": fields[b"event"],
                           "origin": fields[b"entry_id"]}, maxlen=maxlen, approximate=True)
        pipe.xdel(dead_stream(stream), entry_id)
        await pipe.execute()
        moved += 1
    return moved


async def lag(redis: Redis, stream: str, group: str) -> float:
    """Seconds since the oldest entry the group has not acknowledged was added to the stream (pending, or not yet
    delivered); 0.0 when the group is up to date."""
    seconds, micros = await redis.time()
    now_ms = seconds * 1000 + micros // 1000
    oldest: int | None = None
    summary = await redis.xpending(stream, group)
    if summary["pending"]:
        oldest = _id_ms(summary["min"])
    for info in await redis.xinfo_groups(stream):
        if _text(info["name"]) == group:
            following = await redis.xrange(stream, min=f"({_text(info['last-delivered-id'])}", max="+", count=1)
            if following:
                first = _id_ms(following[0][0])
                oldest = first if oldest is None else min(oldest, first)
    return 0.0 if oldest is None else max(0.0, (now_ms - oldest) / 1000)


async def stream_versions(redis: Redis, families: Sequence[str]) -> dict[str, int]:
    """Per event family, the version of the newest entry its stream ever had (0 for a stream never written).
    A read model rebuilt from the owners after this moment writes with these versions: every event already in a
    stream is older and cannot overwrite what the owners said, every later event is newer and wins."""
    versions = {}
    for family in families:
        stream = stream_for(family)
        info = await redis.xinfo_stream(stream) if await redis.exists(stream) else None
        last = info["last-generated-id"] if info else b"0-0"
        versions[family] = entry_version(_text(last))
    return versions


async def lags(redis: Redis, stream: str) -> dict[str, float]:
    """lag() of every group of the stream."""
    if not await redis.exists(stream):
        return {}
    return {_text(info["name"]): await lag(redis, stream, _text(info["name"]))
            for info in await redis.xinfo_groups(stream)}


# ---- command line ------------------------------------------------------------------------------------------------


async def _streams(redis: Redis) -> list[str]:
    found = [_text(key) async for key in redis.scan_iter(match=f"{STREAM_PREFIX}*", _type="STREAM")]
    return sorted(key for key in found if not key.endswith(DEAD_SUFFIX))


async def _command(arguments: argparse.Namespace, redis: Redis) -> int:
    if arguments.command == "dead":
        letters = await dead_letters(redis, arguments.stream)
        for letter in letters[-arguments.count:]:
            print(f"{letter.id}  group={letter.group} entry={letter.entry_id} event={letter.event_id} "
                  f"type={letter.type} attempts={letter.attempts}\n    {letter.error}")
        print(f"{len(letters)} dead letter(s) in {dead_stream(arguments.stream)}")
    elif arguments.command == "replay":
        moved = await replay(redis, arguments.stream, group=arguments.group, ids=arguments.ids,
                             maxlen=EventSettings.from_env().stream_maxlen)
        print(f"replayed {moved} dead letter(s) onto {arguments.stream}")
    else:
        for stream in arguments.streams or await _streams(redis):
            for group, seconds in (await lags(redis, stream)).items():
                print(f"{stream}  {group}  {seconds:.3f} s")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services.common.events",
                                     description="The event streams' dead letters and consumer lag (REDIS_URL).")
    commands = parser.add_subparsers(dest="command", required=True)
    dead = commands.add_parser("dead", help="list a stream's dead letters")
    dead.add_argument("stream", help="e.g. coins:events:idea")
    dead.add_argument("--count", type=int, default=50, help="newest N (default 50)")
    again = commands.add_parser("replay", help="move dead letters back onto their stream")
    again.add_argument("stream")
    again.add_argument("--group", help="only those that died in this consumer group")
    again.add_argument("ids", nargs="*", metavar="ID", help="only these dead letters (ids as `dead` lists them)")
    behind = commands.add_parser("lag", help="seconds behind per consumer group")
    behind.add_argument("streams", nargs="*", metavar="STREAM", help=f"default: every {STREAM_PREFIX}* stream")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)

    async def run() -> int:
        # REDIS_URL as every service reads it; any service name gives the same one.
        redis = redis_client.connect(Settings.from_env(SERVICES[0]).redis_url)
        try:
            return await _command(arguments, redis)
        finally:
            await redis.aclose()

    try:
        return asyncio.run(run())
    except (redis_errors.RedisError, OSError, ValueError) as failed:
        print(f"error: {failed}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
