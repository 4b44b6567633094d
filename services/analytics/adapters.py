"""The other services as analytics sees them (services/analytics/ports.py), over their internal gRPC APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import coin_service_pb2 as coin_pb
from coins.v1 import coin_service_pb2_grpc as coin_rpc
from coins.v1 import idea_service_pb2 as idea_pb
from coins.v1 import idea_service_pb2_grpc as idea_rpc
from coins.v1 import resources_pb2 as res
from services.analytics.domain import CampaignAccess
from services.analytics.ports import OwnedCampaign
from services.common.proto_enums import CAMPAIGN_ROLE

DEADLINE_S = 5
REBUILD_DEADLINE_S = 60  # one page of a campaign's ideas, members or ledger


class GrpcCampaignAccess:
    def __init__(self, stub: campaign_rpc.CampaignInternalServiceStub):
        self._stub = stub

    async def access(self, campaign_id: str, user_id: str) -> CampaignAccess:
        """How the caller stands in the campaign; `visible` is the campaign service's viewing rule applied to the
        caller whose token this call forwards."""
        answer = await self._stub.GetCampaignAccess(
            campaign_pb.GetCampaignAccessRequest(campaign_id=campaign_id, user_id=user_id), timeout=DEADLINE_S)
        return CampaignAccess(campaign_id, answer.visible, CAMPAIGN_ROLE.from_proto("role", answer.role,
                                                                                     required=False), answer.sponsor)


async def _pages(call: Callable[..., Any], request: Any, field: str) -> AsyncIterator[list[Any]]:
    """Every page of a paged internal list, one list of items at a time."""
    while True:
        reply = await call(request, timeout=REBUILD_DEADLINE_S)
        items = list(getattr(reply, field))
        if items:
            yield items
        if not reply.next_page_token:
            return
        request.page_token = reply.next_page_token


class GrpcOwners:
    def __init__(self, campaigns: campaign_rpc.CampaignInternalServiceStub, ideas: idea_rpc.IdeaInternalServiceStub,
                 coins: coin_rpc.CoinInternalServiceStub):
        self._campaigns = campaigns
        self._ideas = ideas
        self._coins = coins

    async def campaigns(self) -> AsyncIterator[OwnedCampaign]:
        async for page in _pages(self._campaigns.ListAllCampaigns,
                                 campaign_pb.ListAllCampaignsRequest(page_size=500), "campaigns"):
            for owned in page:
                yield OwnedCampaign(owned.campaign, list(owned.tags))

    def members(self, campaign_id: str) -> AsyncIterator[list[res.CampaignMember]]:
        return _pages(self._campaigns.ListJoinedMembers,
                      campaign_pb.ListJoinedMembersRequest(campaign_id=campaign_id, page_size=1000), "members")

    async def invited_emails(self, campaign_id: str) -> list[str]:
        reply = await self._campaigns.ListInvitedEmails(
            campaign_pb.ListInvitedEmailsRequest(campaign_id=campaign_id), timeout=REBUILD_DEADLINE_S)
        return list(reply.emails)

    def ideas(self, campaign_id: str) -> AsyncIterator[list[res.Idea]]:
        return _pages(self._ideas.ListCampaignIdeas,
                      idea_pb.ListCampaignIdeasRequest(campaign_id=campaign_id, page_size=1000), "ideas")

    async def standing(self, campaign_id: str) -> list[coin_pb.IdeaStanding]:
        reply = await self._coins.GetCampaignStanding(
            coin_pb.GetCampaignStandingRequest(campaign_id=campaign_id), timeout=REBUILD_DEADLINE_S)
        return list(reply.ideas)

    def ledger(self, campaign_id: str) -> AsyncIterator[list[res.LedgerEntry]]:
        return _pages(self._coins.ListCampaignLedger,
                      coin_pb.ListCampaignLedgerRequest(campaign_id=campaign_id, page_size=10_000), "entries")
