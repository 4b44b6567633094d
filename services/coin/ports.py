"""What the coin service's use cases need, as small Protocols over domain types: the ledger (its SQL functions and
reads, services/coin/repository.py) and the campaign service's word on who stands where (services/coin/adapters.py).
tests/unit/handlers/fakes_coin.py holds in-memory twins."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

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


class CoinLedger(Protocol):
    async def move(self, operation: LedgerOperation, request_key: str, *args: object) -> dict[str, Any]:
        """Runs one ledger function in its own transaction and answers its JSON document. `request_key` makes it
        idempotent: a repeat answers the first document. Refusals raise domain.refusal's errors."""
        ...

    async def balance(self, campaign_id: str, user_id: uuid.UUID) -> Balance:
        """Zero when the member has no account in the campaign."""
        ...

    async def allocations(self, campaign_id: str, user_id: uuid.UUID, offset: int, limit: int) -> list[Allocation]:
        """The member's non-empty allocations, the latest changed first."""
        ...

    async def idea(self, idea_id: uuid.UUID) -> LedgerIdea | None: ...

    async def backers(self, idea_id: uuid.UUID) -> list[Allocation]:
        """The idea's non-empty allocations, the largest first."""
        ...

    async def idea_totals(self, campaign_id: str, idea_ids: list[uuid.UUID]) -> dict[str, int]:
        """Coins on each idea that has any (all the campaign's when `idea_ids` is empty)."""
        ...

    async def standing(self, campaign_id: str) -> Standing: ...

    async def ledger_entries(self, campaign_id: str, user_id: uuid.UUID, before_id: int | None,
                             limit: int) -> list[LedgerEntry]:
        """The member's entries, newest first, older than `before_id`."""
        ...

    async def campaign_ledger(self, campaign_id: str, after_id: int, limit: int) -> list[LedgerEntry]:
        """The campaign's entries, oldest first, after `after_id`."""
        ...

    async def verify(self, campaign_id: str | None) -> LedgerCheck: ...


class CampaignAccess(Protocol):
    async def access(self, campaign_id: str, user_id: str) -> Access:
        """How the user stands in the campaign (by slug)."""
        ...
