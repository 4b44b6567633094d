"""The search handlers over fakes: who the caller is decides the scope given to the backend, hidden campaigns are
missing campaigns, hits keep the backend's order, facets get their tag names, and operators' runs are exclusive."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import pytest

from services.common.concepts import CampaignRole, IdeaStatus
from services.common.context import Caller
from services.common.errors import Aborted, NotFound
from services.search.domain import CampaignPart, Match, Matches, ReindexReport, Scope, SearchQuery
from services.search.handlers import SearchHandlers
from services.search.repository import StoredIdea

ALICE, ROOT = str(uuid.uuid4()), str(uuid.uuid4())


class Backend:
    name = "fake"

    def __init__(self, matches: Matches):
        self.matches = matches
        self.scopes: list[Scope] = []

    async def search(self, query: SearchQuery, scope: Scope) -> Matches:
        self.scopes.append(scope)
        return self.matches

    async def reindex(self) -> ReindexReport:
        return ReindexReport("fake", 3, 0.1)


class ReadModel:
    def __init__(self, stored: dict[str, StoredIdea], listed: dict[str, bool], tags: dict[str, str]):
        self.stored, self.listed, self.tags = stored, listed, tags
        self.busy = False

    async def shown(self, idea_ids: list[str],
                    tag_ids: Iterable[str]) -> tuple[dict[str, StoredIdea], dict[str, str]]:
        return ({i: self.stored[i] for i in idea_ids if i in self.stored},
                {t: self.tags[t] for t in tag_ids if t in self.tags})

    async def campaign_listed(self, campaign_id: str) -> bool | None:
        return self.listed.get(campaign_id)

    @asynccontextmanager
    async def alone(self, name: str) -> AsyncIterator[bool]:
        yield not self.busy


class Parts:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def parts(self, user_id: str) -> list[CampaignPart]:
        self.asked.append(user_id)
        return [CampaignPart("closed-lab", CampaignRole.MANAGER, False)]


class Rebuilder:
    async def rebuild(self):  # type: ignore[no-untyped-def]
        raise AssertionError("not called")


def _idea(title: str) -> StoredIdea:
    return StoredIdea(title.encode(), "Alice", 3, ())


def handlers(matches: Matches, listed: dict[str, bool] | None = None) -> tuple[SearchHandlers, Backend, ReadModel,
                                                                             Parts]:
    backend, parts = Backend(matches), Parts()
    model = ReadModel({"i1": _idea("one"), "i2": _idea("two")}, listed or {}, {"t1": "Green"})
    return SearchHandlers(backend, model, parts, Rebuilder()), backend, model, parts  # type: ignore[arg-type]


def _match(idea_id: str) -> Match:
    return Match(idea_id, 1.0, idea_id, "")


async def test_a_member_is_scoped_by_its_campaign_parts_and_an_admin_without_asking() -> None:
    found, backend, _, parts = handlers(Matches([], 0))
    await found.search(Caller(ALICE, "a@x.org"), SearchQuery(words=("bike",)), "")
    assert parts.asked == [ALICE]
    assert backend.scopes[-1] == Scope(ALICE, member_of=frozenset({"closed-lab"}), reads_all=frozenset({"closed-lab"}))
    await found.search(Caller(ROOT, "r@x.org", frozenset({"admin"})), SearchQuery(words=("bike",)), "")
    assert parts.asked == [ALICE] and backend.scopes[-1].admin


async def test_a_campaign_filter_on_a_hidden_or_unknown_campaign_is_not_found() -> None:
    found, backend, _, _ = handlers(Matches([], 0), listed={"closed-other": False, "open-city": True})
    for campaign_id in ("closed-other", "nowhere"):
        with pytest.raises(NotFound):
            await found.search(Caller(ALICE, "a@x.org"), SearchQuery(words=("x",), campaign_id=campaign_id), "")
    assert backend.scopes == []  # refused before any search
    await found.search(Caller(ALICE, "a@x.org"), SearchQuery(words=("x",), campaign_id="open-city"), "")
    await found.search(Caller(ALICE, "a@x.org"), SearchQuery(words=("x",), campaign_id="closed-lab"), "")
    assert len(backend.scopes) == 2


async def test_hits_keep_the_backends_order_and_facets_get_names_most_first() -> None:
    matches = Matches([_match("i2"), _match("gone"), _match("i1")], total=3,
                      status_counts={IdeaStatus.PENDING: 1, IdeaStatus.COMPETING: 2}, tag_counts={"t1": 2, "t9": 5})
    answer = await handlers(matches)[0].search(Caller(ALICE, "a@x.org"), SearchQuery(words=("x",), limit=2), "")
    assert [h.match.idea_id for h in answer.hits] == ["i2", "i1"]  # an idea the read model no longer has is left out
    assert answer.status_counts == [(IdeaStatus.COMPETING, 2), (IdeaStatus.PENDING, 1)]
    assert answer.tag_counts == [("t9", "", 5), ("t1", "Green", 2)]
    assert answer.total == 3 and answer.next_page_token


async def test_a_capped_count_keeps_paging_while_pages_are_full() -> None:
    caller, query = Caller(ALICE, "a@x.org"), SearchQuery(words=("x",), limit=2)
    full = await handlers(Matches([_match("i1"), _match("i2")], total=2, capped=True))[0].search(caller, query, "")
    assert (full.total, full.counts_capped) == (2, True) and full.next_page_token  # more than 2 match: go on
    short = await handlers(Matches([_match("i1")], total=2, capped=True))[0].search(caller, query, "")
    assert not short.next_page_token  # the page ran out: nothing follows
    exact = await handlers(Matches([_match("i1"), _match("i2")], total=2))[0].search(caller, query, "")
    assert not exact.counts_capped and not exact.next_page_token


async def test_a_reindex_while_another_runs_is_aborted() -> None:
    found, _, model, _ = handlers(Matches([], 0))
    assert (await found.reindex()).document_count == 3
    model.busy = True
    with pytest.raises(Aborted):
        await found.reindex()
