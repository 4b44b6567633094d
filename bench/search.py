"""make bench-search: the search service's two backends over the same read model, measured in one run.

A private PostgreSQL (migrated) and Redis, and a real OpenSearch node (tools/opensearch/node.py, heap 1g). Ideas are
made up from an embedded workplace vocabulary drawn with a Zipf-like law (seeded: every run writes the same text)
and loaded the way the service loads them: coins.v1 events (CampaignStarted, TagChanged, IdeaSubmitted, CoinsMoved)
handed to `Indexer.apply` in batches of 500 with growing stream positions; for OpenSearch the queued documents are
then taken by the backend's own projector. Then, as a member of the campaign who is not an admin (the visibility
rules are part of every query), sequentially and after a warm-up, through `SearchHandlers.search` (what a user gets
minus gRPC: the backend's query, then the page's ideas read from the read model):
(1) one word of middling frequency, (2) three words with a typo in one of five letters or more, (3) a word with the
campaign, status and tag filters (facets are computed by every query), (4) the first 3-5 letters of a word alone
(search as you type). At scale (OpenSearch only) the same over 1,000,000 ideas in 100 campaigns, with and without a
campaign filter. Last, index lag: a real StreamConsumer on a Redis stream receives IdeaEdited events at a steady
rate, each with a unique word in its title, and a prober times publish -> first search that finds the word.
Prints a table per section and writes bench/out/search.json.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import itertools
import os
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from statistics import mean
from typing import Any, cast

import sqlalchemy as sa
from opensearchpy import AsyncOpenSearch
from redis.asyncio import Redis

from bench.coins import save
from bench.notify import percentile
from coins.v1 import events_pb2 as ev
from coins.v1 import resources_pb2 as res
from services.common.concepts import CampaignRole, IdeaStatus
from services.common.config import EventSettings, Settings
from services.common.context import Caller
from services.common.db import Database
from services.common.events import Delivery, StreamConsumer, new_event, stream_fields, stream_for
from services.search import indexing
from services.search.domain import CampaignPart, Scope, SearchQuery
from services.search.handlers import SearchHandlers
from services.search.indexing import Indexer
from services.search.opensearch import REFRESH_INTERVAL, OpenSearchBackend
from services.search.ports import Owners, SearchBackend
from services.search.postgres import PostgresBackend
from services.search.rebuild import Rebuilder
from services.search.repository import ReadModel
from tools.devstack import Ports, Stack
from tools.opensearch.node import OpenSearchNode, free_port

SEED = 20261126
BATCH = 500  # deliveries per Indexer.apply: the service's COINS_SEARCH_INDEX_BATCH
WARMUP = 100  # unmeasured queries of each type, all before the first measured one (OpenSearch's JIT needs them)
SAMPLE_EVERY = 10  # the lag prober follows every 10th published edit
PROBE_ROUND_S = 0.05  # the prober searches for each marker it still waits for once per round
PROBES = 4  # searches in flight at once: the PostgreSQL pool has connections for the consumer too
LAG_TIMEOUT_S = 30.0  # a marker not found by then counts as this
REFRESH_WATCH_S = 0.25  # how often the lag run reads OpenSearch's refresh statistics
FIRST_POSITION_MS = 1_700_000_000_000  # fake stream positions for the load: older than any real entry id
T_END = datetime(2026, 11, 1, tzinfo=timezone.utc)
SUBMIT_DAYS = 60
SUBMITTERS = 2_000
TARGET_100K_P95_MS, TARGET_1M_P95_MS, TARGET_LAG_P95_S = 50.0, 100.0, 2.0

# ---- the text ------------------------------------------------------------------------------------------------------

NOUNS = """
meeting process team office customer employee manager project tool system report budget cost time idea plan goal
kitchen desk printer computer laptop screen chair room space building bike car bus train trip lunch snack break
light bottle cup bin plant garden window door stair elevator sign board wall floor parcel delivery supplier contract
invoice payment expense order warehouse shipment package product service feature release bug test review survey
course workshop session mentor handbook policy rule form template document file folder archive database dashboard
metric target result sale market campaign event party holiday shift schedule calendar deadline task ticket request
approval signature email message chat channel call video camera microphone headset license app website page account
password badge key locker shower towel charger battery cable network server backup risk accident sport gym walk
volunteer charity donation community neighbour school student intern graduate interview candidate salary bonus
reward vote prize award visitor guest client partner vendor question answer problem solution step habit routine
lamp heater fridge microwave kettle sink bag box shelf cabinet drawer plate meal fruit vegetable machine robot
sensor device phone tablet keyboard monitor sticker poster banner brochure newsletter podcast blog forum wiki
""".split()
UNCOUNTED = "energy waste paper plastic water noise air heating parking travel feedback safety security health " \
            "wellbeing furniture equipment software hardware recycling training onboarding coffee tea".split()
VERBS = """
reduce improve share create build replace install remove add offer provide organise automate simplify track
measure reuse recycle repair clean move switch open close start print cook walk cycle drive carpool teach learn help
support publish update upgrade digitise connect welcome celebrate recognise donate collect sort label deliver book
rent borrow lend host invite join visit discuss decide approve send answer record stream translate monitor compare
lower raise extend limit allow encourage introduce launch rotate save plan cut set run shop ship swap drop scan plug
chat log jog fix mend
""".split()
DOUBLED = {"plan", "cut", "set", "run", "shop", "ship", "swap", "drop", "scan", "plug", "chat", "log", "jog"}
ADJECTIVES = """
green digital shared remote flexible quiet safe healthy local better faster cheaper simple smart weekly monthly
daily annual free paperless electric reusable sustainable efficient modern small large central internal external
mobile online hybrid accessible inclusive friendly secure automatic manual public private social visible clear
regular standard optional extra common old broken empty full quick easy long short early late warm cold bright
natural organic renewable solar fresh useful
""".split()
FUNCTION_WORDS = "the a to of and for in on with our we it is be more all every each by at from that this so can " \
                 "should would could will not no".split()
FIRST_NAMES = """
Ada Alan Amara Ana Andre Anika Ben Bianca Carlos Chen Chloe Dana David Elena Emil Fatima Felix Grace Hana Hugo Ines
Ivan Jamal Jana Kai Karin Leo Lina Lucas Maya Marco Mei Nadia Noah Nora Omar Olga Pavel Priya Rafael Rosa Sami Sara
Tariq Tom Uma Victor Wen Yara Zoe
""".split()
LAST_NAMES = """
Abbott Bauer Castro Dubois Eriksen Fischer Garcia Hansen Ibrahim Jensen Kowalski Larsen Moreau Nakamura Novak
Okafor Petrov Quinn Rossi Schmidt Tanaka Urban Varga Weber Xu Yilmaz Zimmermann Ahmed Brown Costa Diaz Evans Fernandes
Gruber Horvat Ito Jovanovic Kim Lopez Meyer Nielsen Oliveira Park Reyes Silva Torres Virtanen Walsh Young Zhang
""".split()
TAG_NAMES = ["Sustainability", "Wellbeing", "Efficiency", "Customers", "Digital", "Safety", "Learning", "Savings",
             "Community", "Workplace"]
# Most ideas compete; some wait for approval (seen only by their submitter and the managers), some were decided.
STATUSES: list[tuple[res.IdeaStatus, float]] = [
    (res.IDEA_STATUS_COMPETING, 0.80), (res.IDEA_STATUS_PENDING, 0.08), (res.IDEA_STATUS_ACCEPTED, 0.07),
    (res.IDEA_STATUS_REJECTED, 0.05)]


def plural(noun: str) -> str:
    if noun == "shelf":
        return "shelves"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def gerund(verb: str) -> str:
    if verb in DOUBLED:
        return verb + verb[-1] + "ing"
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    return verb + "ing"


def vocabulary() -> list[str]:
    """Content words: nouns with their plurals, verbs with their -ing forms, adjectives; once each."""
    found = [*NOUNS, *map(plural, NOUNS), *UNCOUNTED, *VERBS, *map(gerund, VERBS), *ADJECTIVES]
    return list(dict.fromkeys(found))


class Zipf:
    """Words drawn with probability ~ 1 / rank (the rank order shuffled by the seed, so nouns, verbs and
    adjectives mix at every frequency)."""

    def __init__(self, words: list[str], rng: random.Random):
        self.ranked = words[:]
        rng.shuffle(self.ranked)
        self._cumulative = list(itertools.accumulate(1 / rank for rank in range(1, len(self.ranked) + 1)))
        self._rng = rng

    def draw(self, count: int) -> list[str]:
        top = self._cumulative[-1]
        return [self.ranked[bisect.bisect(self._cumulative, self._rng.random() * top)] for _ in range(count)]

    def band(self, first: int, last: int) -> list[str]:
        """The words of ranks first..last (0 is the most frequent)."""
        return self.ranked[first:last + 1]


class Corpus:
    """Everything random about the ideas, from one seed."""

    def __init__(self, seed: int = SEED):
        self.rng = random.Random(seed)
        self.words = Zipf(vocabulary(), self.rng)
        self.function_words = Zipf(FUNCTION_WORDS, self.rng)
        names = self.rng.sample([f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES], SUBMITTERS)
        self.submitters = [(str(uuid.UUID(int=self.rng.getrandbits(128))), name) for name in names]
        self._statuses = [status for status, _ in STATUSES]
        self._status_weights = [weight for _, weight in STATUSES]

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def title(self) -> str:
        text = " ".join(self.words.draw(self.rng.randint(3, 8)))
        return text[0].upper() + text[1:]

    def description(self) -> str:
        # About a third of running text is words like "the" and "for" (stop words: neither backend indexes them).
        length = self.rng.randint(15, 60)
        content = self.words.draw(length)
        function = self.function_words.draw(length)
        text = " ".join(f if self.rng.random() < 0.3 else c for c, f in zip(content, function))
        return text[0].upper() + text[1:] + "."

    def status(self) -> res.IdeaStatus:
        return self.rng.choices(self._statuses, self._status_weights)[0]


@dataclass
class Campaign:
    campaign_id: str
    listed: bool
    tags: list[res.Tag]
    ideas: list[res.Idea] = field(default_factory=list)  # kept only when asked (the lag run edits them)


def _event(campaign_id: str, payload: Any, source: str, subject: str = "") -> ev.Event:
    return new_event(payload, source=source, campaign_id=campaign_id, subject=subject,
                     occur_time=T_END)


def campaign_events(corpus: Corpus, campaign: Campaign, count: int, keep: bool) -> Iterator[ev.Event]:
    """A campaign's life as its owners tell it: started, its tags, then its ideas in submission order, coins moving
    to ideas already there (most ideas get some)."""
    kind = res.CAMPAIGN_TYPE_OPEN if campaign.listed else res.CAMPAIGN_TYPE_CLOSED
    yield _event(campaign.campaign_id, ev.CampaignStarted(campaign=res.Campaign(
        id=corpus.uuid(), campaign_id=campaign.campaign_id, title=campaign.campaign_id, type=kind,
        status=res.CAMPAIGN_STATUS_ACTIVE)), "campaign")
    for tag in campaign.tags:
        yield _event(campaign.campaign_id, ev.TagChanged(tag=tag), "campaign")
    start = T_END - timedelta(days=SUBMIT_DAYS)
    offsets = sorted(corpus.rng.random() * SUBMIT_DAYS * 86_400 for _ in range(count))
    backed: list[str] = []  # ideas that may receive coins: competing or accepted
    totals: dict[str, int] = {}
    for offset in offsets:
        submitter_id, name = corpus.rng.choice(corpus.submitters)
        tags = corpus.rng.sample(campaign.tags, corpus.rng.randint(1, 2))
        idea = res.Idea(id=corpus.uuid(), campaign_id=campaign.campaign_id, submitter_id=submitter_id,
                        submitter_name=name, title=corpus.title(), description=corpus.description(),
                        status=corpus.status(), tag_ids=[t.id for t in tags])
        idea.submit_time.FromDatetime(start + timedelta(seconds=offset))
        if keep:
            campaign.ideas.append(idea)
        yield _event(campaign.campaign_id, ev.IdeaSubmitted(idea=idea, tags=tags), "idea", f"ideas/{idea.id}")
        if idea.status in (res.IDEA_STATUS_COMPETING, res.IDEA_STATUS_ACCEPTED):
            backed.append(idea.id)
        if backed and corpus.rng.random() < 0.6:
            target = corpus.rng.choice(backed)
            totals[target] = totals.get(target, 0) + corpus.rng.randint(1, 10)
            yield _event(campaign.campaign_id, ev.CoinsMoved(
                operation=ev.COIN_OPERATION_ALLOCATE,
                idea_totals=[ev.IdeaCoinTotal(idea_id=target, coin_total=totals[target], backer_count=1)]), "coin")


def new_campaign(corpus: Corpus, campaign_id: str, listed: bool) -> Campaign:
    return Campaign(campaign_id, listed, [res.Tag(id=corpus.uuid(), campaign_id=campaign_id, name=name)
                                          for name in TAG_NAMES])


# ---- loading ------------------------------------------------------------------------------------------------------


@dataclass
class Load:
    ideas: int = 0
    events: int = 0
    seconds: float = 0.0  # inside Indexer.apply only: making up the events is not the service's work

    def row(self) -> dict[str, Any]:
        return {"ideas": self.ideas, "events": self.events, "seconds": round(self.seconds, 1),
                "ideas_per_s": round(self.ideas / self.seconds) if self.seconds else None,
                "events_per_s": round(self.events / self.seconds) if self.seconds else None}


class Loader:
    """Feeds events to the indexer as the consumer would: batches of deliveries with growing stream positions."""

    def __init__(self, indexer: Indexer):
        self._indexer = indexer
        self._positions = itertools.count(1)

    async def feed(self, events: Iterable[ev.Event], load: Load, say_every: int, label: str) -> None:
        batch: list[Delivery] = []
        next_say = say_every
        for event in events:
            batch.append(Delivery(stream_for(event.source), f"{FIRST_POSITION_MS + next(self._positions)}-0", event))
            load.ideas += event.WhichOneof("payload") == "idea_submitted"
            if len(batch) == BATCH:
                await self._apply(batch, load)
                batch = []
                if load.ideas >= next_say:
                    next_say += say_every
                    print(f"   {label}: {load.ideas:,} ideas in the read model, "
                          f"{load.ideas / load.seconds:,.0f} ideas/s", flush=True)
        await self._apply(batch, load)

    async def _apply(self, batch: list[Delivery], load: Load) -> None:
        if not batch:
            return
        started = time.perf_counter()
        await self._indexer.apply(batch)
        load.seconds += time.perf_counter() - started
        load.events += len(batch)


async def project(backend: OpenSearchBackend, expected: int, say_every: int, label: str) -> dict[str, Any]:
    """Drains the queue with the projector's own step (what project_forever repeats), then one refresh."""
    documents, next_say = 0, say_every
    started = time.perf_counter()
    while taken := await backend.project_once():
        documents += taken
        if documents >= next_say:
            next_say += say_every
            print(f"   {label}: {documents:,}/{expected:,} documents in OpenSearch, "
                  f"{documents / (time.perf_counter() - started):,.0f} documents/s", flush=True)
    seconds = time.perf_counter() - started
    refreshed = time.perf_counter()
    await backend.refresh()
    return {"documents": documents, "seconds": round(seconds, 1),
            "documents_per_s": round(documents / seconds) if seconds else None,
            "refresh_s": round(time.perf_counter() - refreshed, 2)}


