"""The OpenSearch backend (services/search/opensearch.py) against a real node (tools/opensearch/node.py) and the
tier's PostgreSQL read model: what only OpenSearch has. Reindexing under load, catching up after an outage,
external versions, and English analysis in OpenSearch's own analyzers. Each test has its own alias and its own
campaign, so the read model and the queue may be shared with other tests."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from opensearchpy import AsyncOpenSearch
from prometheus_client import REGISTRY

from services.common.concepts import IdeaStatus
from services.common.config import Settings
from services.common.db import Database
from services.common.errors import Unavailable
from services.search import domain
from services.search.domain import Scope, SearchDocument, SearchQuery, words
from services.search.opensearch import OpenSearchBackend
from services.search.repository import CampaignListing, IdeaFields, ReadModel
from tools.opensearch.node import OpenSearchNode

ADMIN = Scope("", admin=True)
_versions = itertools.count(int(time.time() * 1000))  # idea event versions, growing across the session


@pytest.fixture(scope="module")
async def read_model(database_url: str) -> AsyncIterator[ReadModel]:
    database = Database(Settings.from_env("search", {"DATABASE_URL": database_url, "COINS_DB_POOL_SIZE": "4"}))
    yield ReadModel(database)
    await database.close()


@pytest.fixture
async def cluster(opensearch_url: str) -> AsyncIterator[AsyncOpenSearch]:
    """A client of our own, to look behind the backend's alias."""
    client = AsyncOpenSearch(hosts=[opensearch_url], request_timeout=10)
    yield client
    await client.close()


Backends = Callable[..., Awaitable[OpenSearchBackend]]


@pytest.fixture
async def backends(read_model: ReadModel, opensearch_url: str,
                   cluster: AsyncOpenSearch) -> AsyncIterator[Backends]:
    """Prepared backends on a fresh alias each; their indices and template go when the test ends."""
    made: list[OpenSearchBackend] = []

    async def make(model: ReadModel = read_model, **options: Any) -> OpenSearchBackend:
        backend = OpenSearchBackend(model, opensearch_url, alias=f"test-{uuid.uuid4().hex[:10]}",
                                    **{"batch": 200, **options})
        await backend.prepare()
        made.append(backend)
        return backend

    yield make
    for backend in made:
        await backend.close()
        await cluster.indices.delete(index=f"{backend.alias}-v*", ignore_unavailable=True)
        await cluster.indices.delete_index_template(name=backend.alias)


def idea(campaign_id: str, title: str, description: str = "", idea_id: str = "",
         status: IdeaStatus = IdeaStatus.COMPETING) -> IdeaFields:
    return IdeaFields(
        idea_id=idea_id or str(uuid.uuid4()), campaign_id=campaign_id, submitter_id=str(uuid.uuid4()),
        submitter_name="Grace Hopper", title=title, description=description, status=status, context_id="",
        tag_ids=(), submitted_at=datetime.now(UTC), idea=b"", version=next(_versions))


def small_id() -> str:
    """An idea id below any uuid4: the full copy of a reindex passes it on its first page."""
    return str(uuid.UUID(int=random.getrandbits(64)))


async def write(read_model: ReadModel, ideas: list[IdeaFields]) -> None:
    """What the event consumer does: upsert the read model and queue the changed ideas, in one transaction."""
    async with read_model.writer() as writer:
        await writer.campaigns([CampaignListing(c, True, next(_versions)) for c in {i.campaign_id for i in ideas}])
        await writer.queue(await writer.ideas(ideas))


async def drain(backend: OpenSearchBackend) -> None:
    while await backend.project_once():
        pass
    await backend.refresh()


async def hits(backend: OpenSearchBackend, text: str, campaign_id: str) -> list[str]:
    found = await backend.search(SearchQuery(words(text), campaign_id=campaign_id, limit=100), ADMIN)
    return [m.idea_id for m in found.matches]


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        await asyncio.sleep(0.1)


class ChangeDuringCopy(ReadModel):
    """A read model that runs `change` once, right after a reindex has read the first page of its full copy."""

    def __init__(self, database: Database, change: Callable[[], Awaitable[None]]):
        super().__init__(database)
        self._change: Callable[[], Awaitable[None]] | None = change

    async def documents(self, *, after_id: str = "", since_revision: int = 0,
                        limit: int = 1000) -> list[SearchDocument]:
        page = await super().documents(after_id=after_id, since_revision=since_revision, limit=limit)
        if self._change is not None and since_revision == 0:
            change, self._change = self._change, None
            await change()
        return page


async def live_settings(cluster: AsyncOpenSearch, alias: str) -> list[tuple[str, str]]:
    settings = await cluster.indices.get_settings(index=alias, flat_settings=True,
                                                  name="index.refresh_interval,index.merge_on_flush.enabled")
    return [(index["settings"]["index.refresh_interval"], index["settings"]["index.merge_on_flush.enabled"])
            for index in settings.values()]


