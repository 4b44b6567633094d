"""Use cases of the coin service. Moves go to the ledger functions in one round trip; reads check the caller's
standing in the campaign first. Client request ids and service request ids live in separate namespaces, so a
client cannot claim an id that a grant or an expiry will use."""

from __future__ import annotations

import uuid

from coins.v1 import campaign_service_pb2 as campaign_pb, campaign_service_pb2_grpc as campaign_rpc, resources_pb2
from services.coin import domain
from services.coin.domain import Balance
from services.coin.repository import CoinLedger
from services.common import idempotency, paging, validation
from services.common.context import Caller
from services.common.errors import IDEA_NOT_FOUND, NotFound, PermissionDenied

ROLE_NAMES = {resources_pb2.CAMPAIGN_ROLE_MEMBER: "member", resources_pb2.CAMPAIGN_ROLE_MANAGER: "manager"}
ACCESS_DEADLINE_S = 5
SERVICE_REQUEST_ID_MAX = 250


def client_request() -> str:
    """The ledger's key for a member's move: the request id scoped to the caller and the method."""
    key = idempotency.current_key()
    if key is None:
        domain.request_id("")  # refuses: a coin move needs a request_id
    return "client:" + key.scoped


def service_request(request_id: str) -> str:
    """Ids other services derive from what they do (e.g. `accept:<idea>`); never shared with clients' ids."""
    if not request_id:
        domain.request_id(request_id)
    return "service:" + validation.text("request_id", request_id, max_length=SERVICE_REQUEST_ID_MAX)


