"""Composition root of the idea service: servicers, the decision sweeper, the event relay, and the consumer that
follows renames into submitter names."""

from __future__ import annotations

import asyncio
import functools
import logging
import socket

from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import coin_service_pb2_grpc as coin_rpc
from coins.v1 import idea_service_pb2_grpc as rpc
from services.common import renames as common_renames
from services.common.directory import UserDirectory
from services.common.events import EventOutbox, EventRelay, StreamConsumer, stream_for
from services.common.idempotency import Requests
from services.common.ops import ConsumerLag
from services.common.server import Mounted, Runtime
from services.idea import renames
from services.idea.adapters import AuthUserDirectory, GrpcCampaignAccess, GrpcCoinMoves
from services.idea.handlers import IdeaHandlers
from services.idea.messages import SOURCE
from services.idea.repository import EVENT_OUTBOX, REQUESTS, SqlUnitOfWork
from services.idea.servicer import IdeaInternalServicer, IdeaServicer

log = logging.getLogger("coins.idea")


# A decision younger than this is probably still being driven by the call that made it.
STALLED_AFTER_S = 1.0

CONSUMER_GROUP = "idea"
STREAMS = [stream_for("auth")]  # submitter names follow renames


async def build(runtime: Runtime) -> Mounted:
    requests = Requests(REQUESTS)
    outbox = EventOutbox(EVENT_OUTBOX, SOURCE)
    relay = EventRelay(runtime.database, EVENT_OUTBOX, runtime.redis, runtime.settings.events)
    units = functools.partial(SqlUnitOfWork, runtime.database, requests, outbox, relay.kick)
    handlers = IdeaHandlers(
        units,
        GrpcCampaignAccess(campaign_rpc.CampaignInternalServiceStub(runtime.clients.channel("campaign"))),
        GrpcCoinMoves(coin_rpc.CoinInternalServiceStub(runtime.clients.channel("coin"))),
        AuthUserDirectory(UserDirectory(runtime.clients)),
        runtime.settings.public_url,
    )

    async def decision_sweeper() -> None:
        """Finishes accepts and rejects that a crash left half-applied: at start-up, then every interval."""
        older_than = 0.0
        while True:
            try:
                await handlers.resume_decisions(older_than)
            except Exception:
                log.exception("decision sweeper pass failed")
            older_than = STALLED_AFTER_S
            await asyncio.sleep(runtime.settings.scheduler_interval_s)

    consumer = StreamConsumer(runtime.redis, STREAMS, CONSUMER_GROUP, f"{socket.gethostname()}:{runtime.settings.port}",
                              None, runtime.settings.events, wants=common_renames.wants,
                              batch_handler=renames.RenameFollower(units).apply)
    lag = ConsumerLag(runtime.redis, [(stream, CONSUMER_GROUP) for stream in STREAMS])

    return Mounted([(IdeaServicer(handlers), rpc.add_IdeaServiceServicer_to_server),
                    (IdeaInternalServicer(handlers), rpc.add_IdeaInternalServiceServicer_to_server)],
                   background=[decision_sweeper, relay.run, consumer.run, lag.run],
                   details={"events": lag.detail})
