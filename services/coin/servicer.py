"""gRPC face of the coin service: proto in, handler call, proto out."""

from __future__ import annotations

from coins.v1 import coin_service_pb2 as pb
from coins.v1 import coin_service_pb2_grpc as rpc
from coins.v1 import resources_pb2 as res
from services.coin import domain
from services.coin.domain import Allocation, Balance, CoinPolicy, CoinsExpired, IdeaOutcome, LedgerEntry
from services.coin.handlers import CoinHandlers
from services.common.concepts import LedgerEntryKind
from services.common.context import caller
from services.common.convert import timestamp
from services.common.proto_enums import LEDGER_ENTRY_KIND


def balance_message(balance: Balance) -> res.CoinBalance:
    return res.CoinBalance(**vars(balance))


def allocation_message(allocation: Allocation) -> res.Allocation:
    return res.Allocation(campaign_id=allocation.campaign_id, idea_id=allocation.idea_id, user_id=allocation.user_id,
                          amount=allocation.amount, expended=allocation.expended,
                          update_time=timestamp(allocation.updated_at))


def entry_message(entry: LedgerEntry) -> res.LedgerEntry:
    return res.LedgerEntry(
        id=str(entry.id), campaign_id=entry.campaign_id, user_id=entry.user_id,
        kind=LEDGER_ENTRY_KIND.to_proto(entry.kind), amount=entry.amount, idea_id=entry.idea_id or "",
        from_idea_id=entry.from_idea_id or "", actor_id=entry.actor_id or "",
        request_id=domain.client_request_id(entry.request_id), create_time=timestamp(entry.created_at))


def policy_of(message: res.CoinPolicy) -> CoinPolicy:
    return CoinPolicy(message.initial_allocation, message.idea_submission_reward, message.allow_reallocation,
                      message.allow_recycling, message.max_per_idea, message.max_rewarded_ideas)


def expired_message(expired: CoinsExpired) -> pb.ExpireCampaignCoinsResponse:
    return pb.ExpireCampaignCoinsResponse(expired=expired.expired, members=expired.members)


class CoinServicer(rpc.CoinServiceServicer):
    def __init__(self, handlers: CoinHandlers):
        self._handlers = handlers

    async def AllocateCoins(self, request: pb.AllocateCoinsRequest, context) -> pb.AllocateCoinsResponse:
        moved = await self._handlers.allocate(caller(), request.campaign_id, request.idea_id, request.amount)
        return pb.AllocateCoinsResponse(balance=balance_message(moved.balance),
                                        allocation=allocation_message(moved.allocation))

    async def ReallocateCoins(self, request: pb.ReallocateCoinsRequest, context) -> pb.ReallocateCoinsResponse:
        moved = await self._handlers.reallocate(caller(), request.campaign_id, request.from_idea_id,
                                                request.to_idea_id, request.amount)
        return pb.ReallocateCoinsResponse(balance=balance_message(moved.balance),
                                          from_allocation=allocation_message(moved.from_allocation),
                                          to_allocation=allocation_message(moved.to_allocation))

    async def WithdrawCoins(self, request: pb.WithdrawCoinsRequest, context) -> pb.WithdrawCoinsResponse:
        moved = await self._handlers.withdraw(caller(), request.campaign_id, request.idea_id, request.amount)
        return pb.WithdrawCoinsResponse(balance=balance_message(moved.balance),
                                        allocation=allocation_message(moved.allocation))

    async def GetCoinBalance(self, request: pb.GetCoinBalanceRequest, context) -> res.CoinBalance:
        return balance_message(await self._handlers.balance(caller(), request.campaign_id))

    async def ListAllocations(self, request: pb.ListAllocationsRequest, context) -> pb.ListAllocationsResponse:
        allocations, token = await self._handlers.allocations(caller(), request.campaign_id, request.page_size,
                                                              request.page_token)
        return pb.ListAllocationsResponse(allocations=[allocation_message(a) for a in allocations],
                                          next_page_token=token)

    async def GetIdeaCoins(self, request: pb.GetIdeaCoinsRequest, context) -> pb.IdeaCoins:
        coins = await self._handlers.idea_coins(caller(), request.idea_id)
        return pb.IdeaCoins(idea_id=coins.idea_id, campaign_id=coins.campaign_id, expended=coins.expended,
                            total=coins.total, backers=[allocation_message(a) for a in coins.backers])

    async def ListLedgerEntries(self, request: pb.ListLedgerEntriesRequest, context) -> pb.ListLedgerEntriesResponse:
        entries, token = await self._handlers.ledger_entries(caller(), request.campaign_id, request.user_id,
                                                             request.page_size, request.page_token)
        return pb.ListLedgerEntriesResponse(entries=[entry_message(e) for e in entries], next_page_token=token)

    async def VerifyLedger(self, request: pb.VerifyLedgerRequest, context) -> pb.VerifyLedgerResponse:
        check = await self._handlers.verify(caller(), request.campaign_id)
        return pb.VerifyLedgerResponse(
            balances_checked=check.balances_checked, ideas_checked=check.ideas_checked,
            idea_mismatches=check.idea_mismatches,
            mismatches=[pb.BalanceMismatch(stored=balance_message(s), from_ledger=balance_message(r))
                        for s, r in check.mismatches])