class CoinHandlers:
    def __init__(self, ledger: CoinLedger, campaigns: campaign_rpc.CampaignInternalServiceStub):
        self._ledger = ledger
        self._campaigns = campaigns

    # ---- member moves ------------------------------------------------------------------------------------------

    async def allocate(self, caller: Caller, campaign_id: str, idea_id: str, amount: int) -> dict:
        validation.slug("campaign_id", campaign_id)
        return await self._ledger.move("allocate", client_request(), campaign_id,
                                       uuid.UUID(caller.user_id), validation.uuid_id("idea_id", idea_id),
                                       domain.amount(amount))

    async def withdraw(self, caller: Caller, campaign_id: str, idea_id: str, amount: int) -> dict:
        validation.slug("campaign_id", campaign_id)
        return await self._ledger.move("withdraw", client_request(), campaign_id,
                                       uuid.UUID(caller.user_id), validation.uuid_id("idea_id", idea_id),
                                       domain.amount(amount))

    async def reallocate(self, caller: Caller, campaign_id: str, from_idea: str, to_idea: str,
                         amount: int) -> dict:
        validation.slug("campaign_id", campaign_id)
        return await self._ledger.move("reallocate", client_request(), campaign_id,
                                       uuid.UUID(caller.user_id), validation.uuid_id("from_idea_id", from_idea),
                                       validation.uuid_id("to_idea_id", to_idea), domain.amount(amount))

    # ---- reads -------------------------------------------------------------------------------------------------

    async def _standing(self, campaign_id: str, user_id: str) -> tuple[str | None, bool]:
        access = await self._campaigns.GetCampaignAccess(
            campaign_pb.GetCampaignAccessRequest(campaign_id=campaign_id, user_id=user_id), timeout=ACCESS_DEADLINE_S)
        return ROLE_NAMES.get(access.role), access.sponsor

    async def balance(self, caller: Caller, campaign_id: str) -> Balance:
        validation.slug("campaign_id", campaign_id)
        return await self._ledger.balance(campaign_id, uuid.UUID(caller.user_id))

    async def allocations(self, caller: Caller, campaign_id: str, page_size: int, page_token: str):
        validation.slug("campaign_id", campaign_id)
        limit = validation.page_size(page_size)
        offset = paging.offset(page_token)
        rows = await self._ledger.allocations(campaign_id, uuid.UUID(caller.user_id), offset, limit + 1)
        return paging.page(rows, offset, limit)

    async def idea_coins(self, caller: Caller, idea_id: str):
        idea = await self._ledger.idea(validation.uuid_id("idea_id", idea_id))
        if idea is None:
            raise NotFound(IDEA_NOT_FOUND, "no idea with coins has this id", idea_id=idea_id)
        role, sponsor = await self._standing(idea["campaign_id"], caller.user_id)
        if not domain.may_read_idea_coins(caller, role, sponsor):
            raise NotFound(IDEA_NOT_FOUND, "no idea with coins has this id", idea_id=idea_id)
        return idea["campaign_id"], idea["state"] == "expended", await self._ledger.backers(uuid.UUID(idea_id))

    async def ledger_entries(self, caller: Caller, campaign_id: str, user_id: str, page_size: int, page_token: str):
        validation.slug("campaign_id", campaign_id)
        whose = user_id or caller.user_id
        validation.uuid_id("user_id", whose)
        if whose != caller.user_id:
            role, _ = await self._standing(campaign_id, caller.user_id)
            if not domain.may_read_other_ledgers(caller, role):
                raise PermissionDenied("only a manager of this campaign or an admin reads another member's ledger")
        limit = validation.page_size(page_size)
        before = paging.decode(page_token).get("before")
        rows = await self._ledger.ledger_entries(campaign_id, uuid.UUID(whose), before, limit + 1)
        token = paging.encode({"before": rows[limit - 1]["id"]}) if len(rows) > limit else ""
        return rows[:limit], token

    async def verify(self, caller: Caller, campaign_id: str):
        if not caller.is_admin:
            raise PermissionDenied("only an admin may verify the ledger", required_role="admin")
        if campaign_id:
            validation.slug("campaign_id", campaign_id)
        return await self._ledger.verify(campaign_id or None)

    # ---- moves other services cause ----------------------------------------------------------------------------

    async def open_campaign(self, campaign_id: str, policy, user_ids: list[str], request_id: str) -> int:
        validation.slug("campaign_id", campaign_id)
        users = [validation.uuid_id("user_ids", u) for u in user_ids]
        result = await self._ledger.move(
            "open_campaign", service_request(request_id), campaign_id, policy.initial_allocation,
            policy.idea_submission_reward, policy.allow_reallocation, policy.allow_recycling, policy.max_per_idea,
            policy.max_rewarded_ideas, users)
        return result["granted_members"]

    async def grant(self, campaign_id: str, user_ids: list[str], request_id: str) -> int:
        users = [validation.uuid_id("user_ids", u) for u in user_ids]
        result = await self._ledger.move("grant", service_request(request_id), campaign_id, users)
        return result["granted_members"]

    async def open_idea(self, campaign_id: str, idea_id: str, submitter_id: str, request_id: str) -> int:
        idea, submitter = validation.uuid_id("idea_id", idea_id), validation.uuid_id("submitter_id", submitter_id)
        return (await self._ledger.move("open", service_request(request_id), campaign_id, idea, submitter))["reward"]

    async def close_idea(self, idea_id: str, actor_id: str, request_id: str, outcome: str) -> dict:
        actor = validation.uuid_id("actor_id", actor_id) if actor_id else None
        return await self._ledger.move("close", service_request(request_id), validation.uuid_id("idea_id", idea_id),
                                       actor, outcome)

    async def expire(self, campaign_id: str, request_id: str) -> dict:
        return await self._ledger.move("expire", service_request(request_id), campaign_id)

    async def archive(self, campaign_id: str, request_id: str) -> dict:
        return await self._ledger.move("archive", service_request(request_id), campaign_id)

    async def standing(self, campaign_id: str):
        return await self._ledger.standing(validation.slug("campaign_id", campaign_id))

    async def close_account(self, campaign_id: str, user_id: str, request_id: str) -> None:
        await self._ledger.move("close_account", service_request(request_id), campaign_id,
                                validation.uuid_id("user_id", user_id))

    async def idea_totals(self, campaign_id: str, idea_ids: list[str]) -> dict[str, int]:
        return await self._ledger.idea_totals(campaign_id, [validation.uuid_id("idea_ids", i) for i in idea_ids])
