"""The auth service's tables (schema "auth"), every query it makes, and its unit of work: the PostgreSQL adapters
of services/auth/ports.py."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload

from coins.v1.events_pb2 import Event
from services.auth.domain import Account, Credentials, EmailVerification, RefreshToken
from services.common.concepts import SystemRole
from services.common.db import Database
from services.common.events import EventOutbox, event_outbox_table
from services.common.idempotency import Requests, requests_table


class AuthBase(DeclarativeBase):
    metadata = MetaData(schema="auth")


class UserRow(AuthBase):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    roles: Mapped[list[RoleRow]] = relationship(lazy="raise", order_by="RoleRow.role")

    def account(self) -> Account:
        return Account(str(self.id), self.email, self.full_name, tuple(SystemRole(r.role) for r in self.roles),
                       self.active, self.email_verified_at is not None, self.created_at)


Index("ux_users_email_lower", func.lower(UserRow.email), unique=True)


class RoleRow(AuthBase):
    __tablename__ = "system_roles"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth.users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    granted_by: Mapped[uuid.UUID | None] = mapped_column(UUID)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RefreshTokenRow(AuthBase):
    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    family_id: Mapped[uuid.UUID] = mapped_column(UUID, index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth.users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EmailVerificationRow(AuthBase):
    """A verification link's token (its digest), single use."""

    __tablename__ = "email_verifications"

    token_digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth.users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# Register's stored answers, by request_id (services/common/idempotency.py).
REQUESTS = requests_table(AuthBase.metadata)

# Account events (services/common/events.py), published to the stream coins:events:auth by main.py's relay.
EVENT_OUTBOX = event_outbox_table(AuthBase.metadata)
EVENTS = EventOutbox(EVENT_OUTBOX, "auth")


class AuthRepository:
    """services/auth/ports.py's Accounts in one session."""

    def __init__(self, session: AsyncSession):
        self.session = session

    def _users(self):
        # populate_existing: a role granted earlier in this session shows in the account read after it.
        return select(UserRow).options(selectinload(UserRow.roles)).execution_options(populate_existing=True)

    async def _user(self, user_id: uuid.UUID) -> UserRow | None:
        return (await self.session.execute(self._users().where(UserRow.id == user_id))).scalar_one_or_none()

    async def account(self, user_id: uuid.UUID) -> Account | None:
        user = await self._user(user_id)
        return user.account() if user else None

    async def credentials_by_email(self, email_key: str) -> Credentials | None:
        query = self._users().where(func.lower(UserRow.email) == email_key)
        user = (await self.session.execute(query)).scalar_one_or_none()
        return Credentials(user.account(), user.password_hash) if user else None

    async def accounts(self, ids: list[uuid.UUID]) -> list[Account]:
        return [row.account() for row in (await self.session.execute(self._users().where(UserRow.id.in_(ids))))
                .scalars()]

    async def accounts_by_email(self, email_keys: list[str]) -> list[Account]:
        query = self._users().where(func.lower(UserRow.email).in_(email_keys))
        return [row.account() for row in (await self.session.execute(query)).scalars()]

    async def list_accounts(self, after_email: str | None, limit: int, contains: str) -> list[Account]:
        query = self._users().order_by(func.lower(UserRow.email)).limit(limit)
        if after_email is not None:
            query = query.where(func.lower(UserRow.email) > after_email)
        if contains:
            pattern = "%" + contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(or_(UserRow.email.ilike(pattern), UserRow.full_name.ilike(pattern)))
        return [row.account() for row in (await self.session.execute(query)).scalars()]

    async def add_account(self, email: str, password_hash: str, full_name: str,
                          email_verified: bool = False) -> uuid.UUID | None:
        """The new user's id, or None when the email is taken (checked by the unique index, race-free)."""
        statement = (insert(UserRow).values(id=uuid.uuid4(), email=email, password_hash=password_hash,
                                            full_name=full_name,
                                            email_verified_at=func.now() if email_verified else None)
                     .on_conflict_do_nothing().returning(UserRow.id))
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def set_password_hash(self, user_id: uuid.UUID, password_hash: str) -> None:
        await self.session.execute(update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash))

    async def rename(self, user_id: uuid.UUID, full_name: str) -> str | None:
        """The previous name; the row stays locked until commit, so concurrent renames tell a consistent chain."""
        query = select(UserRow.full_name).where(UserRow.id == user_id).with_for_update()
        previous = (await self.session.execute(query)).scalar_one_or_none()
        if previous is not None and previous != full_name:
            await self.session.execute(update(UserRow).where(UserRow.id == user_id).values(full_name=full_name))
        return previous

    async def set_active(self, user_id: uuid.UUID, active: bool) -> None:
        await self.session.execute(update(UserRow).where(UserRow.id == user_id).values(active=active))

    async def add_email_verification(self, user_id: uuid.UUID, digest: bytes, expires_at: datetime) -> None:
        """Earlier links of the user stop working: only the newest one proves the address."""
        await self.session.execute(delete(EmailVerificationRow).where(EmailVerificationRow.user_id == user_id,
                                                                      EmailVerificationRow.used_at.is_(None)))
        await self.session.execute(insert(EmailVerificationRow).values(token_digest=digest, user_id=user_id,
                                                                       expires_at=expires_at))

    async def email_verification_for_update(self, digest: bytes) -> EmailVerification | None:
        """Locks the row: of two uses racing with one token, the second sees it used."""
        query = select(EmailVerificationRow).where(EmailVerificationRow.token_digest == digest).with_for_update()
        row = (await self.session.execute(query)).scalar_one_or_none()
        return EmailVerification(row.token_digest, row.user_id, row.expires_at, row.used_at) if row else None

    async def mark_email_verified(self, verification: EmailVerification) -> None:
        await self.session.execute(update(EmailVerificationRow)
                                   .where(EmailVerificationRow.token_digest == verification.token_digest)
                                   .values(used_at=func.now()))
        await self.session.execute(update(UserRow).where(UserRow.id == verification.user_id,
                                                         UserRow.email_verified_at.is_(None))
                                   .values(email_verified_at=func.now()))

    async def grant_role(self, user_id: uuid.UUID, role: SystemRole, granted_by: uuid.UUID | None) -> None:
        await self.session.execute(insert(RoleRow).values(user_id=user_id, role=role, granted_by=granted_by)
                                   .on_conflict_do_nothing())

    async def revoke_role(self, user_id: uuid.UUID, role: SystemRole) -> None:
        await self.session.execute(delete(RoleRow).where(RoleRow.user_id == user_id, RoleRow.role == role))

    async def add_refresh_token(self, family_id: uuid.UUID, user_id: uuid.UUID, digest: bytes,
                                expires_at: datetime) -> None:
        await self.session.execute(insert(RefreshTokenRow).values(id=uuid.uuid4(), family_id=family_id,
                                                                  user_id=user_id, token_digest=digest,
                                                                  expires_at=expires_at))

    async def refresh_token_for_update(self, digest: bytes) -> RefreshToken | None:
        """Locks the row: of two refreshes racing with one token, the second sees it used."""
        query = select(RefreshTokenRow).where(RefreshTokenRow.token_digest == digest).with_for_update()
        row = (await self.session.execute(query)).scalar_one_or_none()
        return (RefreshToken(row.id, row.family_id, row.user_id, row.expires_at, row.used_at, row.revoked_at)
                if row else None)

    async def mark_used(self, token_id: uuid.UUID) -> None:
        await self.session.execute(update(RefreshTokenRow).where(RefreshTokenRow.id == token_id)
                                   .values(used_at=func.now()))

    async def revoke_refresh_tokens(self, user_id: uuid.UUID) -> None:
        """Every family of the user: no session of theirs can be refreshed."""
        await self.session.execute(update(RefreshTokenRow)
                                   .where(RefreshTokenRow.user_id == user_id, RefreshTokenRow.revoked_at.is_(None))
                                   .values(revoked_at=func.now()))

    async def revoke_family(self, family_id: uuid.UUID) -> None:
        await self.session.execute(update(RefreshTokenRow)
                                   .where(RefreshTokenRow.family_id == family_id, RefreshTokenRow.revoked_at.is_(None))
                                   .values(revoked_at=func.now()))


class SessionAnswers:
    """services/auth/ports.py's StoredAnswers: the shared request store, in the unit of work's session."""

    def __init__(self, requests: Requests, session: AsyncSession):
        self._requests = requests
        self._session = session

    async def replay(self) -> dict | None:
        return await self._requests.replay(self._session)

    async def remember(self, answer: dict) -> None:
        await self._requests.remember(self._session, answer)


class SessionEvents:
    """services/auth/ports.py's Events: rows of the auth schema's event outbox, in the unit of work's session."""

    def __init__(self, session: AsyncSession):
        self._session = session
        self.added = False

    async def add(self, event: Event) -> None:
        await EVENTS.add(self._session, event)
        self.added = True


def _no_relay() -> None:
    pass


class SqlUnitOfWork:
    """One transaction of the auth schema: commits when the block ends normally, rolls back otherwise; once a
    transaction that added events has committed, `kick_relay` wakes the event relay."""

    accounts: AuthRepository
    answers: SessionAnswers
    events: SessionEvents

    def __init__(self, database: Database, kick_relay: Callable[[], None] = _no_relay):
        self._database = database
        self._kick_relay = kick_relay
        self._transaction = contextlib.AsyncExitStack()

    async def __aenter__(self) -> Self:
        session = await self._transaction.enter_async_context(self._database.unit_of_work())
        self.accounts = AuthRepository(session)
        self.answers = SessionAnswers(Requests(REQUESTS), session)
        self.events = SessionEvents(session)
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self._transaction.__aexit__(kind, error, trace)
        if kind is None and self.events.added:
            self._kick_relay()
