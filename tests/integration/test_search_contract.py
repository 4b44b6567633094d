"""The search contract, run against both backends over the same read model: the same hits for the same data, the
same visibility, the same paging. The read model is filled the way the service fills it: domain events through
the indexer (with stream positions as versions); the OpenSearch backend then takes the queued documents.

Cast: campaigns `open-city` (open), `mediated-park` (mediated) — listed — and `closed-lab` (closed, hidden from
strangers). Alice is a member of open-city, Bob manages closed-lab, Carol is a member of closed-lab, Dave is a
stranger everywhere, Sam is closed-lab's sponsor, Root an admin."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from coins.v1 import events_pb2 as ev
from coins.v1 import resources_pb2 as res
from services.common import paging
from services.common.concepts import CampaignRole, IdeaStatus
from services.common.config import Settings
from services.common.context import Caller
from services.common.db import Database
from services.common.errors import Aborted, InvalidArgument, NotFound
from services.common.events import Delivery
from services.search.domain import CampaignPart, SearchOrder, SearchQuery, words
from services.search.handlers import SearchAnswer, SearchHandlers
from services.search.indexing import Indexer
from services.search.ports import SearchBackend
from services.search.postgres import PostgresBackend
from services.search.repository import ReadModel
from tests.integration.search_backends import count_limited, drain, opensearch_backend

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
_positions = itertools.count(1)


def entry_id() -> str:
    """Stream positions as the consumer would hand them over, always later than the previous one."""
    return f"{1_700_000_000_000 + next(_positions)}-0"


@dataclass
class World:
    run: str  # this module's suffix: campaign ids and people are unique per run of the suite
    people: dict[str, str]
    tags: dict[str, str]
    ideas: dict[int, str]

    def campaign(self, name: str) -> str:
        return f"{name}-{self.run}"


def _campaign(campaign_id: str, kind: int, status: int = res.CAMPAIGN_STATUS_ACTIVE) -> res.Campaign:
    return res.Campaign(id=str(uuid.uuid4()), campaign_id=campaign_id, title=campaign_id, type=kind, status=status)


def _event(campaign_id: str, subject: str = "", **payload) -> ev.Event:  # type: ignore[no-untyped-def]
    return ev.Event(event_id=str(uuid.uuid4()), campaign_id=campaign_id, subject=subject, **payload)


# number: (campaign, title, description, tags, status, submitter, coins, context)
IDEAS = {
    1: ("open-city", "Bike racks at every office", "Secure bicycle parking near the entrance", ["Transport"],
        res.IDEA_STATUS_COMPETING, "alice", 30, ""),
    2: ("open-city", "Recycling bins in the kitchen", "Separate bins for paper and plastic", ["Green"],
        res.IDEA_STATUS_COMPETING, "bob", 50, ""),
    3: ("open-city", "Solar panels on the roof", "Renewable energy for the office building", ["Green"],
        res.IDEA_STATUS_ACCEPTED, "carol", 80, ""),
    4: ("open-city", "Office bike repair day", "A mechanic visits monthly to fix bicycles", ["Transport"],
        res.IDEA_STATUS_PENDING, "dave", 0, ""),
    5: ("open-city", "Rejected bike scheme", "Nobody in the workplace wanted it", [], res.IDEA_STATUS_REJECTED,
        "alice", 0, ""),
    6: ("closed-lab", "Secret bike prototype", "Carbon frame", [], res.IDEA_STATUS_COMPETING, "carol", 10, ""),
    7: ("closed-lab", "Lab bike upgrade", "Gears for the lab bike", [], res.IDEA_STATUS_PENDING, "carol", 0, ""),
    8: ("mediated-park", "Park bench repairs", "Fix the broken benches in the park", [],
        res.IDEA_STATUS_COMPETING, "dave", 5, "ctx-42"),
    9: ("mediated-park", "Bicycle lanes around the park", "Safe lanes", [], res.IDEA_STATUS_COMPETING, "alice", 20,
        "ctx-42"),
}
NAMES = {"alice": "Alice Archer", "bob": "Bob Baker", "carol": "Carol Cooper", "dave": "Dave Dunn", "sam": "Sam Stone",
         "root": "Root Admin"}


async def load(indexer: Indexer, run: str) -> World:
    world = World(run, {who: str(uuid.uuid4()) for who in NAMES}, {}, {})
    deliveries: list[ev.Event] = []
    for name, kind in (("open-city", res.CAMPAIGN_TYPE_OPEN), ("mediated-park", res.CAMPAIGN_TYPE_MEDIATED),
                       ("closed-lab", res.CAMPAIGN_TYPE_CLOSED)):
        campaign_id = world.campaign(name)
        deliveries.append(_event(campaign_id, campaign_started=ev.CampaignStarted(
            campaign=_campaign(campaign_id, kind))))
        for tag in ("Transport", "Green"):
            tag_id = world.tags.setdefault(f"{name}/{tag}", str(uuid.uuid4()))
            deliveries.append(_event(campaign_id, tag_changed=ev.TagChanged(
                tag=res.Tag(id=tag_id, campaign_id=campaign_id, name=tag))))
    for number, (name, title, description, tags, status, who, coins, context) in IDEAS.items():
        campaign_id = world.campaign(name)
        idea_id = world.ideas[number] = str(uuid.uuid4())
        idea = res.Idea(id=idea_id, campaign_id=campaign_id, submitter_id=world.people[who],
                        submitter_name=NAMES[who], title=title, description=description, status=status,
                        context_id=context, tag_ids=[world.tags[f"{name}/{t}"] for t in tags])
        idea.submit_time.FromDatetime(T0 + timedelta(hours=number))
        deliveries.append(_event(campaign_id, idea_submitted=ev.IdeaSubmitted(idea=idea)))
        if coins:
            deliveries.append(_event(campaign_id, coins_moved=ev.CoinsMoved(
                operation=ev.COIN_OPERATION_ALLOCATE, idea_totals=[ev.IdeaCoinTotal(idea_id=idea_id,
                                                                                    coin_total=coins)])))
    await indexer.apply([Delivery("coins:events:test", entry_id(), event) for event in deliveries])
    return world


class Parts:
    """The campaign service's answer to "where does this user have a part"."""

    def __init__(self, world: World):
        self._parts = {
            world.people["alice"]: [CampaignPart(world.campaign("open-city"), CampaignRole.MEMBER, False)],
            world.people["bob"]: [CampaignPart(world.campaign("closed-lab"), CampaignRole.MANAGER, False)],
            world.people["carol"]: [CampaignPart(world.campaign("closed-lab"), CampaignRole.MEMBER, False)],
            world.people["sam"]: [CampaignPart(world.campaign("closed-lab"), None, True)],
        }

    async def parts(self, user_id: str) -> list[CampaignPart]:
        return self._parts.get(user_id, [])