# ---- queries ------------------------------------------------------------------------------------------------------

QUERY_TYPES = {
    "one_word": "one word (middling frequency)",
    "typo": "three words, one typo",
    "filtered": "word + campaign, status, tag filters",
    "prefix": "prefix: first 3-5 letters",
}


def typo(word: str, rng: random.Random) -> str:
    """One edit (a letter changed, dropped or doubled) inside the word: not its first letter, nor its last three,
    where English endings are (a typo in "meetings" ending still stems to nothing like "meet")."""
    while True:
        at = rng.randint(1, len(word) - 4)
        letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
        changed = rng.choice([word[:at] + letter + word[at + 1:], word[:at] + word[at + 1:],
                              word[:at] + word[at] + word[at:]])
        if changed != word:
            return changed


@dataclass(frozen=True)
class Workload:
    """The queries of each type, made once and put to every backend."""

    queries: dict[str, list[SearchQuery]]

    @classmethod
    def make(cls, corpus: Corpus, campaigns: list[Campaign], count: int, seed: int,
             campaign_filter: bool = True) -> Workload:
        rng = random.Random(seed)
        middling = corpus.words.band(30, 100)
        common = corpus.words.band(5, 150)
        long_words = [w for w in corpus.words.band(0, 300) if len(w) >= 6]
        made: dict[str, list[SearchQuery]] = {name: [] for name in QUERY_TYPES}
        for _ in range(WARMUP + count):
            campaign = rng.choice(campaigns)
            scoped = campaign.campaign_id if campaign_filter else ""
            made["one_word"].append(SearchQuery(words=(rng.choice(middling),), campaign_id=scoped))
            three = rng.sample(common, 3)
            slot = rng.choice([n for n, w in enumerate(three) if len(w) >= 5] or [0])
            three[slot] = typo(three[slot], rng) if len(three[slot]) >= 5 else three[slot]
            made["typo"].append(SearchQuery(words=tuple(three), campaign_id=scoped))
            made["filtered"].append(SearchQuery(
                words=(rng.choice(middling),), campaign_id=campaign.campaign_id, status=IdeaStatus.COMPETING,
                tag_id=rng.choice(campaign.tags).id))
            word = rng.choice(long_words)
            made["prefix"].append(SearchQuery(words=(word[:rng.randint(3, 5)],), campaign_id=scoped))
        return cls(made)


