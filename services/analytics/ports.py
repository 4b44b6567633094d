"""What the analytics service needs of the other services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from coins.v1 import coin_service_pb2 as coin_pb
from coins.v1 import resources_pb2 as res
from services.analytics.domain import CampaignAccess


@dataclass(frozen=True)
class OwnedCampaign:
    campaign: res.Campaign
    tags: list[res.Tag]


class CampaignAccessSource(Protocol):
    async def access(self, campaign_id: str, user_id: str) -> CampaignAccess: ...


class Owners(Protocol):
    """The owning services' data, read in full by a rebuild."""

    def campaigns(self) -> AsyncIterator[OwnedCampaign]: ...

    def members(self, campaign_id: str) -> AsyncIterator[list[res.CampaignMember]]: ...

    async def invited_emails(self, campaign_id: str) -> list[str]: ...

    def ideas(self, campaign_id: str) -> AsyncIterator[list[res.Idea]]: ...

    async def standing(self, campaign_id: str) -> list[coin_pb.IdeaStanding]: ...

    def ledger(self, campaign_id: str) -> AsyncIterator[list[res.LedgerEntry]]: ...