class NoRebuild:
    async def rebuild(self):  # type: ignore[no-untyped-def]
        raise AssertionError("not in this suite")


@dataclass
class Search:
    world: World
    handlers: SearchHandlers
    backend: SearchBackend
    indexer: Indexer

    def caller(self, who: str) -> Caller:
        roles = {"root": {"admin"}, "sam": {"sponsor"}}.get(who, set())
        return Caller(self.world.people[who], f"{who}@example.org", frozenset(roles))

    async def answer(self, who: str, text: str, page_token: str = "", **filters) -> SearchAnswer:  # type: ignore[no-untyped-def]
        if "campaign_id" in filters:
            filters["campaign_id"] = self.world.campaign(filters["campaign_id"])
        query = SearchQuery(words=words(text), **filters)
        return await self.handlers.search(self.caller(who), query, page_token)

    async def found(self, who: str, text: str, **filters) -> set[int]:  # type: ignore[no-untyped-def]
        answer = await self.answer(who, text, **filters)
        assert answer.total == len(answer.hits), "a test query fits one page"
        return {self.number(h.match.idea_id) for h in answer.hits}

    async def ordered(self, who: str, text: str, **filters) -> list[int]:  # type: ignore[no-untyped-def]
        return [self.number(h.match.idea_id) for h in (await self.answer(who, text, **filters)).hits]

    def number(self, idea_id: str) -> int:
        return next(n for n, i in self.world.ideas.items() if i == idea_id)

    async def settle(self) -> None:
        await drain(self.backend)


