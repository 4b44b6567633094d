"""What the campaign use cases need from storage and from other services, as the handlers see it: domain values in,
domain values out. The SQLAlchemy repository and the stub-backed adapters (services/campaign/adapters.py) are
wired in main.py; tests/unit/handlers/fakes_campaign.py holds in-memory stand-ins.

Here `campaign_id` is a campaign's slug, the name every request uses; `campaign_uuid` is the storage's own key."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from coins.v1.events_pb2 import Event
from services.campaign.domain import (
    Campaign,
    CampaignFields,
    CoinPolicy,
    Invitation,
    Member,
    Standing,
    Tag,
)
from services.common.concepts import CampaignRole, CampaignStatus, CampaignType, InvitationState
from services.common.directory import Account


class CampaignRepository(Protocol):
    """A campaign service's state. Methods taking a `Campaign` act within that campaign."""

    async def campaign(self, campaign_id: str, *, lock: bool = False) -> Campaign | None:
        """`lock` holds the campaign until the unit of work ends: every membership change takes it first."""

    async def standing(self, campaign: Campaign, user_id: str) -> Standing: ...

    async def visible_campaigns(self, user_id: str, admin: bool, status: CampaignStatus | None,
                                type_: CampaignType | None, offset: int, limit: int) -> list[Campaign]: ...

    async def campaigns_after(self, after: str, limit: int) -> list[tuple[Campaign, list[Tag]]]:
        """Every campaign (drafts too) whose campaign_id sorts after `after`, in campaign_id order, with its tags."""

    async def parts_of(self, user_id: str) -> list[tuple[str, Standing]]:
        """Every campaign (by campaign_id, in that order) the user has joined or sponsors, and how it stands there."""

    async def add_campaign(self, campaign_id: str, fields: CampaignFields, policy: CoinPolicy,
                           created_by: str) -> Campaign | None:
        """The new draft, or None when the campaign_id is taken."""

    async def save_campaign(self, campaign: Campaign) -> None:
        """Stores the campaign's editable fields, policy, status, update time and when its end was told near."""

    async def due_campaigns(self, now: datetime, notice_window: timedelta, limit: int = 20) -> list[Campaign]:
        """Campaigns whose start or end time has passed, or active ones ending within `notice_window` and not yet
        told so; locked, skipping those another replica holds."""

    async def member(self, campaign: Campaign, user_id: str) -> Member | None: ...

    async def add_member(self, campaign: Campaign, member: Member) -> None: ...

    async def set_member_role(self, campaign: Campaign, user_id: str, role: CampaignRole) -> None: ...

    async def delete_member(self, campaign: Campaign, user_id: str) -> None: ...

    async def members(self, campaign: Campaign, role: CampaignRole | None, offset: int,
                      limit: int) -> list[Member]: ...

    async def joined_user_ids(self, campaign: Campaign) -> list[str]: ...

    async def rename_member(self, user_id: str, full_name: str, version: int) -> int:
        """Across every campaign: shows `full_name` on the user's memberships unless a rename at least as new (by
        `version`) is shown already; the number of memberships changed."""

    async def issue_invitation(self, campaign: Campaign, email: str, role: CampaignRole, token_digest: str,
                               invited_by: str, now: datetime, expires_at: datetime) -> Invitation:
        """A new open invitation to `email`; an open one it already had gets the new link (the old one dies)."""

    async def invited_campaign(self, token_digest: str) -> str | None:
        """The campaign_id a link invites to."""

    async def invitation(self, campaign: Campaign, token_digest: str) -> Invitation | None: ...

    async def accept_invitation(self, token_digest: str, user_id: str, now: datetime) -> None: ...

    async def revoke_open_invitation(self, campaign: Campaign, email: str, now: datetime) -> Invitation | None:
        """The open invitation to `email` (case-insensitively), revoked; None when there is none."""

    async def invitations(self, campaign: Campaign, state: InvitationState | None, now: datetime, offset: int,
                          limit: int) -> list[Invitation]: ...

    async def invited_emails(self, campaign: Campaign) -> list[str]: ...

    async def add_sponsor(self, campaign: Campaign, user_id: str) -> None: ...

    async def remove_sponsor(self, campaign: Campaign, user_id: str) -> bool:
        """False when the user did not sponsor the campaign."""

    async def sponsor_ids(self, campaign: Campaign, offset: int = 0, limit: int = 1000) -> list[str]: ...

    async def tags(self, campaign: Campaign, offset: int = 0, limit: int = 1000) -> list[Tag]: ...

    async def tag(self, campaign: Campaign, tag_id: uuid.UUID) -> Tag | None: ...

    async def tag_name_taken(self, campaign: Campaign, name: str, except_id: uuid.UUID | None = None) -> bool:
        """Names compare case-insensitively."""

    async def add_tag(self, campaign: Campaign, name: str, description: str, color: str) -> Tag: ...

    async def save_tag(self, tag: Tag) -> None: ...

    async def delete_tag(self, tag: Tag) -> None: ...


class RequestStore(Protocol):
    """The answers to idempotent requests (services/common/idempotency.py), within the unit of work."""

    async def replay(self) -> dict | None:
        """The first answer to this call's request, or None when it is new."""

    async def remember(self, answer: dict) -> None: ...


class OutboxWriter(Protocol):
    async def put(self, topic: str, payload: dict) -> None:
        """Delivered to other services once the unit of work commits."""


class EventWriter(Protocol):
    async def add(self, event: Event) -> None:
        """A domain event (services/common/events.py's new_event), published once the unit of work commits."""


class CampaignUnitOfWork(Protocol):
    """`async with` one per call: commits when the block ends normally, rolls back otherwise."""

    @property
    def campaigns(self) -> CampaignRepository: ...

    @property
    def requests(self) -> RequestStore: ...

    @property
    def outbox(self) -> OutboxWriter: ...

    @property
    def events(self) -> EventWriter: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None: ...


UnitsOfWork = Callable[[], CampaignUnitOfWork]  # a fresh unit of work per call: calls run concurrently


class CoinAccounts(Protocol):
    """The coin service's side of a campaign. Each call is idempotent there and runs before the campaign's own
    change commits, so that once a call answers, coins already follow it."""

    async def open_campaign(self, campaign_id: str, policy: CoinPolicy, member_ids: list[str]) -> None: ...

    async def grant(self, campaign_id: str, user_id: str) -> None:
        """The initial allocation, once per member and campaign however often it joins."""

    async def complete(self, campaign_id: str) -> None: ...

    async def archive(self, campaign_id: str) -> None: ...

    async def close_account(self, campaign_id: str, user_id: str) -> None:
        """The member keeps what it placed but moves nothing until it joins again."""


class UserDirectory(Protocol):
    async def by_ids(self, user_ids: list[str]) -> dict[str, Account]:
        """The accounts that exist among `user_ids`, by id."""
