"""Composition root of the analytics service: the event consumer that keeps the read model current, the RPCs and
the operators' rebuild."""

from __future__ import annotations

import socket
from datetime import datetime

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
    # Measured every second: a report says up to when its figures hold, from the latest measurement.
    lag = ConsumerLag(runtime.redis, [(stream, CONSUMER_GROUP) for stream in STREAMS], every_s=1.0)

    async def as_of() -> datetime:
        """Every event added before this moment is in the read model."""
        if lag.caught_up_to is None:
            await lag.measure()
        assert lag.caught_up_to is not None
        return lag.caught_up_to

    handlers = AnalyticsHandlers(read_model, GrpcCampaignAccess(campaigns), Rebuilder(owners, read_model,
                                                                                      runtime.redis), as_of)
    consumer = StreamConsumer(runtime.redis, STREAMS, CONSUMER_GROUP, f"{socket.gethostname()}:{runtime.settings.port}",
                              None, runtime.settings.events, batch=BATCH, wants=projection.wants,
                              batch_handler=Projector(read_model).apply)
    return Mounted([(AnalyticsServicer(handlers), rpc.add_AnalyticsServiceServicer_to_server),
                    (AnalyticsInternalServicer(handlers), rpc.add_AnalyticsInternalServiceServicer_to_server)],
                   background=[consumer.run, lag.run], details={"events": lag.detail})
