"""gRPC face of the search service: proto in, handler call, proto out."""

from __future__ import annotations

from coins.v1 import search_service_pb2 as pb
from coins.v1 import search_service_pb2_grpc as rpc
from services.common.context import caller
from services.search.handlers import SearchHandlers
from services.search.messages import reindex_response, search_query, search_response


class SearchServicer(rpc.SearchServiceServicer):
    def __init__(self, handlers: SearchHandlers):
        self._handlers = handlers

    async def SearchIdeas(self, request: pb.SearchIdeasRequest, context) -> pb.SearchIdeasResponse:
        return search_response(await self._handlers.search(caller(), search_query(request), request.page_token))


class SearchInternalServicer(rpc.SearchInternalServiceServicer):
    def __init__(self, handlers: SearchHandlers):
        self._handlers = handlers

    async def Reindex(self, request: pb.ReindexRequest, context) -> pb.ReindexResponse:
        return reindex_response(await self._handlers.reindex())

    async def RebuildIndex(self, request: pb.RebuildIndexRequest, context) -> pb.RebuildIndexResponse:
        report = await self._handlers.rebuild()
        return pb.RebuildIndexResponse(campaign_count=report.campaigns, idea_count=report.ideas,
                                       reindex=reindex_response(report.reindex))
