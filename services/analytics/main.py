"""Composition root of the analytics service: the event consumer that keeps the read model current, the RPCs and
the operators' rebuild."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from coins.v1 import analytics_service_pb2_grpc as rpc
from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import coin_service_pb2_grpc as coin_rpc
from coins.v1 import idea_service_pb2_grpc as idea_rpc
from services.analytics import projection
from services.analytics.adapters import GrpcCampaignAccess, GrpcOwners
from services.analytics.handlers import AnalyticsHandlers
from services.analytics.projection import Projector
from services.analytics.rebuild import FAMILIES, Rebuilder
from services.analytics.repository import ReadModel
from services.analytics.servicer import AnalyticsInternalServicer, AnalyticsServicer
from services.common.events import StreamConsumer, stream_for
from services.common.ops import ConsumerLag
from services.common.server import Mounted, Runtime

CONSUMER_GROUP = "analytics"
STREAMS = [stream_for(family) for family in FAMILIES]
BATCH = 500


async def build(runtime: Runtime) -> Mounted:
    read_model = ReadModel(runtime.database)
    campaigns = campaign_rpc.CampaignInternalServiceStub(runtime.clients.channel("campaign"))
    owners = GrpcOwners(campaigns, idea_rpc.IdeaInternalServiceStub(runtime.clients.channel("idea")),
                        coin_rpc.CoinInternalServiceStub(runtime.clients.channel("coin")))
    lag = ConsumerLag(runtime.redis, [(stream, CONSUMER_GROUP) for stream in STREAMS])

    async def as_of() -> datetime:
        """Every event older than the oldest one the group has not yet applied is in the read model."""
        seconds, micros = await runtime.redis.time()
        behind = max((await lag.measure()).values(), default=0.0)
        return datetime.fromtimestamp(seconds, UTC) + timedelta(microseconds=micros) - timedelta(seconds=behind)

    handlers = AnalyticsHandlers(read_model, GrpcCampaignAccess(campaigns), Rebuilder(owners, read_model,
                                                                                      runtime.redis), as_of)
    consumer = StreamConsumer(runtime.redis, STREAMS, CONSUMER_GROUP, f"{socket.gethostname()}:{runtime.settings.port}",
                              None, runtime.settings.events, batch=BATCH, wants=projection.wants,
                              batch_handler=Projector(read_model).apply)
    return Mounted([(AnalyticsServicer(handlers), rpc.add_AnalyticsServiceServicer_to_server),
                    (AnalyticsInternalServicer(handlers), rpc.add_AnalyticsInternalServiceServicer_to_server)],
                   background=[consumer.run, lag.run], details={"events": lag.detail})