class MemberParts:
    """The campaign service's answer for the bench's caller: a plain member of the given campaigns."""

    def __init__(self, campaign_ids: list[str]):
        self._parts = [CampaignPart(c, CampaignRole.MEMBER, False) for c in campaign_ids]

    async def parts(self, user_id: str) -> list[CampaignPart]:
        return self._parts


def handlers_for(backend: SearchBackend, read_model: ReadModel, member_of: list[str]) -> SearchHandlers:
    # The bench never rebuilds: the rebuilder is there because the handlers take one.
    rebuilder = Rebuilder(cast(Owners, None), Indexer(read_model, False), cast(Redis, None), backend)
    return SearchHandlers(backend, read_model, MemberParts(member_of), rebuilder)


async def run_queries(handlers: SearchHandlers, caller: Caller, workload: Workload, label: str,
                      only: Sequence[str] = tuple(QUERY_TYPES)) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    # Every type's warm-up before any is measured: a fresh OpenSearch node's JIT compiles its query paths over the
    # first few hundred searches, and measured after only its own warm-up the first type paid for that (bench/README).
    for query in itertools.chain.from_iterable(zip(*(workload.queries[name][:WARMUP] for name in only))):
        await handlers.search(caller, query, "")
    for name in only:
        times: list[float] = []
        totals: list[int] = []
        capped = 0
        for query in workload.queries[name][WARMUP:]:
            started = time.perf_counter()
            answer = await handlers.search(caller, query, "")
            times.append((time.perf_counter() - started) * 1000)
            totals.append(answer.total)
            capped += answer.counts_capped
        rows[name] = {"queries": len(times), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
                      "p99_ms": percentile(times, 99), "max_ms": round(max(times), 1),
                      "hits_mean": round(mean(totals)), "hits_max": max(totals),
                      "capped_pct": round(100 * capped / len(times))}
        print(f"   {label}, {QUERY_TYPES[name]}: p50 {rows[name]['p50_ms']} ms, p95 {rows[name]['p95_ms']} ms, "
              f"p99 {rows[name]['p99_ms']} ms ({_hits(rows[name])} hits on average)", flush=True)
    return rows


