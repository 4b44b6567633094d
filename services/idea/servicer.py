"""gRPC face of the idea service: proto in, handler call, proto out."""

from __future__ import annotations

from coins.v1 import idea_service_pb2 as pb
from coins.v1 import idea_service_pb2_grpc as rpc
from coins.v1 import resources_pb2 as res
from services.common import validation
from services.common.context import caller
from services.common.convert import timestamp
from services.common.errors import InvalidArgument
from services.common.proto_enums import IDEA_STATUS
from services.idea.handlers import IdeaHandlers
from services.idea.messages import idea_message

ORDERS = {pb.IDEA_ORDER_UNSPECIFIED: "newest", pb.IDEA_ORDER_NEWEST: "newest",
          pb.IDEA_ORDER_MOST_COINS: "most_coins", pb.IDEA_ORDER_TITLE: "title"}


class IdeaServicer(rpc.IdeaServiceServicer):
    def __init__(self, handlers: IdeaHandlers):
        self._handlers = handlers

    async def CreateIdea(self, request: pb.CreateIdeaRequest, context) -> res.Idea:
        return idea_message(await self._handlers.create(
            caller(), request.campaign_id, request.title, request.description, request.context_id,
            request.permalink_source, list(request.tag_ids), request.force))

    async def GetIdea(self, request: pb.GetIdeaRequest, context) -> res.Idea:
        return idea_message(*await self._handlers.get(caller(), request.idea_id))

    async def ListIdeas(self, request: pb.ListIdeasRequest, context) -> pb.ListIdeasResponse:
        status = IDEA_STATUS.from_proto("status", request.status, required=False)
        validation.enum_value("order_by", request.order_by, set(ORDERS), required=False)
        ideas, token = await self._handlers.listing(
            caller(), request.campaign_id, status, request.tag_id, request.submitter_id,
            request.context_id, ORDERS[request.order_by], request.page_size, request.page_token)
        return pb.ListIdeasResponse(ideas=[idea_message(i, total) for i, total in ideas], next_page_token=token)

    async def UpdateIdea(self, request: pb.UpdateIdeaRequest, context) -> res.Idea:
        paths = set(request.update_mask.paths)
        if paths - {"title", "description"}:
            raise InvalidArgument("update_mask", "an idea's title and description can change")
        wanted = paths or {name for name in ("title", "description") if getattr(request.idea, name)}
        return idea_message(await self._handlers.update(
            caller(), request.idea_id, request.idea.title if "title" in wanted else None,
            request.idea.description if "description" in wanted else None))

    async def UpdateIdeaStatus(self, request: pb.UpdateIdeaStatusRequest, context) -> res.Idea:
        status = IDEA_STATUS.from_proto("status", request.status)
        return idea_message(*await self._handlers.change_status(caller(), request.idea_id, status, request.reason))

    async def FindSimilarIdeas(self, request: pb.FindSimilarIdeasRequest, context) -> pb.FindSimilarIdeasResponse:
        found = await self._handlers.similar(caller(), request.campaign_id, request.title, request.page_size)
        return pb.FindSimilarIdeasResponse(similar_ideas=[pb.SimilarIdea(idea=idea_message(i), score=round(s, 4))
                                                          for i, s in found])

    async def AddIdeaTag(self, request: pb.AddIdeaTagRequest, context) -> res.Idea:
        return idea_message(await self._handlers.tag(caller(), request.idea_id, request.tag_id, adding=True))

    async def RemoveIdeaTag(self, request: pb.RemoveIdeaTagRequest, context) -> res.Idea:
        return idea_message(await self._handlers.tag(caller(), request.idea_id, request.tag_id, adding=False))

    async def GetPermalink(self, request: pb.GetPermalinkRequest, context) -> pb.Permalink:
        return pb.Permalink(url=await self._handlers.permalink(caller(), request.campaign_id, request.context_id,
                                                               request.source))

    async def GetCampaignResult(self, request: pb.GetCampaignResultRequest, context) -> pb.CampaignResult:
        final, ended, ranking = await self._handlers.result(caller(), request.campaign_id)
        return pb.CampaignResult(
            campaign_id=request.campaign_id, final=final, complete_time=timestamp(ended),
            ideas=[pb.RankedIdea(rank=r.rank, idea_id=r.idea.id, title=r.idea.title, coins=r.coins, backers=r.backers,
                                 status=IDEA_STATUS.to_proto(r.idea.status)) for r in ranking])


class IdeaInternalServicer(rpc.IdeaInternalServiceServicer):
    def __init__(self, handlers: IdeaHandlers):
        self._handlers = handlers

    async def BatchGetIdeas(self, request: pb.BatchGetIdeasRequest, context) -> pb.BatchGetIdeasResponse:
        return pb.BatchGetIdeasResponse(ideas=[idea_message(i) for i in await self._handlers.batch(
            list(request.idea_ids[:500]))])

    async def RemoveTag(self, request: pb.RemoveTagRequest, context) -> pb.RemoveTagResponse:
        return pb.RemoveTagResponse(ideas_changed=await self._handlers.drop_tag(request.campaign_id, request.tag_id))

    async def ListCampaignIdeas(self, request: pb.ListCampaignIdeasRequest,
                                context) -> pb.ListCampaignIdeasResponse:
        # coin_total stays 0: the caller reads totals from the coin service, which owns them.
        ideas, token = await self._handlers.campaign_ideas(request.campaign_id, request.page_size, request.page_token)
        return pb.ListCampaignIdeasResponse(ideas=[idea_message(i, history=False) for i in ideas],
                                            next_page_token=token)