@pytest.fixture(scope="module")
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(Settings.from_env("search", {"DATABASE_URL": database_url, "COINS_DB_POOL_SIZE": "4"}))
    yield db
    await db.close()


@pytest.fixture(scope="module", params=["postgres", "opensearch"])
async def search(request: pytest.FixtureRequest, database: Database) -> AsyncIterator[Search]:
    read_model = ReadModel(database)
    run = uuid.uuid4().hex[:8]
    async with database.unit_of_work() as session:  # an admin finds everything: only this world may be there
        await session.execute(sa.text("TRUNCATE search.ideas, search.campaigns, search.tags, search.people, "
                                      "search.pending"))
    if request.param == "postgres":
        backend: SearchBackend = PostgresBackend(database)
    else:
        backend = await opensearch_backend(request, read_model, alias=f"contract-{run}")
    indexer = Indexer(read_model, queue_for_index=request.param == "opensearch")
    world = await load(indexer, run)
    handlers = SearchHandlers(backend, read_model, Parts(world), NoRebuild())  # type: ignore[arg-type]
    found = Search(world, handlers, backend, indexer)
    await found.settle()
    yield found
    await backend.close()


# ---- what a word matches ---------------------------------------------------------------------------------------


async def test_a_plural_finds_the_singular_and_word_order_does_not_matter(search: Search) -> None:
    assert await search.found("dave", "bikes") == {1, 4}
    assert await search.found("dave", "panels solar") == {3}
    assert await search.found("dave", "roof solar panel") == {3}


async def test_typos_are_forgiven_by_the_length_of_the_word(search: Search) -> None:
    assert await search.found("dave", "recyclng bins") == {2}  # one letter missing
    assert await search.found("dave", "solr panels") == {3}
    assert await search.found("dave", "renewable enrgy") == {3}
    assert await search.found("dave", "entrenze") == {1}  # two letters wrong in a long word
    assert await search.found("dave", "bins kitchn") == {2}
    assert await search.found("dave", "bak kitchen") == set()  # under four letters a word matches only itself
    assert await search.found("dave", "baker kitchen") == {2}
    assert await search.found("dave", "bake") == {1, 2, 4}  # one edit from "bike"; the last word begins "Baker"


async def test_the_last_word_also_matches_the_words_it_begins(search: Search) -> None:
    assert await search.found("dave", "recyc") == {2}
    assert await search.found("dave", "bic") == {1, 4, 9}  # "bicycle(s)" in descriptions and a title
    assert await search.found("dave", "rec kitchen") == set()  # only the last word is a prefix
    assert await search.found("dave", "recy") == {2}  # the word as typed begins "recycling"; its stem "reci" not
    assert await search.found("root", "workp") == {5}
    assert await search.found("root", "works") == set()  # its stem "work" begins "workplace"; "works" does not


async def test_tags_descriptions_and_submitter_names_are_searched(search: Search) -> None:
    assert await search.found("dave", "transport") == {1, 4}
    assert await search.found("dave", "mechanic") == {4}
    assert await search.found("dave", "archer") == {1, 9}  # Alice's visible ideas; her rejected one stays hidden


async def test_a_query_of_stop_words_finds_nothing(search: Search) -> None:
    answer = await search.answer("root", "the of and")
    assert (answer.total, answer.hits, answer.status_counts) == (0, [], [])


