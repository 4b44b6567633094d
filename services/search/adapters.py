"""The other services as search sees them (services/search/ports.py), over their internal gRPC APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator

from coins.v1 import auth_service_pb2 as auth_pb
from coins.v1 import auth_service_pb2_grpc as auth_rpc
from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import coin_service_pb2 as coin_pb
from coins.v1 import coin_service_pb2_grpc as coin_rpc
from coins.v1 import idea_service_pb2 as idea_pb
from coins.v1 import idea_service_pb2_grpc as idea_rpc
from coins.v1 import resources_pb2 as res
from services.common.proto_enums import CAMPAIGN_ROLE
from services.search.domain import CampaignPart
from services.search.ports import OwnedCampaign

DEADLINE_S = 10
REBUILD_DEADLINE_S = 60  # a page of 1,000 ideas or a campaign's coin totals
USERS_PER_CALL = 500


class GrpcCampaignParts:
    def __init__(self, stub: campaign_rpc.CampaignInternalServiceStub):
        self._stub = stub

    async def parts(self, user_id: str) -> list[CampaignPart]:
        reply = await self._stub.ListUserCampaignRoles(campaign_pb.ListUserCampaignRolesRequest(user_id=user_id),
                                                       timeout=DEADLINE_S)
        return [CampaignPart(r.campaign_id, CAMPAIGN_ROLE.from_proto("role", r.role, required=False), r.sponsor)
                for r in reply.roles]


class GrpcOwners:
    def __init__(self, campaigns: campaign_rpc.CampaignInternalServiceStub, ideas: idea_rpc.IdeaInternalServiceStub,
                 coins: coin_rpc.CoinInternalServiceStub, accounts: auth_rpc.AuthInternalServiceStub):
        self._campaigns = campaigns
        self._ideas = ideas
        self._coins = coins
        self._accounts = accounts

    async def campaigns(self) -> AsyncIterator[OwnedCampaign]:
        token = ""
        while True:
            reply = await self._campaigns.ListAllCampaigns(campaign_pb.ListAllCampaignsRequest(
                page_size=500, page_token=token), timeout=REBUILD_DEADLINE_S)
            for owned in reply.campaigns:
                yield OwnedCampaign(owned.campaign, list(owned.tags))
            token = reply.next_page_token
            if not token:
                return

    async def ideas(self, campaign_id: str) -> AsyncIterator[list[res.Idea]]:
        token = ""
        while True:
            reply = await self._ideas.ListCampaignIdeas(idea_pb.ListCampaignIdeasRequest(
                campaign_id=campaign_id, page_size=1000, page_token=token), timeout=REBUILD_DEADLINE_S)
            if reply.ideas:
                yield list(reply.ideas)
            token = reply.next_page_token
            if not token:
                return

    async def coin_totals(self, campaign_id: str) -> dict[str, int]:
        reply = await self._coins.ListIdeaTotals(coin_pb.ListIdeaTotalsRequest(campaign_id=campaign_id),
                                                 timeout=REBUILD_DEADLINE_S)
        return {t.idea_id: t.total for t in reply.totals}

    async def names(self, user_ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(user_ids), USERS_PER_CALL):
            reply = await self._accounts.BatchGetUsers(auth_pb.BatchGetUsersRequest(
                user_ids=user_ids[start:start + USERS_PER_CALL]), timeout=DEADLINE_S)
            found.update((user.id, user.full_name) for user in reply.users)
        return found
