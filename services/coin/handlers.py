"""Use cases of the coin service. Moves go to the ledger functions in one round trip; reads check the caller's
standing in the campaign first. Client request ids and service request ids live in separate namespaces, so a
client cannot claim an id that a grant or an expiry will use. `campaign_id` is the campaign's slug throughout."""

from __future__ import annotations

import uuid
from typing import Any

from services.coin import domain
from services.coin.domain import (
    Access,
    Allocation,
    Balance,
    CoinPolicy,
    CoinsExpired,
    IdeaClosed,
    IdeaCoins,
    IdeaOutcome,
    LedgerCheck,
    LedgerEntry,
    LedgerOperation,
    MemberMove,
    Reallocation,
    Standing,
)
from services.coin.ports import CampaignAccess, CoinLedger
from services.common import idempotency, paging, validation
from services.common.concepts import LedgerEntryKind, SystemRole
from services.common.context import Caller
from services.common.errors import IDEA_NOT_FOUND, NotFound, PermissionDenied

SERVICE_REQUEST_ID_MAX = 250
CAMPAIGN_LEDGER_PAGE, CAMPAIGN_LEDGER_MAX = 5000, 10_000


def client_request() -> str:
    """The ledger's key for a member's move: the request id scoped to the caller and the method."""
    key = idempotency.current_key()
    if key is None:
        raise domain.missing_request_id()
    return "client:" + key.scoped


def service_request(request_id: str) -> str:
    """Ids other services derive from what they do (e.g. `accept:<idea>`); never shared with clients' ids."""
    if not request_id:
        raise domain.missing_request_id()
    return "service:" + validation.text("request_id", request_id, max_length=SERVICE_REQUEST_ID_MAX)


def _allocation(moved: dict[str, Any], campaign_id: str, user_id: str) -> Allocation:
    return Allocation(campaign_id, moved["idea_id"], user_id, moved["amount"])


