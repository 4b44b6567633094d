"""make bench-analytics: the analytics service's dashboard, ledger export and read-model lag, for one campaign with
10,000 members, 10,000 ideas and 1,000,000 ledger entries, measured in one run.

The platform runs as `make dev` runs it, minus the search and notification services (see `main`). The campaign is
created and activated through the API (the coin service opens the members' accounts and grants their coins; those
are real events). The bulk of its history is loaded the fast way: the members' accounts and memberships are
inserted with SQL (as bench-notify does), and their joins, invitations, the ideas and 1,000,000 coin moves are
written straight into the campaign, idea and coin Redis streams in the real envelope (coins.v1.Event: MemberJoined,
MemberInvited, TagChanged, IdeaSubmitted, and CoinsMoved with one ledger entry and the idea's new totals each, as
the coin relay publishes an allocation), so the analytics service's own consumer builds the read model; that load
is timed (events/s). Streaming all 1,000,000 moves would take 5-30 minutes on the shared 2-core machine, so only the
first 100,000 are streamed; the other 900,000 are inserted into the read model with SQL (allocations, their ids
after the streamed ones), and the sums the dashboard reads (coins per kind, per hour, backers, each idea's coins and
backers) are then recomputed from all the entries, as the projection would have left them.
Then, through the Envoy gateway as the admin: (1) GetCampaignAnalytics (REST), sequentially, after a warm-up,
and each of its read-model queries timed alone; (2) the 1,000,000-row ledger CSV (ExportCampaignAnalytics, streamed
HttpBody chunks), with the analytics process's resident memory sampled from /proc; (3) the lag of the read model
under a steady load of AllocateCoins calls to the real coin service: from each allocation's answer until the
dashboard's `allocated` includes it.
BENCH_ANALYTICS_SCALE (1.0 default; 0.1 for a quick run) scales members, ideas and entries. Prints tables and
writes bench/out/analytics.json.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import hashlib
import itertools
import os
import random
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import httpx
from redis.asyncio import Redis

from bench import coins
from bench.notify import MEMBERS_SQL, bearer, percentile
from coins.v1 import auth_service_pb2 as auth_pb
from coins.v1 import auth_service_pb2_grpc as auth_rpc
from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import coin_service_pb2 as coin_pb
from coins.v1 import coin_service_pb2_grpc as coin_rpc
from coins.v1 import events_pb2 as ev
from coins.v1 import resources_pb2 as res
from services.analytics.domain import DEFAULT_TOP_IDEAS, TimeBucket
from services.analytics.repository import ReadModel, ReportReader
from services.common.config import EventSettings, Settings
from services.common.db import Database
from services.common.events import lag, new_event, publish, stream_for
from tools.devstack import Ports, Stack

OUT = coins.OUT
SEED = 20261127
CAMPAIGN, TITLE = "bench-analytics", "Bench analytics"
MEMBERS, IDEAS, ENTRIES = 10_000, 10_000, 1_000_000  # at scale 1
STREAMED = 100_000  # of the entries, at scale 1: the rest are inserted with SQL
GROUP = "analytics"  # services/analytics/main.py CONSUMER_GROUP
FAMILIES = ("campaign", "idea", "coin")
HISTORY_DAYS = 30  # the loaded moves are spread over the 30 days before the run
ENTRY_IDS_FROM = 1_000_000_000  # loaded entries' ids: far above the real ledger's (grants, the lag run's moves)
PUBLISH_CHUNK = 5_000  # events per pipelined XADD round
TAGS = ["Sustainability", "Wellbeing", "Efficiency", "Customers", "Digital", "Safety", "Learning", "Savings",
        "Community", "Workplace"]
CONTEXTS = ["", "", "", "townhall-2026", "team-retro", "kiosk-lobby", "intranet-banner", "newsletter-11"]
SOURCES = ["", "", "email", "slack", "qr-code", "intranet"]
# An open campaign: ideas compete on submission; some were decided since.
STATUSES = [(res.IDEA_STATUS_COMPETING, 0.80), (res.IDEA_STATUS_ACCEPTED, 0.07), (res.IDEA_STATUS_IN_PROGRESS, 0.03),
            (res.IDEA_STATUS_COMPLETE, 0.03), (res.IDEA_STATUS_REJECTED, 0.07)]
# The loaded coin moves: mostly allocations, some withdrawals and reallocations.
MOVES = [("allocate", 0.90), ("withdraw", 0.07), ("reallocate", 0.03)]
WARMUP_CALLS = 20
POLL_S = 0.5
LOAD_TIMEOUT_S = 3_600
LAG_TIMEOUT_S = 30.0  # after the load: an allocation not in the dashboard by then counts as this
RSS_EVERY_S = 0.02
TARGET_P95_MS, TARGET_ROWS_PER_S, TARGET_RSS_MB, TARGET_LAG_P95_S = 150.0, 50_000, 100.0, 2.0

COIN_IDEAS_SQL = """
INSERT INTO coin.ideas (idea_id, campaign_id, submitter_id, state)
SELECT unnest($1::uuid[]), $2, unnest($3::uuid[]), 'open'"""
# The entries not streamed: allocations by random members to competing ideas (popular ones drawn more often), spread
# over the same days; then the sums recomputed from every entry, as the projection keeps them (repository.py).
BULK_SQL = """
CREATE TEMP TABLE bench_targets AS
SELECT row_number() OVER (ORDER BY coins DESC, idea_id) - 1 AS n, idea_id FROM analytics.ideas
WHERE campaign_id = '{campaign}' AND status <> 'rejected';
INSERT INTO analytics.entries (entry_id, campaign_id, user_id, kind, amount, idea_id, actor_id, request_id, created_at)
SELECT {first_id} + g, '{campaign}', m.user_id, 'allocate', 1 + g % 5, t.idea_id, m.user_id, 'bench-' || g,
       now() - interval '{days} days' + make_interval(secs => ({streamed} + g) * {days} * 86400.0 / {entries})
