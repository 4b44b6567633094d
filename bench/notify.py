"""make bench-notify: one campaign-wide notification to 10,000 members, measured in one run on one PostgreSQL.

A draft campaign gets 10,000 members (their accounts, memberships and a "campaign completed by mail too" preference
are seeded with SQL: registering 10,000 people through the API would spend minutes in argon2); the admin activates
it through the API, which opens the 10,000 coin accounts and tells everyone it started. 1,000 of the members follow
StreamNotifications. Then, in one run: (a) AllocateCoins over native gRPC with 16 callers on a second, seeded coin
campaign; (b) the same again from the answer of the admin's CompleteCampaign on the big campaign, during its
fan-out; (c) how long after that answer the 10,000 in-app notifications exist and the 10,000 mails are in the
mailbox; (d) the live streams' latency.
The platform runs as `make dev` runs it. Prints a table and writes bench/out/notify.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import asyncpg
import grpc
from redis.asyncio import Redis

from bench import coins
from coins.v1 import auth_service_pb2 as auth_pb
from coins.v1 import auth_service_pb2_grpc as auth_rpc
from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import notification_service_pb2 as pb
from coins.v1 import notification_service_pb2_grpc as rpc
from coins.v1 import resources_pb2 as res
from services.common.events import stream_for
from tools import mailbox
from tools.devstack import Ports, Stack

OUT = coins.OUT
LOGS = OUT / "notify-logs"
CAMPAIGN, TITLE = "bench-notify", "Bench fan-out"
MEMBERS, STREAMS, CHANNELS, CALLERS = 10_000, 1_000, 10, 16
# The service's default: the bench measures the fan-out, not idle streams' heartbeats. Confirming that every stream
# is open takes one heartbeat period.
HEARTBEAT_S = 15
CONSUMER_GROUP = "notification"  # services/notification/main.py
WARMUP_S = 1  # the load generator's uncounted first stretch: its connections
PRIME_S = 5  # an unmeasured first load: the coin service's first calls (pools, prepared statements) are slower
POLL_S = 0.25
FANOUT_TIMEOUT_S, MAIL_TIMEOUT_S, LIVE_GRACE_S = 300, 900, 30
TARGET_FANOUT_S, TARGET_LIVE_P99_MS, TARGET_RATIO = 30.0, 1000.0, 0.80

# Accounts with the ids and addresses bench.coins mints tokens for; the password hash matches no password, as nobody
# signs in. Members joined the draft; each turned on "campaign completed" by mail (in-app is on by default).
MEMBERS_SQL = """
INSERT INTO auth.users (id, email, password_hash, full_name, active, email_verified_at)
SELECT md5('member' || n)::uuid, 'm' || n || '@bench.local', '!seeded', 'Member ' || n, true, now()
FROM generate_series(1, {members}) n;
INSERT INTO campaign.members (id, campaign_uuid, user_id, email, full_name, role, joined_at)
SELECT gen_random_uuid(), c.id, md5('member' || n)::uuid, 'm' || n || '@bench.local', 'Member ' || n, 'member', now()
FROM campaign.campaigns c, generate_series(1, {members}) n WHERE c.slug = '{campaign}';
INSERT INTO notification.preferences (user_id, kind, channel, enabled)
SELECT md5('member' || n)::uuid, 'campaign_completed', 'email', true FROM generate_series(1, {members}) n;
ANALYZE auth.users;
ANALYZE campaign.members;
ANALYZE notification.preferences;
"""
MEMBER_COUNT_SQL = ("SELECT count(*) FROM campaign.members m JOIN campaign.campaigns c ON c.id = m.campaign_uuid "
                    "WHERE c.slug = $1")
NOTICES_SQL = "SELECT count(*), min(created_at), max(created_at) FROM notification.notifications WHERE kind = $1"
SENT_SQL = "SELECT count(*) FROM notification.mails WHERE kind = $1 AND state = 'sent'"


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest rank, rounded to 0.1; None for no values."""
    ranked = sorted(values)
    return round(ranked[max(0, math.ceil(q / 100 * len(ranked)) - 1)], 1) if ranked else None