async def test_reindex_swaps_in_a_new_index_while_searches_go_on(read_model: ReadModel, backends: Backends,
                                                                 cluster: AsyncOpenSearch) -> None:
    campaign = f"reindex-{uuid.uuid4().hex[:8]}"
    first = idea(campaign, "Solar panel on the town hall", idea_id=small_id())
    ideas = [first, *(idea(campaign, f"Solar panel number {n}", "Roofs for clean power.") for n in range(1000))]
    await write(read_model, ideas)
    edited = idea(campaign, "Solar zeppelin on the town hall", idea_id=first.idea_id)
    added = idea(campaign, "Solar zeppelin mooring mast", idea_id=small_id())
    backend: OpenSearchBackend

    async def change() -> None:
        # Written after the copy passed both ideas: the projector sends them to the old index.
        await write(read_model, [edited, added])
        await backend.project_once()

    backend = await backends(ChangeDuringCopy(read_model.database, change))
    await drain(backend)
    old = list(await cluster.indices.get_alias(name=backend.alias))
    answers: list[tuple[float, bool]] = []  # when, and whether more ideas matched than are counted
    done = asyncio.Event()

    async def search_continuously() -> None:
        while not done.is_set():
            found = await backend.search(SearchQuery(("solar",), campaign_id=campaign, limit=5), ADMIN)
            answers.append((time.monotonic(), found.capped))

    searcher = asyncio.create_task(search_continuously())
    started = time.monotonic()
    report = await backend.reindex()
    ended = time.monotonic()
    done.set()
    await searcher  # a failed search fails the test here

    during = [capped for at, capped in answers if started <= at <= ended]
    assert len(during) >= 3, "searches ran while the reindex did"
    # 1,001 ideas match, more than the 1,000 counted: an answer from a half-built index would have counted them all
    assert len(ideas) > domain.COUNT_LIMIT and all(capped for _, capped in answers)
    assert list(await cluster.indices.get_alias(name=backend.alias)) == [report.index]
    assert report.index not in old
    assert not await cluster.indices.exists(index=old[0])
    assert report.document_count >= len(ideas) + 1
    assert (await backend.health())["index"] == report.index
    assert await live_settings(cluster, backend.alias) == [("500ms", "false")]  # not the copy's "no refreshes"
    await backend.refresh()
    assert sorted(await hits(backend, "zeppelin", campaign)) == sorted([edited.idea_id, added.idea_id])
    assert (await backend.search(SearchQuery(("panel",), campaign_id=campaign), ADMIN)).total == len(ideas) - 1


async def test_the_projector_catches_up_after_an_outage(read_model: ReadModel, backends: Backends,
                                                        opensearch_node: OpenSearchNode) -> None:
    campaign = f"outage-{uuid.uuid4().hex[:8]}"
    ideas = [idea(campaign, f"Lighthouse tour {n}") for n in range(3)]
    await write(read_model, ideas)
    backend = await backends(poll_s=0.05)
    await drain(backend)
    assert len(await hits(backend, "lighthouse", campaign)) == 3

    projector = asyncio.create_task(backend.project_forever())
    try:
        await asyncio.to_thread(opensearch_node.stop)
        with pytest.raises(Unavailable):
            await hits(backend, "lighthouse", campaign)
        assert (await backend.health())["reachable"] is False
        renamed = idea(campaign, "Lantern tour", idea_id=ideas[0].idea_id)
        added = idea(campaign, "Lantern workshop")
        await write(read_model, [renamed, added])
        await asyncio.sleep(1.5)  # the projector tries, fails and backs off; the changes stay queued
        assert await read_model.pending_age_s() > 1
        assert (REGISTRY.get_sample_value("coins_search_index_lag_seconds") or 0) > 0

        await asyncio.to_thread(opensearch_node.restart)

        async def caught_up() -> bool:
            return await read_model.pending_age_s() == 0

        await eventually(caught_up, 40, "the queue drains once OpenSearch is back")
    finally:
        projector.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await projector
        if not opensearch_node.running:
            await asyncio.to_thread(opensearch_node.restart)
    await backend.refresh()
    assert sorted(await hits(backend, "lantern", campaign)) == sorted([renamed.idea_id, added.idea_id])
    assert sorted(await hits(backend, "lighthouse", campaign)) == sorted(i.idea_id for i in ideas[1:])
    health = await backend.health()
    assert health["reachable"] is True and health["pending_s"] == 0


def document(campaign_id: str, title: str, description: str = "", revision: int = 1, idea_id: str = "",
             tag_names: tuple[str, ...] = ()) -> SearchDocument:
    return SearchDocument(
        idea_id=idea_id or str(uuid.uuid4()), revision=revision, campaign_id=campaign_id, campaign_listed=True,
        submitter_id=str(uuid.uuid4()), submitter_name="Grace Hopper", title=title, description=description,
        status=IdeaStatus.COMPETING, context_id="", tag_ids=(), tag_names=tag_names, coin_total=0,
        submitted_at=datetime.now(UTC) - timedelta(minutes=1))


