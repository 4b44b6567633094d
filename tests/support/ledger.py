"""The coin ledger's SQL functions (services/coin/migrations) called straight over asyncpg, as the coin service's
repository calls them but without its error mapping: a refusal stays the asyncpg.RaiseError the function raised."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest


def new_id() -> str:
    return str(uuid.uuid4())


def _or_new(request_id: str | None) -> str:
    # "" is a request id too: the ledger refuses it, and the tests check that.
    return new_id() if request_id is None else request_id


@contextmanager
def refused(reason: str) -> Iterator[pytest.ExceptionInfo[asyncpg.RaiseError]]:
    """Expects a ledger function to refuse with this reason (the message of its RAISE EXCEPTION)."""
    with pytest.raises(asyncpg.RaiseError) as refusal:
        yield refusal
    assert refusal.value.args[0] == reason, f"{refusal.value.args[0]}: {refusal.value.detail}"


@dataclass
class Arena:
    """An active campaign of the coin schema, its members (already granted) and its open ideas."""

    campaign: str
    members: list[uuid.UUID]
    ideas: list[uuid.UUID] = field(default_factory=list)


class Ledger:
    """One method per ledger function; each move gets a fresh request id unless the test names one."""

    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def _call(self, function: str, *args: Any) -> dict:
        placeholders = ", ".join(f"${n}" for n in range(1, len(args) + 1))
        async with self.pool.acquire() as connection:
            return await connection.fetchval(f"SELECT coin.{function}({placeholders})", *args)

    async def open_campaign(self, members: int = 2, ideas: int = 0, **policy: Any) -> Arena:
        """A new active campaign granting its members; ideas opened by the first member."""
        arena = Arena(f"it-{uuid.uuid4().hex[:10]}", [uuid.uuid4() for _ in range(members)])
        await self.activate(arena.campaign, arena.members, **policy)
        for _ in range(ideas):
            arena.ideas.append(await self.open_idea(arena.campaign, arena.members[0]))
        return arena

    async def activate(self, campaign: str, users: list[uuid.UUID], *, initial: int = 100, reward: int = 0,
                       reallocation: bool = True, recycling: bool = True, max_per_idea: int = 0,
                       max_rewarded: int = 3, request_id: str | None = None) -> dict:
        return await self._call("open_campaign", _or_new(request_id), campaign, initial, reward, reallocation,
                                recycling, max_per_idea, max_rewarded, users)

    async def open_idea(self, campaign: str, submitter: uuid.UUID, idea: uuid.UUID | None = None) -> uuid.UUID:
        idea = idea or uuid.uuid4()
        await self._call("open_idea", new_id(), campaign, idea, submitter)
        return idea

    async def grant(self, campaign: str, users: list[uuid.UUID], request_id: str | None = None) -> dict:
        return await self._call("grant_initial", _or_new(request_id), campaign, users)

    async def allocate(self, campaign: str, user: uuid.UUID, idea: uuid.UUID, amount: int,
                       request_id: str | None = None) -> dict:
        return await self._call("allocate", _or_new(request_id), campaign, user, idea, amount)

    async def withdraw(self, campaign: str, user: uuid.UUID, idea: uuid.UUID, amount: int,
                       request_id: str | None = None) -> dict:
        return await self._call("withdraw", _or_new(request_id), campaign, user, idea, amount)

    async def reallocate(self, campaign: str, user: uuid.UUID, source: uuid.UUID, target: uuid.UUID, amount: int,
                         request_id: str | None = None) -> dict:
        return await self._call("reallocate", _or_new(request_id), campaign, user, source, target, amount)

    async def close_idea(self, idea: uuid.UUID, outcome: str, actor: uuid.UUID | None = None) -> dict:
        """outcome: 'expend' (accept) or 'recycle' (reject: recycle, burn or expire as the campaign says)."""
        return await self._call("close_idea", new_id(), idea, actor or uuid.uuid4(), outcome)

    async def close_account(self, campaign: str, user: uuid.UUID) -> dict:
        return await self._call("close_account", new_id(), campaign, user)

    async def expire_campaign(self, campaign: str) -> dict:
        return await self._call("expire_campaign", new_id(), campaign)

    async def archive_campaign(self, campaign: str) -> dict:
        return await self._call("archive_campaign", new_id(), campaign)

    async def balance(self, campaign: str, user: uuid.UUID) -> dict[str, int]:
        """The account's six balance fields."""
        async with self.pool.acquire() as connection:
            row = await connection.fetchrow(
                """SELECT granted, available, allocated, expended, expired, burned FROM coin.accounts
                   WHERE campaign_id = $1 AND user_id = $2""", campaign, user)
        return dict(row)

    async def entries(self, campaign: str, user: uuid.UUID) -> list[tuple[str, int]]:
        """The member's ledger entries, oldest first, as (kind, amount)."""
        async with self.pool.acquire() as connection:
            rows = await connection.fetch("SELECT kind, amount FROM coin.ledger WHERE campaign_id = $1 "
                                          "AND user_id = $2 ORDER BY id", campaign, user)
        return [(row["kind"], row["amount"]) for row in rows]