@dataclass
class LiveStreams:
    """The 1,000 followers: which streams are open (a first message came), and when each heard of the completion."""

    size: int
    opened: int = 0
    lost: list[str] = field(default_factory=list)
    arrivals: list[tuple[float, float]] = field(default_factory=list)  # (arrival, the notification's create_time)
    all_open: asyncio.Event = field(default_factory=asyncio.Event)

    async def follow(self, stub: rpc.NotificationServiceStub, token: str) -> None:
        first = True
        try:
            async for reply in stub.StreamNotifications(pb.StreamNotificationsRequest(), metadata=bearer(token)):
                arrived = time.time()
                if first:
                    first = False
                    self.opened += 1
                    if self.opened == self.size:
                        self.all_open.set()
                if (reply.WhichOneof("kind") == "notification"
                        and reply.notification.event == res.NOTIFICATION_EVENT_CAMPAIGN_COMPLETED):
                    created = reply.notification.create_time
                    self.arrivals.append((arrived, created.seconds + created.nanos / 1e9))
        except grpc.aio.AioRpcError as error:
            self.lost.append(error.code().name)


class MailCount:
    """The campaign's mails in the mailbox (tools/mailbox.py keeps one file per delivery): files that arrived since
    this was made whose Subject names the campaign. Reads each file once; blocking, so called in a thread."""

    def __init__(self, folder: Path, title: str):
        self._folder = folder
        self._title = title
        self._before = set(mailbox.mail_files(folder))
        self._seen: set[Path] = set()
        self.arrivals: list[float] = []  # mtime: the mailbox writes each file as the mail arrives

    def scan(self) -> int:
        parser = BytesHeaderParser(policy=policy.default)
        for path in mailbox.mail_files(self._folder):
            if path in self._before or path in self._seen:
                continue
            self._seen.add(path)
            with path.open("rb") as mail:
                if self._title in str(parser.parse(mail).get("Subject", "")):
                    self.arrivals.append(path.stat().st_mtime)
        return len(self.arrivals)

    def arrival_of(self, nth: int) -> float:
        return sorted(self.arrivals)[nth - 1]


@dataclass
class Fanout:
    answered: float  # when CompleteCampaign answered (epoch seconds)
    answer_s: float  # how long CompleteCampaign took
    in_app_s: float | None = None
    mails_s: float | None = None
    in_app_seen: int = 0
    mails_seen: int = 0
    behind: dict[str, int | None] = field(default_factory=dict)  # coin_events_behind at some moments
    extra: dict[str, Any] = field(default_factory=dict)


def split_tokens(tokens: Path, parts: int) -> list[Path]:
    """The members' tokens in `parts` files, one for each load run: the coin service verifies a token once and caches
    it, so a run over tokens an earlier run used would skip work that one paid for."""
    lines = tokens.read_text().splitlines()
    size = len(lines) // parts
    files = [tokens.with_name(f"{tokens.name}-{part}") for part in range(parts)]
    for part, file in enumerate(files):
        file.write_text("\n".join(lines[part * size:(part + 1) * size]))
    return files


def coin_calls(stack: Stack, method: str) -> list[tuple[str, float]]:
    """Each call of the coin service's `method` as its access log tells: status and milliseconds. A slow
    CompleteCampaign answer is its coin side, retried by the campaign service after a timeout."""
    calls = []
    for line in stack.log_lines("coin"):
        if f"/{method}" not in line:
            continue
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if entry.get("method", "").endswith(f"/{method}"):
                calls.append((entry.get("code", ""), entry.get("duration_ms", 0.0)))
    return calls


