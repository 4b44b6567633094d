"""What every campaign use case shares: its ports and reading the campaign a call names."""

from __future__ import annotations

from datetime import timedelta

from google.protobuf.message import Message

from services.campaign import domain
from services.campaign.domain import Campaign, Standing
from services.campaign.ports import CampaignUnitOfWork, CoinAccounts, UnitsOfWork, UserDirectory
from services.common import validation
from services.common.context import Caller, request_id
from services.common.errors import CAMPAIGN_NOT_FOUND, NotFound
from services.common.events import new_event


class HandlerBase:
    def __init__(self, units: UnitsOfWork, directory: UserDirectory, coins: CoinAccounts, *, public_url: str,
                 invitation_ttl: timedelta, ending_notice: timedelta):
        self._units = units
        self._directory = directory
        self._coins = coins
        self._public_url = public_url  # invitation links start with it
        self._invitation_ttl = invitation_ttl
        self._ending_notice = ending_notice  # how long before its end a campaign is told to end soon

    @staticmethod
    async def _campaign(uow: CampaignUnitOfWork, campaign_id: str, *, lock: bool = False) -> Campaign:
        """For callers the viewing rule does not apply to: other services, and invitation links."""
        validation.slug("campaign_id", campaign_id)  # PostgreSQL refuses some strings (a NUL) with an error
        campaign = await uow.campaigns.campaign(campaign_id, lock=lock)
        if campaign is None:
            raise NotFound(CAMPAIGN_NOT_FOUND, "no campaign with this id", campaign_id=campaign_id)
        return campaign

    async def _viewable(self, uow: CampaignUnitOfWork, caller: Caller, campaign_id: str,
                        lock: bool = False) -> tuple[Campaign, Standing]:
        validation.slug("campaign_id", campaign_id)
        campaign = await uow.campaigns.campaign(campaign_id, lock=lock)
        standing = await uow.campaigns.standing(campaign, caller.user_id) if campaign else Standing()
        return domain.require_view(campaign, standing, caller, campaign_id), standing

    @staticmethod
    async def _emit(uow: CampaignUnitOfWork, campaign: Campaign, payload: Message, actor: Caller | None,
                    subject: str = "") -> None:
        """A domain event of the campaign (proto/coins/v1/events.proto), written in the unit of work of the change;
        `actor` None when the system caused it (the scheduler)."""
        await uow.events.add(new_event(payload, campaign_id=campaign.campaign_id,
                                       actor_id=actor.user_id if actor else "",
                                       subject=subject or f"campaigns/{campaign.campaign_id}", request_id=request_id()))
