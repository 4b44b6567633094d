"""The coin service's data access (services/coin/ports.py's CoinLedger): the ledger functions (migrations/sql/) called
in one round trip each over an asyncpg pool, and the read queries; and the event outbox the ledger's trigger fills
(CoinEventOutbox, read by the coin relay in events.py). Every SQL string of the service is in this file."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from services.coin import domain
from services.coin.domain import (
    Allocation,
    Balance,
    CoinMove,
    IdeaStanding,
    LedgerCheck,
    LedgerEntry,
    LedgerIdea,
    LedgerOperation,
    Standing,
)
from services.common import metrics
from services.common.concepts import CampaignStatus, LedgerEntryKind
from services.common.errors import Aborted, Unavailable

log = logging.getLogger("coins.coin")

RETRYABLE = {"40001", "40P01"}  # serialization failure, deadlock
ATTEMPTS = 3
STATEMENT_TIMEOUT_MS = 5000

_FUNCTIONS = {
    LedgerOperation.ALLOCATE: "SELECT coin.allocate($1, $2, $3, $4, $5)",
    LedgerOperation.WITHDRAW: "SELECT coin.withdraw($1, $2, $3, $4, $5)",
    LedgerOperation.REALLOCATE: "SELECT coin.reallocate($1, $2, $3, $4, $5, $6)",
    LedgerOperation.GRANT: "SELECT coin.grant_initial($1, $2, $3)",
    LedgerOperation.OPEN_IDEA: "SELECT coin.open_idea($1, $2, $3, $4)",
    LedgerOperation.CLOSE_IDEA: "SELECT coin.close_idea($1, $2, $3, $4)",
    LedgerOperation.EXPIRE: "SELECT coin.expire_campaign($1, $2)",
    LedgerOperation.ARCHIVE: "SELECT coin.archive_campaign($1, $2)",
    LedgerOperation.OPEN_CAMPAIGN: "SELECT coin.open_campaign($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    LedgerOperation.CLOSE_ACCOUNT: "SELECT coin.close_account($1, $2, $3)",
}

BALANCE_COLUMNS = "campaign_id, user_id, granted, available, allocated, expended, expired, burned"

# Every balance and idea allocation recomputed from the ledger alone, compared with what is stored.
_VERIFY_BALANCES = """
WITH recomputed AS (
    SELECT campaign_id, user_id,
        sum(CASE kind WHEN 'grant' THEN amount WHEN 'submission_reward' THEN amount WHEN 'reward_revoked' THEN -amount
                      ELSE 0 END) AS granted,
        sum(CASE kind WHEN 'grant' THEN amount WHEN 'submission_reward' THEN amount WHEN 'reward_revoked' THEN -amount
                      WHEN 'allocate' THEN -amount
                      WHEN 'withdraw' THEN amount WHEN 'recycle' THEN amount
                      WHEN 'expire' THEN CASE WHEN idea_id IS NULL THEN -amount ELSE 0 END ELSE 0 END) AS available,
        sum(CASE kind WHEN 'allocate' THEN amount WHEN 'withdraw' THEN -amount WHEN 'expend' THEN -amount
                      WHEN 'recycle' THEN -amount WHEN 'burn' THEN -amount
                      WHEN 'expire' THEN CASE WHEN idea_id IS NULL THEN 0 ELSE -amount END ELSE 0 END) AS allocated,
        sum(amount) FILTER (WHERE kind = 'expend') AS expended,
        sum(amount) FILTER (WHERE kind = 'expire') AS expired,
        sum(amount) FILTER (WHERE kind = 'burn') AS burned
    FROM coin.ledger WHERE $1::text IS NULL OR campaign_id = $1 GROUP BY campaign_id, user_id
)
SELECT a.campaign_id, a.user_id::text,
       a.granted, a.available, a.allocated, a.expended, a.expired, a.burned,
       coalesce(r.granted, 0)::bigint AS l_granted, coalesce(r.available, 0)::bigint AS l_available,
       coalesce(r.allocated, 0)::bigint AS l_allocated, coalesce(r.expended, 0)::bigint AS l_expended,
       coalesce(r.expired, 0)::bigint AS l_expired, coalesce(r.burned, 0)::bigint AS l_burned
