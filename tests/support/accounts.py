"""Signed-up users on the test stack: unique emails, tokens, and the links the services mailed them, read from the
stack's dev mailbox (tools/mailbox.py) as a person running `make dev` reads them."""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import grpc

from coins.v1 import auth_service_pb2 as auth_pb
from coins.v1 import auth_service_pb2_grpc as auth_rpc
from tools.devstack import Stack
from tools.mailbox import Mail

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


# The kinds of link a mail carries, by where they lead.
VERIFICATION = "/verify-email"
INVITATION = "/invitations/"
_URL = re.compile(r"https?://\S+")


class Mailbox:
    """The links mailed to each address, read from a stack's dev mailbox as the mails arrive. A mail travels from
    the service's outbox through Redis and the notification service to SMTP: readers wait for it."""

    def __init__(self, mail_dir: Path):
        self._dir = mail_dir
        self._read: set[str] = set()  # file names
        self._message_ids: set[str] = set()  # a mail delivered twice (same Message-ID) counts once
        self._links: dict[str, list[str]] = defaultdict(list)  # address -> links, in arrival order
        self._lock = threading.Lock()

    def link(self, email: str, kind: str, count: int = 1, within_s: float = 10.0) -> str:
        """The newest link of `kind` (VERIFICATION, INVITATION) mailed to the address, once at least `count` mails
        carried one; AssertionError if they do not arrive within `within_s`."""
        deadline = time.monotonic() + within_s
        while True:
            with self._lock:
                self._read_new()
                found = [link for link in self._links[email.lower()] if urlparse(link).path.startswith(kind)]
            if len(found) >= count:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} mail(s) with a {kind} link reached {email} in {within_s} s, "
                                     f"not {count}")
            time.sleep(0.02)

    def _read_new(self) -> None:
        try:
            names = os.listdir(self._dir)
        except FileNotFoundError:  # the mailbox has not started yet
            return
        # Complete mails only (a partial one is a hidden file until renamed); names sort in arrival order.
        for name in sorted(n for n in names if n.endswith(".eml") and not n.startswith(".") and n not in self._read):
            self._read.add(name)
            message = Mail.load(self._dir / name).message
            message_id = str(message.get("Message-ID", name))
            if message_id in self._message_ids:
                continue
            self._message_ids.add(message_id)
            text = message.get_body(preferencelist=("plain",))
            links = _URL.findall(text.get_content()) if text is not None else []
            for recipient in message.get_all("Delivered-To", []):  # the envelope's, written by the mailbox
                self._links[str(recipient).lower()].extend(links)


# The session's stack sets it (read_mail): many tests call sign_up() with a channel alone.
_mailbox: Mailbox | None = None


def read_mail(mail_dir: Path) -> None:
    """Reads the links mailed to the session's stack from its mailbox folder."""
    global _mailbox
    _mailbox = Mailbox(mail_dir)


@contextlib.contextmanager
def reading_mail(mail_dir: Path) -> Iterator[None]:
    """Reads another stack's mailbox for a while (a module with a stack of its own), then the session's again."""
    global _mailbox
    before, _mailbox = _mailbox, Mailbox(mail_dir)
    try:
        yield
    finally:
        _mailbox = before


def mailed_link(email: str, kind: str, count: int = 1) -> str:
    """The newest link of `kind` (VERIFICATION, INVITATION) the session's stack mailed to the address, once at
    least `count` mails carried one: after a resend, ask for one more than before."""
    if _mailbox is None:
        raise RuntimeError("no stack is reading the mailbox: use the `stack` fixture")
    return _mailbox.link(email, kind, count)


def verification_token(email: str, count: int = 1) -> str:
    """The token of the newest verification link mailed to the address, once at least `count` were mailed."""
    return parse_qs(urlparse(mailed_link(email, VERIFICATION, count)).query)["token"][0]


def logs_holding(stack: Stack, secret: str) -> list[str]:
    """The lines of every log the stack's processes wrote (services, replicas, mailbox, gateway) that hold `secret`:
    a mailed link is a bearer secret, for its mail alone."""
    return [line for log in sorted((stack.state_dir / "logs").glob("*.log"))
            for line in log.read_text(errors="replace").splitlines() if secret in line]


_counter = itertools.count()


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{next(_counter)}-{uuid.uuid4().hex[:8]}@example.org"


def sign_up(channel: grpc.Channel, tag: str = "user", verified: bool = True) -> Account:
    """A new signed-in user; by default one who opened the mailed verification link before signing in, so the access
    token says the email is verified, as for most real users."""
    stub = auth_rpc.AuthServiceStub(channel)
    email = unique_email(tag)
    stub.Register(auth_pb.RegisterRequest(email=email, password=PASSWORD, full_name=tag.title()))
    if verified:
        stub.VerifyEmail(auth_pb.VerifyEmailRequest(token=verification_token(email)))
    tokens = stub.Login(auth_pb.LoginRequest(email=email, password=PASSWORD))
    return Account(tokens.user.id, email, tokens.access_token, tokens.refresh_token)