async def test_an_empty_or_too_long_query_is_refused(search: Search) -> None:
    with pytest.raises(InvalidArgument):
        words("  ...  ")
    with pytest.raises(InvalidArgument):
        words("bike " * 50)


# ---- who sees what ---------------------------------------------------------------------------------------------


async def test_each_caller_finds_exactly_the_ideas_it_may_see(search: Search) -> None:
    bike = "bike"
    assert await search.found("root", bike) == {1, 4, 5, 6, 7}
    # A stranger: public ideas of listed campaigns and its own pending one.
    assert await search.found("dave", bike) == {1, 4}
    # A member of open-city: its own rejected idea too, nobody else's pending one.
    assert await search.found("alice", bike) == {1, 5}
    # A member of the closed campaign: its public ideas and its own pending one.
    assert await search.found("carol", bike) == {1, 6, 7}
    # Its manager reads everything there, and only the public ideas elsewhere.
    assert await search.found("bob", bike) == {1, 6, 7}
    # A listed sponsor with the system sponsor role reads everything in its campaign.
    assert await search.found("sam", bike) == {1, 6, 7}


async def test_a_sponsor_without_the_sponsor_role_sees_the_campaign_as_a_stranger(search: Search) -> None:
    caller = Caller(search.world.people["sam"], "sam@example.org", frozenset())
    answer = await search.handlers.search(caller, SearchQuery(words=("bike",)), "")
    assert {search.number(h.match.idea_id) for h in answer.hits} == {1}


async def test_no_filter_and_no_facet_reaches_a_hidden_idea(search: Search) -> None:
    # Dave may see ideas 1 and 4 of those about bikes: every filter and facet agrees.
    people, tags = search.world.people, search.world.tags
    for status, expected in ((IdeaStatus.PENDING, {4}), (IdeaStatus.REJECTED, set()),
                             (IdeaStatus.COMPETING, {1})):
        assert await search.found("dave", "bike", status=status) == expected
    assert await search.found("dave", "bike", submitter_id=people["carol"]) == set()
    assert await search.found("dave", "bike", submitter_id=people["alice"]) == {1}
    assert await search.found("dave", "bike", tag_id=tags["open-city/Transport"]) == {1, 4}
    assert await search.found("dave", "park", context_id="ctx-42") == {8, 9}
    answer = await search.answer("dave", "bike")
    assert answer.total == 2
    assert dict(answer.status_counts) == {IdeaStatus.COMPETING: 1, IdeaStatus.PENDING: 1}
    assert [(name, n) for _, name, n in answer.tag_counts] == [("Transport", 2)]
    with pytest.raises(NotFound) as hidden:
        await search.answer("dave", "bike", campaign_id="closed-lab")
    assert hidden.value.reason == "CAMPAIGN_001"
    with pytest.raises(NotFound):
        await search.answer("dave", "bike", campaign_id="no-such-campaign")


async def test_the_campaign_filter_keeps_the_callers_rules(search: Search) -> None:
    assert await search.found("carol", "bike", campaign_id="closed-lab") == {6, 7}
    assert await search.found("root", "bike", campaign_id="open-city") == {1, 4, 5}
    assert await search.found("dave", "bike", campaign_id="open-city") == {1, 4}


# ---- order, pages, facets, highlights ----------------------------------------------------------------------------


async def test_results_sort_by_coins_by_recency_and_by_relevance(search: Search) -> None:
    assert await search.ordered("dave", "office", order=SearchOrder.MOST_COINS) == [3, 1, 4]
    assert await search.ordered("dave", "office", order=SearchOrder.NEWEST) == [4, 3, 1]
    # A word in the title outranks the same word in the description.
    relevance = await search.ordered("dave", "office")
    assert relevance.index(1) < relevance.index(3) and relevance.index(4) < relevance.index(3)


async def test_submit_time_filters_include_the_start_and_exclude_the_end(search: Search) -> None:
    found = await search.found("root", "bike", submitted_after=T0 + timedelta(hours=4),
                               submitted_before=T0 + timedelta(hours=7))
    assert found == {4, 5, 6}