# ---- lag ----------------------------------------------------------------------------------------------------------


def marker(rng: random.Random) -> str:
    """A made-up word of ten letters: two of them are never within the two typos a search forgives."""
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))


async def lag_run(redis: Redis, read_model: ReadModel, backend: SearchBackend, queue: bool, campaign: Campaign,
                  seconds: float, rate: float, seed: int) -> dict[str, Any]:
    """Edits at a steady rate through a real consumer; the prober searches for every SAMPLE_EVERY-th marker until
    found. The time is taken at the start of the search that found it (the search before it did not)."""
    stream = stream_for("idea")
    await redis.delete(stream)
    consumer = StreamConsumer(redis, [stream], "search", "bench", None, EventSettings(), batch=BATCH,
                              wants=indexing.wants, batch_handler=Indexer(read_model, queue).apply)
    await consumer.ensure_groups()
    tasks = [asyncio.create_task(consumer.run()), *(asyncio.create_task(job()) for job in backend.background())]
    rng = random.Random(seed)
    scope = Scope("", admin=True)  # the prober looks for a word, not at who may see it
    waiting: dict[str, tuple[str, float]] = {}  # marker -> (idea id, published at)
    found: list[float] = []
    lost: list[str] = []
    rounds: list[float] = []
    published = 0
    done = asyncio.Event()
    probes = asyncio.Semaphore(PROBES)

    async def publish() -> None:
        nonlocal published
        interval = 1 / rate
        due = time.perf_counter()
        end = due + seconds
        # Each idea edited once (while there are enough): a second edit of an idea still being looked for would
        # replace its marker.
        ideas = itertools.cycle(rng.sample(campaign.ideas, len(campaign.ideas)))
        while due < end:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            edited = res.Idea()
            edited.CopyFrom(next(ideas))
            word = marker(rng)
            edited.title = f"{edited.title} {word}"
            event = _event(campaign.campaign_id, ev.IdeaEdited(idea=edited), "idea", f"ideas/{edited.id}")
            await redis.xadd(stream, stream_fields(event.event_id, event.type, event.SerializeToString()),
                             maxlen=EventSettings().stream_maxlen, approximate=True)
            published += 1
            if published % SAMPLE_EVERY == 0:
                waiting[word] = (edited.id, time.perf_counter())
            due += interval
        done.set()

    async def look(word: str, idea_id: str, at: float) -> bool:
        async with probes:
            started = time.perf_counter()
            matches = await backend.search(SearchQuery(words=(word,), campaign_id=campaign.campaign_id), scope)
        if any(m.idea_id == idea_id for m in matches.matches):
            found.append(started - at)
        elif started - at > LAG_TIMEOUT_S:
            lost.append(word)
            found.append(LAG_TIMEOUT_S)
        else:
            return False
        del waiting[word]
        return True

    async def probe() -> None:
        # A round every PROBE_ROUND_S looks for the oldest marker still awaited; only once it is found are the
        # others looked for, side by side. Changes become searchable in the order they came (a queue, then a
        # refresh that shows everything indexed before it), and a younger marker seen late only counts more lag.
        # Looking for every marker every round kept ~15 searches in flight on two cores, slowing the very
        # indexing and refresh it measures (and itself: the slower, the more markers to look for).
        while not (done.is_set() and not waiting):
            round_started = time.perf_counter()
            if waiting:
                oldest, (idea_id, at) = next(iter(waiting.items()))
                if await look(oldest, idea_id, at):
                    await asyncio.gather(*(look(word, idea_id, at) for word, (idea_id, at) in list(waiting.items())))
                rounds.append(time.perf_counter() - round_started)
            await asyncio.sleep(max(0.0, round_started + PROBE_ROUND_S - time.perf_counter()))

    began = time.perf_counter()
    try:
        await asyncio.gather(publish(), probe())
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = time.perf_counter() - began
    return {"published": published, "rate_per_s": round(published / seconds, 1), "samples": len(found),
            "not_found": len(lost), "p50_s": _seconds(found, 50), "p95_s": _seconds(found, 95),
            "max_s": round(max(found), 3) if found else None, "probe_round_ms_p50": percentile(
                [r * 1000 for r in rounds], 50), "seconds": round(elapsed, 1)}


