"""Composition root of the coin service: servicers, and the relay that publishes coin moves as events."""

from __future__ import annotations

from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import coin_service_pb2_grpc as rpc
from services.coin.adapters import CampaignServiceAccess
from services.coin.events import CoinEventRelay
from services.coin.handlers import CoinHandlers
from services.coin.repository import CoinEventOutbox, CoinLedger, connect_pool
from services.coin.servicer import CoinInternalServicer, CoinServicer
from services.common.server import Mounted, Runtime


async def build(runtime: Runtime) -> Mounted:
    pool = await connect_pool(runtime.settings.database_url, runtime.settings.db_pool_size)
    relay = CoinEventRelay(CoinEventOutbox(pool), runtime.redis, runtime.settings.events)
    # Each committed move kicks the relay: its event leaves within a round trip or two, not at the next poll.
    ledger = CoinLedger(pool, moved=relay.kick)
    campaigns = CampaignServiceAccess(campaign_rpc.CampaignInternalServiceStub(runtime.clients.channel("campaign")))
    handlers = CoinHandlers(ledger, campaigns)
    return Mounted(
        [(CoinServicer(handlers), rpc.add_CoinServiceServicer_to_server),
         (CoinInternalServicer(handlers), rpc.add_CoinInternalServiceServicer_to_server)],
        background=[relay.run],
        on_close=[ledger.close],
    )
