"""The notification service's use cases behind its RPCs. A user only ever reads and changes their own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from coins.v1 import resources_pb2 as res
from services.common import paging, validation
from services.common.concepts import Channel, NotificationKind
from services.common.context import Caller
from services.common.errors import NOT_FOUND, NotFound
from services.notification import domain
from services.notification.domain import Notification, PreferenceChange, Preferences, UnsubscribeTokens
from services.notification.live import CatchUp, LiveHub
from services.notification.messages import notification_message
from services.notification.ports import UnitsOfWork

CATCH_UP_PAGE = 500
# A heartbeat's unread count is kept by the stream (its notifications add one each) and read from the database
# again every this many heartbeats, to see marks made elsewhere: 1,000 idle streams cost a query a second or less.
RECOUNT_EVERY = 10


@dataclass
class UnreadCount:
    """A stream's unread count between two reads of the store: what the store said, plus what the stream sent since
    that the count could not include (stored after it)."""

    count: int
    counted_upto: int  # the highest seq stored when counted

    def told(self, seq: int) -> None:
        if seq > self.counted_upto:
            self.count += 1


@dataclass(frozen=True)
class Heartbeat:
    time: datetime
    unread_count: int


def _not_found() -> NotFound:
    return NotFound(NOT_FOUND, "no such notification")


class NotificationHandlers:
    def __init__(self, units: UnitsOfWork, hub: LiveHub, tokens: UnsubscribeTokens, heartbeat_s: float):
        self._units = units
        self._hub = hub
        self._tokens = tokens
        self._heartbeat_s = heartbeat_s

    async def listing(self, caller: Caller, unread_only: bool, order_by: str, page_size: int,
                      page_token: str) -> tuple[list[Notification], str, int]:
        order = domain.list_order(order_by)
        limit = validation.page_size(page_size, default=domain.DEFAULT_PAGE_SIZE, maximum=domain.MAX_PAGE_SIZE)
        offset = paging.offset(page_token)
        async with self._units() as uow:
            rows = await uow.store.notifications(caller.user_id, unread_only, order, offset, limit + 1)
            unread = await uow.store.unread_count(caller.user_id)
        page, token = paging.page(rows, offset, limit)
        return page, token, unread

    async def mark_read(self, caller: Caller, notification_id: str) -> Notification:
        wanted = validation.uuid_id("notification_id", notification_id)
        async with self._units() as uow:
            notification = await uow.store.mark_read(caller.user_id, wanted)
        if notification is None:
            raise _not_found()
        return notification

    async def mark_all_read(self, caller: Caller) -> int:
        async with self._units() as uow:
            return await uow.store.mark_all_read(caller.user_id)

    async def preferences(self, caller: Caller) -> Preferences:
        async with self._units() as uow:
            return (await uow.store.preferences([caller.user_id]))[caller.user_id]

    async def change_preferences(self, caller: Caller, change: PreferenceChange) -> Preferences:
        async with self._units() as uow:
            await uow.store.change_preferences(caller.user_id, change)
            return (await uow.store.preferences([caller.user_id]))[caller.user_id]

    async def unsubscribe(self, token: str) -> NotificationKind:
        user_id, kind = self._tokens.read(validation.text("token", token, max_length=500))
        async with self._units() as uow:
            await uow.store.change_preferences(user_id, PreferenceChange({(kind, Channel.EMAIL): False}, None))
        return kind

    async def stream(self, caller: Caller, last_notification_id: str) -> AsyncIterator[res.Notification | Heartbeat]:
        """What came after `last_notification_id` (when given), then each new notification as it is stored, and a
        heartbeat whenever nothing was sent for `heartbeat_s`."""
        user_id = caller.user_id
        queue = self._hub.open(user_id)  # before reading the backlog, so nothing falls between the two
        try:
            if last_notification_id:
                wanted = validation.uuid_id("last_notification_id", last_notification_id)
                async with self._units() as uow:
                    last_seq = await uow.store.seq_of(user_id, wanted)
                if last_seq is None:
                    raise _not_found()
            else:
                async with self._units() as uow:
                    last_seq = await uow.store.last_seq(user_id)
            unread = await self._count_unread(user_id)
            heartbeats = 0
            sent: set[int] = set()  # seqs above last_seq already sent (live ones may arrive out of order)
            catching_up = bool(last_notification_id)
            while True:
                if catching_up:
                    catching_up = False
                    async for notification in self._after(user_id, last_seq):
                        if notification.seq not in sent:
                            yield notification_message(notification)
                        last_seq = notification.seq
                    sent = {seq for seq in sent if seq > last_seq}
                    unread = await self._count_unread(user_id)
                    continue
                try:
                    item = await asyncio.wait_for(queue.get(), self._heartbeat_s)
                except TimeoutError:
                    heartbeats += 1
                    if heartbeats % RECOUNT_EVERY == 0:
                        unread = await self._count_unread(user_id)
                    yield Heartbeat(datetime.now(UTC), unread.count)
                    continue
                if isinstance(item, CatchUp):
                    catching_up = True
                elif item.seq > last_seq and item.seq not in sent:
                    sent.add(item.seq)
                    unread.told(item.seq)
                    yield item.message
        finally:
            self._hub.close(user_id, queue)

    async def _count_unread(self, user_id: str) -> UnreadCount:
        async with self._units() as uow:
            return UnreadCount(await uow.store.unread_count(user_id), await uow.store.last_seq(user_id))

    async def _after(self, user_id: str, seq: int) -> AsyncIterator[Notification]:
        while True:
            async with self._units() as uow:
                page = await uow.store.notifications_after(user_id, seq, CATCH_UP_PAGE)
            for notification in page:
                yield notification
            if len(page) < CATCH_UP_PAGE:
                return
            seq = page[-1].seq
