"""The RPC metrics (services/common/metrics.py) as a scraper reads them from a service's /metrics: a real server built
by services.common.server.serve, with its interceptor and operations endpoint; the servicer is a test double."""

from __future__ import annotations

import asyncio
import contextlib
import time

import grpc
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from prometheus_client.parser import text_string_to_metric_families

from coins.v1 import auth_service_pb2 as pb
from coins.v1 import auth_service_pb2_grpc as rpc
from coins.v1 import resources_pb2
from services.common.config import Settings
from services.common.errors import NOT_FOUND, NotFound
from services.common.server import Mounted, serve
from tools.devstack import free_port

GET_USER = {"grpc_service": "coins.v1.AuthService", "grpc_method": "GetUser"}


class Users(rpc.AuthServiceServicer):
    async def GetUser(self, request, context):
        if request.user_id == "missing":
            raise NotFound(NOT_FOUND, "no such user")
        if request.user_id == "busy":
            await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "slow down")
        if request.user_id == "slow":
            await asyncio.sleep(0.3)
        return resources_pb2.User(id=request.user_id)


@pytest.fixture(scope="session")
def private_key(tmp_path_factory):
    folder = tmp_path_factory.mktemp("metrics-keys")
    key = ec.generate_private_key(ec.SECP256R1())
    (folder / "public.pem").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return key, folder / "public.pem"


@pytest.fixture(scope="session")
async def server(private_key):
    """(gRPC port, /metrics URL) of one auth server answering with the double. Stopped last: serve() shuts the
    process's tracer provider down on its way out, which test_runtime.py's span checks still need."""
    port, ops_port = free_port(), free_port()
    settings = Settings.from_env("auth", {"COINS_AUTH_PORT": str(port), "COINS_AUTH_OPS_PORT": str(ops_port),
                                          "COINS_JWT_PUBLIC_KEY_FILE": str(private_key[1]),
                                          "COINS_SERVICE_TOKEN_SECRET": "test-secret-" + "x" * 32,
                                          "COINS_ACCESS_LOG": "false", "COINS_SHUTDOWN_GRACE_S": "1"})

    async def build(runtime):
        return Mounted([(Users(), rpc.add_AuthServiceServicer_to_server)])

    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(settings, build, ready, stop))
    await asyncio.wait_for(ready.wait(), 10)
    yield port, f"http://127.0.0.1:{ops_port}/metrics"
    stop.set()
    await task


def bearer(private_key) -> list[tuple[str, str]]:
    now = int(time.time())
    token = jwt.encode({"iss": "coins-auth", "aud": "coins", "sub": "u-1", "exp": now + 60, "iat": now},
                       private_key[0], algorithm="ES256")
    return [("authorization", f"Bearer {token}")]


async def scrape(url: str) -> dict[tuple[str, frozenset], float]:
    async with httpx.AsyncClient() as client:
        reply = await client.get(url)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(reply.text) for sample in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_each_answer_is_counted_under_its_status_code(server, private_key):
    port, metrics_url = server
    before = await scrape(metrics_url)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        users = rpc.AuthServiceStub(channel)
        for user_id in ("u-1", "u-2", "missing", "busy"):
            refused = user_id in ("missing", "busy")
            with pytest.raises(grpc.aio.AioRpcError) if refused else contextlib.nullcontext():
                await users.GetUser(pb.GetUserRequest(user_id=user_id), metadata=bearer(private_key))
        with pytest.raises(grpc.aio.AioRpcError):
            await users.GetUser(pb.GetUserRequest(user_id="u-3"))  # no token
    after = await scrape(metrics_url)

    def delta(code: str) -> float:
        return (value(after, "coins_rpc_requests_total", **GET_USER, grpc_code=code)
                - value(before, "coins_rpc_requests_total", **GET_USER, grpc_code=code))

    # A handler's own abort is counted under the code it gave, not as an unknown outcome.
    assert {code: delta(code) for code in ("OK", "NOT_FOUND", "RESOURCE_EXHAUSTED", "UNAUTHENTICATED")} == {
        "OK": 2, "NOT_FOUND": 1, "RESOURCE_EXHAUSTED": 1, "UNAUTHENTICATED": 1}
    answered = (value(after, "coins_rpc_duration_seconds_count", **GET_USER)
                - value(before, "coins_rpc_duration_seconds_count", **GET_USER))
    assert answered == 5
    assert value(after, "coins_rpc_in_flight", **GET_USER) == 0


async def test_the_latency_histogram_places_a_slow_call_in_its_bucket(server, private_key):
    port, metrics_url = server
    before = await scrape(metrics_url)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        await rpc.AuthServiceStub(channel).GetUser(pb.GetUserRequest(user_id="slow"), metadata=bearer(private_key))
    after = await scrape(metrics_url)

    def bucket_delta(le: str) -> float:
        return (value(after, "coins_rpc_duration_seconds_bucket", **GET_USER, le=le)
                - value(before, "coins_rpc_duration_seconds_bucket", **GET_USER, le=le))

    # 0.3 s: above the 0.25 s bound, within 0.5 s.
    assert (bucket_delta("0.25"), bucket_delta("0.5")) == (0, 1)
