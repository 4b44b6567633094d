"""In-memory twins of services/coin/ports.py, for the handler tier: a ledger that records the moves asked of it
and answers what a test set up, and a campaign service that says who stands where."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from services.coin import domain
from services.coin.domain import (
    Access,
    Allocation,
    Balance,
    LedgerCheck,
    LedgerEntry,
    LedgerIdea,
    LedgerOperation,
    Standing,
)


@dataclass(frozen=True)
class Move:
    operation: LedgerOperation
    request_key: str
    args: tuple[object, ...]


@dataclass
class FakeLedger:
    """Moves answer `answers[operation]`, or raise the refusal set in `refusals[operation]` (reason, message,
    hint) the way the ledger functions do; a repeated request key answers its first answer, like the ledger."""

    answers: dict[LedgerOperation, dict[str, Any]] = field(default_factory=dict)
    refusals: dict[LedgerOperation, tuple[str, str, str | None]] = field(default_factory=dict)
    moves: list[Move] = field(default_factory=list)
    balances: dict[tuple[str, uuid.UUID], Balance] = field(default_factory=dict)
    allocations_of: dict[tuple[str, uuid.UUID], list[Allocation]] = field(default_factory=dict)
    ideas: dict[uuid.UUID, LedgerIdea] = field(default_factory=dict)
    backers_of: dict[uuid.UUID, list[Allocation]] = field(default_factory=dict)
    totals: dict[str, dict[str, int]] = field(default_factory=dict)
    standings: dict[str, Standing] = field(default_factory=dict)
    entries: dict[tuple[str, uuid.UUID], list[LedgerEntry]] = field(default_factory=dict)  # newest first
    check: LedgerCheck = field(default_factory=lambda: LedgerCheck(0, [], 0, []))
    verified: list[str | None] = field(default_factory=list)
    _done: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def move(self, operation: LedgerOperation, request_key: str, *args: object) -> dict[str, Any]:
        if request_key in self._done:
            return self._done[request_key]
        if operation in self.refusals:
            raise domain.refusal(*self.refusals[operation])
        self.moves.append(Move(operation, request_key, args))
        self._done[request_key] = self.answers[operation]
        return self.answers[operation]

    async def balance(self, campaign_id: str, user_id: uuid.UUID) -> Balance:
        return self.balances.get((campaign_id, user_id), Balance(campaign_id, str(user_id)))

    async def allocations(self, campaign_id: str, user_id: uuid.UUID, offset: int, limit: int) -> list[Allocation]:
        return self.allocations_of.get((campaign_id, user_id), [])[offset:offset + limit]

    async def idea(self, idea_id: uuid.UUID) -> LedgerIdea | None:
        return self.ideas.get(idea_id)

    async def backers(self, idea_id: uuid.UUID) -> list[Allocation]:
        return self.backers_of.get(idea_id, [])

    async def idea_totals(self, campaign_id: str, idea_ids: list[uuid.UUID]) -> dict[str, int]:
        totals = self.totals.get(campaign_id, {})
        return {i: t for i, t in totals.items() if not idea_ids or uuid.UUID(i) in idea_ids}

    async def standing(self, campaign_id: str) -> Standing:
        return self.standings.get(campaign_id, Standing(False, None, []))

    async def ledger_entries(self, campaign_id: str, user_id: uuid.UUID, before_id: int | None,
                             limit: int) -> list[LedgerEntry]:
        entries = self.entries.get((campaign_id, user_id), [])
        return [e for e in entries if before_id is None or e.id < before_id][:limit]

    async def verify(self, campaign_id: str | None) -> LedgerCheck:
        self.verified.append(campaign_id)
        return self.check


@dataclass
class FakeCampaignAccess:
    """Nobody stands anywhere unless `stands[(campaign, user)]` says so."""

    stands: dict[tuple[str, str], Access] = field(default_factory=dict)
    asked: list[tuple[str, str]] = field(default_factory=list)

    async def access(self, campaign_id: str, user_id: str) -> Access:
        self.asked.append((campaign_id, user_id))
        return self.stands.get((campaign_id, user_id), Access(None, False))