FROM coin.accounts a LEFT JOIN recomputed r USING (campaign_id, user_id)
WHERE $1::text IS NULL OR a.campaign_id = $1
"""

_VERIFY_IDEAS = """
WITH moves AS (
    SELECT idea_id, user_id,
           CASE kind WHEN 'allocate' THEN amount WHEN 'reallocate' THEN amount WHEN 'withdraw' THEN -amount
                     WHEN 'recycle' THEN -amount WHEN 'burn' THEN -amount WHEN 'expire' THEN -amount ELSE 0 END AS delta
    FROM coin.ledger WHERE idea_id IS NOT NULL AND ($1::text IS NULL OR campaign_id = $1)
    UNION ALL
    SELECT from_idea_id, user_id, -amount FROM coin.ledger
    WHERE kind = 'reallocate' AND ($1::text IS NULL OR campaign_id = $1)
), recomputed AS (
    SELECT idea_id, user_id, sum(delta)::bigint AS amount FROM moves GROUP BY idea_id, user_id
)
SELECT coalesce(a.idea_id, r.idea_id)::text AS idea_id, coalesce(a.amount, 0) AS stored,
       coalesce(r.amount, 0) AS from_ledger
FROM (SELECT * FROM coin.allocations WHERE $1::text IS NULL OR campaign_id = $1) a
FULL JOIN recomputed r ON a.idea_id = r.idea_id AND a.user_id = r.user_id
"""


ENTRY_COLUMNS = """id, campaign_id, user_id::text, kind, amount, idea_id::text, from_idea_id::text, actor_id::text,
                   request_id, created_at"""

# The unpublished outbox rows of the oldest moves: the first $1 rows name their transactions, and every unpublished
# row of those transactions comes along, so no move is published in halves (one transaction commits all its rows).
_PENDING_MOVES = """
WITH oldest AS (
    SELECT DISTINCT xact_id FROM (SELECT xact_id FROM coin.event_outbox WHERE published_at IS NULL
                                  ORDER BY id LIMIT $1) AS head
)
SELECT o.id, o.xact_id, o.request_id, o.campaign_id, o.entry_ids, r.operation
FROM coin.event_outbox o JOIN oldest USING (xact_id) LEFT JOIN coin.requests r ON r.request_id = o.request_id
WHERE o.published_at IS NULL ORDER BY o.id
"""

_OUTBOX_BACKLOG = """
SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
FROM coin.event_outbox WHERE published_at IS NULL
"""


# The socket went away, or asyncpg found the connection in a broken state after the server died mid-operation.
CONNECTION_LOST = (OSError, asyncpg.InterfaceError, asyncpg.InternalClientError)


def _connection_lost(error: asyncpg.PostgresError) -> bool:
    """Connection exceptions (08), the server shutting down or starting up (57P0x), and a statement cancelled by its
    timeout (57014: a move queued behind a campaign's completion, say): each is worth a retry with the same id."""
    return (error.sqlstate or "").startswith(("08", "57P", "57014"))


def _unavailable(error: Exception) -> Unavailable:
    log.warning("coin ledger unreachable: %s", error.__class__.__name__)
    return Unavailable("the coin ledger is briefly unavailable; retry with the same request_id")


def _dsn(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _init_connection(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


def balance_of(row: Any) -> Balance:
    return Balance(row["campaign_id"], str(row["user_id"]), row["granted"], row["available"], row["allocated"],
                   row["expended"], row["expired"], row["burned"])


def allocation_of(row: Any) -> Allocation:
    return Allocation(row["campaign_id"], row["idea_id"], row["user_id"], row["amount"], row["expended"],
                      row["updated_at"])


def entry_of(row: Any) -> LedgerEntry:
    return LedgerEntry(row["id"], row["campaign_id"], row["user_id"], LedgerEntryKind(row["kind"]), row["amount"],
                       row["idea_id"], row["from_idea_id"], row["actor_id"], row["request_id"], row["created_at"])


ALLOCATION_COLUMNS = "campaign_id, idea_id::text, user_id::text, amount, expended, updated_at"


async def connect_pool(database_url: str, size: int) -> asyncpg.Pool:
    """The service's one pool: the ledger's moves and reads, and the relay's batches."""
    pool = await asyncpg.create_pool(_dsn(database_url), min_size=1, max_size=size, init=_init_connection,
                                     server_settings={"application_name": "coins-coin",
                                                      "statement_timeout": str(STATEMENT_TIMEOUT_MS)})
    metrics.watch_pool("coin", lambda: metrics.PoolUse(pool.get_size() - pool.get_idle_size(), pool.get_size(),
                                                       pool.get_max_size()))
    return pool


def _nothing() -> None:
    pass


class CoinLedger:
    def __init__(self, pool: asyncpg.Pool, moved: Callable[[], None] = _nothing):
        """`moved` is called after each move that committed (the coin relay's kick)."""
        self._pool = pool
        self._moved = moved

    @classmethod
    async def connect(cls, database_url: str, size: int, moved: Callable[[], None] = _nothing) -> CoinLedger:
        return cls(await connect_pool(database_url, size), moved)

    async def close(self) -> None:
        metrics.forget_pool("coin")
        await self._pool.close()

    async def move(self, operation: LedgerOperation, request_key: str, *args: object) -> dict[str, Any]:
        """Runs one ledger function: its own transaction, one round trip. Contention is retried here, then
        reported as ABORTED; a lost database as UNAVAILABLE. Both are safe to retry with the same request_id: if
        the first attempt committed before the connection broke, the retry replays its answer."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self._pool.acquire() as connection:
                    answer = await connection.fetchval(_FUNCTIONS[operation], request_key, *args)
                self._moved()
                return answer
            except asyncpg.RaiseError as refused:
                raise domain.refusal(refused.args[0] if refused.args else str(refused),
                                     refused.detail or str(refused), refused.hint) from None
            except asyncpg.PostgresError as error:
                if _connection_lost(error):
                    raise _unavailable(error) from None
                if error.sqlstate not in RETRYABLE:
                    raise
                if attempt == ATTEMPTS:
                    raise Aborted("too much contention on these coins; retry with the same request_id") from None
                await asyncio.sleep(0.01 * attempt)
            except CONNECTION_LOST as error:
                raise _unavailable(error) from None
        raise AssertionError("unreachable")

    async def _fetch(self, query: str, *args) -> list:
        try:
            async with self._pool.acquire() as connection:
                return await connection.fetch(query, *args)
        except asyncpg.PostgresError as error:
            if _connection_lost(error):
                raise _unavailable(error) from None
            raise
        except CONNECTION_LOST as error:
            raise _unavailable(error) from None

    async def balance(self, campaign_id: str, user_id: uuid.UUID) -> Balance:
        rows = await self._fetch(f"SELECT {BALANCE_COLUMNS} FROM coin.accounts WHERE campaign_id = $1 AND user_id = $2",
                                 campaign_id, user_id)
        return balance_of(rows[0]) if rows else Balance(campaign_id, str(user_id))

    async def allocations(self, campaign_id: str, user_id: uuid.UUID, offset: int, limit: int) -> list[Allocation]:
        rows = await self._fetch(
            f"""SELECT {ALLOCATION_COLUMNS} FROM coin.allocations
                WHERE campaign_id = $1 AND user_id = $2 AND amount > 0 ORDER BY updated_at DESC, idea_id
                OFFSET $3 LIMIT $4""", campaign_id, user_id, offset, limit)
        return [allocation_of(row) for row in rows]

    async def idea(self, idea_id: uuid.UUID) -> LedgerIdea | None:
        rows = await self._fetch("SELECT campaign_id, state FROM coin.ideas WHERE idea_id = $1", idea_id)
        return LedgerIdea(rows[0]["campaign_id"], rows[0]["state"] == "expended") if rows else None

    async def backers(self, idea_id: uuid.UUID) -> list[Allocation]:
        rows = await self._fetch(
            f"""SELECT {ALLOCATION_COLUMNS} FROM coin.allocations
                WHERE idea_id = $1 AND amount > 0 ORDER BY amount DESC, user_id""", idea_id)
        return [allocation_of(row) for row in rows]

    async def idea_totals(self, campaign_id: str, idea_ids: list[uuid.UUID]) -> dict[str, int]:
        """Coins on each idea that has any: the frozen result once the campaign completed, else live."""
        rows = await self._fetch(
            """SELECT s.idea_id::text, s.coins AS total FROM coin.standing($1) s
               WHERE s.coins > 0 AND (cardinality($2::uuid[]) = 0 OR s.idea_id = ANY($2::uuid[]))""",
            campaign_id, idea_ids)
        return {row["idea_id"]: row["total"] for row in rows}

    async def standing(self, campaign_id: str) -> Standing:
        """Each competing or decided idea's coins and backers; final once the vote ended."""
        campaign = await self._fetch("SELECT status, completed_at FROM coin.campaigns WHERE campaign_id = $1",
                                     campaign_id)
        ideas = await self._fetch("SELECT idea_id::text, coins, backers FROM coin.standing($1)", campaign_id)
        final = bool(campaign) and campaign[0]["status"] in (CampaignStatus.COMPLETED, CampaignStatus.ARCHIVED)
        return Standing(final, campaign[0]["completed_at"] if final else None,
                        [IdeaStanding(row["idea_id"], row["coins"], row["backers"]) for row in ideas])

    async def ledger_entries(self, campaign_id: str, user_id: uuid.UUID, before_id: int | None,
                             limit: int) -> list[LedgerEntry]:
        rows = await self._fetch(
            f"""SELECT {ENTRY_COLUMNS}
                FROM coin.ledger WHERE campaign_id = $1 AND user_id = $2 AND ($3::bigint IS NULL OR id < $3)
                ORDER BY id DESC LIMIT $4""", campaign_id, user_id, before_id, limit)
        return [entry_of(row) for row in rows]

    async def campaign_ledger(self, campaign_id: str, after_id: int, limit: int) -> list[LedgerEntry]:
        rows = await self._fetch(
            f"""SELECT {ENTRY_COLUMNS} FROM coin.ledger WHERE campaign_id = $1 AND id > $2 ORDER BY id LIMIT $3""",
            campaign_id, after_id, limit)
        return [entry_of(row) for row in rows]

    async def verify(self, campaign_id: str | None) -> LedgerCheck:
        balances = await self._fetch(_VERIFY_BALANCES, campaign_id)
        mismatches = []
        for row in balances:
            stored = balance_of(row)
            rebuilt = Balance(row["campaign_id"], row["user_id"], *(row[f"l_{f}"] for f in (
                "granted", "available", "allocated", "expended", "expired", "burned")))
            if stored != rebuilt:
                mismatches.append((stored, rebuilt))
        ideas = await self._fetch(_VERIFY_IDEAS, campaign_id)
        wrong_ideas = sorted({row["idea_id"] for row in ideas if row["stored"] != row["from_ledger"]})
        return LedgerCheck(len(balances), mismatches, len(ideas), wrong_ideas)


class CoinEventOutbox:
    """The moves the ledger's trigger (migrations/sql/outbox_moves.sql) left in coin.event_outbox, read and marked
    published by the coin relay (services/coin/events.py)."""

    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def backlog(self) -> metrics.Backlog:
        """Rows not yet published: how many, and how long the oldest has waited."""
        async with self._pool.acquire() as connection:
            rows, age = await connection.fetchrow(_OUTBOX_BACKLOG)
        return metrics.Backlog(rows, age)

    async def publish_batch(self, publish: Callable[[list[CoinMove]], Awaitable[None]], lock_key: str,
                            limit: int) -> bool:
        """Hands the oldest unpublished moves (whole, oldest first) to `publish` and marks them published once it
        returns, all in one transaction holding the advisory lock `lock_key`: one relay at a time across replicas,
        and a failure of `publish` leaves them to the next batch. True when nothing was left or another relay holds
        the lock; False when up to `limit` rows came, so more may wait."""
        async with self._pool.acquire() as connection, connection.transaction():
            if not await connection.fetchval("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))", lock_key):
                return True
            rows = await connection.fetch(_PENDING_MOVES, limit)
            if not rows:
                return True
            await publish(await self._moves(connection, rows))
            await connection.execute("UPDATE coin.event_outbox SET published_at = now() WHERE id = ANY($1::bigint[])",
                                     [row["id"] for row in rows])
        return len(rows) < limit

    @staticmethod
    async def _moves(connection: asyncpg.Connection, rows: list) -> list[CoinMove]:
        groups: dict[tuple[int, str, str], list] = {}
        for row in rows:  # in outbox order, so the moves are too
            groups.setdefault((row["xact_id"], row["request_id"], row["campaign_id"]), []).append(row)
        entry_rows = await connection.fetch(f"SELECT {ENTRY_COLUMNS} FROM coin.ledger WHERE id = ANY($1::bigint[])",
                                            [entry_id for row in rows for entry_id in row["entry_ids"]])
        entries = {row["id"]: entry_of(row) for row in entry_rows}
        moved = {key: sorted((entries[i] for row in group for i in row["entry_ids"]), key=lambda entry: entry.id)
                 for key, group in groups.items()}
        ideas: dict[str, set[str]] = {}
        for (_, _, campaign_id), its_entries in moved.items():
            if named := domain.moved_ideas(its_entries):
                ideas.setdefault(campaign_id, set()).update(named)
        standing: dict[str, IdeaStanding] = {}
        for campaign_id, idea_ids in ideas.items():
            # The campaign's standing: live allocations, or the frozen result once the vote ended.
            found = await connection.fetch("""SELECT s.idea_id::text, s.coins, s.backers FROM coin.standing($1) s
                                              WHERE s.idea_id = ANY($2::uuid[])""", campaign_id, sorted(idea_ids))
            standing.update((row["idea_id"], IdeaStanding(row["idea_id"], row["coins"], row["backers"]))
                            for row in found)
        moves = []
        for key, group in groups.items():
            _, request_id, campaign_id = key
            totals = {idea: standing[idea] for idea in domain.moved_ideas(moved[key]) if idea in standing}
            moves.append(CoinMove(group[0]["id"], request_id, campaign_id, group[0]["operation"], moved[key], totals))
        return moves
