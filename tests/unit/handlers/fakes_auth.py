"""In-memory twins of services/auth/ports.py, for the handler tier: no database, no Redis, no argon2."""

from __future__ import annotations

import contextlib
import copy
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Self
from urllib.parse import parse_qs, urlsplit

from coins.v1.events_pb2 import Event
from services.auth.domain import Account, Credentials, EmailVerification, RefreshToken
from services.common import idempotency
from services.common.concepts import SystemRole
from services.common.context import CallContext, Caller, reset_call, set_call
from services.common.errors import ResourceExhausted
from services.common.ratelimit import Attempt, judging


@contextlib.contextmanager
def call_context(caller: Caller | None = None, *, method: str = "", request_id: str = "",
                 body: str = "") -> Iterator[None]:
    """What the interceptor sets for a call: who calls and, with a request_id, the call's RequestKey (the body
    stands in for the fingerprint of the request's other fields)."""
    key = None
    if request_id:
        key = idempotency.RequestKey(caller.user_id if caller else "anonymous", method, request_id, body)
    token = set_call(CallContext(request_id="test", caller=caller, request_key=key))
    try:
        yield
    finally:
        reset_call(token)


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class StoredUser:
    id: uuid.UUID
    email: str
    password_hash: str
    full_name: str
    created_at: datetime
    active: bool = True
    email_verified: bool = False
    roles: set[SystemRole] = field(default_factory=set)

    def account(self) -> Account:
        return Account(str(self.id), self.email, self.full_name, tuple(sorted(self.roles)), self.active,
                       self.email_verified, self.created_at)


@dataclass
class AuthState:
    """Everything the auth schema would hold."""

    users: dict[uuid.UUID, StoredUser] = field(default_factory=dict)
    refresh_tokens: dict[bytes, RefreshToken] = field(default_factory=dict)
    verifications: dict[bytes, EmailVerification] = field(default_factory=dict)
    answers: dict[str, tuple[str, dict]] = field(default_factory=dict)  # scoped request key -> (fingerprint, answer)
    events: list[Event] = field(default_factory=list)  # the event outbox, in the order events were added


class FakeAccounts:
    def __init__(self, state: AuthState, clock: FakeClock):
        self._state = state
        self._now = clock

    def _by_email(self, email_key: str) -> StoredUser | None:
        return next((u for u in self._state.users.values() if u.email.lower() == email_key), None)

    async def account(self, user_id: uuid.UUID) -> Account | None:
        user = self._state.users.get(user_id)
        return user.account() if user else None

    async def credentials_by_email(self, email_key: str) -> Credentials | None:
        user = self._by_email(email_key)
        return Credentials(user.account(), user.password_hash) if user else None

    async def accounts(self, ids: list[uuid.UUID]) -> list[Account]:
        return [self._state.users[i].account() for i in ids if i in self._state.users]

    async def accounts_by_email(self, email_keys: list[str]) -> list[Account]:
        return [user.account() for key in email_keys if (user := self._by_email(key))]

    async def list_accounts(self, after_email: str | None, limit: int, contains: str) -> list[Account]:
        users = sorted(self._state.users.values(), key=lambda u: u.email.lower())
        return [u.account() for u in users
                if (after_email is None or u.email.lower() > after_email)
                and contains.lower() in f"{u.email.lower()}\n{u.full_name.lower()}"][:limit]

    async def add_account(self, email: str, password_hash: str, full_name: str,
                          email_verified: bool = False) -> uuid.UUID | None:
        if self._by_email(email.lower()):
            return None
        user = StoredUser(uuid.uuid4(), email, password_hash, full_name, self._now(), email_verified=email_verified)
        self._state.users[user.id] = user
        return user.id

    async def set_password_hash(self, user_id: uuid.UUID, password_hash: str) -> None:
        self._state.users[user_id].password_hash = password_hash

    async def rename(self, user_id: uuid.UUID, full_name: str) -> str | None:
        user = self._state.users.get(user_id)
        if user is None:
            return None
        previous, user.full_name = user.full_name, full_name
        return previous

    async def set_active(self, user_id: uuid.UUID, active: bool) -> None:
        self._state.users[user_id].active = active

    async def grant_role(self, user_id: uuid.UUID, role: SystemRole, granted_by: uuid.UUID | None) -> None:
        self._state.users[user_id].roles.add(role)

    async def revoke_role(self, user_id: uuid.UUID, role: SystemRole) -> None:
        self._state.users[user_id].roles.discard(role)

    async def add_email_verification(self, user_id: uuid.UUID, digest: bytes, expires_at: datetime) -> None:
        self._state.verifications = {d: v for d, v in self._state.verifications.items()
                                     if v.user_id != user_id or v.used_at is not None}
        self._state.verifications[digest] = EmailVerification(digest, user_id, expires_at, None)

    async def email_verification_for_update(self, digest: bytes) -> EmailVerification | None:
        return self._state.verifications.get(digest)

    async def mark_email_verified(self, verification: EmailVerification) -> None:
        self._state.verifications[verification.token_digest] = replace(verification, used_at=self._now())
        self._state.users[verification.user_id].email_verified = True

    async def add_refresh_token(self, family_id: uuid.UUID, user_id: uuid.UUID, digest: bytes,
                                expires_at: datetime) -> None:
        self._state.refresh_tokens[digest] = RefreshToken(uuid.uuid4(), family_id, user_id, expires_at, None, None)

    async def refresh_token_for_update(self, digest: bytes) -> RefreshToken | None:
        return self._state.refresh_tokens.get(digest)

    def _update_tokens(self, chosen, **changes) -> None:
        self._state.refresh_tokens = {d: replace(t, **changes) if chosen(t) else t
                                      for d, t in self._state.refresh_tokens.items()}

    async def mark_used(self, token_id: uuid.UUID) -> None:
        self._update_tokens(lambda t: t.id == token_id, used_at=self._now())

    async def revoke_refresh_tokens(self, user_id: uuid.UUID) -> None:
        self._update_tokens(lambda t: t.user_id == user_id and t.revoked_at is None, revoked_at=self._now())

    async def revoke_family(self, family_id: uuid.UUID) -> None:
        self._update_tokens(lambda t: t.family_id == family_id and t.revoked_at is None, revoked_at=self._now())


