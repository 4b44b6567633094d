"""gRPC face of the coin service: proto in, handler call, proto out."""

from __future__ import annotations

from coins.v1 import coin_service_pb2 as pb, coin_service_pb2_grpc as rpc, resources_pb2 as res
from services.coin import domain
from services.coin.domain import Balance
from services.coin.handlers import CoinHandlers
from services.common import validation
from services.common.context import caller
from services.common.convert import timestamp

KINDS = {name: getattr(res, f"LEDGER_ENTRY_KIND_{name.upper()}") for name in (
    "grant", "submission_reward", "reward_revoked", "allocate", "reallocate", "withdraw", "expend", "recycle", "burn",
    "expire")}


def balance_message(balance: Balance | dict) -> res.CoinBalance:
    if isinstance(balance, Balance):
        balance = vars(balance)
    return res.CoinBalance(**{k: (str(v) if k in ("campaign_id", "user_id") else v) for k, v in balance.items()})


def allocation_message(row, campaign_id: str = "", user_id: str = "") -> res.Allocation:
    return res.Allocation(campaign_id=row.get("campaign_id", campaign_id), idea_id=str(row["idea_id"]),
                          user_id=row.get("user_id", user_id), amount=row["amount"],
                          expended=row.get("expended", False), update_time=timestamp(row.get("updated_at")))


def _moved(result: dict, campaign_id: str, user_id: str, key: str) -> res.Allocation:
    return allocation_message(result[key], campaign_id, user_id)


