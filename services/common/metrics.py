"""The platform's Prometheus metrics, served on every service's /metrics (services/common/ops.py). docs/metrics.md
lists them with their labels; the Grafana dashboard and the alert rules in k8s/components/observability/files/ read
them (tests/unit/test_observability_files.py checks that every name they use is defined here or in search).

Three ways a figure gets here:
- counted where it happens: RPCs (services/common/interceptor.py), coins moved (the coin relay, once the moves'
  events are out: a move counts once however often its RPC is replayed);
- read at scrape time from memory: connection pools (`watch_pool`);
- measured at scrape time by a query: outbox backlogs (`watch_outbox`), run by `refresh()` before each scrape, so
  a figure is never older than the scrape and nothing runs when nobody scrapes.
Consumer lag (`EVENT_LAG`) is measured by services/common/ops.py's ConsumerLag loop, which /healthz also reports.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import NamedTuple

import grpc
import sqlalchemy as sa
from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("coins.metrics")

# Coin moves take a few milliseconds, searches and sign-ins tens (password hashing): fine buckets at the low end.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# No `service` label here: Prometheus adds the workload's own (k8s/components/observability/prometheus.yml), and a
# second one would come out renamed `exported_service`.
_RPC_LABELS = ("grpc_service", "grpc_method")

RPC_REQUESTS = Counter("coins_rpc_requests_total", "RPCs answered, by method and gRPC status code",
                       [*_RPC_LABELS, "grpc_code"])
RPC_DURATION = Histogram("coins_rpc_duration_seconds",
                         "Time from a unary RPC's arrival to its answer (server streams are left out: they last as "
                         "long as the client stays)", _RPC_LABELS, buckets=LATENCY_BUCKETS)
RPC_IN_FLIGHT = Gauge("coins_rpc_in_flight", "RPCs being answered now (open server streams included)", _RPC_LABELS)

COINS_MOVED = Counter("coins_moved_total", "Coins moved by ledger entries, by the entries' kind", ["kind"])
LEDGER_ENTRIES = Counter("coins_ledger_entries_total", "Ledger entries written, by kind", ["kind"])

OUTBOX_BACKLOG = Gauge("coins_outbox_backlog", "Outbox rows not yet published or delivered", ["outbox"])
OUTBOX_AGE = Gauge("coins_outbox_oldest_age_seconds",
                   "Age of the oldest outbox row not yet published or delivered (0 when none waits)", ["outbox"])

EVENT_LAG = Gauge("coins_event_consumer_lag_seconds",
                  "Age of the oldest event a consumer group has not acknowledged (0 when up to date)",
                  ["stream", "group"])

SCRAPE_MEASURE_TIMEOUT_S = 2.0  # a scrape must answer even when the database does not


# ---- RPCs ----------------------------------------------------------------------------------------------------


class RpcMetrics:
    """One method's series, looked up once when the interceptor wraps the method rather than on every call."""

    def __init__(self, full_service: str, method: str, streaming: bool):
        self._labels = (full_service, method)
        self._duration = None if streaming else RPC_DURATION.labels(*self._labels)
        self._in_flight = RPC_IN_FLIGHT.labels(*self._labels)
        self._by_code: dict[str, Counter] = {}

    def started(self) -> None:
        self._in_flight.inc()

    def finished(self, code: str, seconds: float) -> None:
        self._in_flight.dec()
        counter = self._by_code.get(code)
        if counter is None:
            counter = self._by_code[code] = RPC_REQUESTS.labels(*self._labels, code)
        counter.inc()
        if self._duration is not None:
            self._duration.observe(seconds)


def code_of(context: grpc.aio.ServicerContext) -> str:
    """The status a handler gave with context.abort(): grpc keeps it on the context."""
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code.name
    if isinstance(code, int):
        return next((known.name for known in grpc.StatusCode if known.value[0] == code), "UNKNOWN")
    return "UNKNOWN"


# ---- coins ---------------------------------------------------------------------------------------------------


def coins_moved(entries: Iterable[tuple[str, int]]) -> None:
    """Counts (kind, amount) ledger entries whose move committed."""
    for kind, amount in entries:
        COINS_MOVED.labels(kind).inc(amount)
        LEDGER_ENTRIES.labels(kind).inc()


# ---- connection pools ----------------------------------------------------------------------------------------


class PoolUse(NamedTuple):
    in_use: int
    open: int
    max: int


class _Pools(Collector):
    """Reads every watched pool at scrape time: no figure is older than the scrape, no task keeps it current."""

    def __init__(self) -> None:
        self.pools: dict[str, Callable[[], PoolUse]] = {}

    def collect(self) -> Iterator[Metric]:
        in_use = GaugeMetricFamily("coins_db_pool_connections_in_use", "Database connections lent to a call now",
                                   labels=["pool"])
        opened = GaugeMetricFamily("coins_db_pool_connections_open", "Database connections the pool holds open",
                                   labels=["pool"])
        most = GaugeMetricFamily("coins_db_pool_connections_max", "Connections the pool may open at most",
                                 labels=["pool"])
        for name, read in list(self.pools.items()):
            use = read()
            in_use.add_metric([name], use.in_use)
            opened.add_metric([name], use.open)
            most.add_metric([name], use.max)
        yield from (in_use, opened, most)


_POOLS = _Pools()
REGISTRY.register(_POOLS)


def watch_pool(name: str, read: Callable[[], PoolUse]) -> None:
    """Reports a pool under `name` (the service); a pool opened again under the same name replaces the old one."""
    _POOLS.pools[name] = read


def forget_pool(name: str) -> None:
    _POOLS.pools.pop(name, None)


# ---- outboxes ------------------------------------------------------------------------------------------------


class Backlog(NamedTuple):
    rows: int
    oldest_age_s: float


Measure = Callable[[], Awaitable[None]]
_measures: dict[str, Measure] = {}


def watch_outbox(name: str, backlog: Callable[[], Awaitable[Backlog]]) -> None:
    """Measures an outbox ("schema.table") before each scrape."""

    async def measure() -> None:
        found = await backlog()
        OUTBOX_BACKLOG.labels(name).set(found.rows)
        OUTBOX_AGE.labels(name).set(found.oldest_age_s)

    _measures[f"outbox:{name}"] = measure


async def table_backlog(session: AsyncSession, table: sa.Table, done_column: str) -> Backlog:
    """The rows of an outbox table whose `done_column` (published_at, delivered_at) is still NULL."""
    pending = table.c[done_column].is_(None)
    row = (await session.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.extract("epoch", sa.func.now() - sa.func.min(table.c.created_at)),
                                          0)).where(pending))).one()
    return Backlog(int(row[0]), float(row[1]))


async def refresh() -> None:
    """Runs every scrape-time measurement; one that fails or is slow keeps its last figures and is logged, the
    scrape still answers."""
    if not _measures:
        return
    names = list(_measures)
    results = await asyncio.gather(*(asyncio.wait_for(_measures[name](), SCRAPE_MEASURE_TIMEOUT_S)
                                     for name in names), return_exceptions=True)
    for name, result in zip(names, results):
        if isinstance(result, BaseException):
            log.warning("metric not measured", extra={"measure": name, "error": repr(result)[:300]})