class FakeAnswers:
    """Like services/common/idempotency.py's Requests: keyed by the call's RequestKey, a changed body refused."""

    def __init__(self, state: AuthState):
        self._state = state

    async def replay(self) -> dict | None:
        key = idempotency.current_key()
        if key is None or key.scoped not in self._state.answers:
            return None
        fingerprint, answer = self._state.answers[key.scoped]
        if fingerprint != key.fingerprint:
            raise idempotency.refuse_reuse(key.request_id)
        return answer

    async def remember(self, answer: dict) -> None:
        if key := idempotency.current_key():
            self._state.answers[key.scoped] = (key.fingerprint, answer)


class FakeEvents:
    """The event outbox: events added in a unit of work that fails are rolled back with the rest of the state."""

    def __init__(self, state: AuthState):
        self._state = state

    async def add(self, event: Event) -> None:
        self._state.events.append(event)


class FakeUnitsOfWork:
    """Makes FakeUnitOfWorks over one state; a unit of work that raises leaves the state as it found it."""

    def __init__(self, clock: FakeClock):
        self.state = AuthState()
        self.clock = clock
        self.commits = 0

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)


class FakeUnitOfWork:
    def __init__(self, units: FakeUnitsOfWork):
        self._units = units
        self._before: AuthState | None = None
        self.accounts = FakeAccounts(units.state, units.clock)
        self.answers = FakeAnswers(units.state)
        self.events = FakeEvents(units.state)

    async def __aenter__(self) -> Self:
        self._before = copy.deepcopy(self._units.state)
        return self

    async def __aexit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is None:
            self._units.commits += 1
        else:
            self._units.state.__dict__.update(self._before.__dict__)


class FakePasswords:
    """Hashes are readable; a hash made with old parameters starts with `old:` and is rehashed at sign-in."""

    async def hash(self, password: str) -> str:
        return f"hash:{password}"

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return password_hash is not None and password_hash.split(":", 1)[1] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return password_hash.startswith("old:")


class FakeIssuer:
    def __init__(self, clock: FakeClock, ttl_s: int = 900):
        self._now = clock
        self.ttl_s = ttl_s

    def issue(self, account: Account) -> tuple[str, int]:
        return f"access:{account.id}:{','.join(account.roles)}", int(self._now().timestamp()) + self.ttl_s


class FakeLimiter:
    """A fixed window that never ends: `limits` counted attempts per subject, then RESOURCE_EXHAUSTED."""

    def __init__(self, **limits: int):
        self._limits = limits
        self.counted: Counter[tuple[str, str]] = Counter()

    @contextlib.asynccontextmanager
    async def attempt(self, counted: tuple[type[BaseException], ...] = (), **subjects: str) -> AsyncIterator[Attempt]:
        if any(self.counted[(name, subject)] >= self._limits[name] for name, subject in subjects.items()):
            raise ResourceExhausted("too many attempts; try again in 60 s", retry_after_s=60)
        attempt = Attempt()
        try:
            with judging(attempt, counted):
                yield attempt
        finally:
            if attempt.counts:
                self.counted.update(subjects.items())

    async def forget(self, **subjects: str) -> None:
        for subject in subjects.items():
            del self.counted[subject]


def token_of(verification_link: str) -> str:
    return parse_qs(urlsplit(verification_link).query)["token"][0]
