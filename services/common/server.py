"""The process every service runs: a grpc.aio server with health, reflection, tracing and the call interceptor,
stopped gracefully on SIGTERM (health NOT_SERVING, in-flight calls finish, pools close)."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Coroutine

import grpc
import uvloop
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from redis.asyncio import Redis

from services.common import catalog, idempotency, logs, paging, redis_client, sealing, telemetry
from services.common.clients import ServiceClients
from services.common.config import Settings
from services.common.db import Database
from services.common.interceptor import CallInterceptor
from services.common.ops import Detail, OpsEndpoint
from services.common.tokens import AccessTokenVerifier, ServiceTokens

log = logging.getLogger("coins.server")

MAX_MESSAGE_BYTES = 4 * 1024 * 1024


class Runtime:
    """Shared resources of one service process, opened on first use and closed on shutdown."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.service_tokens = ServiceTokens(settings.service_token_secret, settings.service)
        self.verifier = AccessTokenVerifier.from_file(settings.jwt_public_key_file)
        self.clients = ServiceClients(dict(settings.targets), self.service_tokens)
        self._database: Database | None = None
        self._redis: Redis | None = None

    @property
    def database(self) -> Database:
        if self._database is None:
            self._database = Database(self.settings)
        return self._database

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            self._redis = redis_client.connect(self.settings.redis_url)
        return self._redis

    async def close(self) -> None:
        await self.clients.close()
        if self._database is not None:
            await self._database.close()
        if self._redis is not None:
            await self._redis.aclose()


@dataclass
class Mounted:
    """What a service puts on the server: servicers with their generated add_*_to_server functions, and
    background tasks (schedulers, outbox relays) that run until shutdown."""

    servicers: list[tuple[object, Callable]]
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    on_close: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    details: dict[str, Detail] = field(default_factory=dict)  # what /healthz reports beside the status


Builder = Callable[[Runtime], Awaitable[Mounted]]


def run(service: str, build: Builder) -> None:
    """Entry point of every service process."""
    settings = Settings.from_env(service)
    logs.configure(service, settings.log_level)
    paging.configure(settings.page_token_secret)
    idempotency.configure(settings.service_token_secret)
    sealing.configure(settings.service_token_secret)
    telemetry.configure(service)
    uvloop.run(serve(settings, build))


async def serve(settings: Settings, build: Builder, ready: asyncio.Event | None = None,
                stop: asyncio.Event | None = None) -> None:
    runtime = Runtime(settings)
    mounted = await build(runtime)
    server = grpc.aio.server(
        interceptors=[telemetry.server_interceptor(),
                      CallInterceptor(runtime.verifier, runtime.service_tokens, settings.access_log)],
        options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                 ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                 ("grpc.so_reuseport", 1)],
    )
    for servicer, add_to_server in mounted.servicers:
        add_to_server(servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [s.full_name for s in catalog.services_of(settings.service)]
    reflection.enable_server_reflection([*names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)

    address = f"{settings.bind_host}:{settings.port}"
    if server.add_insecure_port(address) == 0:
        raise SystemExit(f"{settings.service}: cannot listen on {address}")
    await server.start()
    ops = OpsEndpoint(settings.service, settings.bind_host, settings.ops_port)
    for detail_name, detail in mounted.details.items():
        ops.add_detail(detail_name, detail)
    if settings.ops_port:
        await ops.start()
    for name in ["", *names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    tasks = [asyncio.create_task(job(), name=getattr(job, "__name__", "background")) for job in mounted.background]
    log.info("serving", extra={"address": address, "services": names})

    stop = stop or _stop_on_signals()
    if ready is not None:
        ready.set()
    await stop.wait()
    log.info("shutting down", extra={"grace_s": settings.shutdown_grace_s})
    # Each step is bounded: a pod's termination grace period is finite, and a step that hangs (seen once in a few
    # hundred stops, right after a call) must not keep the process alive; the log names the step that did.
    await _bounded("health", health_servicer.enter_graceful_shutdown(), STEP_S)
    await _bounded("server", server.stop(settings.shutdown_grace_s), settings.shutdown_grace_s + STEP_S)
    for task in tasks:
        task.cancel()
    await _bounded("background tasks", asyncio.gather(*tasks, return_exceptions=True), STEP_S)
    await _bounded("ops endpoint", ops.stop(), STEP_S)
    for close in mounted.on_close:
        await _bounded("service resources", close(), STEP_S)
    await _bounded("runtime", runtime.close(), STEP_S)
    telemetry.shutdown()
    log.info("stopped")


STEP_S = 2.0  # the most a shutdown step beyond the grace period may take


async def _bounded(step: str, work: Awaitable[Any], seconds: float) -> None:
    try:
        await asyncio.wait_for(work, seconds)
    except TimeoutError:
        log.warning("shutdown step did not end in time; going on", extra={"step": step, "seconds": seconds})


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop
