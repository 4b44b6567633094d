"""Signed-up users on the test stack: unique emails, the verification links the auth service logged, tokens."""

from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import grpc

from coins.v1 import auth_service_pb2 as auth_pb
from coins.v1 import auth_service_pb2_grpc as auth_rpc
from tools.devstack import LoggedLinks

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
    # Notifications: heartbeats, mail retries and digests on a test's time scale.
    "COINS_NOTIFY_HEARTBEAT_S": "1",
    "COINS_MAIL_RETRY_BASE_S": "0.2",
    "COINS_MAIL_RETRY_MAX_S": "1",
    "COINS_MAIL_POLL_S": "0.2",
    "COINS_DIGEST_INTERVAL_S": "3",
}


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


# The session's stack sets it (read_mail): many tests call sign_up() with a channel alone.
_mailbox: Mailbox | None = None


def read_mail(auth_log: Path) -> None:
    """Reads verification links from this auth log from now on (the session's stack, before it starts)."""
    global _mailbox
    _mailbox = Mailbox(auth_log)


_counter = itertools.count()


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{next(_counter)}-{uuid.uuid4().hex[:8]}@example.org"


def verification_token(account_id: str) -> str:
    """The token of the newest verification link sent to the account."""
    if _mailbox is None:
        raise RuntimeError("no stack is reading the auth service's mail: use the `stack` fixture")
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
