"""The session's fixtures. The real stack: private PostgreSQL and Redis, the seven service processes, Envoy, all on
free ports of 127.0.0.1, started by the first test that asks for it. Helpers live in tests/support/."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import httpx
import pytest

from coins.v1 import auth_service_pb2 as auth_pb
from coins.v1 import auth_service_pb2_grpc as auth_rpc
from tests.support.accounts import TEST_SETTINGS, Account, read_mail, sign_up
from tests.support.world import User
from tools.devstack import DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD, Ports, Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(Path(tmp_path_factory.mktemp("stack")), Ports.free(), settings=TEST_SETTINGS, quiet=True,
                    ephemeral=True)
    read_mail(running.mail_dir)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.ports.gateway}", timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def auth_channel(stack: Stack) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{stack.ports.services['auth']}") as channel:
        yield channel


@pytest.fixture(scope="session")
def gateway_channel(stack: Stack) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{stack.ports.gateway}") as channel:
        yield channel


@pytest.fixture
def member(auth_channel: grpc.Channel) -> Account:
    return sign_up(auth_channel, "member")


@pytest.fixture(scope="session")
def admin(auth_channel: grpc.Channel) -> Account:
    tokens = auth_rpc.AuthServiceStub(auth_channel).Login(
        auth_pb.LoginRequest(email=DEV_ADMIN_EMAIL, password=DEV_ADMIN_PASSWORD))
    return Account(tokens.user.id, DEV_ADMIN_EMAIL, tokens.access_token, tokens.refresh_token)


@pytest.fixture(scope="session")
def sign_in(gateway_channel: grpc.Channel) -> Callable[..., User]:
    """Makes signed-in users (over the gateway's native gRPC port)."""

    def make(tag: str = "user") -> User:
        return User(gateway_channel, sign_up(gateway_channel, tag))

    return make


@pytest.fixture(scope="session")
def admin_user(gateway_channel: grpc.Channel, admin: Account) -> User:
    return User(gateway_channel, admin)


@pytest.fixture(scope="session")
def promote(auth_channel: grpc.Channel, admin: Account) -> Callable[[User, int], User]:
    """Grants a system role and returns the user with a fresh token that carries it."""

    def make(user: User, role: int) -> User:
        stub = auth_rpc.AuthServiceStub(auth_channel)
        stub.GrantRole(auth_pb.GrantRoleRequest(user_id=user.id, role=role), metadata=admin.metadata)
        renewed = stub.RefreshToken(auth_pb.RefreshTokenRequest(refresh_token=user.account.refresh_token))
        return User(user.channel, Account(user.id, user.email, renewed.access_token, renewed.refresh_token))

    return make