async def test_pages_cover_every_hit_once_and_tokens_belong_to_their_query(search: Search) -> None:
    seen: list[int] = []
    token = ""
    while True:
        answer = await search.answer("root", "bike", page_token=token, limit=2, order=SearchOrder.NEWEST)
        assert answer.total == 5
        seen += [search.number(h.match.idea_id) for h in answer.hits]
        token = answer.next_page_token
        if not token:
            break
    assert seen == [7, 6, 5, 4, 1]
    first = await search.answer("root", "bike", limit=2)
    with pytest.raises(InvalidArgument) as refused:
        await search.answer("root", "park", page_token=first.next_page_token, limit=2)
    assert "another query" in str(refused.value)
    with pytest.raises(InvalidArgument):
        await search.answer("root", "bike", page_token=paging.encode({"offset": 2}) + "x")


async def test_facets_count_every_match_not_just_the_page(search: Search) -> None:
    answer = await search.answer("root", "bike", limit=1)
    assert len(answer.hits) == 1 and answer.total == 5
    assert dict(answer.status_counts) == {IdeaStatus.COMPETING: 2, IdeaStatus.PENDING: 2, IdeaStatus.REJECTED: 1}
    assert answer.status_counts[0][1] == 2  # most first
    assert [(name, n) for _, name, n in answer.tag_counts] == [("Transport", 2)]


async def pages_of_one(search: Search, text: str) -> list[int]:
    """Root's matches for the text, one page at a time in the relevance order."""
    seen: list[int] = []
    token = None
    while token != "":
        page = await search.answer("root", text, page_token=token or "", limit=1)
        seen += [search.number(h.match.idea_id) for h in page.hits]
        token = page.next_page_token
    return seen


async def test_relevance_pages_follow_the_order_of_one_page(search: Search) -> None:
    # "office" is in two titles and one description: the pages cross from the title matches to the other
    for text in ("office", "bike", "park"):
        assert await pages_of_one(search, text) == await search.ordered("root", text)


async def test_a_broad_query_is_counted_up_to_the_limit_and_still_paged_to_its_end(
        search: Search, database: Database, request: pytest.FixtureRequest) -> None:
    read_model = ReadModel(database)
    backend = count_limited(request, search.backend, read_model, count_limit=3)
    capped = Search(search.world, SearchHandlers(backend, read_model, Parts(search.world), NoRebuild()),  # type: ignore[arg-type]
                    backend, search.indexer)
    try:
        answer = await capped.answer("root", "bike", limit=2, order=SearchOrder.NEWEST)  # five match
        assert (answer.total, answer.counts_capped) == (3, True)
        every = {IdeaStatus.COMPETING: 2, IdeaStatus.PENDING: 2, IdeaStatus.REJECTED: 1}
        assert sum(n for _, n in answer.status_counts) == 3  # the facets of the matches counted
        assert all(n <= every[status] for status, n in answer.status_counts)
        seen, token = [], answer.next_page_token
        seen += [search.number(h.match.idea_id) for h in answer.hits]
        while token:
            page = await capped.answer("root", "bike", page_token=token, limit=2, order=SearchOrder.NEWEST)
            seen += [search.number(h.match.idea_id) for h in page.hits]
            token = page.next_page_token
        assert seen == [7, 6, 5, 4, 1]  # every match, in order, past the count
        assert await pages_of_one(capped, "bike") == await search.ordered("root", "bike")  # and by relevance
        exactly = await capped.answer("root", "park")  # three match: "parking" too
        assert (exactly.total, exactly.counts_capped, len(exactly.hits)) == (3, False, 3)
    finally:
        await backend.close()


async def test_matched_words_are_marked_in_titles_and_descriptions(search: Search) -> None:
    answer = await search.answer("dave", "secure racks")
    (hit,) = answer.hits
    assert "<mark>racks</mark>" in hit.match.title_highlight
    assert "<mark>Secure</mark>" in hit.match.description_highlight
    (plain,) = (await search.answer("dave", "solar")).hits
    assert "<mark>Solar</mark>" in plain.match.title_highlight
    assert plain.match.description_highlight == ""  # nothing matched there


