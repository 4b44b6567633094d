"""Composition root of the campaign service: servicers, the date scheduler and the outbox relay."""

from __future__ import annotations

import asyncio
import logging

from coins.v1 import campaign_service_pb2_grpc as rpc, coin_service_pb2 as coin_pb, coin_service_pb2_grpc as coin_rpc
from coins.v1 import idea_service_pb2 as idea_pb, idea_service_pb2_grpc as idea_rpc
from services.campaign.handlers import CLOSE_ACCOUNT, EXPIRE, GRANT, REMOVE_TAG, CampaignHandlers
from services.campaign.repository import OUTBOX
from services.campaign.servicer import CampaignInternalServicer, CampaignServicer
from services.common.directory import UserDirectory
from services.common.outbox import Outbox
from services.common.server import Mounted, Runtime

log = logging.getLogger("coins.campaign")
DELIVERY_DEADLINE_S = 10


async def build(runtime: Runtime) -> Mounted:
    coins = coin_rpc.CoinInternalServiceStub(runtime.clients.channel("coin"))
    ideas = idea_rpc.IdeaInternalServiceStub(runtime.clients.channel("idea"))

    async def deliver(topic: str, payload: dict, message_id: str) -> None:
        if topic == GRANT:
            await coins.GrantCoins(coin_pb.GrantCoinsRequest(campaign_id=payload["campaign_id"],
                                                             user_ids=payload["user_ids"], request_id=message_id),
                                   timeout=DELIVERY_DEADLINE_S)
        elif topic == EXPIRE:
            await coins.ExpireCampaignCoins(coin_pb.ExpireCampaignCoinsRequest(
                campaign_id=payload["campaign_id"], request_id=message_id), timeout=DELIVERY_DEADLINE_S)
        elif topic == CLOSE_ACCOUNT:
            await coins.CloseCoinAccount(coin_pb.CloseCoinAccountRequest(
                campaign_id=payload["campaign_id"], user_id=payload["user_id"], request_id=message_id),
                timeout=DELIVERY_DEADLINE_S)
        elif topic == REMOVE_TAG:
            await ideas.RemoveTag(idea_pb.RemoveTagRequest(campaign_id=payload["campaign_id"],
                                                           tag_id=payload["tag_id"]), timeout=DELIVERY_DEADLINE_S)
        else:
            raise ValueError(f"unknown outbox topic {topic}")

    outbox = Outbox(runtime.database, OUTBOX, deliver)
    directory = UserDirectory(runtime.clients)
    handlers = CampaignHandlers(runtime.database, outbox, directory)

    async def scheduler() -> None:
        """Moves campaigns whose start or end date has passed."""
        while True:
            try:
                await handlers.run_due_transitions()
            except Exception:
                log.exception("campaign scheduler pass failed")
            await asyncio.sleep(runtime.settings.scheduler_interval_s)

    return Mounted(
        [(CampaignServicer(handlers, directory), rpc.add_CampaignServiceServicer_to_server),
         (CampaignInternalServicer(handlers), rpc.add_CampaignInternalServiceServicer_to_server)],
        background=[scheduler, outbox.relay],
    )
