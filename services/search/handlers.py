"""The search RPCs: who may find what, the backend's matches turned into ideas, page tokens bound to their query,
and the operators' reindex and rebuild."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from services.common import paging
from services.common.context import Caller
from services.common.errors import CAMPAIGN_NOT_FOUND, Aborted, InvalidArgument, NotFound
from services.search import domain
from services.search.domain import Match, Matches, ReindexReport, Scope, SearchQuery
from services.search.ports import CampaignParts, SearchBackend
from services.search.rebuild import Rebuilder, RebuildReport
from services.search.repository import ReadModel, StoredIdea

T = TypeVar("T")


@dataclass(frozen=True)
class Hit:
    match: Match
    idea: StoredIdea


@dataclass(frozen=True)
class SearchAnswer:
    hits: list[Hit]
    next_page_token: str
    total: int
    status_counts: list[tuple[domain.IdeaStatus, int]]
    tag_counts: list[tuple[str, str, int]]  # tag id, name, count
    counts_capped: bool = False  # more match than were counted: `total` and the facets are lower bounds


def _fingerprint(query: SearchQuery) -> str:
    """What a page token is bound to: the same words, filters and order (not the page itself)."""
    key = repr((query.words, query.campaign_id, query.status, query.tag_id, query.context_id, query.submitter_id,
                query.submitted_after, query.submitted_before, query.order))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def resume_at(token: str, query: SearchQuery) -> int:
    """The offset a page token resumes at; a token of another query is refused."""
    position = paging.decode(token)
    if not position:
        return 0
    offset = position.get("offset")
    if position.get("query") != _fingerprint(query) or not isinstance(offset, int) or not 0 <= offset:
        raise InvalidArgument("page_token", "page_token belongs to another query; start again without it")
    return offset


def next_token(query: SearchQuery, matches: Matches) -> str:
    """A token while more matches may follow: fewer were counted than are, or the page was full of them."""
    following = query.offset + query.limit
    more = following < matches.total or (matches.capped and len(matches.matches) == query.limit)
    if not more or following > domain.MAX_OFFSET:
        return ""
    return paging.encode({"offset": following, "query": _fingerprint(query)})


def most_first(counts: dict[Any, int]) -> list[tuple[Any, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))


class SearchHandlers:
    def __init__(self, backend: SearchBackend, read_model: ReadModel, parts: CampaignParts, rebuilder: Rebuilder):
        self._backend = backend
        self._read_model = read_model
        self._parts = parts
        self._rebuilder = rebuilder
        self._running: set[asyncio.Future[Any]] = set()  # reindexes that outlive their callers

    async def scope(self, caller: Caller) -> Scope:
        if caller.is_admin:
            return Scope(caller.user_id, admin=True)
        return Scope.of(caller.user_id, False, caller.is_sponsor, await self._parts.parts(caller.user_id))

    async def search(self, caller: Caller, query: SearchQuery, page_token: str) -> SearchAnswer:
        query = SearchQuery(**{**query.__dict__, "offset": resume_at(page_token, query)})
        scope = await self.scope(caller)
        # The campaign's listing asked only of a caller who would not see it unlisted (most searches skip the trip).
        if query.campaign_id and not (scope.sees_campaign(query.campaign_id, listed=False)
                                      or await self._read_model.campaign_listed(query.campaign_id)):
            # The answer of ListIdeas for a hidden campaign: hidden and missing look the same.
            raise NotFound(CAMPAIGN_NOT_FOUND, "no campaign with this id", campaign_id=query.campaign_id)
        matches = await self._backend.search(query, scope)
        stored, names = await self._read_model.shown([m.idea_id for m in matches.matches], matches.tag_counts)
        return SearchAnswer(
            hits=[Hit(m, stored[m.idea_id]) for m in matches.matches if m.idea_id in stored],
            next_page_token=next_token(query, matches), total=matches.total,
            status_counts=most_first(matches.status_counts),
            tag_counts=[(tag_id, names.get(tag_id, ""), n) for tag_id, n in most_first(matches.tag_counts)],
            counts_capped=matches.capped)

    async def reindex(self) -> ReindexReport:
        return await self._alone(self._backend.reindex)

    async def rebuild(self) -> RebuildReport:
        return await self._alone(self._rebuilder.rebuild)

    async def _alone(self, work: Callable[[], Awaitable[T]]) -> T:
        """One reindex or rebuild at a time across replicas, and one a caller that gives up does not cut short: an
        interrupted REINDEX CONCURRENTLY leaves an invalid index behind, a half-copied index costs a redo."""
        async def exclusive() -> T:
            async with self._read_model.alone("reindex") as alone:
                if not alone:
                    raise Aborted("a reindex or rebuild is already running; try again when it has finished",
                                  retry_after_s=5)
                return await work()

        running = asyncio.ensure_future(exclusive())
        self._running.add(running)
        running.add_done_callback(self._running.discard)
        return await asyncio.shield(running)