def _seconds(values: list[float], q: float) -> float | None:
    value = percentile([v * 1000 for v in values], q)
    return round(value / 1000, 3) if value is not None else None


@contextlib.asynccontextmanager
async def refreshes_watched(opensearch_url: str, alias: str) -> AsyncIterator[dict[str, Any]]:
    """OpenSearch's refreshes and merges on the index while the block runs, read from its statistics every
    REFRESH_WATCH_S: an edit waits in the index for the next refresh, and a slow refresh holds back every edit
    behind it. A refresh's time is counted when it ends, so the longest is the most refresh time in one reading."""
    client = AsyncOpenSearch(hosts=[opensearch_url], request_timeout=30)
    watched: dict[str, Any] = {}
    readings: list[tuple[int, int, int, int]] = []  # refreshes, their ms, merges, their ms: totals so far

    async def read() -> None:
        total = (await client.indices.stats(index=alias, metric="refresh,merge"))["_all"]["total"]
        readings.append((total["refresh"]["total"], total["refresh"]["total_time_in_millis"],
                         total["merges"]["total"], total["merges"]["total_time_in_millis"]))

    async def watch() -> None:
        while True:
            await asyncio.sleep(REFRESH_WATCH_S)
            await read()

    await read()
    watcher = asyncio.create_task(watch())
    try:
        yield watched
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
        await read()
        await client.close()
    (refreshes, refresh_ms, merges, merge_ms) = (last - first for first, last in zip(readings[0], readings[-1]))
    watched.update(refreshes=refreshes, refresh_ms_mean=round(refresh_ms / refreshes) if refreshes else None,
                   refresh_ms_longest=max(b[1] - a[1] for a, b in zip(readings, readings[1:])),
                   merges=merges, merge_s=round(merge_ms / 1000, 1))


