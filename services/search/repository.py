"""The search read model (schema "search") and every query on it.

One row per idea holds what search needs of four owners: the idea fields (idea events), the coin total (coin
events), the submitter's name (auth events), the campaign's listing and tag names (campaign events). Each field
group carries the version of the event that last wrote it (events.entry_version) and an upsert only ever raises
it, so events that arrive late, twice, or replayed from the dead letters never undo a newer state. A coin total
can arrive before its idea (different streams): it makes a stub row (idea_version 0) that no search returns
until the idea's own event fills it.

`revision` grows with every change of a row (a trigger), and `pending` lists the rows an external index
(OpenSearch) has yet to take; the PostgreSQL backend queries this table directly and needs neither.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.concepts import IdeaStatus
from services.common.db import Database
from services.search.domain import SearchDocument

METADATA = sa.MetaData(schema="search")

# Weights: a word in the title counts most, then tags, then the submitter's name, then the description.
HEAD = ("setweight(to_tsvector('english'::regconfig, title), 'A') || "
        "setweight(to_tsvector('english'::regconfig, tag_text), 'B') || "
        "setweight(to_tsvector('english'::regconfig, submitter_name), 'C')")
DOCUMENT = HEAD + " || setweight(to_tsvector('english'::regconfig, description), 'D')"

IDEAS = sa.Table(
    "ideas", METADATA,
    sa.Column("idea_id", sa.Uuid, primary_key=True),
    sa.Column("campaign_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("campaign_listed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("submitter_id", sa.Uuid),
    sa.Column("submitter_name", sa.Text, nullable=False, server_default=""),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False, server_default=""),
    sa.Column("context_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("tag_ids", ARRAY(sa.Uuid), nullable=False, server_default="{}"),
    sa.Column("tag_text", sa.Text, nullable=False, server_default=""),
    sa.Column("coin_total", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("submitted_at", sa.DateTime(timezone=True)),
    # The idea as its owner last described it (coins.v1.Idea): answers show every field of it.
    sa.Column("idea", sa.LargeBinary),
    sa.Column("idea_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("coin_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("name_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("campaign_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("revision", sa.BigInteger, nullable=False, server_default=sa.text("nextval('search.revisions')")),
    sa.Column("document", TSVECTOR, sa.Computed(DOCUMENT, persisted=True)),
    # The words that name the idea (all but the description): relevance ranks ideas matching here first.
    sa.Column("head", TSVECTOR, sa.Computed(HEAD, persisted=True)),
    sa.Index("ix_ideas_document", "document", postgresql_using="gin"),
    sa.Index("ix_ideas_head", "head", postgresql_using="gin"),
    # Within a relevance tier, and in the newest-first order, the newest matches are found by walking these.
    sa.Index("ix_ideas_campaign_submitted", "campaign_id", sa.text("submitted_at DESC")),
    sa.Index("ix_ideas_submitted", sa.text("submitted_at DESC")),
    sa.Index("ix_ideas_campaign_status", "campaign_id", "status"),
    sa.Index("ix_ideas_tag_ids", "tag_ids", postgresql_using="gin"),
    sa.Index("ix_ideas_submitter", "submitter_id"),
    sa.Index("ix_ideas_revision", "revision"),
)

CAMPAIGNS = sa.Table(
    "campaigns", METADATA,
    sa.Column("campaign_id", sa.String(100), primary_key=True),
    sa.Column("listed", sa.Boolean, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

TAGS = sa.Table(
    "tags", METADATA,
    sa.Column("tag_id", sa.Uuid, primary_key=True),
    sa.Column("campaign_id", sa.String(100), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("version", sa.BigInteger, nullable=False),
)

PEOPLE = sa.Table(
    "people", METADATA,
    sa.Column("user_id", sa.Uuid, primary_key=True),
    sa.Column("full_name", sa.Text, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

# Every word (stem) of every document: typos are corrected against it by trigram similarity.
LEXEMES = sa.Table(
    "lexemes", METADATA,
    sa.Column("word", sa.Text, primary_key=True),
    sa.Index("ix_lexemes_word_trgm", "word", postgresql_using="gin", postgresql_ops={"word": "gin_trgm_ops"}),
)

PENDING = sa.Table(
    "pending", METADATA,
    sa.Column("idea_id", sa.Uuid, primary_key=True),
    sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("ix_pending_queued_at", "queued_at"),  # the projector takes the oldest first
)


# ---- writes: versioned upserts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdeaFields:
    idea_id: str
    campaign_id: str
    submitter_id: str
    submitter_name: str
    title: str
    description: str
    status: IdeaStatus
    context_id: str
    tag_ids: tuple[str, ...]
    submitted_at: datetime | None
    idea: bytes  # coins.v1.Idea
    version: int


@dataclass(frozen=True)
class CoinTotal:
    idea_id: str
    campaign_id: str
    coin_total: int
    version: int


@dataclass(frozen=True)
class TagName:
    tag_id: str
    campaign_id: str
    name: str
    deleted: bool
    version: int


@dataclass(frozen=True)
class CampaignListing:
    campaign_id: str
    listed: bool
    version: int


@dataclass(frozen=True)
class PersonName:
    user_id: str
    full_name: str
    version: int


_TAG_TEXT = ("coalesce((SELECT string_agg(t.name, ' ' ORDER BY t.name) FROM search.tags t "
             "WHERE t.tag_id = ANY(i.tag_ids) AND NOT t.deleted), '')")

_UPSERT_IDEA = sa.text("""
    INSERT INTO search.ideas AS i (idea_id, campaign_id, campaign_listed, submitter_id, submitter_name, title,
        description, status, context_id, tag_ids, tag_text, submitted_at, idea, idea_version, name_version)
    SELECT :idea_id, :campaign_id, coalesce(c.listed, false), :submitter_id,
           coalesce(p.full_name, :submitter_name), :title, :description, :status, :context_id,
           ARRAY(SELECT t FROM unnest(CAST(:tag_ids AS uuid[])) AS t
                 WHERE NOT EXISTS (SELECT 1 FROM search.tags d WHERE d.tag_id = t AND d.deleted)),
           coalesce((SELECT string_agg(t.name, ' ' ORDER BY t.name) FROM search.tags t
                     WHERE t.tag_id = ANY(CAST(:tag_ids AS uuid[])) AND NOT t.deleted), ''),
           :submitted_at, :idea, :version, coalesce(p.version, 0)
    FROM (SELECT 1) one
    LEFT JOIN search.campaigns c ON c.campaign_id = :campaign_id
    LEFT JOIN search.people p ON p.user_id = :submitter_id
    ON CONFLICT (idea_id) DO UPDATE SET
        campaign_id = excluded.campaign_id, campaign_listed = excluded.campaign_listed,
        submitter_id = excluded.submitter_id,
        submitter_name = CASE WHEN i.name_version > excluded.name_version THEN i.submitter_name
                              ELSE excluded.submitter_name END,
        name_version = greatest(i.name_version, excluded.name_version),
        title = excluded.title, description = excluded.description, status = excluded.status,
        context_id = excluded.context_id, tag_ids = excluded.tag_ids, tag_text = excluded.tag_text,
        submitted_at = excluded.submitted_at, idea = excluded.idea, idea_version = excluded.idea_version
    WHERE i.idea_version < excluded.idea_version
    RETURNING idea_id""")

_UPSERT_COINS = sa.text("""
    INSERT INTO search.ideas AS i (idea_id, campaign_id, coin_total, coin_version)
    VALUES (:idea_id, :campaign_id, :coin_total, :version)
    ON CONFLICT (idea_id) DO UPDATE SET coin_total = excluded.coin_total, coin_version = excluded.coin_version
    WHERE i.coin_version < excluded.coin_version
    RETURNING idea_id""")

_UPSERT_TAG = sa.text("""
    INSERT INTO search.tags AS t (tag_id, campaign_id, name, deleted, version)
    VALUES (:tag_id, :campaign_id, :name, :deleted, :version)
    ON CONFLICT (tag_id) DO UPDATE SET name = excluded.name, deleted = excluded.deleted, version = excluded.version
    WHERE t.version < excluded.version
    RETURNING tag_id""")

# A changed tag's ideas: a deleted tag leaves them (the idea service drops it everywhere with no event per idea),
# a renamed one renames their text; a tag changed otherwise (its colour) leaves their documents as they are.
_DELETED_AMONG = "SELECT 1 FROM search.tags d WHERE d.tag_id = ANY(i.tag_ids) AND d.deleted"
_RETAG_IDEAS = sa.text(f"""
    UPDATE search.ideas i
    SET tag_ids = ARRAY(SELECT t FROM unnest(i.tag_ids) AS t
                        WHERE NOT EXISTS (SELECT 1 FROM search.tags d WHERE d.tag_id = t AND d.deleted)),
        tag_text = {_TAG_TEXT}
    WHERE i.tag_ids && CAST(:tag_ids AS uuid[])
      AND (i.tag_text IS DISTINCT FROM {_TAG_TEXT} OR EXISTS ({_DELETED_AMONG}))
    RETURNING idea_id""")

_UPSERT_CAMPAIGN = sa.text("""
    INSERT INTO search.campaigns AS c (campaign_id, listed, version) VALUES (:campaign_id, :listed, :version)
    ON CONFLICT (campaign_id) DO UPDATE SET listed = excluded.listed, version = excluded.version
    WHERE c.version < excluded.version
    RETURNING campaign_id, listed""")

_RELIST_IDEAS = sa.text("""
    UPDATE search.ideas SET campaign_listed = :listed
    WHERE campaign_id = :campaign_id AND campaign_listed <> :listed
    RETURNING idea_id""")

_UPSERT_PERSON = sa.text("""
    INSERT INTO search.people AS p (user_id, full_name, version) VALUES (:user_id, :full_name, :version)
    ON CONFLICT (user_id) DO UPDATE SET full_name = excluded.full_name, version = excluded.version
    WHERE p.version < excluded.version
    RETURNING user_id""")

_RENAME_SUBMITTER = sa.text("""
    UPDATE search.ideas SET submitter_name = :full_name, name_version = :version
    WHERE submitter_id = :user_id AND name_version < :version
    RETURNING idea_id""")

# DO UPDATE, not DO NOTHING: an idea the projector has claimed (its row locked until the claim ends and deletes it)
# must be queued again once the claim is over, since the claim read the document before this change. DO UPDATE
# waits for the row lock and inserts anew if the row went; it keeps the first queued_at of a row still waiting, so
# an idea changed again and again keeps its place. Ids sorted: two writers lock rows in one order.
_QUEUE = sa.text("""
    INSERT INTO search.pending AS pending (idea_id) SELECT unnest(CAST(:ids AS uuid[])) ORDER BY 1
    ON CONFLICT (idea_id) DO UPDATE SET queued_at = pending.queued_at""")


def _ids(result: sa.Result) -> list[str]:
    return [str(row[0]) for row in result]


class ReadModelWriter:
    """The writes of one transaction. Every method returns the ideas whose search document changed."""

    def __init__(self, session: AsyncSession):
        self._session = session

    async def _each(self, statement: sa.TextClause, rows: Iterable[dict[str, Any]]) -> list[str]:
        changed: list[str] = []
        for params in rows:
            changed += _ids(await self._session.execute(statement, params))
        return changed

    async def ideas(self, ideas: Sequence[IdeaFields]) -> list[str]:
        return await self._each(_UPSERT_IDEA, ({
            "idea_id": uuid.UUID(i.idea_id), "campaign_id": i.campaign_id,
            "submitter_id": uuid.UUID(i.submitter_id) if i.submitter_id else None,
            "submitter_name": i.submitter_name, "title": i.title, "description": i.description,
            "status": i.status.value, "context_id": i.context_id, "tag_ids": [uuid.UUID(t) for t in i.tag_ids],
            "submitted_at": i.submitted_at, "idea": i.idea, "version": i.version} for i in ideas))

    async def coin_totals(self, totals: Sequence[CoinTotal]) -> list[str]:
        return await self._each(_UPSERT_COINS, ({
            "idea_id": uuid.UUID(t.idea_id), "campaign_id": t.campaign_id, "coin_total": t.coin_total,
            "version": t.version} for t in totals))

    async def tags(self, tags: Sequence[TagName]) -> list[str]:
        renamed = await self._each(_UPSERT_TAG, ({
            "tag_id": uuid.UUID(t.tag_id), "campaign_id": t.campaign_id, "name": t.name, "deleted": t.deleted,
            "version": t.version} for t in tags))
        if not renamed:
            return []
        return _ids(await self._session.execute(_RETAG_IDEAS, {"tag_ids": [uuid.UUID(t) for t in renamed]}))

    async def campaigns(self, campaigns: Sequence[CampaignListing]) -> list[str]:
        changed: list[str] = []
        for campaign in campaigns:
            for campaign_id, listed in await self._session.execute(_UPSERT_CAMPAIGN, {
                    "campaign_id": campaign.campaign_id, "listed": campaign.listed, "version": campaign.version}):
                changed += _ids(await self._session.execute(_RELIST_IDEAS,
                                                            {"campaign_id": campaign_id, "listed": listed}))
        return changed

    async def people(self, people: Sequence[PersonName]) -> list[str]:
        changed: list[str] = []
        for person in people:
            params = {"user_id": uuid.UUID(person.user_id), "full_name": person.full_name, "version": person.version}
            if _ids(await self._session.execute(_UPSERT_PERSON, params)):
                changed += _ids(await self._session.execute(_RENAME_SUBMITTER, params))
        return changed

    async def queue(self, idea_ids: Sequence[str]) -> None:
        """Marks ideas for the external index (OpenSearch) to take."""
        if idea_ids:
            await self._session.execute(_QUEUE, {"ids": sorted({uuid.UUID(i) for i in idea_ids})})


# ---- reads --------------------------------------------------------------------------------------------------------


_DOCUMENT_COLUMNS = (IDEAS.c.idea_id, IDEAS.c.revision, IDEAS.c.campaign_id, IDEAS.c.campaign_listed,
                     IDEAS.c.submitter_id, IDEAS.c.submitter_name, IDEAS.c.title, IDEAS.c.description,
                     IDEAS.c.status, IDEAS.c.context_id, IDEAS.c.tag_ids, IDEAS.c.tag_text, IDEAS.c.coin_total,
                     IDEAS.c.submitted_at)


def _document(row: Any) -> SearchDocument:
    return SearchDocument(
        idea_id=str(row.idea_id), revision=row.revision, campaign_id=row.campaign_id,
        campaign_listed=row.campaign_listed, submitter_id=str(row.submitter_id or ""),
        submitter_name=row.submitter_name, title=row.title, description=row.description,
        status=IdeaStatus(row.status), context_id=row.context_id, tag_ids=tuple(str(t) for t in row.tag_ids),
        tag_names=tuple(row.tag_text.split()) if row.tag_text else (), coin_total=row.coin_total,
        submitted_at=row.submitted_at)


@dataclass(frozen=True)
class StoredIdea:
    """What an answer shows of one idea."""

    idea: bytes  # coins.v1.Idea, as its owner last described it
    submitter_name: str
    coin_total: int
    tag_ids: tuple[str, ...]


class ReadModel:
    """The read model's queries outside the indexer's transactions."""

    def __init__(self, database: Database):
        self.database = database

    @asynccontextmanager
    async def writer(self) -> AsyncIterator[ReadModelWriter]:
        async with self.database.unit_of_work() as session:
            yield ReadModelWriter(session)

    def alone(self, name: str) -> AbstractAsyncContextManager[bool]:
        """Whether this block is the only one named `name` running on any replica."""
        return self.database.alone(f"coins.search.{name}")

    async def shown(self, idea_ids: Sequence[str],
                    tag_ids: Iterable[str]) -> tuple[dict[str, StoredIdea], dict[str, str]]:
        """What a page of matches shows: its ideas as stored, and the names of its facets' tags (one transaction:
        each round trip to the database counts in a search's time)."""
        ids, tags = [uuid.UUID(i) for i in idea_ids], [uuid.UUID(t) for t in tag_ids]
        if not ids and not tags:
            return {}, {}
        async with self.database.unit_of_work() as session:
            rows = (await session.execute(
                sa.select(IDEAS.c.idea_id, IDEAS.c.idea, IDEAS.c.submitter_name, IDEAS.c.coin_total, IDEAS.c.tag_ids)
                .where(IDEAS.c.idea_id.in_(ids), IDEAS.c.idea_version > 0))).all() if ids else []
            names = (await session.execute(
                sa.select(TAGS.c.tag_id, TAGS.c.name).where(TAGS.c.tag_id.in_(tags)))).all() if tags else []
        return ({str(r.idea_id): StoredIdea(r.idea, r.submitter_name, r.coin_total, tuple(str(t) for t in r.tag_ids))
                 for r in rows}, {str(r.tag_id): r.name for r in names})

    async def campaign_listed(self, campaign_id: str) -> bool | None:
        """Whether strangers see the campaign; None when search has never heard of it."""
        async with self.database.unit_of_work() as session:
            return (await session.execute(sa.select(CAMPAIGNS.c.listed)
                                          .where(CAMPAIGNS.c.campaign_id == campaign_id))).scalar_one_or_none()

    # ---- for an external index ----

    @asynccontextmanager
    async def claim_pending(self, limit: int) -> AsyncIterator[list[SearchDocument]]:
        """The documents of up to `limit` queued ideas, claimed by this replica (SKIP LOCKED) for as long as the
        block runs; they leave the queue only when the block ends normally, so an index that is down loses
        nothing. A queued idea that is still a stub (coins only) leaves the queue unindexed: its own event will
        queue it again."""
        async with self.database.unit_of_work() as session:
            claimed = (sa.select(PENDING.c.idea_id).order_by(PENDING.c.queued_at).limit(limit)
                       .with_for_update(skip_locked=True).cte("claimed"))
            rows = (await session.execute(
                sa.select(claimed.c.idea_id, *_DOCUMENT_COLUMNS[1:], IDEAS.c.idea_version)
                .select_from(claimed.join(IDEAS, IDEAS.c.idea_id == claimed.c.idea_id, isouter=True)))).all()
            yield [_document(r) for r in rows if r.idea_version]
            if rows:
                await session.execute(sa.delete(PENDING).where(PENDING.c.idea_id.in_([r.idea_id for r in rows])))

    async def pending_age_s(self) -> float:
        """Seconds the oldest queued idea has waited for the external index; 0 when none waits."""
        async with self.database.unit_of_work() as session:
            age = (await session.execute(sa.select(sa.func.extract(
                "epoch", sa.func.now() - sa.func.min(PENDING.c.queued_at))))).scalar_one()
        return float(age or 0.0)

    async def revision_barrier(self) -> int:
        """The highest revision given so far, once every transaction writing the ideas has ended: every row
        changed later gets a higher revision, and every earlier change is committed."""
        async with self.database.unit_of_work() as session:
            await session.execute(sa.text("LOCK TABLE search.ideas IN SHARE MODE"))
            return int((await session.execute(sa.text(
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM search.revisions"))).scalar_one())

    async def documents(self, *, after_id: str = "", since_revision: int = 0,
                        limit: int = 1000) -> list[SearchDocument]:
        """Documents in idea id order (keyset pages), optionally only those changed after a revision."""
        query = (sa.select(*_DOCUMENT_COLUMNS).where(IDEAS.c.idea_version > 0, IDEAS.c.revision > since_revision)
                 .order_by(IDEAS.c.idea_id).limit(limit))
        if after_id:
            query = query.where(IDEAS.c.idea_id > uuid.UUID(after_id))
        async with self.database.unit_of_work() as session:
            return [_document(r) for r in (await session.execute(query)).all()]

    async def document_count(self) -> int:
        async with self.database.unit_of_work() as session:
            return int((await session.execute(sa.select(sa.func.count()).select_from(IDEAS)
                                              .where(IDEAS.c.idea_version > 0))).scalar_one())