async def test_a_new_index_refreshes_every_half_second_without_waiting_for_merges(
        backends: Backends, cluster: AsyncOpenSearch) -> None:
    backend = await backends()
    assert await live_settings(cluster, backend.alias) == [("500ms", "false")]


async def test_a_restart_brings_an_existing_index_to_the_settings_of_the_code(
        backends: Backends, cluster: AsyncOpenSearch) -> None:
    backend = await backends()
    await cluster.indices.put_settings(index=backend.alias, body={"index": {  # what older code left
        "refresh_interval": "1s", "merge_on_flush.enabled": True}})

    await backend.prepare()  # what a restarted service does

    assert await live_settings(cluster, backend.alias) == [("500ms", "false")]


async def test_an_older_revision_never_overwrites_a_newer_one(backends: Backends) -> None:
    backend = await backends()
    campaign = f"versions-{uuid.uuid4().hex[:8]}"
    newer = document(campaign, "Rooftop beehives", revision=5)
    older = document(campaign, "Rooftop pigeon lofts", revision=3, idea_id=newer.idea_id)
    await backend.index([newer])
    await backend.index([older])  # a conflict, quietly: the index keeps revision 5
    await backend.index([newer])  # the same revision again (a replay): no error either
    await backend.refresh()
    assert await hits(backend, "beehives", campaign) == [newer.idea_id]
    assert await hits(backend, "pigeon", campaign) == []


async def test_english_analysis_stems_forgives_typos_completes_the_last_word_and_marks_matches(
        backends: Backends) -> None:
    backend = await backends()
    campaign = f"english-{uuid.uuid4().hex[:8]}"
    bikes = document(campaign, "Bike lanes on the river path",
                     "Paint protected bike lanes along the river so that commuters can cycle to work safely.")
    bins = document(campaign, "Recycling bins in every park", "Bins for plastic and glass.")
    garden = document(campaign, "Community garden", "A shared compost heap for the neighbourhood.",
                      tag_names=("green",))
    await backend.index([bikes, bins, garden])
    await backend.refresh()

    async def found(text: str) -> list[str]:
        return sorted(await hits(backend, text, campaign))

    assert await found("bikes") == [bikes.idea_id]  # plural
    assert await found("lane") == [bikes.idea_id]  # singular of what the title has in the plural
    assert await found("parck") == [bins.idea_id]  # five letters: one edit forgiven
    assert await found("prak") == []  # two edits are too many for four letters
    assert await found("neihbourhod") == [garden.idea_id]  # eleven letters: two edits forgiven
    assert await found("recyc") == [bins.idea_id]  # the last word may be the beginning of a word
    assert await found("riv") == [bikes.idea_id]  # ... even one too short for typos
    assert await found("bins recy") == [bins.idea_id]
    assert await found("recy bins") == []  # ... only the last word
    assert await found("bik lanes") == []  # three letters: no typo forgiven
    assert await found("path river") == [bikes.idea_id]  # word order does not matter
    assert await found("greens") == [garden.idea_id]  # tag names are searched too
    stop_words = await backend.search(SearchQuery(words("the of"), campaign_id=campaign), ADMIN)
    assert (stop_words.total, stop_words.matches, stop_words.status_counts) == (0, [], {})

    [hit] = (await backend.search(SearchQuery(words("bikes"), campaign_id=campaign), ADMIN)).matches
    assert hit.title_highlight == "<mark>Bike</mark> lanes on the river path"
    assert "protected <mark>bike</mark> lanes" in hit.description_highlight
    [hit] = (await backend.search(SearchQuery(words("parck"), campaign_id=campaign), ADMIN)).matches
    assert (hit.title_highlight, hit.description_highlight) == ("Recycling bins in every <mark>park</mark>", "")
    [hit] = (await backend.search(SearchQuery(words("neighbourhoods"), campaign_id=campaign), ADMIN)).matches
    assert hit.title_highlight == "Community garden"  # no match in the title: the title as it is
    assert hit.description_highlight == "A shared compost heap for the <mark>neighbourhood</mark>."


async def test_an_idea_changed_while_the_projector_holds_it_is_queued_again(read_model: ReadModel) -> None:
    campaign = f"claimed-{uuid.uuid4().hex[:8]}"
    first = idea(campaign, "Bicycle repair cafe")
    await write(read_model, [first])
    edited = idea(campaign, "Bicycle repair workshop", idea_id=first.idea_id)

    async with read_model.claim_pending(limit=100_000) as claimed:
        assert first.idea_id in {d.idea_id for d in claimed}
        change = asyncio.create_task(write(read_model, [edited]))
        await asyncio.sleep(0.3)
        assert not change.done(), "the change waits for the claim rather than being dropped from the queue"
    await change

    async with read_model.claim_pending(limit=100_000) as again:
        titles = {d.idea_id: d.title for d in again}
    assert titles.get(first.idea_id) == edited.title