# ---- the run ------------------------------------------------------------------------------------------------------


def say_lag(backend: str, lag: dict[str, Any]) -> None:
    print(f"   {backend}: p50 {lag['p50_s']} s, p95 {lag['p95_s']} s, max {lag['max_s']} s "
          f"({lag['samples']} samples, {lag['rate_per_s']} edits/s)", flush=True)
    if "refreshes" in lag:
        print(f"   {lag['refreshes']} refreshes ({lag['refresh_ms_mean']} ms on average, the longest "
              f"{lag['refresh_ms_longest']} ms), {lag['merges']} merges ({lag['merge_s']} s)", flush=True)


async def run(database_url: str, redis_url: str, opensearch_url: str, args: argparse.Namespace) -> dict[str, Any]:
    database = Database(Settings.from_env("search", {"DATABASE_URL": database_url, "COINS_DB_POOL_SIZE": "4"}))
    redis = Redis.from_url(redis_url)
    read_model = ReadModel(database)
    postgres = PostgresBackend(database)
    opensearch = OpenSearchBackend(read_model, opensearch_url, alias="bench-ideas", batch=BATCH)
    scale_backend: OpenSearchBackend | None = None
    result: dict[str, Any] = {"ideas": args.ideas, "queries_per_type": args.queries}
    try:
        await opensearch.prepare()
        corpus = Corpus()
        caller_id, _ = corpus.submitters[0]  # a submitter too: own pending ideas are part of what they see
        caller = Caller(caller_id, "bench@example.org")
        campaign = new_campaign(corpus, "bench-100k", listed=True)
        loader = Loader(Indexer(read_model, queue_for_index=True))

        print(f"1/5 loading {args.ideas:,} ideas into one campaign through Indexer.apply (batches of {BATCH}) …",
              flush=True)
        load = Load()
        await loader.feed(campaign_events(corpus, campaign, args.ideas, keep=True), load, 25_000, "read model")
        result["load_100k"] = load.row()
        await settle(database)
        print(f"   {load.ideas:,} ideas, {load.events:,} events in {load.seconds:.1f} s: "
              f"{result['load_100k']['ideas_per_s']:,} ideas/s", flush=True)
        print("   OpenSearch: draining the queue with the projector …", flush=True)
        result["project_100k"] = await project(opensearch, load.ideas, 25_000, "projection")
        print(f"   {result['project_100k']['documents']:,} documents in {result['project_100k']['seconds']} s: "
              f"{result['project_100k']['documents_per_s']:,} documents/s; waiting for OpenSearch's merges …",
              flush=True)
        result["project_100k"]["merges_s"] = await merged(opensearch_url, opensearch.alias)

        print(f"2/5 queries at {args.ideas:,} ideas, {args.queries} of each type after {WARMUP} unmeasured, as a "
              "member …", flush=True)
        workload = Workload.make(corpus, [campaign], args.queries, SEED + 1)
        result["queries_100k"] = {}
        for backend in (postgres, opensearch):
            handlers = handlers_for(backend, read_model, [campaign.campaign_id])
            result["queries_100k"][backend.name] = await run_queries(handlers, caller, workload, backend.name)

        print(f"3/5 index lag: {args.lag_seconds:.0f} s of IdeaEdited at {args.lag_rate:.0f}/s through a "
              f"StreamConsumer, every {SAMPLE_EVERY}th probed …", flush=True)
        result["lag"] = {}
        result["lag"]["postgres"] = await lag_run(redis, read_model, postgres, False, campaign, args.lag_seconds,
                                                  args.lag_rate, SEED + 2)
        say_lag("postgres", result["lag"]["postgres"])
        async with refreshes_watched(opensearch_url, opensearch.alias) as watched:
            lag = await lag_run(redis, read_model, opensearch, True, campaign, args.lag_seconds, args.lag_rate,
                                SEED + 2)
        result["lag"]["opensearch"] = {**lag, **watched}
        say_lag("opensearch", result["lag"]["opensearch"])
        campaign.ideas.clear()

        if args.scale:
            scale_backend = OpenSearchBackend(read_model, opensearch_url, alias="bench-scale", batch=BATCH)
            result["scale"] = await scale_run(database, read_model, scale_backend, opensearch_url, corpus, caller,
                                             args)
        return result
    finally:
        for used in (opensearch, scale_backend):
            if used is not None:
                await used.close()
        await redis.aclose()
        await database.close()


async def settle(database: Database) -> None:
    """What autovacuum does soon after a bulk load: the planner's statistics, and the GIN index's pending list
    merged into the index proper (queries scan that list linearly until then)."""
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(sa.text("VACUUM (ANALYZE) search.ideas"))
        await autocommit.execute(sa.text("VACUUM (ANALYZE) search.lexemes"))


