"""The coin service's adapters to other services (services/coin/ports.py)."""

from __future__ import annotations

from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from services.coin.domain import Access
from services.common.proto_enums import CAMPAIGN_ROLE

ACCESS_DEADLINE_S = 5


class CampaignServiceAccess:
    """CampaignAccess from the campaign service's GetCampaignAccess."""

    def __init__(self, campaigns: campaign_rpc.CampaignInternalServiceStub):
        self._campaigns = campaigns

    async def access(self, campaign_id: str, user_id: str) -> Access:
        answer = await self._campaigns.GetCampaignAccess(
            campaign_pb.GetCampaignAccessRequest(campaign_id=campaign_id, user_id=user_id), timeout=ACCESS_DEADLINE_S)
        return Access(CAMPAIGN_ROLE.from_proto("role", answer.role, required=False), answer.sponsor)
