"""Live notifications across replicas: the replica that stores notifications publishes them on one Redis pub/sub
channel; every replica listens and hands each one to the open streams of its user.

Pub/sub forgets what nobody heard, so it is only the fast path: a stream that may have missed something (its
replica lost Redis for a moment, or its client read too slowly and its queue overflowed) is told to catch up,
and reads what came after the last notification it sent from the database, which forgets nothing."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from coins.v1 import resources_pb2 as res
from services.notification.domain import Notification
from services.notification.messages import notification_message

log = logging.getLogger("coins.notification.live")

CHANNEL = "coins:notifications:live"
QUEUE_LIMIT = 1000
RECONNECT_S = 1.0


class CatchUp:
    """Put on a stream's queue instead of notifications it may have missed."""


CATCH_UP = CatchUp()


@dataclass(frozen=True)
class LiveNotification:
    seq: int  # its place in the database's order, so a stream knows where to catch up from
    message: res.Notification

    def encode(self) -> bytes:
        return self.seq.to_bytes(8, "big") + self.message.SerializeToString()

    @classmethod
    def decode(cls, data: bytes) -> LiveNotification:
        return cls(int.from_bytes(data[:8], "big"), res.Notification.FromString(data[8:]))


Delivery = LiveNotification | CatchUp


class RedisLiveFeed:
    def __init__(self, redis: Redis):
        self._redis = redis

    async def publish(self, notifications: Sequence[Notification]) -> None:
        """Best effort: a lost message is caught up from the database when the stream notices."""
        try:
            pipe = self._redis.pipeline(transaction=False)
            for notification in notifications:
                pipe.publish(CHANNEL, LiveNotification(notification.seq, notification_message(notification)).encode())
            await pipe.execute()
        except Exception as error:  # the notifications are stored: they are read on the next catch-up or list
            log.warning("live publish failed", extra={"error": str(error)[:300], "count": len(notifications)})


class LiveHub:
    """This replica's open streams, by user, fed from the channel."""

    def __init__(self, redis: Redis):
        self._redis = redis
        self._streams: dict[str, set[asyncio.Queue[Delivery]]] = defaultdict(set)

    def open(self, user_id: str) -> asyncio.Queue[Delivery]:
        queue: asyncio.Queue[Delivery] = asyncio.Queue(QUEUE_LIMIT)
        self._streams[user_id].add(queue)
        return queue

    def close(self, user_id: str, queue: asyncio.Queue[Delivery]) -> None:
        queues = self._streams.get(user_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._streams[user_id]

    @property
    def open_streams(self) -> int:
        return sum(len(queues) for queues in self._streams.values())

    def deliver(self, notification: LiveNotification) -> None:
        for queue in self._streams.get(notification.message.user_id, ()):
            try:
                queue.put_nowait(notification)
            except asyncio.QueueFull:
                _catch_up_instead(queue)

    def _everyone_catches_up(self) -> None:
        for queues in self._streams.values():
            for queue in queues:
                _catch_up_instead(queue)

    async def run(self) -> None:
        """Background task: listens forever, resubscribing after a lost connection."""
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    # Whatever was published while this replica was not listening is in the database.
                    self._everyone_catches_up()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self.deliver(LiveNotification.decode(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("live channel lost; resubscribing", extra={"error": str(error)[:300]})
                await asyncio.sleep(RECONNECT_S)


def _catch_up_instead(queue: asyncio.Queue[Delivery]) -> None:
    """Drops what the queue holds in favour of one catch-up: the stream reads it all from the database."""
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(CATCH_UP)
