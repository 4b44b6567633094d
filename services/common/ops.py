"""Each service's operations endpoint, plain HTTP beside its gRPC port:

    GET /metrics   Prometheus text (prometheus_client's default registry; services/common/metrics.py, docs/metrics.md)
    GET /healthz   JSON: the service, its status and details its parts report (event consumer lag, ...)

gRPC health checks say serving or not; this says how well, in numbers a person or a scraper can read."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from redis.asyncio import Redis

from services.common import events, metrics

log = logging.getLogger("coins.ops")

Detail = Callable[[], Awaitable[dict[str, Any]]]


class OpsEndpoint:
    def __init__(self, service: str, host: str, port: int):
        self._service = service
        self._host = host
        self._port = port
        self._details: dict[str, Detail] = {}
        self._runner: web.AppRunner | None = None

    def add_detail(self, name: str, detail: Detail) -> None:
        self._details[name] = detail

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        log.info("operations endpoint", extra={"address": f"http://{self._host}:{self._port}",
                                               "paths": ["/metrics", "/healthz"]})

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _metrics(self, request: web.Request) -> web.Response:
        await metrics.refresh()
        return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _health(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = {"service": self._service, "status": "serving"}
        for name, detail in self._details.items():
            try:
                body[name] = await detail()
            except Exception as error:  # a detail that cannot be read says so; the endpoint still answers
                body[name] = {"error": str(error)[:300]}
        return web.json_response(body)


class ConsumerLag:
    """Measures the lag of consumer groups (services/common/events.py `lag`) every few seconds: the gauge for
    scrapers, and the latest figures for /healthz."""

    def __init__(self, redis: Redis, groups: Sequence[tuple[str, str]], every_s: float = 5.0):
        self._redis = redis
        self._groups = list(groups)
        self._every_s = every_s
        self.latest: dict[tuple[str, str], float] = {}
        # Every event added before this moment (Redis' clock) had been applied by every group at the last
        # measurement: what a read model's answers are true as of.
        self.caught_up_to: datetime | None = None

    async def measure(self) -> dict[tuple[str, str], float]:
        seconds, micros = await self._redis.time()
        started = datetime.fromtimestamp(seconds, UTC) + timedelta(microseconds=micros)
        for stream, group in self._groups:
            behind = await events.lag(self._redis, stream, group)
            metrics.EVENT_LAG.labels(stream, group).set(behind)
            self.latest[stream, group] = behind
        self.caught_up_to = started - timedelta(seconds=max(self.latest.values(), default=0.0))
        return self.latest

    async def run(self) -> None:
        while True:
            try:
                await self.measure()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("consumer lag not measured", extra={"error": str(error)[:300]})
            await asyncio.sleep(self._every_s)

    async def detail(self) -> dict[str, Any]:
        figures = await self.measure()
        return {"consumers": [{"stream": stream, "group": group, "lag_s": round(seconds, 3)}
                              for (stream, group), seconds in figures.items()]}