async def coin_events_behind(redis: Redis) -> int | None:
    """How many coin events the notification service has yet to read (the consumer group's lag, Redis 7): it reads
    every allocation's CoinsMoved, one event at a time, beside the fan-out."""
    for group in await redis.xinfo_groups(stream_for("coin")):
        if group["name"] in (CONSUMER_GROUP, CONSUMER_GROUP.encode()):
            return group.get("lag")
    return None


async def wait_count(db: asyncpg.Connection, kind: str, expected: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    count = 0
    while time.monotonic() < deadline:
        count = (await db.fetchrow(NOTICES_SQL, kind))[0]
        if count >= expected:
            break
        await asyncio.sleep(POLL_S)
    return count


async def watch_fanout(db: asyncpg.Connection, redis: Redis, mails: MailCount, live: LiveStreams, fanout: Fanout,
                       expected: int) -> None:
    """Polls until the in-app notifications and the mails are all there and every stream heard, or time is up."""
    started = fanout.answered
    last_scan = last_say = 0.0
    while True:
        now = time.time()
        if fanout.in_app_s is None and now - started < FANOUT_TIMEOUT_S:
            fanout.in_app_seen = (await db.fetchrow(NOTICES_SQL, "campaign_completed"))[0]
            if fanout.in_app_seen >= expected:
                fanout.in_app_s = time.time() - started
                fanout.behind["in_app_done"] = await coin_events_behind(redis)
        if fanout.mails_s is None and now - started < MAIL_TIMEOUT_S and now - last_scan >= 1:
            last_scan = now
            fanout.mails_seen = await asyncio.to_thread(mails.scan)
            if fanout.mails_seen >= expected:
                fanout.mails_s = mails.arrival_of(expected) - started
        if now - last_say >= 5:
            last_say = now
            print(f"   {now - started:5.0f} s: in-app {fanout.in_app_seen}/{expected}, mails {fanout.mails_seen}/"
                  f"{expected}, live {len(live.arrivals)}/{live.size}", flush=True)
        in_app_over = fanout.in_app_s is not None or now - started >= FANOUT_TIMEOUT_S
        mails_over = fanout.mails_s is not None or now - started >= MAIL_TIMEOUT_S
        live_over = len(live.arrivals) >= live.size or (
            in_app_over and now - started >= (fanout.in_app_s or FANOUT_TIMEOUT_S) + LIVE_GRACE_S)
        if in_app_over and mails_over and live_over:
            return
        await asyncio.sleep(POLL_S)


async def measure(stack: Stack, loadgen: Path, ideas: Path, follower_tokens: list[str], token_sets: list[Path],
                  args: argparse.Namespace) -> dict:
    env = stack.service_env()
    db = await asyncpg.connect(stack.database_url)
    redis = Redis.from_url(stack.redis_url)
    gateway = grpc.aio.insecure_channel(f"127.0.0.1:{stack.ports.gateway}")
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{stack.ports.services['notification']}")
                for _ in range(CHANNELS)]
    live = LiveStreams(args.streams)
    tasks: list[asyncio.Task] = []
    try:
        signed_in = await auth_rpc.AuthServiceStub(gateway).Login(auth_pb.LoginRequest(
            email=env["COINS_ADMIN_EMAIL"], password=env["COINS_ADMIN_PASSWORD"]), timeout=30)
        admin = bearer(signed_in.access_token)
        campaigns = campaign_rpc.CampaignServiceStub(gateway)
        await campaigns.CreateCampaign(campaign_pb.CreateCampaignRequest(
            campaign_id=CAMPAIGN, campaign=res.Campaign(title=TITLE, type=res.CAMPAIGN_TYPE_OPEN)),
            metadata=admin, timeout=30)
        await db.execute(MEMBERS_SQL.format(members=args.members, campaign=CAMPAIGN))
        expected = await db.fetchval(MEMBER_COUNT_SQL, CAMPAIGN)

        print(f"2/5 activating {CAMPAIGN} through the API: {expected} coin accounts, 'started' to everyone …",
              flush=True)
        called = time.time()
        await campaigns.ActivateCampaign(campaign_pb.ActivateCampaignRequest(
            campaign_id=CAMPAIGN, request_id=str(uuid.uuid4())), metadata=admin, timeout=60)
        activated = time.time()
        started = await wait_count(db, "campaign_started", expected, FANOUT_TIMEOUT_S)
        activation = {"activate_answer_s": round(activated - called, 2), "started_notices": started,
                      "started_fanout_s": round(time.time() - activated, 1)}
        print(f"   answered in {activation['activate_answer_s']} s; {started} 'started' notifications after "
              f"{activation['started_fanout_s']} s", flush=True)

        print(f"3/5 opening {args.streams} live streams (confirmed by their first heartbeat, {HEARTBEAT_S} s) …",
              flush=True)
        stubs = [rpc.NotificationServiceStub(channel) for channel in channels]
        opening = time.time()
        tasks = [asyncio.create_task(live.follow(stubs[n % CHANNELS], token))
                 for n, token in enumerate(follower_tokens)]
        try:
            await asyncio.wait_for(live.all_open.wait(), HEARTBEAT_S + 120)
        except TimeoutError:
            pass
        print(f"   {live.opened} open after {time.time() - opening:.1f} s, {len(live.lost)} failed", flush=True)

        options = dict(target=f"127.0.0.1:{stack.ports.services['coin']}", c=CALLERS, ideas=ideas,
                       warmup=f"{WARMUP_S}s")
        print(f"4/5 AllocateCoins gRPC, {CALLERS} callers: {PRIME_S} s unmeasured, then without fan-out …", flush=True)
        load_average = os.getloadavg()[0]  # other work on the machine skews every figure: say how much there was
        await asyncio.to_thread(coins.load, loadgen, PRIME_S, tokens=token_sets[0], **options)
        quiet = await asyncio.to_thread(coins.load, loadgen, args.seconds, tokens=token_sets[1], **options)

        print(f"5/5 CompleteCampaign, then AllocateCoins gRPC, {CALLERS} callers, during the fan-out …", flush=True)
        mails = MailCount(stack.mail_dir, TITLE)
        called = time.time()
        await campaigns.CompleteCampaign(campaign_pb.CompleteCampaignRequest(
            campaign_id=CAMPAIGN, request_id=str(uuid.uuid4())), metadata=admin, timeout=60)
        answered = time.time()
        # The fan-out starts with the answer (the event commits with the move), so the load starts there too: the
        # call itself expires 10,000 coin accounts first, which can take longer than the load's whole window.
        during_load = asyncio.create_task(asyncio.to_thread(coins.load, loadgen, args.seconds, tokens=token_sets[2],
                                                            **options))
        fanout = Fanout(answered=answered, answer_s=answered - called)
        fanout.behind["answer"] = await coin_events_behind(redis)
        await watch_fanout(db, redis, mails, live, fanout, expected)
        fanout.behind["end"] = await coin_events_behind(redis)
        during = await during_load
        count, first, last = await db.fetchrow(NOTICES_SQL, "campaign_completed")
        fanout.extra = {"first_notice_after_s": round(first.timestamp() - fanout.answered, 2) if first else None,
                        "last_notice_after_s": round(last.timestamp() - fanout.answered, 2) if last else None,
                        "notices": count, "mails_sent_in_db": await db.fetchval(SENT_SQL, "campaign_completed"),
                        "expire_attempts": await asyncio.to_thread(coin_calls, stack, "ExpireCampaignCoins")}
        return {"members": expected, "load_average": [round(load_average, 2), round(os.getloadavg()[0], 2)],
                "activation": activation, "streams_open": live.opened, "streams_lost": live.lost, "quiet": quiet,
                "during": during, "fanout": fanout, "live": live}
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for channel in [gateway, *channels]:
            await channel.close()
        await db.close()
        await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
    # Smaller runs only to try the program itself; the targets are for the defaults.
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--streams", type=int, default=STREAMS)
    args = parser.parse_args()
    if not 0 < args.streams <= args.members <= coins.MEMBERS:
        parser.error(f"need 0 < streams <= members <= {coins.MEMBERS} (the members bench.coins mints tokens for)")
    workdir = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    # As bench-coins: the gateway's rate limit is configuration, and the bench measures the services.
    stack = Stack(workdir / "stack", Ports.free(), settings={"COINS_GATEWAY_RATE_LIMIT_PER_S": "1000000",
                                                             "COINS_DB_POOL_SIZE": "20",
                                                             "COINS_NOTIFY_HEARTBEAT_S": str(HEARTBEAT_S)},
                  quiet=True, ephemeral=True)
    print("starting the platform …", flush=True)
    stack.start()
    try:
        print(f"1/5 seeding: coin campaign {coins.CAMPAIGN}, {args.members} accounts, memberships, preferences …",
              flush=True)
        coins.seed(stack, coins.SEED)
        tokens, ideas = workdir / "tokens", coins.ideas_file(workdir / "ideas", coins.IDEAS)
        coins.mint_tokens(stack, tokens)
        loadgen = coins.build_loadgen(workdir)
        followers = tokens.read_text().splitlines()[:args.streams]
        report(asyncio.run(measure(stack, loadgen, ideas, followers, split_tokens(tokens, 3), args)), args)
    finally:
        stack.stop()
        # The services' logs say where the time went (mail sent, events handled); kept beside the figures.
        shutil.rmtree(LOGS, ignore_errors=True)
        shutil.copytree(stack.state_dir / "logs", LOGS)
        shutil.rmtree(workdir, ignore_errors=True)