class CoinServicer(rpc.CoinServiceServicer):
    def __init__(self, handlers: CoinHandlers):
        self._handlers = handlers

    async def AllocateCoins(self, request: pb.AllocateCoinsRequest, context) -> pb.AllocateCoinsResponse:
        who = caller()
        result = await self._handlers.allocate(who, request.campaign_id, request.idea_id, request.amount)
        return pb.AllocateCoinsResponse(balance=balance_message(result["balance"]),
                                        allocation=_moved(result, request.campaign_id, who.user_id, "allocation"))

    async def ReallocateCoins(self, request: pb.ReallocateCoinsRequest, context) -> pb.ReallocateCoinsResponse:
        who = caller()
        result = await self._handlers.reallocate(who, request.campaign_id, request.from_idea_id, request.to_idea_id,
                                                 request.amount)
        return pb.ReallocateCoinsResponse(
            balance=balance_message(result["balance"]),
            from_allocation=_moved(result, request.campaign_id, who.user_id, "from_allocation"),
            to_allocation=_moved(result, request.campaign_id, who.user_id, "to_allocation"))

    async def WithdrawCoins(self, request: pb.WithdrawCoinsRequest, context) -> pb.WithdrawCoinsResponse:
        who = caller()
        result = await self._handlers.withdraw(who, request.campaign_id, request.idea_id, request.amount)
        return pb.WithdrawCoinsResponse(balance=balance_message(result["balance"]),
                                        allocation=_moved(result, request.campaign_id, who.user_id, "allocation"))

    async def GetCoinBalance(self, request: pb.GetCoinBalanceRequest, context) -> res.CoinBalance:
        return balance_message(await self._handlers.balance(caller(), request.campaign_id))

    async def ListAllocations(self, request: pb.ListAllocationsRequest, context) -> pb.ListAllocationsResponse:
        rows, token = await self._handlers.allocations(caller(), request.campaign_id, request.page_size,
                                                       request.page_token)
        return pb.ListAllocationsResponse(allocations=[allocation_message(dict(r)) for r in rows],
                                          next_page_token=token)

    async def GetIdeaCoins(self, request: pb.GetIdeaCoinsRequest, context) -> pb.IdeaCoins:
        campaign_id, expended, backers = await self._handlers.idea_coins(caller(), request.idea_id)
        allocations = [allocation_message(dict(r)) for r in backers]
        return pb.IdeaCoins(idea_id=request.idea_id, campaign_id=campaign_id, expended=expended,
                            total=sum(a.amount for a in allocations), backers=allocations)

    async def ListLedgerEntries(self, request: pb.ListLedgerEntriesRequest, context) -> pb.ListLedgerEntriesResponse:
        rows, token = await self._handlers.ledger_entries(caller(), request.campaign_id, request.user_id,
                                                          request.page_size, request.page_token)
        entries = []
        for row in rows:
            entries.append(res.LedgerEntry(
                id=str(row["id"]), campaign_id=row["campaign_id"], user_id=row["user_id"], kind=KINDS[row["kind"]],
                amount=row["amount"], idea_id=row["idea_id"] or "", from_idea_id=row["from_idea_id"] or "",
                actor_id=row["actor_id"] or "", request_id=domain.client_request_id(row["request_id"]),
                create_time=timestamp(row["created_at"])))
        return pb.ListLedgerEntriesResponse(entries=entries, next_page_token=token)

    async def VerifyLedger(self, request: pb.VerifyLedgerRequest, context) -> pb.VerifyLedgerResponse:
        checked, mismatches, ideas_checked, wrong_ideas = await self._handlers.verify(caller(), request.campaign_id)
        return pb.VerifyLedgerResponse(
            balances_checked=checked, ideas_checked=ideas_checked, idea_mismatches=wrong_ideas,
            mismatches=[pb.BalanceMismatch(stored=balance_message(s), from_ledger=balance_message(r))
                        for s, r in mismatches])


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
        result = await self._handlers.close_idea(request.idea_id, request.actor_id, request.request_id, "expend")
        return pb.ExpendIdeaCoinsResponse(expended=result["total"], backers=result["backers"])

    async def RecycleIdeaCoins(self, request: pb.RecycleIdeaCoinsRequest, context) -> pb.RecycleIdeaCoinsResponse:
        result = await self._handlers.close_idea(request.idea_id, request.actor_id, request.request_id, "recycle")
        moved = {result["kind"]: result["total"]}
        return pb.RecycleIdeaCoinsResponse(recycled=moved.get("recycle", 0), burned=moved.get("burn", 0),
                                           expired=moved.get("expire", 0), backers=result["backers"],
                                           reward_revoked=result["reward_revoked"])

    async def ExpireCampaignCoins(self, request: pb.ExpireCampaignCoinsRequest,
                                  context) -> pb.ExpireCampaignCoinsResponse:
        result = await self._handlers.expire(request.campaign_id, request.request_id)
        return pb.ExpireCampaignCoinsResponse(expired=result["expired"], members=result["members"])

    async def OpenCampaignCoins(self, request: pb.OpenCampaignCoinsRequest, context) -> pb.GrantCoinsResponse:
        return pb.GrantCoinsResponse(granted_members=await self._handlers.open_campaign(
            request.campaign_id, request.coin_policy, list(request.user_ids), request.request_id))

    async def ArchiveCampaignCoins(self, request: pb.ArchiveCampaignCoinsRequest,
                                   context) -> pb.ExpireCampaignCoinsResponse:
        result = await self._handlers.archive(request.campaign_id, request.request_id)
        return pb.ExpireCampaignCoinsResponse(expired=result["expired"], members=result["members"])

    async def GetCampaignStanding(self, request: pb.GetCampaignStandingRequest,
                                  context) -> pb.GetCampaignStandingResponse:
        final, completed_at, ideas = await self._handlers.standing(request.campaign_id)
        return pb.GetCampaignStandingResponse(
            final=final, complete_time=timestamp(completed_at),
            ideas=[pb.IdeaStanding(idea_id=i["idea_id"], coins=i["coins"], backers=i["backers"]) for i in ideas])

    async def CloseCoinAccount(self, request: pb.CloseCoinAccountRequest, context) -> pb.CloseCoinAccountResponse:
        await self._handlers.close_account(request.campaign_id, request.user_id, request.request_id)
        return pb.CloseCoinAccountResponse()

    async def ListIdeaTotals(self, request: pb.ListIdeaTotalsRequest, context) -> pb.ListIdeaTotalsResponse:
        # Checked like every other campaign id: PostgreSQL refuses some strings (a NUL character) with an error.
        validation.slug("campaign_id", request.campaign_id)
        totals = await self._handlers.idea_totals(request.campaign_id, list(request.idea_ids))
        return pb.ListIdeaTotalsResponse(totals=[pb.IdeaTotal(idea_id=i, total=t) for i, t in totals.items()])
