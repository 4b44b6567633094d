"""What the auth service's use cases need from the world, as small Protocols over domain types. The adapters are
services/auth/repository.py (PostgreSQL), services/auth/credentials.py (argon2id, ES256) and
services/common/ratelimit.py (Redis); tests/unit/handlers/fakes_auth.py holds in-memory twins."""

from __future__ import annotations

import uuid
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from coins.v1.events_pb2 import Event
from services.auth.domain import Account, Credentials, EmailVerification, RefreshToken
from services.common.concepts import SystemRole
from services.common.ratelimit import Attempt


class Accounts(Protocol):
    """Accounts, their roles, sessions (refresh tokens) and email verifications."""

    async def account(self, user_id: uuid.UUID) -> Account | None: ...

    async def credentials_by_email(self, email_key: str) -> Credentials | None: ...

    async def accounts(self, ids: list[uuid.UUID]) -> list[Account]: ...

    async def accounts_by_email(self, email_keys: list[str]) -> list[Account]: ...

    async def list_accounts(self, after_email: str | None, limit: int, contains: str) -> list[Account]:
        """Ordered by email regardless of case; `contains` filters email and full name."""
        ...

    async def add_account(self, email: str, password_hash: str, full_name: str,
                          email_verified: bool = False) -> uuid.UUID | None:
        """The new account's id, or None when the email is taken (race-free)."""
        ...

    async def set_password_hash(self, user_id: uuid.UUID, password_hash: str) -> None: ...

    async def rename(self, user_id: uuid.UUID, full_name: str) -> str | None:
        """The name the account had, or None when there is no such account. The account stays locked until the
        transaction ends, so that of two renames racing, the second sees the first one's name as the previous."""
        ...

    async def set_active(self, user_id: uuid.UUID, active: bool) -> None: ...

    async def grant_role(self, user_id: uuid.UUID, role: SystemRole, granted_by: uuid.UUID | None) -> None: ...

    async def revoke_role(self, user_id: uuid.UUID, role: SystemRole) -> None: ...

    async def add_email_verification(self, user_id: uuid.UUID, digest: bytes, expires_at: datetime) -> None:
        """Earlier unused links of the account stop working."""
        ...

    async def email_verification_for_update(self, digest: bytes) -> EmailVerification | None: ...

    async def mark_email_verified(self, verification: EmailVerification) -> None: ...

    async def add_refresh_token(self, family_id: uuid.UUID, user_id: uuid.UUID, digest: bytes,
                                expires_at: datetime) -> None: ...

    async def refresh_token_for_update(self, digest: bytes) -> RefreshToken | None: ...

    async def mark_used(self, token_id: uuid.UUID) -> None: ...

    async def revoke_refresh_tokens(self, user_id: uuid.UUID) -> None:
        """Every family of the account."""
        ...

    async def revoke_family(self, family_id: uuid.UUID) -> None: ...


class StoredAnswers(Protocol):
    """Answers to this call's request_id (services/common/idempotency.py), in the unit of work's transaction."""

    async def replay(self) -> dict | None: ...

    async def remember(self, answer: dict) -> None: ...


class Events(Protocol):
    """The service's event outbox (services/common/events.py), in the unit of work's transaction: an event added
    is published exactly when the change it tells of commits."""

    async def add(self, event: Event) -> None: ...


class AuthUnitOfWork(Protocol):
    """`async with uow:` opens one transaction: committed when the block ends normally, rolled back otherwise."""

    @property
    def accounts(self) -> Accounts: ...

    @property
    def answers(self) -> StoredAnswers: ...

    @property
    def events(self) -> Events: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None: ...


class UnitsOfWork(Protocol):
    def __call__(self) -> AuthUnitOfWork: ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """False for None, in the time a real check takes."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class TokenIssuer(Protocol):
    def issue(self, account: Account) -> tuple[str, int]:
        """The access token and its expiry (unix seconds)."""
        ...


class AttemptLimiter(Protocol):
    def attempt(self, counted: tuple[type[BaseException], ...] = (),
                **subjects: str) -> AbstractAsyncContextManager[Attempt]: ...

    async def forget(self, **subjects: str) -> None: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
