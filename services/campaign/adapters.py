"""The campaign service's ports (services/campaign/ports.py) backed by PostgreSQL and by the coin service."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from coins.v1 import coin_service_pb2 as coin_pb
from coins.v1 import coin_service_pb2_grpc as coin_rpc
from coins.v1 import resources_pb2 as res
from coins.v1.events_pb2 import Event
from services.campaign.domain import CoinPolicy
from services.campaign.repository import SqlCampaignRepository
from services.common.db import Database
from services.common.events import EventOutbox
from services.common.idempotency import Requests
from services.common.outbox import Outbox

COIN_DEADLINE_S = 30  # activation grants every member in one call


class SqlRequests:
    """The service's stored answers, within one session."""

    def __init__(self, requests: Requests, session: AsyncSession):
        self._requests, self._session = requests, session

    async def replay(self) -> dict | None:
        return await self._requests.replay(self._session)

    async def remember(self, answer: dict) -> None:
        await self._requests.remember(self._session, answer)


class SqlOutboxWriter:
    def __init__(self, outbox: Outbox, session: AsyncSession):
        self._outbox, self._session = outbox, session
        self.written = False

    async def put(self, topic: str, payload: dict) -> None:
        await self._outbox.put(self._session, topic, payload)
        self.written = True


class SqlEventWriter:
    """Domain events into the service's event outbox, within one session."""

    def __init__(self, outbox: EventOutbox, session: AsyncSession):
        self._outbox, self._session = outbox, session
        self.added = False

    async def add(self, event: Event) -> None:
        await self._outbox.add(self._session, event)
        self.added = True


class SqlUnitOfWork:
    """One transaction: commits when the block ends normally, rolls back otherwise; wakes the outbox relay and the
    event relay (`kick_events`) once what it wrote there has committed."""

    campaigns: SqlCampaignRepository
    requests: SqlRequests
    outbox: SqlOutboxWriter
    events: SqlEventWriter

    def __init__(self, database: Database, requests: Requests, outbox: Outbox, events: EventOutbox,
                 kick_events: Callable[[], None]):
        self._database, self._requests, self._outbox = database, requests, outbox
        self._events, self._kick_events = events, kick_events
        self._transaction = contextlib.AsyncExitStack()

    async def __aenter__(self) -> Self:
        session = await self._transaction.enter_async_context(self._database.unit_of_work())
        self.campaigns = SqlCampaignRepository(session)
        self.requests = SqlRequests(self._requests, session)
        self.outbox = SqlOutboxWriter(self._outbox, session)
        self.events = SqlEventWriter(self._events, session)
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        await self._transaction.__aexit__(kind, error, traceback)
        if kind is None and self.outbox.written:
            self._outbox.kick()
        if kind is None and self.events.added:
            self._kick_events()


class CoinServiceAccounts:
    """The coin side of campaigns (ports.CoinAccounts) over the coin service's internal API. The request ids make
    each call idempotent there, so a retried RPC repeats it safely."""

    def __init__(self, stub: coin_rpc.CoinInternalServiceStub):
        self._stub = stub

    async def open_campaign(self, campaign_id: str, policy: CoinPolicy, member_ids: list[str]) -> None:
        await self._stub.OpenCampaignCoins(coin_pb.OpenCampaignCoinsRequest(
            campaign_id=campaign_id, user_ids=member_ids, request_id=f"activate:{campaign_id}",
            coin_policy=res.CoinPolicy(
                initial_allocation=policy.initial_allocation, idea_submission_reward=policy.idea_submission_reward,
                allow_reallocation=policy.allow_reallocation, allow_recycling=policy.allow_recycling,
                max_per_idea=policy.max_per_idea, max_rewarded_ideas=policy.max_rewarded_ideas)),
            timeout=COIN_DEADLINE_S)

    async def grant(self, campaign_id: str, user_id: str) -> None:
        await self._stub.GrantCoins(coin_pb.GrantCoinsRequest(
            campaign_id=campaign_id, user_ids=[user_id], request_id=f"join:{campaign_id}:{user_id}:{uuid.uuid4()}"),
            timeout=COIN_DEADLINE_S)

    async def complete(self, campaign_id: str) -> None:
        await self._stub.ExpireCampaignCoins(coin_pb.ExpireCampaignCoinsRequest(
            campaign_id=campaign_id, request_id=f"complete:{campaign_id}"), timeout=COIN_DEADLINE_S)

    async def archive(self, campaign_id: str) -> None:
        await self._stub.ArchiveCampaignCoins(coin_pb.ArchiveCampaignCoinsRequest(
            campaign_id=campaign_id, request_id=f"archive:{campaign_id}"), timeout=COIN_DEADLINE_S)

    async def close_account(self, campaign_id: str, user_id: str) -> None:
        await self._stub.CloseCoinAccount(coin_pb.CloseCoinAccountRequest(
            campaign_id=campaign_id, user_id=user_id, request_id=f"remove:{campaign_id}:{user_id}:{uuid.uuid4()}"),
            timeout=COIN_DEADLINE_S)
