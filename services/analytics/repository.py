"""The analytics read model (schema "analytics") and every query on it.

State (campaigns, members, invitations, tags, ideas and their standing) is kept as its newest version: each row
carries the version of the event that wrote it (events.entry_version) and an upsert only raises it, so late,
repeated or replayed events never undo a newer state. The coin ledger is copied entry by entry, keyed by the
ledger's own entry id; the sums the dashboard reads (per kind, per hour, who has backed) grow in the same statement
that inserts an entry, from the rows actually inserted, so an entry delivered twice counts once.

A rebuild (rebuild.py) replaces everything in one transaction that holds every table in EXCLUSIVE mode: reports
keep reading the old figures until it commits, and the event consumer waits (`writer()` takes its locks in the same
order first, so the two never deadlock).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from services.analytics import domain
from services.analytics.domain import FunnelStep, Labelled, Participation, TimeBucket, TopIdea
from services.common.concepts import CampaignType, IdeaStatus, LedgerEntryKind
from services.common.db import Database

METADATA = sa.MetaData(schema="analytics")
STEPS_LEFT = (IdeaStatus.PENDING, IdeaStatus.COMPETING, IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS)
_TS = sa.DateTime(timezone=True)

CAMPAIGNS = sa.Table(
    "campaigns", METADATA,
    sa.Column("campaign_id", sa.Text, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("start_time", _TS),
    sa.Column("end_time", _TS),
    sa.Column("version", sa.BigInteger, nullable=False),
)

MEMBERS = sa.Table(
    "members", METADATA,
    sa.Column("campaign_id", sa.Text, primary_key=True),
    sa.Column("user_id", sa.Uuid, primary_key=True),
    sa.Column("joined", sa.Boolean, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

# Addresses are kept as digests: counting people invited needs no address.
INVITATIONS = sa.Table(
    "invitations", METADATA,
    sa.Column("campaign_id", sa.Text, primary_key=True),
    sa.Column("email_digest", sa.Text, primary_key=True),
)

TAGS = sa.Table(
    "tags", METADATA,
    sa.Column("tag_id", sa.Uuid, primary_key=True),
    sa.Column("campaign_id", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

IDEAS = sa.Table(
    "ideas", METADATA,
    sa.Column("idea_id", sa.Uuid, primary_key=True),
    sa.Column("campaign_id", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("status", sa.Text, nullable=False, server_default=IdeaStatus.PENDING.value),
    sa.Column("submitter_id", sa.Uuid),
    sa.Column("context_id", sa.Text, nullable=False, server_default=""),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.Column("tag_ids", ARRAY(sa.Uuid), nullable=False, server_default="{}"),
    sa.Column("submitted_at", _TS),
    sa.Column("approved_at", _TS),
    sa.Column("rejected_at", _TS),
    sa.Column("accepted_at", _TS),
    sa.Column("started_at", _TS),
    sa.Column("completed_at", _TS),
    # Seconds spent in each step the idea has left (domain.time_in_steps, worked out when the idea is written).
    *(sa.Column(f"{step.value}_s", sa.Float) for step in STEPS_LEFT),
    # 0 while only its standing has arrived (a stub no report shows).
    sa.Column("idea_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("coins", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("backers", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("standing_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Index("ix_ideas_campaign_coins", "campaign_id", sa.text("coins DESC")),
)

ENTRIES = sa.Table(
    "entries", METADATA,
    sa.Column("entry_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("campaign_id", sa.Text, nullable=False),
    sa.Column("user_id", sa.Uuid, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("idea_id", sa.Uuid),
    sa.Column("from_idea_id", sa.Uuid),
    sa.Column("actor_id", sa.Uuid),
    sa.Column("request_id", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", _TS, nullable=False),
    sa.Index("ix_entries_campaign", "campaign_id", "entry_id"),
)

COIN_SUMS = sa.Table(
    "coin_sums", METADATA,
    sa.Column("campaign_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("names_idea", sa.Boolean, primary_key=True),
    sa.Column("amount", sa.BigInteger, nullable=False),
)

ALLOCATED_HOURLY = sa.Table(
    "allocated_hourly", METADATA,
    sa.Column("campaign_id", sa.Text, primary_key=True),
    sa.Column("hour", _TS, primary_key=True),
    sa.Column("allocated", sa.BigInteger, nullable=False),
)

BACKERS = sa.Table(
    "backers", METADATA,
    sa.Column("campaign_id", sa.Text, primary_key=True),
    sa.Column("user_id", sa.Uuid, primary_key=True),
)

# Locked in this order by the consumer's writes (ROW EXCLUSIVE) and by a rebuild (EXCLUSIVE).
TABLES = ("campaigns", "members", "invitations", "tags", "ideas", "entries", "coin_sums", "allocated_hourly",
          "backers")


# ---- writes --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignRow:
    campaign_id: str
    title: str
    type: CampaignType
    status: str
    start_time: datetime | None
    end_time: datetime | None
    version: int


@dataclass(frozen=True)
class MemberRow:
    campaign_id: str
    user_id: str
    joined: bool
    version: int


@dataclass(frozen=True)
class TagRow:
    tag_id: str
    campaign_id: str
    name: str
    deleted: bool
    version: int


@dataclass(frozen=True)
class IdeaRow:
    idea_id: str
    campaign_id: str
    title: str
    status: IdeaStatus
    submitter_id: str | None
    context_id: str
    source: str
    tag_ids: tuple[str, ...]
    moments: domain.Milestones
    version: int


@dataclass(frozen=True)
class StandingRow:
    idea_id: str
    campaign_id: str
    coins: int
    backers: int
    version: int


@dataclass(frozen=True)
class EntryRow:
    entry_id: int
    campaign_id: str
    user_id: str
    kind: LedgerEntryKind
    amount: int
    idea_id: str | None
    from_idea_id: str | None
    actor_id: str | None
    request_id: str
    created_at: datetime


_UPSERT_CAMPAIGN = sa.text("""
    INSERT INTO analytics.campaigns AS c (campaign_id, title, type, status, start_time, end_time, version)
    VALUES (:campaign_id, :title, :type, :status, :start_time, :end_time, :version)
    ON CONFLICT (campaign_id) DO UPDATE SET title = excluded.title, type = excluded.type, status = excluded.status,
        start_time = excluded.start_time, end_time = excluded.end_time, version = excluded.version
    WHERE c.version < excluded.version""")

_UPSERT_MEMBER = sa.text("""
    INSERT INTO analytics.members AS m (campaign_id, user_id, joined, version)
    VALUES (:campaign_id, :user_id, :joined, :version)
    ON CONFLICT (campaign_id, user_id) DO UPDATE SET joined = excluded.joined, version = excluded.version
    WHERE m.version < excluded.version""")

_INSERT_INVITATIONS = sa.text("""
    INSERT INTO analytics.invitations (campaign_id, email_digest)
    SELECT :campaign_id, encode(sha256(convert_to(lower(e), 'UTF8')), 'hex') FROM unnest(CAST(:emails AS text[])) e
    ON CONFLICT DO NOTHING""")

_UPSERT_TAG = sa.text("""
    INSERT INTO analytics.tags AS t (tag_id, campaign_id, name, deleted, version)
    VALUES (:tag_id, :campaign_id, :name, :deleted, :version)
    ON CONFLICT (tag_id) DO UPDATE SET name = CASE WHEN excluded.deleted THEN t.name ELSE excluded.name END,
        deleted = excluded.deleted, version = excluded.version
    WHERE t.version < excluded.version
    RETURNING tag_id""")

_UPSERT_IDEA = sa.text("""
    INSERT INTO analytics.ideas AS i (idea_id, campaign_id, title, status, submitter_id, context_id, source, tag_ids,
        submitted_at, approved_at, rejected_at, accepted_at, started_at, completed_at, pending_s, competing_s,
        accepted_s, in_progress_s, idea_version)
    VALUES (:idea_id, :campaign_id, :title, :status, :submitter_id, :context_id, :source, :tag_ids,
        :submitted_at, :approved_at, :rejected_at, :accepted_at, :started_at, :completed_at, :pending_s,
        :competing_s, :accepted_s, :in_progress_s, :version)
    ON CONFLICT (idea_id) DO UPDATE SET campaign_id = excluded.campaign_id, title = excluded.title,
        status = excluded.status, submitter_id = excluded.submitter_id, context_id = excluded.context_id,
        source = excluded.source, tag_ids = excluded.tag_ids, submitted_at = excluded.submitted_at,
        approved_at = excluded.approved_at, rejected_at = excluded.rejected_at, accepted_at = excluded.accepted_at,
        started_at = excluded.started_at, completed_at = excluded.completed_at, pending_s = excluded.pending_s,
        competing_s = excluded.competing_s, accepted_s = excluded.accepted_s, in_progress_s = excluded.in_progress_s,
        idea_version = excluded.idea_version
    WHERE i.idea_version < excluded.idea_version""")

# Every standing of a batch in one statement (a coin move names its ideas: the hottest write of the projection);
# a batch holds each idea once (projection.Changes), as ON CONFLICT requires.
_UPSERT_STANDINGS = sa.text("""
    INSERT INTO analytics.ideas AS i (idea_id, campaign_id, coins, backers, standing_version)
    SELECT * FROM unnest(CAST(:idea_ids AS uuid[]), CAST(:campaign_ids AS text[]), CAST(:coins AS bigint[]),
                         CAST(:backers AS bigint[]), CAST(:versions AS bigint[]))
    ORDER BY 1
    ON CONFLICT (idea_id) DO UPDATE SET coins = excluded.coins, backers = excluded.backers,
        standing_version = excluded.standing_version
    WHERE i.standing_version < excluded.standing_version""")

_UNTAG = sa.text("""
    UPDATE analytics.ideas SET tag_ids = array_remove(tag_ids, CAST(:tag_id AS uuid))
    WHERE campaign_id = :campaign_id AND tag_ids @> ARRAY[CAST(:tag_id AS uuid)]""")

# The entries new to the read model, and what they add to the sums, in one statement: a repeated entry inserts
# nothing and so adds nothing.
_INSERT_ENTRIES = sa.text("""
WITH new AS (
    INSERT INTO analytics.entries (entry_id, campaign_id, user_id, kind, amount, idea_id, from_idea_id, actor_id,
                                   request_id, created_at)
    SELECT * FROM unnest(CAST(:entry_ids AS bigint[]), CAST(:campaign_ids AS text[]), CAST(:user_ids AS uuid[]),
                         CAST(:kinds AS text[]), CAST(:amounts AS bigint[]), CAST(:idea_ids AS uuid[]),
                         CAST(:from_idea_ids AS uuid[]), CAST(:actor_ids AS uuid[]), CAST(:request_ids AS text[]),
                         CAST(:created_ats AS timestamptz[]))
    ON CONFLICT (entry_id) DO NOTHING
    RETURNING campaign_id, user_id, kind, amount, idea_id, created_at
), sums AS (
    INSERT INTO analytics.coin_sums AS s (campaign_id, kind, names_idea, amount)
    SELECT campaign_id, kind, idea_id IS NOT NULL, sum(amount) FROM new GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (campaign_id, kind, names_idea) DO UPDATE SET amount = s.amount + excluded.amount
), hourly AS (
    INSERT INTO analytics.allocated_hourly AS h (campaign_id, hour, allocated)
    SELECT campaign_id, date_trunc('hour', created_at, 'UTC'), sum(amount) FROM new WHERE kind = 'allocate'
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (campaign_id, hour) DO UPDATE SET allocated = h.allocated + excluded.allocated
)
INSERT INTO analytics.backers (campaign_id, user_id)
SELECT DISTINCT campaign_id, user_id FROM new WHERE kind = 'allocate' ORDER BY 1, 2
ON CONFLICT DO NOTHING""")


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


class ReadModelWriter:
    """The writes of one transaction."""

    def __init__(self, session: AsyncSession):
        self._session = session

    async def _each(self, statement: sa.TextClause, rows: Sequence[dict[str, Any]]) -> None:
        for params in rows:
            await self._session.execute(statement, params)

    async def campaigns(self, campaigns: Sequence[CampaignRow]) -> None:
        await self._each(_UPSERT_CAMPAIGN, [{
            "campaign_id": c.campaign_id, "title": c.title, "type": c.type.value, "status": c.status,
            "start_time": c.start_time, "end_time": c.end_time, "version": c.version} for c in campaigns])

    async def members(self, members: Sequence[MemberRow]) -> None:
        await self._each(_UPSERT_MEMBER, [{
            "campaign_id": m.campaign_id, "user_id": uuid.UUID(m.user_id), "joined": m.joined, "version": m.version}
            for m in members])

    async def invitations(self, campaign_id: str, emails: Sequence[str]) -> None:
        if emails:
            await self._session.execute(_INSERT_INVITATIONS, {"campaign_id": campaign_id, "emails": list(emails)})

    async def tags(self, tags: Sequence[TagRow]) -> None:
        for tag in tags:
            params = {"tag_id": uuid.UUID(tag.tag_id), "campaign_id": tag.campaign_id, "name": tag.name,
                      "deleted": tag.deleted, "version": tag.version}
            changed = (await self._session.execute(_UPSERT_TAG, params)).first()
            if changed and tag.deleted:
                await self._session.execute(_UNTAG, params)

    async def ideas(self, ideas: Sequence[IdeaRow]) -> None:
        """Each idea with the time it spent in each step it left; the campaign's type (written before its ideas:
        a campaign starts before anyone submits) says where its ideas started."""
        if not ideas:
            return
        kinds = {campaign_id: kind for campaign_id, kind in await self._session.execute(
            sa.select(CAMPAIGNS.c.campaign_id, CAMPAIGNS.c.type).where(
                CAMPAIGNS.c.campaign_id.in_({i.campaign_id for i in ideas})))}
        rows = []
        for i in ideas:
            spent = domain.time_in_steps(CampaignType(kinds.get(i.campaign_id, CampaignType.MEDIATED)), i.moments)
            rows.append({
                "idea_id": uuid.UUID(i.idea_id), "campaign_id": i.campaign_id, "title": i.title,
                "status": i.status.value, "submitter_id": _uuid(i.submitter_id), "context_id": i.context_id,
                "source": i.source, "tag_ids": [uuid.UUID(t) for t in i.tag_ids],
                "submitted_at": i.moments.submitted_at, "approved_at": i.moments.approved_at,
                "rejected_at": i.moments.rejected_at, "accepted_at": i.moments.accepted_at,
                "started_at": i.moments.started_at, "completed_at": i.moments.completed_at, "version": i.version,
                **{f"{step.value}_s": spent[step].total_seconds() if step in spent else None for step in STEPS_LEFT}})
        await self._each(_UPSERT_IDEA, rows)

    async def standings(self, standings: Sequence[StandingRow]) -> None:
        if standings:
            await self._session.execute(_UPSERT_STANDINGS, {
                "idea_ids": [uuid.UUID(s.idea_id) for s in standings],
                "campaign_ids": [s.campaign_id for s in standings], "coins": [s.coins for s in standings],
                "backers": [s.backers for s in standings], "versions": [s.version for s in standings]})

    async def entries(self, entries: Sequence[EntryRow]) -> None:
        if not entries:
            return
        ordered = sorted(entries, key=lambda e: e.entry_id)
        await self._session.execute(_INSERT_ENTRIES, {
            "entry_ids": [e.entry_id for e in ordered], "campaign_ids": [e.campaign_id for e in ordered],
            "user_ids": [uuid.UUID(e.user_id) for e in ordered], "kinds": [e.kind.value for e in ordered],
            "amounts": [e.amount for e in ordered], "idea_ids": [_uuid(e.idea_id) for e in ordered],
            "from_idea_ids": [_uuid(e.from_idea_id) for e in ordered],
            "actor_ids": [_uuid(e.actor_id) for e in ordered], "request_ids": [e.request_id for e in ordered],
            "created_ats": [e.created_at for e in ordered]})


def _lock(mode: str) -> sa.TextClause:
    return sa.text(f"LOCK TABLE {', '.join('analytics.' + t for t in TABLES)} IN {mode} MODE")


# ---- reads ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignFacts:
    campaign_id: str
    title: str
    type: CampaignType
    start_time: datetime | None
    end_time: datetime | None


_PARTICIPATION = sa.text("""
    SELECT (SELECT count(*) FROM analytics.members WHERE campaign_id = :c AND joined) AS members,
           (SELECT count(*) FROM analytics.invitations WHERE campaign_id = :c) AS invited,
           (SELECT count(DISTINCT submitter_id) FROM analytics.ideas
            WHERE campaign_id = :c AND idea_version > 0) AS active_submitters,
           (SELECT count(*) FROM analytics.backers WHERE campaign_id = :c) AS active_backers""")

_BY_TAG = sa.text("""
    SELECT t.name AS label, count(*) AS ideas, coalesce(sum(i.coins), 0) AS coins
    FROM analytics.ideas i CROSS JOIN LATERAL unnest(i.tag_ids) AS it(tag_id)
    JOIN analytics.tags t ON t.tag_id = it.tag_id AND NOT t.deleted
    WHERE i.campaign_id = :c AND i.idea_version > 0
    GROUP BY t.name ORDER BY coins DESC, ideas DESC, label""")

_BY_COLUMN = """
    SELECT {column} AS label, count(*) AS ideas, coalesce(sum(coins), 0) AS coins FROM analytics.ideas
    WHERE campaign_id = :c AND idea_version > 0 GROUP BY 1 ORDER BY coins DESC, ideas DESC, label"""

_ALLOCATED = sa.text("""
    SELECT date_trunc(:bucket, hour, 'UTC') AS period, sum(allocated) AS allocated
    FROM analytics.allocated_hourly WHERE campaign_id = :c GROUP BY 1 ORDER BY 1""")

# The ranking, as the result reads it (services/idea/domain.py `ranked`): most coins first, then the earlier idea.
_RANKED = "coins DESC, submitted_at, idea_id"
# Ideas that competed: the ones in the coin service's standing (a rejected idea there once coins moved on it).
_COMPETED = "(i.status IN ('competing', 'accepted', 'in_progress', 'complete') OR i.standing_version > 0)"


_FUNNEL_TIMES = sa.text(", ".join(
    f"count({step.value}_s) AS {step.value}_n, "
    f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {step.value}_s) AS {step.value}_median"
    for step in STEPS_LEFT).join(("SELECT ", " FROM analytics.ideas WHERE campaign_id = :c AND idea_version > 0")))

_FUNNEL_COUNTS = sa.text("""
    SELECT status, count(*) AS ideas, coalesce(sum(coins), 0) AS coins FROM analytics.ideas
    WHERE campaign_id = :c AND idea_version > 0 GROUP BY status""")


class ReportReader:
    """The queries of one report, in one snapshot."""

    def __init__(self, session: AsyncSession):
        self._session = session

    async def _all(self, statement: sa.Executable, **params: Any) -> Sequence[sa.Row]:
        return (await self._session.execute(statement, params)).all()

    async def campaign(self, campaign_id: str) -> CampaignFacts | None:
        rows = await self._all(sa.select(CAMPAIGNS).where(CAMPAIGNS.c.campaign_id == campaign_id))
        if not rows:
            return None
        row = rows[0]
        return CampaignFacts(row.campaign_id, row.title, CampaignType(row.type), row.start_time, row.end_time)

    async def participation(self, campaign_id: str) -> Participation:
        [row] = await self._all(_PARTICIPATION, c=campaign_id)
        return Participation(row.members, row.invited, row.active_submitters, row.active_backers)

    async def funnel(self, campaign_id: str) -> list[FunnelStep]:
        """Every step in order: ideas now in it, their coins, how many moved on and their median time in it."""
        steps = {status: FunnelStep(status) for status in domain.FUNNEL}
        for row in await self._all(_FUNNEL_COUNTS, c=campaign_id):
            if (status := IdeaStatus(row.status)) in steps:
                steps[status].ideas, steps[status].coins = row.ideas, int(row.coins)
        [times] = await self._all(_FUNNEL_TIMES, c=campaign_id)
        for step in STEPS_LEFT:
            steps[step].moved_on = getattr(times, f"{step.value}_n")
            median = getattr(times, f"{step.value}_median")
            steps[step].median_time = timedelta(seconds=median) if median is not None else None
        return list(steps.values())

    async def coin_sums(self, campaign_id: str) -> dict[tuple[LedgerEntryKind, bool], int]:
        rows = await self._all(sa.select(COIN_SUMS.c.kind, COIN_SUMS.c.names_idea, COIN_SUMS.c.amount).where(
            COIN_SUMS.c.campaign_id == campaign_id))
        return {(LedgerEntryKind(r.kind), r.names_idea): int(r.amount) for r in rows}

    async def top_ideas(self, campaign_id: str, limit: int) -> list[TopIdea]:
        rows = await self._all(sa.text(f"""SELECT idea_id, title, coins, backers, status FROM analytics.ideas
                                          WHERE campaign_id = :c AND idea_version > 0 AND coins > 0
                                          ORDER BY {_RANKED} LIMIT :limit"""), c=campaign_id, limit=limit)
        return [TopIdea(str(r.idea_id), r.title, r.coins, r.backers, IdeaStatus(r.status)) for r in rows]

    async def allocations(self, campaign_id: str, bucket: TimeBucket) -> list[tuple[datetime, int]]:
        rows = await self._all(_ALLOCATED, c=campaign_id, bucket=bucket.value)
        return [(r.period, int(r.allocated)) for r in rows]

    async def breakdowns(self, campaign_id: str) -> tuple[list[Labelled], list[Labelled], list[Labelled]]:
        """Ideas and their coins by tag, by context id and by permalink source."""
        found = []
        for statement in (_BY_TAG, sa.text(_BY_COLUMN.format(column="context_id")),
                          sa.text(_BY_COLUMN.format(column="source"))):
            found.append([Labelled(r.label, r.ideas, int(r.coins)) for r in await self._all(statement, c=campaign_id)])
        return found[0], found[1], found[2]


class ReadModel:
    def __init__(self, database: Database):
        self.database = database

    @asynccontextmanager
    async def writer(self) -> AsyncIterator[ReadModelWriter]:
        async with self.database.unit_of_work() as session:
            await session.execute(_lock("ROW EXCLUSIVE"))
            yield ReadModelWriter(session)

    def alone(self, name: str) -> AbstractAsyncContextManager[bool]:
        """Whether this block is the only one named `name` running on any replica."""
        return self.database.alone(f"coins.analytics.{name}")

    @asynccontextmanager
    async def replacing(self) -> AsyncIterator[ReadModelWriter]:
        """One transaction that empties the read model and writes it afresh: readers see the old figures until it
        commits; writers wait."""
        async with self.database.unit_of_work() as session:
            await session.execute(_lock("EXCLUSIVE"))
            for table in reversed(TABLES):
                await session.execute(sa.text(f"DELETE FROM analytics.{table}"))
            yield ReadModelWriter(session)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[ReportReader]:
        """One read-only snapshot: every figure of a report is taken at the same moment."""
        async with self.database.unit_of_work() as session:
            await session.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
            yield ReportReader(session)

    async def campaign_status(self, campaign_id: str) -> str | None:
        async with self.database.unit_of_work() as session:
            return (await session.execute(sa.select(CAMPAIGNS.c.status).where(
                CAMPAIGNS.c.campaign_id == campaign_id))).scalar_one_or_none()

    # ---- exports: rows streamed from a server-side cursor, so memory stays flat whatever the size ----

    async def _stream(self, statement: sa.TextClause, params: dict[str, Any],
                      chunk: int) -> AsyncIterator[Sequence[sa.Row]]:
        async with self.database.engine.connect() as connection:
            result = await connection.stream(statement.execution_options(yield_per=chunk), params)
            async for rows in result.partitions(chunk):
                yield rows

    def idea_rows(self, campaign_id: str, chunk: int, competed_only: bool = False) -> AsyncIterator[Sequence[sa.Row]]:
        """Rows as the CSV holds them (text made here, where it is cheapest), in the columns of IDEA_COLUMNS."""
        moments = ", ".join(_iso(f"i.{m}") for m in ("submitted_at", "approved_at", "rejected_at", "accepted_at",
                                                      "started_at", "completed_at"))
        return self._stream(sa.text(f"""
            SELECT i.idea_id::text, i.title, i.status, i.coins, i.backers,
                   coalesce((SELECT string_agg(t.name, '; ' ORDER BY t.name) FROM analytics.tags t
                             WHERE t.tag_id = ANY(i.tag_ids) AND NOT t.deleted), '') AS tags,
                   i.context_id, i.source, {moments}
            FROM analytics.ideas i WHERE i.campaign_id = :c AND i.idea_version > 0
              AND {_COMPETED if competed_only else "true"} ORDER BY {_RANKED}"""),
            {"c": campaign_id}, chunk)

    async def ledger_csv(self, campaign_id: str, columns: Sequence[str], chunk_bytes: int) -> AsyncIterator[bytes]:
        """The campaign's ledger as CSV under a header of `columns`, written by PostgreSQL's COPY (text a person
        typed defused as domain.csv_cell does) and handed on in chunks of about `chunk_bytes`. The copy waits while
        a slow reader catches up, so memory stays flat at any size."""
        fields = ("entry_id", _iso("created_at"), "user_id::text", "kind", "amount", "idea_id::text",
                  "from_idea_id::text", "actor_id::text", _defused("request_id"))
        select = ", ".join(f'{field} AS "{name}"' for field, name in zip(fields, columns, strict=True))
        query = f"SELECT {select} FROM analytics.entries WHERE campaign_id = $1 ORDER BY entry_id"
        copied: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=16)

        async def copy(connection: Any) -> None:
            try:
                await connection.copy_from_query(query, campaign_id, output=copied.put, format="csv", header=True)
            finally:
                await copied.put(None)

        async with self.database.engine.connect() as opened:
            copying = asyncio.create_task(copy((await opened.get_raw_connection()).driver_connection))
            try:
                pending = bytearray()
                while (data := await copied.get()) is not None:
                    pending += data
                    if len(pending) >= chunk_bytes:
                        yield bytes(pending)
                        pending.clear()
                if pending:
                    yield bytes(pending)
                await copying  # its error, if the copy failed
            finally:
                copying.cancel()


def _defused(column: str) -> str:
    """The column with a quote before a leading formula character (domain.FORMULA_LEADS), in SQL."""
    leads = ", ".join(f"chr({ord(lead)})" for lead in domain.FORMULA_LEADS)
    return f"CASE WHEN left({column}, 1) IN ({leads}) THEN chr(39) || {column} ELSE {column} END"


def _iso(column: str) -> str:
    """A moment as ISO 8601 in UTC ("" for none), written by PostgreSQL."""
    return f"""coalesce(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '')"""
