"""Composition root of the coin service."""

from __future__ import annotations

from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import coin_service_pb2_grpc as rpc
from services.coin.adapters import CampaignServiceAccess
from services.coin.handlers import CoinHandlers
from services.coin.repository import CoinLedger
from services.coin.servicer import CoinInternalServicer, CoinServicer
from services.common.server import Mounted, Runtime


async def build(runtime: Runtime) -> Mounted:
    ledger = await CoinLedger.connect(runtime.settings.database_url, runtime.settings.db_pool_size)
    campaigns = CampaignServiceAccess(campaign_rpc.CampaignInternalServiceStub(runtime.clients.channel("campaign")))
    handlers = CoinHandlers(ledger, campaigns)
    return Mounted(
        [(CoinServicer(handlers), rpc.add_CoinServiceServicer_to_server),
         (CoinInternalServicer(handlers), rpc.add_CoinInternalServiceServicer_to_server)],
        on_close=[ledger.close],
    )
