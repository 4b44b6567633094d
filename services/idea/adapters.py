"""The other services as the idea handlers see them (services/idea/ports.py), over their internal gRPC APIs."""

from __future__ import annotations

from datetime import timezone

import grpc
from google.rpc import error_details_pb2, status_pb2

from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import coin_service_pb2 as coin_pb
from coins.v1 import coin_service_pb2_grpc as coin_rpc
from services.common import directory, errors
from services.common.proto_enums import CAMPAIGN_ROLE, CAMPAIGN_STATUS, CAMPAIGN_TYPE
from services.idea.domain import CampaignStanding, CampaignView, IdeaStanding, TagInfo
from services.idea.ports import CoinsRefused

DEADLINE_S = 10


class GrpcCampaignAccess:
    def __init__(self, stub: campaign_rpc.CampaignInternalServiceStub):
        self._stub = stub

    async def view(self, campaign_id: str, user_id: str) -> CampaignView:
        access = await self._stub.GetCampaignAccess(
            campaign_pb.GetCampaignAccessRequest(campaign_id=campaign_id, user_id=user_id), timeout=DEADLINE_S)
        return CampaignView(
            campaign_id, CAMPAIGN_TYPE.from_proto("type", access.campaign.type),
            CAMPAIGN_STATUS.from_proto("status", access.campaign.status),
            CAMPAIGN_ROLE.from_proto("role", access.role, required=False), access.sponsor, access.visible,
            frozenset(tag.id for tag in access.tags),
            tuple(TagInfo(tag.id, tag.name, tag.description, tag.color,
                          tag.create_time.ToDatetime(timezone.utc) if tag.HasField("create_time") else None)
                  for tag in access.tags))


class GrpcCoinMoves:
    """Each move carries a request id derived from the idea, so the coin service applies it once however often
    a retry or the decision sweeper repeats it."""

    def __init__(self, stub: coin_rpc.CoinInternalServiceStub):
        self._stub = stub

    async def open_idea(self, campaign_id: str, idea_id: str, submitter_id: str) -> None:
        await self._stub.OpenIdea(coin_pb.OpenIdeaRequest(
            campaign_id=campaign_id, idea_id=idea_id, submitter_id=submitter_id, request_id=f"open:{idea_id}"),
            timeout=DEADLINE_S)

    async def expend(self, idea_id: str, actor_id: str) -> None:
        await _refusals_named(self._stub.ExpendIdeaCoins(coin_pb.ExpendIdeaCoinsRequest(
            idea_id=idea_id, actor_id=actor_id, request_id=f"accept:{idea_id}"), timeout=DEADLINE_S))

    async def recycle(self, idea_id: str, actor_id: str) -> None:
        await _refusals_named(self._stub.RecycleIdeaCoins(coin_pb.RecycleIdeaCoinsRequest(
            idea_id=idea_id, actor_id=actor_id, request_id=f"reject:{idea_id}"), timeout=DEADLINE_S))

    async def totals(self, campaign_id: str, idea_ids: list[str]) -> dict[str, int]:
        reply = await self._stub.ListIdeaTotals(coin_pb.ListIdeaTotalsRequest(campaign_id=campaign_id,
                                                                              idea_ids=idea_ids), timeout=DEADLINE_S)
        return {total.idea_id: total.total for total in reply.totals}

    async def standing(self, campaign_id: str) -> CampaignStanding:
        reply = await self._stub.GetCampaignStanding(coin_pb.GetCampaignStandingRequest(campaign_id=campaign_id),
                                                     timeout=DEADLINE_S)
        return CampaignStanding(
            reply.final, reply.complete_time.ToDatetime(timezone.utc) if reply.final else None,
            tuple(IdeaStanding(s.idea_id, s.coins, s.backers) for s in reply.ideas))


REFUSALS = frozenset({grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT,
                      grpc.StatusCode.PERMISSION_DENIED})


async def _refusals_named(call: grpc.aio.UnaryUnaryCall) -> None:
    """A refusal (a rule said no: the answer will not change on a retry) becomes CoinsRefused, carrying the coin
    service's ErrorInfo; any other error (the coin service unreachable, contention) stays what it is: a transient
    failure worth retrying."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        if error.code() not in REFUSALS:
            raise
        info = _error_info(error)
        reason = info.reason if info.reason in errors.REASONS else errors.INTERNAL
        raise CoinsRefused(reason, error.details() or error.code().name, info.metadata) from error


def _error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo:
    info = error_details_pb2.ErrorInfo()
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    detail.Unpack(info)
    return info


class AuthUserDirectory:
    def __init__(self, users: directory.UserDirectory):
        self._users = users

    async def names(self, user_ids: list[str]) -> dict[str, str]:
        return {user_id: user.full_name for user_id, user in (await self._users.by_ids(user_ids)).items()}