async def merged(opensearch_url: str, alias: str, timeout: float = 600) -> float:
    """Waits until OpenSearch has no segment merge running on the index (a bulk load leaves many small segments
    that it merges for a while, on the same cores as everything else); returns the seconds it waited."""
    started = time.perf_counter()
    client = AsyncOpenSearch(hosts=[opensearch_url], request_timeout=30)
    try:
        while time.perf_counter() - started < timeout:
            stats = await client.indices.stats(index=alias, metric="merge")
            if not stats["_all"]["total"]["merges"]["current"]:
                break
            await asyncio.sleep(1)
    finally:
        await client.close()
    return round(time.perf_counter() - started, 1)


async def scale_run(database: Database, read_model: ReadModel, backend: OpenSearchBackend, opensearch_url: str,
                    corpus: Corpus, caller: Caller, args: argparse.Namespace) -> dict[str, Any]:
    """1,000,000 ideas in 100 campaigns (one in ten closed), in the read model and in a fresh OpenSearch index;
    the caller is a member of five of them, one closed."""
    async with database.unit_of_work() as session:  # the scale index holds these ideas alone
        await session.execute(sa.text("TRUNCATE search.ideas, search.pending"))
    await backend.prepare()
    count = args.campaigns
    per_campaign = args.scale_ideas // count
    campaigns = [new_campaign(corpus, f"bench-scale-{n:03}", listed=n % 10 != 9) for n in range(count)]
    member_of = [c.campaign_id for c in campaigns[:4]] + [campaigns[9].campaign_id]
    loader = Loader(Indexer(read_model, queue_for_index=True))
    print(f"4/5 scale: loading {per_campaign * count:,} ideas in {count} campaigns …", flush=True)
    load = Load()
    events = itertools.chain.from_iterable(campaign_events(corpus, c, per_campaign, keep=False) for c in campaigns)
    say_every = max(per_campaign * count // 10, 1)
    await loader.feed(events, load, say_every, "read model")
    await settle(database)
    result: dict[str, Any] = {"ideas": load.ideas, "campaigns": count, "load": load.row()}
    print(f"   {load.ideas:,} ideas in {load.seconds:.0f} s: {result['load']['ideas_per_s']:,} ideas/s; "
          "projecting …", flush=True)
    result["project"] = await project(backend, load.ideas, say_every, "projection")
    print(f"   {result['project']['documents']:,} documents in {result['project']['seconds']} s: "
          f"{result['project']['documents_per_s']:,} documents/s; waiting for OpenSearch's merges …", flush=True)
    result["project"]["merges_s"] = await merged(opensearch_url, backend.alias)

    print(f"5/5 scale: queries over {load.ideas:,} ideas, with and without a campaign filter …", flush=True)
    handlers = handlers_for(backend, read_model, member_of)
    mine = [c for c in campaigns if c.campaign_id in member_of]
    across = Workload.make(corpus, mine, args.queries, SEED + 3, campaign_filter=False)
    within = Workload.make(corpus, mine, args.queries, SEED + 4)
    result["queries_all_campaigns"] = await run_queries(handlers, caller, across, "all campaigns",
                                                        only=("one_word", "typo", "prefix"))
    result["queries_one_campaign"] = await run_queries(handlers, caller, within, "one campaign")
    return result


# ---- the report ---------------------------------------------------------------------------------------------------


def _hits(row: dict[str, Any] | None) -> str:
    """Mean hits as answered, and how many answers said "more than the count limit"."""
    if not row:
        return "-"
    return f"{row['hits_mean']:,}" + (f" ({row['capped_pct']}% capped)" if row.get("capped_pct") else "")


def _latency(row: dict[str, Any] | None) -> str:
    if not row:
        return "-"
    return f"{row['p50_ms']} / {row['p95_ms']} / {row['p99_ms']}"


def report(result: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """Prints the tables; returns the targets as (name, measured, met)."""
    ideas = result["ideas"]
    load, projected = result["load_100k"], result["project_100k"]
    rows = [("read model (PostgreSQL), Indexer.apply", f"{load['ideas']:,} ideas, {load['events']:,} events",
             f"{load['seconds']} s", f"{load['ideas_per_s']:,} ideas/s ({load['events_per_s']:,} events/s)"),
            ("OpenSearch projector (project_once until empty)", f"{projected['documents']:,} documents",
             f"{projected['seconds']} s (merges {projected['merges_s']} s more)",
             f"{projected['documents_per_s']:,} documents/s")]
    scale = result.get("scale")
    if scale:
        rows += [(f"scale: read model, {scale['campaigns']} campaigns", f"{scale['load']['ideas']:,} ideas, "
                  f"{scale['load']['events']:,} events", f"{scale['load']['seconds']} s",
                  f"{scale['load']['ideas_per_s']:,} ideas/s ({scale['load']['events_per_s']:,} events/s)"),
                 ("scale: OpenSearch projector", f"{scale['project']['documents']:,} documents",
                  f"{scale['project']['seconds']} s (merges {scale['project']['merges_s']} s more)",
                  f"{scale['project']['documents_per_s']:,} documents/s")]
    print("\nIndexing\n\n| what | loaded | time | throughput |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")

    queries = result["queries_100k"]
    print(f"\nQueries at {ideas:,} ideas, one campaign, as a member: p50 / p95 / p99 ms "
          f"({result['queries_per_type']} each)\n")
    # Hits differ where the backends read a query differently (the prefix of a word): both are shown.
    print("| query | PostgreSQL | OpenSearch | hits (mean, PostgreSQL / OpenSearch) |\n|---|---|---|---|")
    for name, what in QUERY_TYPES.items():
        print(f"| {what} | {_latency(queries['postgres'][name])} | {_latency(queries['opensearch'][name])} | "
              f"{_hits(queries['postgres'][name])} / {_hits(queries['opensearch'][name])} |")
    targets = [(f"{QUERY_TYPES[name]}: p95 < {TARGET_100K_P95_MS:.0f} ms at {ideas:,}, {backend}",
                f"{queries[backend][name]['p95_ms']} ms", queries[backend][name]["p95_ms"] < TARGET_100K_P95_MS)
               for backend in ("postgres", "opensearch") for name in QUERY_TYPES]

    if scale:
        print(f"\nScale: OpenSearch, {scale['ideas']:,} ideas in {scale['campaigns']} campaigns, as a member of 5: "
              "p50 / p95 / p99 ms\n")
        print("| query | all campaigns the caller sees | one campaign | hits (mean, all / one) |\n|---|---|---|---|")
        for name, what in QUERY_TYPES.items():
            across, within = scale["queries_all_campaigns"].get(name), scale["queries_one_campaign"][name]
            print(f"| {what} | {_latency(across)} | {_latency(within)} | {_hits(across)} / {_hits(within)} |")
        for label, rows_of in (("all campaigns", scale["queries_all_campaigns"]),
                               ("one campaign", scale["queries_one_campaign"])):
            targets += [(f"{QUERY_TYPES[name]}: p95 < {TARGET_1M_P95_MS:.0f} ms at {scale['ideas']:,}, {label}",
                         f"{row['p95_ms']} ms", row["p95_ms"] < TARGET_1M_P95_MS) for name, row in rows_of.items()]

    print("\nIndex lag: publish -> first search that finds the edit (OpenSearch's includes its "
          f"{REFRESH_INTERVAL} refresh interval)\n")
    print("| backend | edits/s | samples | p50 s | p95 s | max s | probe round ms (p50) |")
    print("|---|---|---|---|---|---|---|")
    for backend, lag in result["lag"].items():
        print(f"| {backend} | {lag['rate_per_s']} | {lag['samples']} | {lag['p50_s']} | {lag['p95_s']} | "
              f"{lag['max_s']} | {lag['probe_round_ms_p50']} |")
        targets.append((f"index lag p95 < {TARGET_LAG_P95_S:.0f} s, {backend}", f"{lag['p95_s']} s",
                        lag["p95_s"] is not None and lag["p95_s"] < TARGET_LAG_P95_S and not lag["not_found"]))
    watched = result["lag"]["opensearch"]
    print(f"\nOpenSearch during its lag run: {watched['refreshes']} refreshes, {watched['refresh_ms_mean']} ms on "
          f"average, the longest {watched['refresh_ms_longest']} ms; {watched['merges']} merges "
          f"({watched['merge_s']} s)")

    print("\n| target | measured | |\n|---|---|---|")
    for name, measured, met in targets:
        print(f"| {name} | {measured} | {'PASS' if met else 'MISS'} |")
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    env = os.environ.get
    parser.add_argument("--ideas", type=int, default=int(env("BENCH_SEARCH_IDEAS", 100_000)))
    parser.add_argument("--queries", type=int, default=int(env("BENCH_SEARCH_QUERIES", 300)), help="per type")
    parser.add_argument("--lag-seconds", type=float, default=float(env("BENCH_SEARCH_LAG_SECONDS", 30)))
    parser.add_argument("--lag-rate", type=float, default=float(env("BENCH_SEARCH_LAG_RATE", 100)),
                        help="idea edits per second")
    parser.add_argument("--skip-scale", dest="scale", action="store_false",
                        default=env("BENCH_SEARCH_SCALE", "1") not in ("0", "false", "no"))
    # Smaller scale runs only to try the program itself; the targets are for the defaults.
    parser.add_argument("--scale-ideas", type=int, default=1_000_000)
    parser.add_argument("--campaigns", type=int, default=100)
    args = parser.parse_args()
    if args.campaigns < 10 or args.scale_ideas < args.campaigns:
        parser.error("the scale run needs at least 10 campaigns (the caller is a member of five) and an idea each")

    workdir = Path(tempfile.mkdtemp(prefix="search-bench-"))
    stack = Stack(workdir / "stack", Ports.free(), quiet=True, ephemeral=True)
    node = OpenSearchNode(heap=env("COINS_OPENSEARCH_HEAP", "1g"))
    started = time.monotonic()
    load_average = round(os.getloadavg()[0], 2)  # other work on the machine moves every figure: say how much
    try:
        print("starting PostgreSQL, Redis and an OpenSearch node …", flush=True)
        stack.state_dir.mkdir(parents=True)
        stack.database_url = stack.start_postgres()
        stack.migrate()
        stack.redis_url = stack.start_redis()
        node.start(workdir / "opensearch", free_port())
        result = asyncio.run(run(stack.database_url, stack.redis_url, node.url, args))
        result["heap"] = node.heap
        save("search", result, report, started, load_average)
    finally:
        node.stop()
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
