"""One real stack per test session: private PostgreSQL and Redis, the seven service processes, Envoy, all on free
ports of 127.0.0.1."""

from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import grpc
import httpx
import pytest

from coins.v1 import auth_service_pb2 as auth_pb, auth_service_pb2_grpc as auth_rpc
from tools.devstack import DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD, LoggedLinks, Ports, Stack

PASSWORD = "correct horse battery staple"
# Small limits so the throttling tests trip them quickly; other tests use fresh emails and never fail a login.
TEST_SETTINGS = {
    "COINS_LOGIN_ATTEMPTS_PER_EMAIL": "5",
    "COINS_LOGIN_ATTEMPTS_PER_ADDRESS": "25",
    "COINS_LOGIN_WINDOW_S": "120",
    # The suite registers every user from 127.0.0.1; test_accounts_abuse.py checks the limit on a replica of its own.
    "COINS_REGISTRATIONS_PER_ADDRESS": "1000000",
    "COINS_LOG_LEVEL": "INFO",
    "COINS_SCHEDULER_INTERVAL_S": "0.5",
}


class Mailbox:
    """The verification links the stack's auth service sent, by account id. Mail is not sent yet: like a person
    running `make dev`, the tests read the links from the service's log."""

    def __init__(self, auth_log: Path):
        self._links = LoggedLinks(auth_log)
        self._by_account: dict[str, str] = {}
        self._lock = threading.Lock()

    def verification_token(self, account_id: str) -> str:
        with self._lock:
            self._by_account.update((sent["account_id"], sent["link"]) for sent in self._links.new())
            link = self._by_account[account_id]
        return parse_qs(urlparse(link).query)["token"][0]


# Set by the stack fixture: sign_up() is called with a channel alone in many tests.
_mailbox: Mailbox | None = None


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    global _mailbox
    running = Stack(Path(tmp_path_factory.mktemp("stack")), Ports.free(), settings=TEST_SETTINGS, quiet=True,
                    ephemeral=True)
    _mailbox = Mailbox(running.state_dir / "logs" / "auth.log")
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def gateway(stack) -> httpx.Client:
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.ports.gateway}", timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def auth_channel(stack) -> grpc.Channel:
    with grpc.insecure_channel(f"127.0.0.1:{stack.ports.services['auth']}") as channel:
        yield channel


@pytest.fixture(scope="session")
def gateway_channel(stack) -> grpc.Channel:
    with grpc.insecure_channel(f"127.0.0.1:{stack.ports.gateway}") as channel:
        yield channel


_counter = itertools.count()


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{next(_counter)}-{uuid.uuid4().hex[:8]}@example.org"


@dataclass
class Account:
    id: str
    email: str
    access_token: str
    refresh_token: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.access_token}"}

    @property
    def metadata(self) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.access_token}")]


def verification_token(account_id: str) -> str:
    """The token of the newest verification link sent to the account."""
    return _mailbox.verification_token(account_id)


def sign_up(channel: grpc.Channel, tag: str = "user", verified: bool = True) -> Account:
    """A new signed-in user; by default one who opened the verification link before signing in, so the access token
    says the email is verified, as for most real users."""
    stub = auth_rpc.AuthServiceStub(channel)
    email = unique_email(tag)
    user = stub.Register(auth_pb.RegisterRequest(email=email, password=PASSWORD, full_name=tag.title()))
    if verified:
        stub.VerifyEmail(auth_pb.VerifyEmailRequest(token=verification_token(user.id)))
    tokens = stub.Login(auth_pb.LoginRequest(email=email, password=PASSWORD))
    return Account(tokens.user.id, email, tokens.access_token, tokens.refresh_token)


@pytest.fixture
def member(auth_channel) -> Account:
    return sign_up(auth_channel, "member")


@pytest.fixture(scope="session")
def admin(auth_channel) -> Account:
    tokens = auth_rpc.AuthServiceStub(auth_channel).Login(
        auth_pb.LoginRequest(email=DEV_ADMIN_EMAIL, password=DEV_ADMIN_PASSWORD))
    return Account(tokens.user.id, DEV_ADMIN_EMAIL, tokens.access_token, tokens.refresh_token)


@pytest.fixture(scope="session")
def sign_in(gateway_channel):
    """Makes signed-in users (over the gateway's native gRPC port)."""
    from tests.world import User

    def make(tag: str = "user") -> "User":
        return User(gateway_channel, sign_up(gateway_channel, tag))

    return make


@pytest.fixture(scope="session")
def admin_user(gateway_channel, admin):
    from tests.world import User
    return User(gateway_channel, admin)


@pytest.fixture(scope="session")
def promote(auth_channel, admin):
    """Grants a system role and returns the user with a fresh token that carries it."""
    def make(user, role):
        stub = auth_rpc.AuthServiceStub(auth_channel)
        stub.GrantRole(auth_pb.GrantRoleRequest(user_id=user.id, role=role), metadata=admin.metadata)
        renewed = stub.RefreshToken(auth_pb.RefreshTokenRequest(refresh_token=user.account.refresh_token))
        from tests.world import User
        return User(user.channel, Account(user.id, user.email, renewed.access_token, renewed.refresh_token))

    return make