async def test_hits_carry_the_idea_with_its_coins_and_submitter(search: Search) -> None:
    (hit,) = (await search.answer("dave", "solar")).hits
    idea = res.Idea.FromString(hit.idea.idea)
    assert (idea.title, hit.idea.coin_total, hit.idea.submitter_name) == ("Solar panels on the roof", 80,
                                                                          "Carol Cooper")
    assert hit.match.score > 0


# ---- the read model follows the events -------------------------------------------------------------------------


async def _apply(search: Search, *events: ev.Event, position: str | None = None) -> None:
    await search.indexer.apply([Delivery("coins:events:test", position or entry_id(), e) for e in events])
    await search.settle()


async def test_an_older_event_never_overwrites_a_newer_state(search: Search) -> None:
    world = search.world
    late = entry_id()
    campaign_id = world.campaign("mediated-park")
    idea = res.Idea(id=world.ideas[8], campaign_id=campaign_id, submitter_id=world.people["dave"],
                    submitter_name="Dave Dunn", title="Park bench repairs and varnishing",
                    description="Fix the broken benches in the park", status=res.IDEA_STATUS_COMPETING,
                    context_id="ctx-42")
    idea.submit_time.FromDatetime(T0 + timedelta(hours=8))
    await _apply(search, _event(campaign_id, idea_edited=ev.IdeaEdited(idea=idea)))
    assert await search.found("dave", "varnishing") == {8}
    stale = res.Idea()
    stale.CopyFrom(idea)
    stale.title = "Park bench stale title"
    await _apply(search, _event(campaign_id, idea_edited=ev.IdeaEdited(idea=stale)), position=late)
    assert await search.found("dave", "varnishing") == {8}
    assert await search.found("dave", "stale") == set()


async def test_a_rename_a_tag_change_and_a_coin_move_reach_the_results(search: Search) -> None:
    world = search.world
    renamed = ev.UserRenamed(full_name="Carol Quinn", previous_full_name="Carol Cooper")
    await _apply(search, _event("", subject=f"users/{world.people['carol']}", user_renamed=renamed))
    assert await search.found("dave", "quinn") == {3}
    assert await search.found("dave", "cooper") == set()
    campaign_id = world.campaign("open-city")
    await _apply(search, _event(campaign_id, tag_changed=ev.TagChanged(tag=res.Tag(
        id=world.tags["open-city/Green"], campaign_id=campaign_id, name="Sustainability"))))
    assert await search.found("dave", "sustainability") == {2, 3}
    await _apply(search, _event(campaign_id, coins_moved=ev.CoinsMoved(
        operation=ev.COIN_OPERATION_ALLOCATE, idea_totals=[ev.IdeaCoinTotal(idea_id=world.ideas[2], coin_total=95)])))
    assert await search.ordered("dave", "sustainability", order=SearchOrder.MOST_COINS) == [2, 3]


async def test_a_deleted_tag_leaves_every_idea_its_filter_and_its_facet(search: Search) -> None:
    world = search.world
    campaign_id = world.campaign("open-city")
    transport = world.tags["open-city/Transport"]
    assert await search.found("dave", "bike", tag_id=transport) == {1, 4}
    await _apply(search, _event(campaign_id, tag_deleted=ev.TagDeleted(tag_id=transport)))
    assert await search.found("dave", "transport") == set()
    assert await search.found("dave", "bike", tag_id=transport) == set()
    assert (await search.answer("dave", "bike")).tag_counts == []
    # An idea event written before the deletion and read after it does not bring the tag back.
    idea = res.Idea(id=world.ideas[1], campaign_id=campaign_id, submitter_id=world.people["alice"],
                    submitter_name="Alice Archer", title="Bike racks at every office",
                    description="Secure bicycle parking near the entrance", status=res.IDEA_STATUS_COMPETING,
                    tag_ids=[transport])
    idea.submit_time.FromDatetime(T0 + timedelta(hours=1))
    await _apply(search, _event(campaign_id, idea_edited=ev.IdeaEdited(idea=idea)))
    assert await search.found("dave", "bike", tag_id=transport) == set()


