"""The shared runtime, in process: two real grpc.aio servers built by services.common.server.serve, talking over
loopback. The servicers here are test doubles of business logic only; interceptor, clients, telemetry, health
and reflection are the production code."""

from __future__ import annotations

import asyncio
import logging
import time

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from coins.v1 import auth_service_pb2 as pb
from coins.v1 import auth_service_pb2_grpc as rpc
from coins.v1 import resources_pb2
from services.common import telemetry
from services.common.config import Settings
from services.common.context import caller, current_call
from services.common.server import Mounted, Runtime, serve
from tests.support.errors import error_info
from tools.devstack import free_port

SECRET_TEXT = "password=hunter2 at db.internal:5432"
spans = InMemorySpanExporter()
telemetry.configure("runtime-test", extra_processor=SimpleSpanProcessor(spans))


class Directory(rpc.AuthInternalServiceServicer):
    """Server B: answers lookups, and fails like a bug would for one id."""

    def __init__(self):
        self.seen_callers = []

    async def BatchGetUsers(self, request, context):
        call = current_call()
        self.seen_callers.append((call.calling_service, call.caller and call.caller.user_id))
        if "boom" in request.user_ids:
            raise RuntimeError(SECRET_TEXT)
        return pb.BatchGetUsersResponse(users=[resources_pb2.User(id=i) for i in request.user_ids])


class Front(rpc.AuthServiceServicer):
    """Server A: a user-facing method that asks server B on the caller's behalf."""

    def __init__(self, runtime: Runtime):
        self._directory = rpc.AuthInternalServiceStub(runtime.clients.channel("auth"))

    async def GetUser(self, request, context):
        caller()  # must be signed in
        found = await self._directory.BatchGetUsers(pb.BatchGetUsersRequest(user_ids=[request.user_id]))
        return found.users[0]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    key = ec.generate_private_key(ec.SECP256R1())
    (folder / "private.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    (folder / "public.pem").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return folder


def settings(keys, port: int, directory_port: int) -> Settings:
    return Settings.from_env("auth", {"COINS_AUTH_PORT": str(port),
                                      "COINS_AUTH_OPS_PORT": "0",  # two servers of one service: no ops endpoint
                                      "COINS_AUTH_TARGET": f"127.0.0.1:{directory_port}",
                                      "COINS_JWT_PUBLIC_KEY_FILE": str(keys / "public.pem"),
                                      "COINS_SERVICE_TOKEN_SECRET": "test-secret-" + "x" * 32,
                                      "COINS_SHUTDOWN_GRACE_S": "2"})


@pytest.fixture(scope="module")
async def servers(keys):
    directory, front_port, directory_port = Directory(), free_port(), free_port()

    async def build_directory(runtime):
        return Mounted([(directory, rpc.add_AuthInternalServiceServicer_to_server)])

    async def build_front(runtime):
        return Mounted([(Front(runtime), rpc.add_AuthServiceServicer_to_server)])

    stop = asyncio.Event()
    ready_a, ready_b = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(serve(settings(keys, directory_port, directory_port), build_directory,
                                       ready_b, stop)),
             asyncio.create_task(serve(settings(keys, front_port, directory_port), build_front, ready_a, stop))]
    await asyncio.wait_for(asyncio.gather(ready_a.wait(), ready_b.wait()), 10)
    yield directory, front_port, directory_port
    stop.set()
    await asyncio.gather(*tasks)


def token(keys, user_id="u-1") -> str:
    now = int(time.time())
    return jwt.encode({"iss": "coins-auth", "aud": "coins", "sub": user_id, "exp": now + 60, "iat": now},
                      (keys / "private.pem").read_bytes(), algorithm="ES256")


async def test_the_caller_and_trace_travel_to_the_next_service(servers, keys):
    directory, front_port, _ = servers
    spans.clear()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{front_port}") as channel:
        user = await rpc.AuthServiceStub(channel).GetUser(
            pb.GetUserRequest(user_id="u-9"), metadata=[("authorization", f"Bearer {token(keys)}")])
    assert user.id == "u-9"
    # B saw the calling service (proven by its token) and the original user (its access token passed on).
    assert directory.seen_callers[-1] == ("auth", "u-1")
    finished = {(s.name, s.kind): s for s in spans.get_finished_spans()}
    front = finished["/coins.v1.AuthService/GetUser", SpanKind.SERVER]
    outgoing = finished["/coins.v1.AuthInternalService/BatchGetUsers", SpanKind.CLIENT]
    back = finished["/coins.v1.AuthInternalService/BatchGetUsers", SpanKind.SERVER]
    # One trace: A's server span -> A's client span -> (over the wire) B's server span.
    assert outgoing.parent.span_id == front.context.span_id
    assert back.parent.is_remote and back.parent.span_id == outgoing.context.span_id
    assert back.context.trace_id == front.context.trace_id

async def test_unexpected_errors_become_internal_without_internals(servers, keys, caplog):
    directory, front_port, _ = servers
    caplog.set_level(logging.ERROR, logger="coins.rpc")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{front_port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await rpc.AuthServiceStub(channel).GetUser(
                pb.GetUserRequest(user_id="boom"),
                metadata=[("authorization", f"Bearer {token(keys)}"), ("x-request-id", "req-boom")])
    # B's INTERNAL comes back through A: the client sees a status, never the exception text.
    assert failed.value.code() is grpc.StatusCode.INTERNAL
    assert SECRET_TEXT not in failed.value.details()
    assert "req-boom" in failed.value.details()
    assert error_info(failed.value).reason == "INTERNAL"
    # The full story is in the log, for whoever holds the request id.
    assert any(SECRET_TEXT in (r.exc_text or "") or SECRET_TEXT in str(r.exc_info) for r in caplog.records)


async def test_health_and_reflection_are_served(servers):
    _, front_port, _ = servers
    async with grpc.aio.insecure_channel(f"127.0.0.1:{front_port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", "coins.v1.AuthService"):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=name))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        replies = reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        names = {s.name async for reply in replies for s in reply.list_services_response.service}
        assert {"coins.v1.AuthService", "grpc.health.v1.Health"} <= names


async def test_internal_methods_refuse_user_tokens(servers, keys):
    _, _, directory_port = servers
    async with grpc.aio.insecure_channel(f"127.0.0.1:{directory_port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await rpc.AuthInternalServiceStub(channel).BatchGetUsers(
                pb.BatchGetUsersRequest(user_ids=["x"]), metadata=[("authorization", f"Bearer {token(keys)}")])
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
