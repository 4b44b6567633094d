"""The coin service as the campaign service needs it. Every call here runs before the campaign's own change
commits and before the RPC answers, so a member who has joined holds coins in the very next call, and once a
completion or a removal has answered no coin of that campaign or member moves on any replica. Each call is
idempotent in the coin service, so a retried RPC repeats it safely."""

from __future__ import annotations

import uuid

from coins.v1 import coin_service_pb2 as coin_pb, coin_service_pb2_grpc as coin_rpc, resources_pb2 as res
from services.campaign.domain import CoinPolicy

DEADLINE_S = 30  # activation grants every member in one call


class CoinAccounts:
    def __init__(self, stub: coin_rpc.CoinInternalServiceStub):
        self._stub = stub

    async def open_campaign(self, slug: str, policy: CoinPolicy, member_ids: list[str]) -> None:
        await self._stub.OpenCampaignCoins(coin_pb.OpenCampaignCoinsRequest(
            campaign_id=slug, user_ids=member_ids, request_id=f"activate:{slug}",
            coin_policy=res.CoinPolicy(
                initial_allocation=policy.initial_allocation, idea_submission_reward=policy.idea_submission_reward,
                allow_reallocation=policy.allow_reallocation, allow_recycling=policy.allow_recycling,
                max_per_idea=policy.max_per_idea, max_rewarded_ideas=policy.max_rewarded_ideas)),
            timeout=DEADLINE_S)

    async def grant(self, slug: str, user_id: str) -> None:
        """The initial allocation, once per member and campaign however often it joins."""
        await self._stub.GrantCoins(coin_pb.GrantCoinsRequest(
            campaign_id=slug, user_ids=[user_id], request_id=f"join:{slug}:{user_id}:{uuid.uuid4()}"),
            timeout=DEADLINE_S)

    async def complete(self, slug: str) -> None:
        await self._stub.ExpireCampaignCoins(coin_pb.ExpireCampaignCoinsRequest(
            campaign_id=slug, request_id=f"complete:{slug}"), timeout=DEADLINE_S)

    async def archive(self, slug: str) -> None:
        await self._stub.ArchiveCampaignCoins(coin_pb.ArchiveCampaignCoinsRequest(
            campaign_id=slug, request_id=f"archive:{slug}"), timeout=DEADLINE_S)

    async def close_account(self, slug: str, user_id: str) -> None:
        """The member keeps what it placed but moves nothing until it joins again."""
        await self._stub.CloseCoinAccount(coin_pb.CloseCoinAccountRequest(
            campaign_id=slug, user_id=user_id, request_id=f"remove:{slug}:{user_id}:{uuid.uuid4()}"),
            timeout=DEADLINE_S)