FROM generate_series(0, {count} - 1) g
JOIN LATERAL (SELECT md5('member' || (1 + (hashint8(g) & 2147483647) % {members}))::uuid AS user_id) m ON true
JOIN bench_targets t ON t.n = floor(power((hashint8(-g) & 2147483647) / 2147483648.0, 2)
                                    * (SELECT count(*) FROM bench_targets))::bigint;
DELETE FROM analytics.coin_sums WHERE campaign_id = '{campaign}';
INSERT INTO analytics.coin_sums (campaign_id, kind, names_idea, amount)
SELECT campaign_id, kind, idea_id IS NOT NULL, sum(amount) FROM analytics.entries WHERE campaign_id = '{campaign}'
GROUP BY 1, 2, 3;
DELETE FROM analytics.allocated_hourly WHERE campaign_id = '{campaign}';
INSERT INTO analytics.allocated_hourly (campaign_id, hour, allocated)
SELECT campaign_id, date_trunc('hour', created_at, 'UTC'), sum(amount) FROM analytics.entries
WHERE campaign_id = '{campaign}' AND kind = 'allocate' GROUP BY 1, 2;
INSERT INTO analytics.backers (campaign_id, user_id)
SELECT DISTINCT campaign_id, user_id FROM analytics.entries WHERE campaign_id = '{campaign}' AND kind = 'allocate'
ON CONFLICT DO NOTHING;
UPDATE analytics.ideas i SET coins = s.coins, backers = s.backers FROM (
    SELECT idea, sum(delta) AS coins, count(DISTINCT user_id) FILTER (WHERE kind = 'allocate') AS backers FROM (
        SELECT idea_id AS idea, CASE kind WHEN 'withdraw' THEN -amount ELSE amount END AS delta, user_id, kind
        FROM analytics.entries WHERE campaign_id = '{campaign}' AND kind IN ('allocate', 'withdraw', 'reallocate')
        UNION ALL
        SELECT from_idea_id, -amount, user_id, kind FROM analytics.entries
        WHERE campaign_id = '{campaign}' AND kind = 'reallocate') moves GROUP BY idea) s
WHERE i.idea_id = s.idea;
"""
SETTLE_TABLES = ("members", "invitations", "tags", "ideas", "entries", "coin_sums", "allocated_hourly", "backers")


def member_id(n: int) -> str:
    """The id bench.coins mints member n's token for (and MEMBERS_SQL gives its account)."""
    return str(uuid.UUID(hashlib.md5(f"member{n}".encode()).hexdigest()))


@dataclass
class Plan:
    members: int
    ideas: int
    entries: int
    streamed: int  # of the entries


@dataclass
class Idea:
    idea_id: str
    submitter: int  # member number
    competes: bool


@dataclass
class Loaded:
    """What the loader wrote into the streams, and how long the consumer took to apply it."""

    events: dict[str, int] = field(default_factory=dict)  # per family
    entries: int = 0
    publish_s: float = 0.0
    applied_s: float = 0.0
    inserted: int = 0  # entries inserted with SQL
    insert_s: float = 0.0

    def row(self) -> dict[str, Any]:
        total = sum(self.events.values())
        return {"events": self.events, "entries": self.entries, "publish_s": round(self.publish_s, 1),
                "applied_s": round(self.applied_s, 1), "events_per_s": round(total / max(self.applied_s, 1e-9)),
                "entries_per_s": round(self.entries / max(self.applied_s, 1e-9)), "inserted": self.inserted,
                "insert_s": round(self.insert_s, 1)}