class CoinHandlers:
    def __init__(self, ledger: CoinLedger, campaigns: CampaignAccess):
        self._ledger = ledger
        self._campaigns = campaigns

    # ---- member moves ------------------------------------------------------------------------------------------

    async def _member_move(self, operation: LedgerOperation, caller: Caller, campaign_id: str, idea_id: str,
                           amount: int) -> MemberMove:
        validation.slug("campaign_id", campaign_id)
        result = await self._ledger.move(operation, client_request(), campaign_id, uuid.UUID(caller.user_id),
                                         validation.uuid_id("idea_id", idea_id), domain.amount(amount))
        return MemberMove(Balance(**result["balance"]), _allocation(result["allocation"], campaign_id,
                                                                    caller.user_id))

    async def allocate(self, caller: Caller, campaign_id: str, idea_id: str, amount: int) -> MemberMove:
        return await self._member_move(LedgerOperation.ALLOCATE, caller, campaign_id, idea_id, amount)

    async def withdraw(self, caller: Caller, campaign_id: str, idea_id: str, amount: int) -> MemberMove:
        return await self._member_move(LedgerOperation.WITHDRAW, caller, campaign_id, idea_id, amount)

    async def reallocate(self, caller: Caller, campaign_id: str, from_idea: str, to_idea: str,
                         amount: int) -> Reallocation:
        validation.slug("campaign_id", campaign_id)
        result = await self._ledger.move(LedgerOperation.REALLOCATE, client_request(), campaign_id,
                                         uuid.UUID(caller.user_id), validation.uuid_id("from_idea_id", from_idea),
                                         validation.uuid_id("to_idea_id", to_idea), domain.amount(amount))
        return Reallocation(Balance(**result["balance"]),
                            _allocation(result["from_allocation"], campaign_id, caller.user_id),
                            _allocation(result["to_allocation"], campaign_id, caller.user_id))

    # ---- reads -------------------------------------------------------------------------------------------------

    async def balance(self, caller: Caller, campaign_id: str) -> Balance:
        validation.slug("campaign_id", campaign_id)
        return await self._ledger.balance(campaign_id, uuid.UUID(caller.user_id))

    async def allocations(self, caller: Caller, campaign_id: str, page_size: int,
                          page_token: str) -> tuple[list[Allocation], str]:
        validation.slug("campaign_id", campaign_id)
        limit = validation.page_size(page_size)
        offset = paging.offset(page_token)
        rows = await self._ledger.allocations(campaign_id, uuid.UUID(caller.user_id), offset, limit + 1)
        return paging.page(rows, offset, limit)

    async def idea_coins(self, caller: Caller, idea_id: str) -> IdeaCoins:
        idea = await self._ledger.idea(validation.uuid_id("idea_id", idea_id))
        # An idea the caller may not see is as unknown as one that does not exist.
        if idea is None or not domain.may_read_idea_coins(caller, await self._access(idea.campaign_id, caller)):
            raise NotFound(IDEA_NOT_FOUND, "no idea with coins has this id", idea_id=idea_id)
        return IdeaCoins(idea_id, idea.campaign_id, idea.expended, await self._ledger.backers(uuid.UUID(idea_id)))

    async def ledger_entries(self, caller: Caller, campaign_id: str, user_id: str, page_size: int,
                             page_token: str) -> tuple[list[LedgerEntry], str]:
        validation.slug("campaign_id", campaign_id)
        whose = user_id or caller.user_id
        validation.uuid_id("user_id", whose)
        someone_elses = whose != caller.user_id
        if someone_elses and not domain.may_read_other_ledgers(caller, await self._access(campaign_id, caller)):
            raise PermissionDenied("only a manager of this campaign or an admin reads another member's ledger")
        limit = validation.page_size(page_size)
        before = paging.decode(page_token).get("before")
        rows = await self._ledger.ledger_entries(campaign_id, uuid.UUID(whose), before, limit + 1)
        token = paging.encode({"before": rows[limit - 1].id}) if len(rows) > limit else ""
        return rows[:limit], token

    async def verify(self, caller: Caller, campaign_id: str) -> LedgerCheck:
        if not caller.is_admin:
            raise PermissionDenied("only an admin may verify the ledger", required_role=SystemRole.ADMIN)
        if campaign_id:
            validation.slug("campaign_id", campaign_id)
        return await self._ledger.verify(campaign_id or None)

    async def _access(self, campaign_id: str, caller: Caller) -> Access:
        return await self._campaigns.access(campaign_id, caller.user_id)

    # ---- moves other services cause ----------------------------------------------------------------------------

    async def open_campaign(self, campaign_id: str, policy: CoinPolicy, user_ids: list[str], request_id: str) -> int:
        validation.slug("campaign_id", campaign_id)
        users = [validation.uuid_id("user_ids", u) for u in user_ids]
        result = await self._ledger.move(
            LedgerOperation.OPEN_CAMPAIGN, service_request(request_id), campaign_id, policy.initial_allocation,
            policy.idea_submission_reward, policy.allow_reallocation, policy.allow_recycling, policy.max_per_idea,
            policy.max_rewarded_ideas, users)
        return result["granted_members"]

    async def grant(self, campaign_id: str, user_ids: list[str], request_id: str) -> int:
        users = [validation.uuid_id("user_ids", u) for u in user_ids]
        result = await self._ledger.move(LedgerOperation.GRANT, service_request(request_id), campaign_id, users)
        return result["granted_members"]

    async def open_idea(self, campaign_id: str, idea_id: str, submitter_id: str, request_id: str) -> int:
        idea, submitter = validation.uuid_id("idea_id", idea_id), validation.uuid_id("submitter_id", submitter_id)
        result = await self._ledger.move(LedgerOperation.OPEN_IDEA, service_request(request_id), campaign_id, idea,
                                         submitter)
        return result["reward"]

    async def close_idea(self, idea_id: str, actor_id: str, request_id: str, outcome: IdeaOutcome) -> IdeaClosed:
        actor = validation.uuid_id("actor_id", actor_id) if actor_id else None
        result = await self._ledger.move(LedgerOperation.CLOSE_IDEA, service_request(request_id),
                                         validation.uuid_id("idea_id", idea_id), actor, outcome)
        return IdeaClosed(LedgerEntryKind(result["kind"]), result["total"], result["backers"],
                          result["reward_revoked"])

    async def expire(self, campaign_id: str, request_id: str) -> CoinsExpired:
        result = await self._ledger.move(LedgerOperation.EXPIRE, service_request(request_id), campaign_id)
        return CoinsExpired(result["expired"], result["members"])

    async def archive(self, campaign_id: str, request_id: str) -> CoinsExpired:
        result = await self._ledger.move(LedgerOperation.ARCHIVE, service_request(request_id), campaign_id)
        return CoinsExpired(result["expired"], result["members"])

    async def standing(self, campaign_id: str) -> Standing:
        return await self._ledger.standing(validation.slug("campaign_id", campaign_id))

    async def close_account(self, campaign_id: str, user_id: str, request_id: str) -> None:
        await self._ledger.move(LedgerOperation.CLOSE_ACCOUNT, service_request(request_id), campaign_id,
                                validation.uuid_id("user_id", user_id))

    async def campaign_ledger(self, campaign_id: str, page_size: int, page_token: str) -> tuple[list[LedgerEntry], str]:
        """Every entry of a campaign, oldest first, keyed on the entry id: entries written while a reader pages
        through land after its position, never shifting a page."""
        validation.slug("campaign_id", campaign_id)
        limit = validation.page_size(page_size, default=CAMPAIGN_LEDGER_PAGE, maximum=CAMPAIGN_LEDGER_MAX)
        after = int(paging.decode(page_token).get("after", 0))
        rows = await self._ledger.campaign_ledger(campaign_id, after, limit)
        return rows, paging.encode({"after": rows[-1].id}) if len(rows) == limit else ""

    async def idea_totals(self, campaign_id: str, idea_ids: list[str]) -> dict[str, int]:
        # Checked like every other campaign id: PostgreSQL refuses some strings (a NUL character) with an error.
        validation.slug("campaign_id", campaign_id)
        return await self._ledger.idea_totals(campaign_id, [validation.uuid_id("idea_ids", i) for i in idea_ids])
