"""Composition root of the idea service."""

from __future__ import annotations

from coins.v1 import campaign_service_pb2_grpc as campaign_rpc, coin_service_pb2_grpc as coin_rpc
from coins.v1 import idea_service_pb2_grpc as rpc
from services.common.directory import UserDirectory
from services.common.server import Mounted, Runtime
from services.idea.handlers import IdeaHandlers
from services.idea.servicer import IdeaInternalServicer, IdeaServicer


async def build(runtime: Runtime) -> Mounted:
    handlers = IdeaHandlers(
        runtime.database,
        campaign_rpc.CampaignInternalServiceStub(runtime.clients.channel("campaign")),
        coin_rpc.CoinInternalServiceStub(runtime.clients.channel("coin")),
        UserDirectory(runtime.clients),
        runtime.settings.public_url,
    )
    return Mounted([(IdeaServicer(handlers), rpc.add_IdeaServiceServicer_to_server),
                    (IdeaInternalServicer(handlers), rpc.add_IdeaInternalServiceServicer_to_server)])
