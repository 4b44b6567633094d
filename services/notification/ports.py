"""What the notification handlers need from the world: their storage, the other services, the live feed and the
mail server. services/notification/adapters.py and repository.py implement them; tests pass fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from services.notification.domain import CampaignFacts, IdeaFacts, Notification
from services.notification.repository import NotificationStore


class UnitOfWork(Protocol):
    """One transaction: committed when the `async with` block ends normally, rolled back otherwise."""

    @property
    def store(self) -> NotificationStore: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None: ...


UnitsOfWork = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class Recipient:
    """An account as mail needs it."""

    id: str
    email: str
    full_name: str
    active: bool


class Accounts(Protocol):
    async def by_ids(self, user_ids: Sequence[str]) -> dict[str, Recipient]: ...

    async def by_email(self, email: str) -> Recipient | None: ...


class Campaigns(Protocol):
    async def facts(self, campaign_id: str) -> CampaignFacts: ...

    def forget(self, campaign_id: str) -> None:
        """Drops what is known of the campaign: it changed."""
        ...

    def member_ids(self, campaign_id: str) -> AsyncIterator[list[str]]:
        """The joined members' user ids, a page at a time."""
        ...


class Ideas(Protocol):
    async def facts(self, idea_id: str) -> IdeaFacts | None: ...


class LiveFeed(Protocol):
    async def publish(self, notifications: Sequence[Notification]) -> None:
        """Tells every replica's open streams; called after the notifications committed."""
        ...