class CoinInternalServicer(rpc.CoinInternalServiceServicer):
    def __init__(self, handlers: CoinHandlers):
        self._handlers = handlers

    async def GrantCoins(self, request: pb.GrantCoinsRequest, context) -> pb.GrantCoinsResponse:
        return pb.GrantCoinsResponse(granted_members=await self._handlers.grant(
            request.campaign_id, list(request.user_ids), request.request_id))

    async def OpenIdea(self, request: pb.OpenIdeaRequest, context) -> pb.OpenIdeaResponse:
        return pb.OpenIdeaResponse(reward=await self._handlers.open_idea(
            request.campaign_id, request.idea_id, request.submitter_id, request.request_id))

    async def ExpendIdeaCoins(self, request: pb.ExpendIdeaCoinsRequest, context) -> pb.ExpendIdeaCoinsResponse:
        closed = await self._handlers.close_idea(request.idea_id, request.actor_id, request.request_id,
                                                 IdeaOutcome.EXPEND)
        return pb.ExpendIdeaCoinsResponse(expended=closed.total, backers=closed.backers)

    async def RecycleIdeaCoins(self, request: pb.RecycleIdeaCoinsRequest, context) -> pb.RecycleIdeaCoinsResponse:
        closed = await self._handlers.close_idea(request.idea_id, request.actor_id, request.request_id,
                                                 IdeaOutcome.RECYCLE)
        moved = {closed.kind: closed.total}  # recycled, burned, or expired (the vote ended before the decision)
        return pb.RecycleIdeaCoinsResponse(recycled=moved.get(LedgerEntryKind.RECYCLE, 0),
                                           burned=moved.get(LedgerEntryKind.BURN, 0),
                                           expired=moved.get(LedgerEntryKind.EXPIRE, 0), backers=closed.backers,
                                           reward_revoked=closed.reward_revoked)

    async def ExpireCampaignCoins(self, request: pb.ExpireCampaignCoinsRequest,
                                  context) -> pb.ExpireCampaignCoinsResponse:
        return expired_message(await self._handlers.expire(request.campaign_id, request.request_id))

    async def OpenCampaignCoins(self, request: pb.OpenCampaignCoinsRequest, context) -> pb.GrantCoinsResponse:
        return pb.GrantCoinsResponse(granted_members=await self._handlers.open_campaign(
            request.campaign_id, policy_of(request.coin_policy), list(request.user_ids), request.request_id))

    async def ArchiveCampaignCoins(self, request: pb.ArchiveCampaignCoinsRequest,
                                   context) -> pb.ExpireCampaignCoinsResponse:
        return expired_message(await self._handlers.archive(request.campaign_id, request.request_id))

    async def GetCampaignStanding(self, request: pb.GetCampaignStandingRequest,
                                  context) -> pb.GetCampaignStandingResponse:
        standing = await self._handlers.standing(request.campaign_id)
        return pb.GetCampaignStandingResponse(
            final=standing.final, complete_time=timestamp(standing.completed_at),
            ideas=[pb.IdeaStanding(idea_id=i.idea_id, coins=i.coins, backers=i.backers) for i in standing.ideas])

    async def CloseCoinAccount(self, request: pb.CloseCoinAccountRequest, context) -> pb.CloseCoinAccountResponse:
        await self._handlers.close_account(request.campaign_id, request.user_id, request.request_id)
        return pb.CloseCoinAccountResponse()

    async def ListIdeaTotals(self, request: pb.ListIdeaTotalsRequest, context) -> pb.ListIdeaTotalsResponse:
        totals = await self._handlers.idea_totals(request.campaign_id, list(request.idea_ids))
        return pb.ListIdeaTotalsResponse(totals=[pb.IdeaTotal(idea_id=i, total=t) for i, t in totals.items()])

    async def ListCampaignLedger(self, request: pb.ListCampaignLedgerRequest,
                                 context) -> pb.ListCampaignLedgerResponse:
        entries, token = await self._handlers.campaign_ledger(request.campaign_id, request.page_size,
                                                              request.page_token)
        return pb.ListCampaignLedgerResponse(entries=[entry_message(e) for e in entries], next_page_token=token)