async def test_a_campaign_that_opens_to_strangers_shows_its_ideas(search: Search) -> None:
    world = search.world
    campaign_id = world.campaign("late-start")
    idea = res.Idea(id=str(uuid.uuid4()), campaign_id=campaign_id, submitter_id=world.people["alice"],
                    submitter_name="Alice Archer", title="Hammock corner", status=res.IDEA_STATUS_COMPETING)
    await _apply(search, _event(campaign_id, idea_submitted=ev.IdeaSubmitted(idea=idea)))
    assert (await search.answer("root", "hammock")).total == 1
    assert (await search.answer("dave", "hammock")).total == 0  # nothing says the campaign is listed yet
    await _apply(search, _event(campaign_id, campaign_started=ev.CampaignStarted(
        campaign=_campaign(campaign_id, res.CAMPAIGN_TYPE_OPEN))))
    assert (await search.answer("dave", "hammock")).total == 1
    await _apply(search, _event(campaign_id, campaign_changed=ev.CampaignChanged(
        campaign=_campaign(campaign_id, res.CAMPAIGN_TYPE_CLOSED))))
    assert (await search.answer("dave", "hammock")).total == 0


async def test_a_coin_total_that_arrives_before_its_idea_is_kept_and_never_shown_alone(search: Search,
                                                                                    database: Database) -> None:
    world = search.world
    campaign_id = world.campaign("open-city")
    idea_id = str(uuid.uuid4())
    await _apply(search, _event(campaign_id, coins_moved=ev.CoinsMoved(
        operation=ev.COIN_OPERATION_OPEN_IDEA, idea_totals=[ev.IdeaCoinTotal(idea_id=idea_id, coin_total=7)])))
    async with database.unit_of_work() as session:
        stub = (await session.execute(sa.text("SELECT idea_version, coin_total FROM search.ideas WHERE idea_id = :i"),
                                      {"i": uuid.UUID(idea_id)})).one()
    assert tuple(stub) == (0, 7)
    idea = res.Idea(id=idea_id, campaign_id=campaign_id, submitter_id=world.people["alice"],
                    submitter_name="Alice Archer", title="Treadmill desks", status=res.IDEA_STATUS_COMPETING)
    await _apply(search, _event(campaign_id, idea_submitted=ev.IdeaSubmitted(idea=idea)))
    (hit,) = (await search.answer("dave", "treadmill")).hits
    assert hit.idea.coin_total == 7


# ---- operators ---------------------------------------------------------------------------------------------------


async def test_one_reindex_at_a_time_and_a_caller_giving_up_does_not_cut_it_short(search: Search,
                                                                                    database: Database) -> None:
    first, second = await asyncio.gather(search.handlers.reindex(), search.handlers.reindex(),
                                         return_exceptions=True)
    outcomes = sorted([type(first).__name__, type(second).__name__])
    assert outcomes == ["Aborted", "ReindexReport"]
    impatient = asyncio.ensure_future(search.handlers.reindex())
    await asyncio.sleep(0)  # it started: its reindex runs on its own, the caller waits on it
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    report = None
    for _ in range(200):  # the abandoned reindex finishes by itself; then the next one may run
        try:
            report = await search.handlers.reindex()
            break
        except Aborted:
            await asyncio.sleep(0.1)
    assert report is not None and report.document_count >= len(IDEAS)
    async with database.unit_of_work() as session:
        invalid = (await session.execute(sa.text(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'search' AND NOT i.indisvalid"))).scalar()
    assert invalid == 0
    assert await search.found("dave", "bikes") == {1, 4}