def _seconds(value: float | None, seen: int, expected: int, timeout: int) -> str:
    return f"{value:.1f} s" if value is not None else f"not reached in {timeout} s ({seen}/{expected})"


def _load(row: dict) -> str:
    failures = {k: v for k, v in row.get("outcomes", {}).items() if k != "OK"}
    return (f"{row['calls_per_s']:.0f} calls/s, p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, "
            f"failures {failures or '-'}")


def by_page(arrivals: list[tuple[float, float]], answered: float) -> list[dict]:
    """Live latency per page of the fan-out: the notices of one page share their create_time (the start of the
    transaction that wrote them), so one slow write shows as one group."""
    pages: dict[float, list[float]] = {}
    for arrived, created in arrivals:
        pages.setdefault(created, []).append((arrived - created) * 1000)
    return [{"written_after_answer_s": round(created - answered, 2), "streams": len(late),
             "p50_ms": percentile(late, 50), "max_ms": round(max(late), 1)} for created, late in sorted(pages.items())]


def report(result: dict, args: argparse.Namespace) -> None:
    quiet, during, fanout, live = result["quiet"], result["during"], result["fanout"], result["live"]
    expected = result["members"]
    ratio = during["calls_per_s"] / max(quiet["calls_per_s"], 1e-9)
    after_create = [(arrived - created) * 1000 for arrived, created in live.arrivals]
    after_answer = [(arrived - fanout.answered) * 1000 for arrived, _ in live.arrivals]
    p99 = percentile(after_create, 99)
    heard = len(live.arrivals)
    summary = {
        "members": expected, "streams": args.streams, "streams_open": result["streams_open"],
        "allocation_cps_without": round(quiet["calls_per_s"]),
        "allocation_cps_during": round(during["calls_per_s"]),
        "allocation_ratio": round(ratio, 3),
        "complete_answer_s": round(fanout.answer_s, 2),
        "in_app_s": round(fanout.in_app_s, 2) if fanout.in_app_s is not None else None,
        "mails_s": round(fanout.mails_s, 2) if fanout.mails_s is not None else None,
        "live_received": heard,
        "live_p50_ms": percentile(after_create, 50), "live_p99_ms": p99,
        "live_from_answer_p50_ms": percentile(after_answer, 50),
        "live_from_answer_p99_ms": percentile(after_answer, 99),
    }
    rows = [
        (f"AllocateCoins gRPC, {CALLERS} callers, no fan-out", _load(quiet)),
        ("the same from CompleteCampaign's answer: during the fan-out", _load(during)),
        ("CompleteCampaign's answer", f"{fanout.answer_s:.2f} s"),
        (f"{expected:,} in-app notifications, after the answer",
         _seconds(fanout.in_app_s, fanout.in_app_seen, expected, FANOUT_TIMEOUT_S)),
        (f"{expected:,} mails in the mailbox, after the answer",
         _seconds(fanout.mails_s, fanout.mails_seen, expected, MAIL_TIMEOUT_S)),
        ("live: arrival − the notification's create_time", f"p50 {summary['live_p50_ms']} ms, p99 {p99} ms "
                                                           f"({heard} of {args.streams} streams heard)"),
        ("live: arrival − CompleteCampaign's answer", f"p50 {summary['live_from_answer_p50_ms']} ms, "
                                                      f"p99 {summary['live_from_answer_p99_ms']} ms"),
    ]
    for number, (what, measured) in enumerate(rows, 1):
        print(f"| {number} | {what} | {measured} |")
    targets = [
        (f"{expected:,} in-app notifications < {TARGET_FANOUT_S:.0f} s",
         _seconds(fanout.in_app_s, fanout.in_app_seen, expected, FANOUT_TIMEOUT_S),
         fanout.in_app_s is not None and fanout.in_app_s < TARGET_FANOUT_S),
        (f"live p99 < {TARGET_LIVE_P99_MS / 1000:.0f} s, every stream told", f"{p99} ms, {heard}/{args.streams}",
         heard == args.streams and p99 is not None and p99 < TARGET_LIVE_P99_MS),
        (f"allocations during fan-out ≥ {TARGET_RATIO:.0%} of without", f"{ratio:.2f}", ratio >= TARGET_RATIO),
    ]
    print("\n| target | measured | |")
    print("|---|---|---|")
    for name, measured, met in targets:
        print(f"| {name} | {measured} | {'PASS' if met else 'MISS'} |")
    activation, extra = result["activation"], fanout.extra
    print(f"\nactivation answered in {activation['activate_answer_s']} s; {activation['started_notices']} 'started' "
          f"notifications {activation['started_fanout_s']} s later. Completion: first notification "
          f"{extra['first_notice_after_s']} s, last {extra['last_notice_after_s']} s after the answer; "
          f"{extra['mails_sent_in_db']} mails marked sent; the coin side of CompleteCampaign (status, ms): "
          f"{extra['expire_attempts']}. Streams open {result['streams_open']}/{args.streams}, "
          f"lost {len(result['streams_lost'])}. Load average (1 min) before and after the measures: "
          f"{result['load_average'][0]}, {result['load_average'][1]}.")
    print(f"coin events the notification service had yet to read: {fanout.behind}")
    pages = by_page(live.arrivals, fanout.answered)
    print("live by page (written s after the answer: streams, p50 ms, max ms): " + "; ".join(
        f"{page['written_after_answer_s']} s: {page['streams']}, {page['p50_ms']}, {page['max_ms']}" for page in pages))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "notify.json").write_text(json.dumps({
        **summary, "load_average": result["load_average"], "targets": {name: met for name, _, met in targets},
        "activation": activation, "completion": extra, "coin_events_behind": fanout.behind, "live_by_page": pages,
        "streams_lost": result["streams_lost"], "rows": {"quiet": quiet, "during": during}}, indent=2))
    print(f"written to {OUT / 'notify.json'}")


if __name__ == "__main__":
    main()
