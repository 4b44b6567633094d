"""In-memory stand-ins for the notification handlers' storage (services/notification/repository.py's
NotificationStore, the queries the handlers use). `Inbox` holds what the schema would: a test arranges it, calls a
handler, and reads it back."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import Self

from services.common.concepts import Channel, EmailDelivery, NotificationKind
from services.notification import domain
from services.notification.domain import Notice, Notification, PreferenceChange, Preferences

START = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)


@dataclass
class Inbox:
    notifications: list[Notification] = field(default_factory=list)
    overrides: dict[str, dict[tuple[NotificationKind, Channel], bool]] = field(default_factory=dict)
    delivery: dict[str, EmailDelivery] = field(default_factory=dict)
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add(self, user_id: str, kind: NotificationKind = NotificationKind.CAMPAIGN_STARTED,
            title: str = "told") -> Notification:
        seq = next(self._seq)
        notification = Notification(str(uuid.uuid4()), seq, Notice(user_id, kind, title, "body", "c"), False,
                                    START + timedelta(seconds=seq))
        self.notifications.append(notification)
        return notification


class FakeStore:
    def __init__(self, inbox: Inbox):
        self._inbox = inbox

    def _of(self, user_id: str) -> list[Notification]:
        return [n for n in self._inbox.notifications if n.notice.user_id == user_id]

    async def notifications(self, user_id: str, unread_only: bool, order: str, offset: int,
                            limit: int) -> list[Notification]:
        found = sorted(self._of(user_id), key=lambda n: -n.seq)
        if unread_only:
            found = [n for n in found if not n.read]
        if order == domain.ORDER_UNREAD_FIRST:
            found.sort(key=lambda n: n.read)
        return found[offset:offset + limit]

    async def unread_count(self, user_id: str) -> int:
        return sum(not n.read for n in self._of(user_id))

    async def mark_read(self, user_id: str, notification_id: uuid.UUID) -> Notification | None:
        for index, n in enumerate(self._inbox.notifications):
            if n.id == str(notification_id) and n.notice.user_id == user_id:
                self._inbox.notifications[index] = replace(n, read=True)
                return self._inbox.notifications[index]
        return None

    async def mark_all_read(self, user_id: str) -> int:
        unread = [n for n in self._of(user_id) if not n.read]
        for n in unread:
            await self.mark_read(user_id, uuid.UUID(n.id))
        return len(unread)

    async def preferences(self, user_ids: list[str]) -> dict[str, Preferences]:
        return {u: Preferences(dict(self._inbox.overrides.get(u, {})),
                               self._inbox.delivery.get(u, EmailDelivery.IMMEDIATE)) for u in user_ids}

    async def change_preferences(self, user_id: str, change: PreferenceChange) -> None:
        self._inbox.overrides.setdefault(user_id, {}).update(change.pairs)
        if change.email_delivery is not None:
            self._inbox.delivery[user_id] = change.email_delivery

    async def seq_of(self, user_id: str, notification_id: uuid.UUID) -> int | None:
        return next((n.seq for n in self._of(user_id) if n.id == str(notification_id)), None)

    async def last_seq(self, user_id: str) -> int:
        return max((n.seq for n in self._of(user_id)), default=0)

    async def notifications_after(self, user_id: str, seq: int, limit: int) -> list[Notification]:
        return sorted((n for n in self._of(user_id) if n.seq > seq), key=lambda n: n.seq)[:limit]


class FakeUnitOfWork:
    def __init__(self, inbox: Inbox):
        self.store = FakeStore(inbox)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        return None
