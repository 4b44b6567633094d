"""gRPC face of the analytics service: proto in, handler call, proto out."""

from __future__ import annotations

from collections.abc import AsyncIterator

from google.api import httpbody_pb2

from coins.v1 import analytics_service_pb2 as pb
from coins.v1 import analytics_service_pb2_grpc as rpc
from services.analytics.handlers import AnalyticsHandlers
from services.analytics.messages import bucket_asked, rebuild_message, report_message, table_asked
from services.common.context import caller

CSV = "text/csv; charset=utf-8"


class AnalyticsServicer(rpc.AnalyticsServiceServicer):
    def __init__(self, handlers: AnalyticsHandlers):
        self._handlers = handlers

    async def GetCampaignAnalytics(self, request: pb.GetCampaignAnalyticsRequest, context) -> pb.CampaignAnalytics:
        return report_message(await self._handlers.report(caller(), request.campaign_id, request.top_ideas,
                                                          bucket_asked(request.bucket)))

    async def ExportCampaignAnalytics(self, request: pb.ExportCampaignAnalyticsRequest,
                                      context) -> AsyncIterator[httpbody_pb2.HttpBody]:
        export = await self._handlers.export(caller(), request.campaign_id, table_asked(request.table))
        # Initial metadata becomes response headers at the gateway: the browser saves the file under this name.
        await context.send_initial_metadata((("content-disposition", f'attachment; filename="{export.file_name}"'),))
        async for chunk in export.chunks:
            yield httpbody_pb2.HttpBody(content_type=CSV, data=chunk)


class AnalyticsInternalServicer(rpc.AnalyticsInternalServiceServicer):
    def __init__(self, handlers: AnalyticsHandlers):
        self._handlers = handlers

    async def RebuildAnalytics(self, request: pb.RebuildAnalyticsRequest, context) -> pb.RebuildAnalyticsResponse:
        return rebuild_message(await self._handlers.rebuild())
