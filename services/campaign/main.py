"""Composition root of the campaign service: servicers, the date scheduler, the outbox relay, the events relay, and
the consumer that follows renames into members' names."""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
from datetime import timedelta

from coins.v1 import campaign_service_pb2_grpc as rpc
from coins.v1 import coin_service_pb2_grpc as coin_rpc
from coins.v1 import idea_service_pb2 as idea_pb
from coins.v1 import idea_service_pb2_grpc as idea_rpc
from services.campaign import renames
from services.campaign.adapters import CoinServiceAccounts, SqlUnitOfWork
from services.campaign.handlers import REMOVE_TAG, CampaignHandlers
from services.campaign.repository import EVENT_OUTBOX, OUTBOX, REQUESTS
from services.campaign.servicer import CampaignInternalServicer, CampaignServicer
from services.common import renames as common_renames
from services.common.directory import UserDirectory
from services.common.events import EventOutbox, EventRelay, StreamConsumer, stream_for
from services.common.idempotency import Requests
from services.common.ops import ConsumerLag
from services.common.outbox import Outbox
from services.common.server import Mounted, Runtime

log = logging.getLogger("coins.campaign")
DELIVERY_DEADLINE_S = 10

CONSUMER_GROUP = "campaign"
STREAMS = [stream_for("auth")]  # members' names follow renames


async def build(runtime: Runtime) -> Mounted:
    ideas = idea_rpc.IdeaInternalServiceStub(runtime.clients.channel("idea"))

    async def deliver(topic: str, payload: dict, message_id: str) -> None:
        if topic != REMOVE_TAG:
            raise ValueError(f"unknown outbox topic {topic}")
        await ideas.RemoveTag(idea_pb.RemoveTagRequest(campaign_id=payload["campaign_id"], tag_id=payload["tag_id"]),
                              timeout=DELIVERY_DEADLINE_S)

    outbox = Outbox(runtime.database, OUTBOX, deliver)
    relay = EventRelay(runtime.database, EVENT_OUTBOX, runtime.redis, runtime.settings.events)
    units = functools.partial(SqlUnitOfWork, runtime.database, Requests(REQUESTS), outbox,
                              EventOutbox(EVENT_OUTBOX, "campaign"), relay.kick)
    handlers = CampaignHandlers(
        units,
        UserDirectory(runtime.clients),
        CoinServiceAccounts(coin_rpc.CoinInternalServiceStub(runtime.clients.channel("coin"))),
        public_url=runtime.settings.public_url, invitation_ttl=timedelta(seconds=runtime.settings.invitation_ttl_s),
        ending_notice=timedelta(seconds=runtime.settings.campaign_ending_notice_s))

    async def scheduler() -> None:
        """Moves campaigns whose start or end date has passed, and tells those ending soon."""
        while True:
            try:
                await handlers.run_due_transitions()
            except Exception:
                log.exception("campaign scheduler pass failed")
            await asyncio.sleep(runtime.settings.scheduler_interval_s)

    consumer = StreamConsumer(runtime.redis, STREAMS, CONSUMER_GROUP, f"{socket.gethostname()}:{runtime.settings.port}",
                              None, runtime.settings.events, wants=common_renames.wants,
                              batch_handler=renames.RenameFollower(units).apply)
    lag = ConsumerLag(runtime.redis, [(stream, CONSUMER_GROUP) for stream in STREAMS])

    return Mounted(
        [(CampaignServicer(handlers), rpc.add_CampaignServiceServicer_to_server),
         (CampaignInternalServicer(handlers), rpc.add_CampaignInternalServiceServicer_to_server)],
        background=[scheduler, outbox.relay, relay.run, consumer.run, lag.run],
        details={"events": lag.detail},
    )