class History:
    """Everything random about the loaded campaign, from one seed."""

    def __init__(self, plan: Plan, seed: int = SEED):
        self.plan = plan
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC)
        self.tags = [res.Tag(id=self.uuid(), campaign_id=CAMPAIGN, name=name) for name in TAGS]
        statuses, weights = zip(*STATUSES)
        self.ideas: list[Idea] = []
        self._status = lambda: self.rng.choices(statuses, weights)[0]
        self._start = self.now - timedelta(days=HISTORY_DAYS)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def campaign_events(self) -> Iterator[ev.Event]:
        for tag in self.tags:
            yield new_event(ev.TagChanged(tag=tag), source="campaign", campaign_id=CAMPAIGN, subject=f"tags/{tag.id}")
        for n in range(1, self.plan.members + 1):
            user = member_id(n)
            yield new_event(ev.MemberJoined(user_id=user, role=res.CAMPAIGN_ROLE_MEMBER), source="campaign",
                            campaign_id=CAMPAIGN, subject=f"users/{user}")
        for n in range(1, self.plan.members // 5 + 1):  # invited people, most of whom joined
            yield new_event(ev.MemberInvited(email=f"m{n * 5}@bench.local", role=res.CAMPAIGN_ROLE_MEMBER,
                                             campaign_title=TITLE), source="campaign", campaign_id=CAMPAIGN)

    def idea_events(self) -> Iterator[ev.Event]:
        submitters = max(self.plan.members // 3, 1)  # a third of the members submit
        offsets = sorted(self.rng.random() * HISTORY_DAYS * 86_400 for _ in range(self.plan.ideas))
        for number, offset in enumerate(offsets):
            submitter = self.rng.randint(1, submitters)
            status = self._status()
            submitted = self._start + timedelta(seconds=offset)
            tags = self.rng.sample(self.tags, self.rng.randint(1, 2))
            idea = res.Idea(id=self.uuid(), campaign_id=CAMPAIGN, submitter_id=member_id(submitter),
                            submitter_name=f"Member {submitter}", title=f"Idea {number}: {self.rng.choice(TAGS)}",
                            status=status, context_id=self.rng.choice(CONTEXTS),
                            permalink_source=self.rng.choice(SOURCES), tag_ids=[t.id for t in tags])
            idea.submit_time.FromDatetime(submitted)
            decided = submitted + timedelta(hours=self.rng.uniform(2, 240))
            if status == res.IDEA_STATUS_REJECTED:
                idea.reject_time.FromDatetime(decided)
            elif status != res.IDEA_STATUS_COMPETING:
                idea.accept_time.FromDatetime(decided)
                if status in (res.IDEA_STATUS_IN_PROGRESS, res.IDEA_STATUS_COMPLETE):
                    idea.start_time.FromDatetime(decided + timedelta(hours=self.rng.uniform(1, 72)))
                if status == res.IDEA_STATUS_COMPLETE:
                    idea.complete_time.FromDatetime(idea.start_time.ToDatetime(UTC)
                                                    + timedelta(hours=self.rng.uniform(1, 120)))
            self.ideas.append(Idea(idea.id, submitter, status != res.IDEA_STATUS_REJECTED))
            yield new_event(ev.IdeaSubmitted(idea=idea, tags=tags), source="idea", campaign_id=CAMPAIGN,
                            actor_id=idea.submitter_id, subject=f"ideas/{idea.id}", occur_time=submitted)

    def coin_events(self) -> Iterator[ev.Event]:
        """One CoinsMoved per move, in time order, each with the idea totals after it (as the coin relay tells an
        allocation). Popular ideas draw more coins (weight 1/rank)."""
        targets = [idea for idea in self.ideas if idea.competes] or self.ideas
        weights = list(itertools.accumulate(1 / rank for rank in range(1, len(targets) + 1)))
        coins = [0] * len(targets)
        backers: list[set[int]] = [set() for _ in targets]
        kinds, kind_weights = zip(*MOVES)
        step = HISTORY_DAYS * 86_400 / self.plan.entries
        for n in range(self.plan.streamed):
            member = self.rng.randint(1, self.plan.members)
            at = self._start + timedelta(seconds=n * step)
            target = bisect.bisect(weights, self.rng.random() * weights[-1])
            kind = self.rng.choices(kinds, kind_weights)[0]
            if kind != "allocate" and member not in backers[target]:
                kind = "allocate"  # only a backer withdraws or moves coins away
            amount = self.rng.randint(1, 5)
            entry = res.LedgerEntry(id=str(ENTRY_IDS_FROM + n), campaign_id=CAMPAIGN, user_id=member_id(member),
                                    amount=amount, actor_id=member_id(member), request_id=f"bench-{n}")
            entry.create_time.FromDatetime(at)
            changed = [target]
            if kind == "allocate":
                entry.kind, entry.idea_id = res.LEDGER_ENTRY_KIND_ALLOCATE, targets[target].idea_id
                coins[target] += amount
                backers[target].add(member)
                operation = ev.COIN_OPERATION_ALLOCATE
            elif kind == "withdraw":
                amount = entry.amount = min(amount, coins[target])
                entry.kind, entry.idea_id = res.LEDGER_ENTRY_KIND_WITHDRAW, targets[target].idea_id
                coins[target] -= amount
                operation = ev.COIN_OPERATION_WITHDRAW
            else:
                to = self.rng.randrange(len(targets))
                amount = entry.amount = min(amount, coins[target])
                entry.kind, entry.idea_id = res.LEDGER_ENTRY_KIND_REALLOCATE, targets[to].idea_id
                entry.from_idea_id = targets[target].idea_id
                coins[target] -= amount
                coins[to] += amount
                backers[to].add(member)
                changed.append(to)
                operation = ev.COIN_OPERATION_REALLOCATE
            moved = ev.CoinsMoved(operation=operation, entries=[entry], part=1, part_count=1, idea_totals=[
                ev.IdeaCoinTotal(idea_id=targets[i].idea_id, coin_total=coins[i], backer_count=len(backers[i]))
                for i in changed])
            yield new_event(moved, source="coin", campaign_id=CAMPAIGN, actor_id=entry.actor_id,
                            subject=f"ideas/{entry.idea_id}", occur_time=at)


# ---- loading ------------------------------------------------------------------------------------------------------


async def behind(redis: Redis) -> tuple[float, int]:
    """The analytics group's lag (seconds, the slowest stream) and entries not yet acknowledged."""
    seconds, waiting = 0.0, 0
    for family in FAMILIES:
        stream = stream_for(family)
        seconds = max(seconds, await lag(redis, stream, GROUP))
        for info in await redis.xinfo_groups(stream):
            if info["name"] in (GROUP, GROUP.encode()):
                waiting += int(info.get("lag") or 0) + int(info.get("pending") or 0)
    return seconds, waiting


async def caught_up(redis: Redis, since: float, total: int) -> float:
    """Waits until the analytics group has applied everything in its streams; returns when (monotonic)."""
    last_say = time.monotonic()
    while time.monotonic() - since < LOAD_TIMEOUT_S:
        seconds, waiting = await behind(redis)
        if seconds == 0.0:
            return time.monotonic()
        if time.monotonic() - last_say >= 15:
            last_say = time.monotonic()
            print(f"   {time.monotonic() - since:5.0f} s: {total - waiting:,} of {total:,} events applied", flush=True)
        await asyncio.sleep(POLL_S)
    raise TimeoutError(f"the analytics consumer did not catch up in {LOAD_TIMEOUT_S} s")


async def load(redis: Redis, history: History) -> Loaded:
    """Writes the history into the streams as fast as Redis takes it (the consumer applies it meanwhile), then waits
    until the read model holds all of it."""
    settings = EventSettings()
    loaded = Loaded()
    started = time.monotonic()
    for family, events in (("campaign", history.campaign_events()), ("idea", history.idea_events()),
                           ("coin", history.coin_events())):
        stream = stream_for(family)
        count = 0
        while chunk := list(itertools.islice(events, PUBLISH_CHUNK)):
            await publish(redis, [(stream, e.event_id, e.type, e.SerializeToString(deterministic=True))
                                  for e in chunk], settings)
            count += len(chunk)
            if family == "coin" and count % 100_000 < PUBLISH_CHUNK:
                print(f"   {time.monotonic() - started:5.0f} s: {count:,} coin moves written", flush=True)
        loaded.events[family] = count
    loaded.entries = loaded.events["coin"]
    loaded.publish_s = time.monotonic() - started
    loaded.applied_s = await caught_up(redis, started, sum(loaded.events.values())) - started
    return loaded


async def insert_rest(db: asyncpg.Connection, plan: Plan, loaded: Loaded) -> None:
    started = time.monotonic()
    loaded.inserted = plan.entries - plan.streamed
    async with db.transaction():
        await db.execute(BULK_SQL.format(campaign=CAMPAIGN, first_id=ENTRY_IDS_FROM + plan.streamed, days=HISTORY_DAYS,
                                         streamed=plan.streamed, entries=plan.entries, count=loaded.inserted,
                                         members=plan.members))
    loaded.insert_s = time.monotonic() - started


async def settle(db: asyncpg.Connection) -> None:
    """What autovacuum does soon after a bulk load: fresh planner statistics and visibility maps."""
    for table in SETTLE_TABLES:
        await db.execute(f"VACUUM (ANALYZE) analytics.{table}")


# ---- the measures -------------------------------------------------------------------------------------------------


class Gateway:
    """REST calls through Envoy as the admin."""

    def __init__(self, stack: Stack):
        self._stack = stack
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.ports.gateway}", timeout=120)
        self.headers: dict[str, str] = {}

    async def sign_in(self) -> None:
        """A fresh access token for each phase: the run outlasts one token's life."""
        env = self._stack.service_env()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{self._stack.ports.gateway}") as channel:
            answer = await auth_rpc.AuthServiceStub(channel).Login(auth_pb.LoginRequest(
                email=env["COINS_ADMIN_EMAIL"], password=env["COINS_ADMIN_PASSWORD"]), timeout=30)
        self.headers = {"authorization": f"Bearer {answer.access_token}"}

    async def dashboard(self) -> dict[str, Any]:
        reply = await self.client.get(f"/campaigns/{CAMPAIGN}/analytics", headers=self.headers)
        reply.raise_for_status()
        return reply.json()


def allocated(report: dict[str, Any]) -> int:
    return int(report.get("coins", {}).get("allocated", 0))


async def dashboard_latency(gateway: Gateway, calls: int) -> dict[str, Any]:
    for _ in range(WARMUP_CALLS):
        await gateway.dashboard()
    took: list[float] = []
    size = 0
    for _ in range(calls):
        started = time.perf_counter()
        reply = await gateway.client.get(f"/campaigns/{CAMPAIGN}/analytics", headers=gateway.headers)
        took.append((time.perf_counter() - started) * 1000)
        reply.raise_for_status()
        size = len(reply.content)
    report = reply.json()
    return {"calls": calls, "p50_ms": percentile(took, 50), "p95_ms": percentile(took, 95),
            "p99_ms": percentile(took, 99), "max_ms": round(max(took), 1), "bytes": size,
            "members": int(report["participation"]["members"]), "ideas": sum(int(s.get("ideas", 0))
                                                                              for s in report["funnel"]),
            "allocated": allocated(report)}


async def dashboard_parts(database_url: str, rounds: int = 20) -> dict[str, float]:
    """What one dashboard costs in the read model: each query GetCampaignAnalytics makes (repository.py), timed
    from this process on the same database, and the funnel's medians (domain.py), median of `rounds` after one
    unmeasured call. The rest of a call is the gateway, the access check with the campaign service and the lag
    reading (Redis)."""
    database = Database(Settings.from_env("analytics", {"DATABASE_URL": database_url, "COINS_DB_POOL_SIZE": "2"}))
    read_model = ReadModel(database)

    def reading(query: Callable[[ReportReader], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
        async def timed() -> Any:
            async with read_model.reading() as reader:
                return await query(reader)
        return timed

    parts: dict[str, Callable[[], Awaitable[Any]]] = {
        "campaign": reading(lambda r: r.campaign(CAMPAIGN)),
        "participation": reading(lambda r: r.participation(CAMPAIGN)),
        "funnel": reading(lambda r: r.funnel(CAMPAIGN)),
        "coin_sums": reading(lambda r: r.coin_sums(CAMPAIGN)),
        "top_ideas": reading(lambda r: r.top_ideas(CAMPAIGN, DEFAULT_TOP_IDEAS)),
        "allocations_hourly": reading(lambda r: r.allocations(CAMPAIGN, TimeBucket.HOUR)),
        "allocations_daily": reading(lambda r: r.allocations(CAMPAIGN, TimeBucket.DAY)),
        "breakdowns": reading(lambda r: r.breakdowns(CAMPAIGN)),
    }
    found = {}
    try:
        for name, part in parts.items():
            await part()
            took = []
            for _ in range(rounds):
                started = time.perf_counter()
                await part()
                took.append((time.perf_counter() - started) * 1000)
            found[name] = percentile(took, 50) or 0.0
    finally:
        await database.close()
    return found


def memory_kb(pid: int) -> dict[str, int]:
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            figures[name] = int(value.split()[0])
    return figures


def sample_rss(pid: int, stop: threading.Event, peak: list[int]) -> None:
    """Runs in a thread: the highest VmRSS seen until `stop` is set."""
    while not stop.wait(RSS_EVERY_S):
        peak[0] = max(peak[0], memory_kb(pid)["VmRSS"])


async def export_ledger(gateway: Gateway, pid: int) -> dict[str, Any]:
    """The ledger CSV through Envoy, counted as it arrives; the analytics process's resident memory meanwhile (its
    peak reset first: /proc/<pid>/clear_refs 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    before = memory_kb(pid)["VmRSS"]
    peak, stop = [before], threading.Event()
    sampler = asyncio.create_task(asyncio.to_thread(sample_rss, pid, stop, peak))
    lines = size = 0
    disposition = ""
    started = time.perf_counter()
    try:
        async with gateway.client.stream("GET", f"/campaigns/{CAMPAIGN}/analytics:export",
                                         params={"table": "EXPORT_TABLE_LEDGER"}, headers=gateway.headers) as reply:
            reply.raise_for_status()
            disposition = reply.headers.get("content-disposition", "")
            first_byte = time.perf_counter() - started
            async for chunk in reply.aiter_raw():
                lines += chunk.count(b"\n")
                size += len(chunk)
        seconds = time.perf_counter() - started
    finally:
        stop.set()
        await sampler
    rows = lines - 1  # the header; ledger cells hold no line breaks
    after = memory_kb(pid)
    return {"rows": rows, "bytes": size, "seconds": round(seconds, 2), "first_byte_s": round(first_byte, 3),
            "rows_per_s": round(rows / seconds), "mb_per_s": round(size / seconds / 1e6, 1),
            "rss_before_mb": round(before / 1024, 1), "rss_peak_mb": round(max(peak[0], after["VmHWM"]) / 1024, 1),
            "rss_growth_mb": round((max(peak[0], after["VmHWM"]) - before) / 1024, 1),
            "content_disposition": disposition}


async def allocations_lag(stack: Stack, gateway: Gateway, history: History, tokens: list[str], rate: float,
                          seconds: float) -> dict[str, Any]:
    """`rate` AllocateCoins/s (1 coin each, to competing ideas of others) for `seconds` against the coin service,
    while the dashboard is read in a loop through the gateway. The k-th allocation answered is taken to be in the
    dashboard once its `allocated` has grown by k (the stream keeps the coin service's commit order, and answers
    follow commits to within a few ms); its lag is from its answer to the arrival of that dashboard."""
    base = allocated(await gateway.dashboard())
    answers: list[float] = []
    failures: dict[str, int] = {}
    reads: list[tuple[float, int]] = []
    done = asyncio.Event()
    ideas = [idea for idea in history.ideas if idea.competes]
    rng = random.Random(SEED + 1)

    async def poll() -> None:
        while not done.is_set():
            figure = allocated(await gateway.dashboard())
            reads.append((time.time(), figure - base))

    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.ports.services['coin']}") as channel:
        stub = coin_rpc.CoinServiceStub(channel)

        async def allocate(n: int) -> None:
            member = n % len(tokens) + 1
            idea = rng.choice(ideas)
            while idea.submitter == member:
                idea = rng.choice(ideas)
            try:
                await stub.AllocateCoins(coin_pb.AllocateCoinsRequest(
                    campaign_id=CAMPAIGN, idea_id=idea.idea_id, amount=1, request_id=str(uuid.uuid4())),
                    metadata=bearer(tokens[member - 1]), timeout=10)
                answers.append(time.time())
            except grpc.aio.AioRpcError as error:
                failures[error.code().name] = failures.get(error.code().name, 0) + 1

        poller = asyncio.create_task(poll())
        started = time.monotonic()
        calls: list[asyncio.Task] = []
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
            calls.append(asyncio.create_task(allocate(n)))
        await asyncio.gather(*calls)
        load_s = time.monotonic() - started
        deadline = time.time() + LAG_TIMEOUT_S
        while (not reads or reads[-1][1] < len(answers)) and time.time() < deadline:
            await asyncio.sleep(POLL_S)
        done.set()
        await poller

    answers.sort()
    seen = [count for _, count in reads]
    lags: list[float] = []
    for k, answered in enumerate(answers, 1):
        first = bisect.bisect_left(_running_max(seen), k)
        arrived = reads[first][0] if first < len(reads) else answered + LAG_TIMEOUT_S
        lags.append(max(0.0, arrived - answered))
    missing = sum(1 for k in range(1, len(answers) + 1) if not seen or max(seen) < k)
    reads_ms = [(b[0] - a[0]) * 1000 for a, b in itertools.pairwise(reads)]
    return {"rate_per_s": round(len(answers) / load_s, 1), "allocations": len(answers), "failures": failures,
            "p50_s": _round(percentile(lags, 50)), "p95_s": _round(percentile(lags, 95)),
            "max_s": round(max(lags), 2) if lags else None, "missing": missing, "dashboard_reads": len(reads),
            "read_interval_ms_p50": percentile(reads_ms, 50)}


def _running_max(values: list[int]) -> list[int]:
    return list(itertools.accumulate(values, max))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def consumer_lag_during(stack: Stack, stop: asyncio.Event) -> list[float]:
    """The analytics service's own word: the slowest stream's lag_s on its /healthz, every half second."""
    found: list[float] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.ports.ops['analytics']}", timeout=5) as client:
        while not stop.is_set():
            body = (await client.get("/healthz")).json()
            found.append(max((c["lag_s"] for c in body.get("events", {}).get("consumers", [])), default=0.0))
            await asyncio.sleep(POLL_S)
    return found


# ---- the run ------------------------------------------------------------------------------------------------------


async def prepare(stack: Stack, gateway: Gateway, plan: Plan) -> None:
    """The campaign through the API, its members with SQL, then its activation through the API."""
    await gateway.sign_in()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.ports.gateway}") as channel:
        campaigns = campaign_rpc.CampaignServiceStub(channel)
        admin = tuple(gateway.headers.items())
        await campaigns.CreateCampaign(campaign_pb.CreateCampaignRequest(
            campaign_id=CAMPAIGN, campaign=res.Campaign(title=TITLE, type=res.CAMPAIGN_TYPE_OPEN)),
            metadata=admin, timeout=30)
        db = await asyncpg.connect(stack.database_url)
        try:
            await db.execute(MEMBERS_SQL.format(members=plan.members, campaign=CAMPAIGN))
        finally:
            await db.close()
        await campaigns.ActivateCampaign(campaign_pb.ActivateCampaignRequest(
            campaign_id=CAMPAIGN, request_id=str(uuid.uuid4())), metadata=admin, timeout=120)


async def measure(stack: Stack, plan: Plan, tokens: list[str], args: argparse.Namespace) -> dict[str, Any]:
    redis = Redis.from_url(stack.redis_url)
    gateway = Gateway(stack)
    db = await asyncpg.connect(stack.database_url)
    result: dict[str, Any] = {"members": plan.members, "ideas": plan.ideas, "entries": plan.entries}
    try:
        print(f"1/5 campaign {CAMPAIGN} through the API, {plan.members:,} members with SQL, activation …", flush=True)
        await prepare(stack, gateway, plan)
        history = History(plan)
        print(f"2/5 writing {plan.members:,} joins, {plan.ideas:,} ideas and {plan.streamed:,} coin moves into the "
              "streams; the analytics consumer applies them …", flush=True)
        loaded = await load(redis, history)
        if plan.entries > plan.streamed:
            print(f"   inserting the other {plan.entries - plan.streamed:,} entries with SQL, then the sums …",
                  flush=True)
            await insert_rest(db, plan, loaded)
        result["load"] = loaded.row()
        # The coin service allocates to ideas it knows: the loaded ones, opened as its idea consumer would.
        await db.execute(COIN_IDEAS_SQL, [i.idea_id for i in history.ideas], CAMPAIGN,
                         [member_id(i.submitter) for i in history.ideas])
        await settle(db)
        row = result["load"]
        print(f"   {sum(row['events'].values()):,} events ({row['events']}) written in {row['publish_s']} s, "
              f"applied in {row['applied_s']} s: {row['events_per_s']:,} events/s", flush=True)

        print(f"3/5 GetCampaignAnalytics through Envoy (REST) as the admin: {args.calls} calls after "
              f"{WARMUP_CALLS} …", flush=True)
        await gateway.sign_in()
        result["dashboard"] = await dashboard_latency(gateway, args.calls)
        result["dashboard"]["parts_ms"] = await dashboard_parts(stack.database_url)
        print(f"   p50 {result['dashboard']['p50_ms']} ms, p95 {result['dashboard']['p95_ms']} ms; in the read model "
              f"(median ms): {result['dashboard']['parts_ms']}", flush=True)

        print(f"4/5 the ledger CSV through Envoy ({plan.entries:,}+ rows) …", flush=True)
        pid = stack._processes["analytics"].pid  # the service process itself (python -m services.analytics)
        result["export"] = await export_ledger(gateway, pid)
        print(f"   {result['export']['rows']:,} rows in {result['export']['seconds']} s: "
              f"{result['export']['rows_per_s']:,} rows/s; RSS +{result['export']['rss_growth_mb']} MB", flush=True)

        print(f"5/5 read-model lag: AllocateCoins at {args.lag_rate:.0f}/s for {args.lag_seconds:.0f} s, the dashboard "
              "read in a loop …", flush=True)
        await gateway.sign_in()
        stop = asyncio.Event()
        gauge = asyncio.create_task(consumer_lag_during(stack, stop))
        try:
            result["lag"] = await allocations_lag(stack, gateway, history, tokens, args.lag_rate, args.lag_seconds)
        finally:
            stop.set()
        gauge_values = await gauge
        result["lag"]["healthz_lag_p95_s"] = _round(percentile(gauge_values, 95))
        result["lag"]["healthz_lag_max_s"] = max(gauge_values, default=None)
        return result
    finally:
        await gateway.client.aclose()
        await redis.aclose()
        await db.close()


def report(result: dict[str, Any]) -> list[tuple[str, str, bool]]:
    load, board, export, lagged = result["load"], result["dashboard"], result["export"], result["lag"]
    print(f"\nAnalytics, one campaign: {result['members']:,} members, {result['ideas']:,} ideas, "
          f"{result['entries']:,} loaded ledger entries\n")
    print("| # | what | measured |\n|---|---|---|")
    rows = [
        ("load: events into the streams → read model (the service's consumer)",
         f"{sum(load['events'].values()):,} events in {load['applied_s']} s: {load['events_per_s']:,} events/s "
         f"({load['entries_per_s']:,} coin moves/s; writing them took {load['publish_s']} s)"),
        ("load: the other ledger entries with SQL, then the sums recomputed",
         f"{load['inserted']:,} entries in {load['insert_s']} s"),
        (f"GetCampaignAnalytics, REST through Envoy, {board['calls']} calls",
         f"p50 {board['p50_ms']} / p95 {board['p95_ms']} / p99 {board['p99_ms']} ms (max {board['max_ms']}; "
         f"{board['bytes']:,} bytes)"),
        ("ledger CSV export through Envoy",
         f"{export['rows']:,} rows, {export['bytes'] / 1e6:.0f} MB in {export['seconds']} s: "
         f"{export['rows_per_s']:,} rows/s ({export['mb_per_s']} MB/s; first byte {export['first_byte_s']} s)"),
        ("analytics process RSS during the export",
         f"{export['rss_before_mb']} MB before, peak {export['rss_peak_mb']} MB: +{export['rss_growth_mb']} MB"),
        (f"read-model lag, AllocateCoins at {lagged['rate_per_s']}/s ({lagged['allocations']:,} answered, "
         f"failures {lagged['failures'] or '-'})",
         f"answer → dashboard: p50 {lagged['p50_s']} / p95 {lagged['p95_s']} / max {lagged['max_s']} s "
         f"(dashboard every {lagged['read_interval_ms_p50']} ms)"),
        ("consumer lag on the service's /healthz meanwhile", f"p95 {lagged['healthz_lag_p95_s']} s, "
                                                             f"max {lagged['healthz_lag_max_s']} s"),
    ]
    for number, (what, measured) in enumerate(rows, 1):
        print(f"| {number} | {what} | {measured} |")
    print("\nOne dashboard in the read model (median ms per query, from this process): " + ", ".join(
        f"{name} {ms}" for name, ms in board["parts_ms"].items()))
    targets = [
        (f"dashboard p95 < {TARGET_P95_MS:.0f} ms", f"{board['p95_ms']} ms", board["p95_ms"] < TARGET_P95_MS),
        (f"export ≥ {TARGET_ROWS_PER_S:,} rows/s", f"{export['rows_per_s']:,} rows/s",
         export["rows_per_s"] >= TARGET_ROWS_PER_S),
        (f"export RSS growth < {TARGET_RSS_MB:.0f} MB", f"{export['rss_growth_mb']} MB",
         export["rss_growth_mb"] < TARGET_RSS_MB),
        (f"read-model lag p95 < {TARGET_LAG_P95_S:.0f} s", f"{lagged['p95_s']} s",
         lagged["p95_s"] is not None and lagged["p95_s"] < TARGET_LAG_P95_S and not lagged["missing"]),
    ]
    print("\n| target | measured | |\n|---|---|---|")
    for name, measured, met in targets:
        print(f"| {name} | {measured} | {'PASS' if met else 'MISS'} |")
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    env = os.environ.get
    parser.add_argument("--scale", type=float, default=float(env("BENCH_ANALYTICS_SCALE", 1.0)),
                        help="members, ideas and ledger entries, as a share of 10,000 / 10,000 / 1,000,000")
    parser.add_argument("--calls", type=int, default=int(env("BENCH_ANALYTICS_CALLS", 300)))
    parser.add_argument("--lag-rate", type=float, default=float(env("BENCH_ANALYTICS_LAG_RATE", 100)),
                        help="allocations per second")
    parser.add_argument("--lag-seconds", type=float, default=float(env("BENCH_ANALYTICS_LAG_SECONDS", 60)))
    args = parser.parse_args()
    plan = Plan(*(max(10, round(n * args.scale)) for n in (MEMBERS, IDEAS, ENTRIES, STREAMED)))
    if plan.members > coins.MEMBERS:
        parser.error(f"at most {coins.MEMBERS:,} members (the ones bench.coins mints tokens for)")

    workdir = Path(tempfile.mkdtemp(prefix="analytics-bench-"))
    # As bench-coins: the gateway's rate limit is configuration, and the bench measures the services.
    stack = Stack(workdir / "stack", Ports.free(), settings={"COINS_GATEWAY_RATE_LIMIT_PER_S": "1000000",
                                                             "COINS_DB_POOL_SIZE": "20"}, quiet=True, ephemeral=True)
    started = time.monotonic()
    load_average = round(os.getloadavg()[0], 2)  # other work on the machine moves every figure: say how much
    print("starting the platform …", flush=True)
    stack.start()
    try:
        # Search and notification read the same streams: they would spend the two cores on 1,000,000 loaded coin
        # moves (in production spread over a campaign's weeks) while the analytics service is measured.
        for service in ("search", "notification"):
            stack.stop_process(service)
        tokens_file = workdir / "tokens"
        coins.mint_tokens(stack, tokens_file)
        tokens = tokens_file.read_text().splitlines()[:plan.members]
        result = asyncio.run(measure(stack, plan, tokens, args))
        result["scale"] = args.scale
        coins.save("analytics", result, report, started, load_average)
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
