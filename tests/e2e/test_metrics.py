"""Each service's /metrics as Prometheus scrapes it on the running stack (services/common/metrics.py, docs/metrics.md):
RPC counters and latency move with the calls, coins moved count by ledger entry kind once a move committed, and the
pools, outboxes and consumer groups report."""

from __future__ import annotations

import time
import uuid

import grpc
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from coins.v1 import coin_service_pb2 as pb
from coins.v1 import resources_pb2 as res
from tools.devstack import Stack

ALLOCATE = {"grpc_service": "coins.v1.CoinService", "grpc_method": "AllocateCoins"}
Samples = dict[tuple[str, frozenset], float]


def scrape(stack: Stack, service: str) -> Samples:
    reply = httpx.get(f"http://127.0.0.1:{stack.ports.ops[service]}/metrics", timeout=10)
    assert reply.status_code == 200
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(reply.text) for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def allocate(user, campaign_id: str, idea_id: str, amount: int):
    return user.coins.AllocateCoins(pb.AllocateCoinsRequest(campaign_id=campaign_id, idea_id=idea_id, amount=amount,
                                                            request_id=str(uuid.uuid4())))


def eventually(stack: Stack, service: str, check, timeout: float = 10.0) -> Samples:
    """Scrapes until `check` holds: coin moves are counted once their events are out, a moment after the answer."""
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape(stack, service)
        if check(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(0.1)


def test_coin_moves_show_in_the_rpc_counters_and_in_coins_moved_by_kind(stack, admin_user, sign_in):
    campaign_id = admin_user.create_campaign("open", coin_policy=res.CoinPolicy(initial_allocation=40)).campaign_id
    member = sign_in("metrics")
    before = scrape(stack, "coin")
    member.join(campaign_id)  # grants the initial allocation
    idea_id = member.submit(campaign_id).id
    allocate(member, campaign_id, idea_id, 15)
    with pytest.raises(grpc.RpcError) as refused:
        allocate(member, campaign_id, idea_id, 10_000)
    assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION

    def moved(samples: Samples, kind: str) -> float:
        return value(samples, "coins_moved_total", kind=kind) - value(before, "coins_moved_total", kind=kind)

    after = eventually(stack, "coin", lambda samples: moved(samples, "allocate") >= 15 and moved(samples, "grant"))
    assert moved(after, "allocate") == 15
    assert moved(after, "grant") >= 40  # the campaign's scheduler may grant other members meanwhile

    def answered(code: str) -> float:
        return (value(after, "coins_rpc_requests_total", **ALLOCATE, grpc_code=code)
                - value(before, "coins_rpc_requests_total", **ALLOCATE, grpc_code=code))

    assert (answered("OK"), answered("FAILED_PRECONDITION")) == (1, 1)
    timed = (value(after, "coins_rpc_duration_seconds_count", **ALLOCATE)
             - value(before, "coins_rpc_duration_seconds_count", **ALLOCATE))
    assert timed == 2


def test_pools_outboxes_and_consumer_lag_report_on_every_service_that_has_them(stack):
    coin, campaign = scrape(stack, "coin"), scrape(stack, "campaign")
    # The coin service's asyncpg pool and the campaign service's SQLAlchemy pool, each at the configured size.
    assert value(coin, "coins_db_pool_connections_max", pool="coin") == 10
    assert value(campaign, "coins_db_pool_connections_max", pool="campaign") == 20  # pool size plus overflow
    assert value(coin, "coins_db_pool_connections_open", pool="coin") >= 1
    for samples, outbox in ((coin, "coin.event_outbox"), (campaign, "campaign.event_outbox"),
                            (campaign, "campaign.outbox")):
        assert ("coins_outbox_backlog", frozenset({("outbox", outbox)})) in samples, outbox
        assert ("coins_outbox_oldest_age_seconds", frozenset({("outbox", outbox)})) in samples, outbox
    lag = ("coins_event_consumer_lag_seconds", frozenset({("stream", "coins:events:auth"), ("group", "campaign")}))
    assert lag in eventually(stack, "campaign", lambda samples: lag in samples)
