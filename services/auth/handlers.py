"""Use cases of the auth service: one unit of work per call."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from services.auth import domain
from services.auth.credentials import AccessTokenIssuer, hash_password, needs_rehash, verify_password
from services.auth.domain import Account
from services.auth.repository import AuthRepository
from services.common import validation
from services.common.context import ADMIN, Caller
from services.common.db import Database
from services.common.errors import AlreadyExists, NotFound, PermissionDenied, ResourceExhausted
from services.common.ratelimit import FixedWindowLimiter

log = logging.getLogger("coins.auth")


@dataclass(frozen=True)
class Session:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    account: Account


class AuthHandlers:
    def __init__(self, database: Database, issuer: AccessTokenIssuer, refresh_ttl_s: int,
                 email_limiter: FixedWindowLimiter, address_limiter: FixedWindowLimiter):
        self._db = database
        self._issuer = issuer
        self._refresh_ttl = timedelta(seconds=refresh_ttl_s)
        self._email_limiter = email_limiter
        self._address_limiter = address_limiter

    async def register(self, email: str, password: str, full_name: str, request_id: str) -> Account:
        new = domain.registration(email, password, full_name)
        request_id = validation.text("request_id", request_id, max_length=64, required=False)
        password_hash = await hash_password(new.password)
        async with self._db.unit_of_work() as session:
            repo = AuthRepository(session)
            if request_id and (earlier := await repo.registration_request(request_id)):
                return (await repo.user(earlier)).account()
            user_id = await repo.add_user(new.email, password_hash, new.full_name)
            if user_id is None:
                raise AlreadyExists("ALREADY_EXISTS", "an account with this email already exists", email=new.email)
            if request_id:
                await repo.remember_registration(request_id, user_id)
            account = (await repo.user(user_id)).account()
        log.info("account registered", extra={"account_id": account.id})
        return account

    async def login(self, email: str, password: str, client_address: str) -> Session:
        email_key = domain.email_key(validation.text("email", email, max_length=254))
        validation.text("password", password, max_length=domain.PASSWORD_MAX_LENGTH)
        wait_s = max(await self._email_limiter.blocked_for(email_key),
                     await self._address_limiter.blocked_for(client_address))
        if wait_s:
            raise ResourceExhausted(f"too many failed sign-ins; try again in {wait_s} s", retry_after_s=wait_s)
        async with self._db.unit_of_work() as session:
            repo = AuthRepository(session)
            user = await repo.user_by_email(email_key)
            if not await verify_password(user.password_hash if user else None, password) or not user.active:
                await self._email_limiter.hit(email_key)
                await self._address_limiter.hit(client_address)
                raise domain.bad_credentials()
            if needs_rehash(user.password_hash):
                await repo.set_password_hash(user.id, await hash_password(password))
            await self._email_limiter.clear(email_key)
            return await self._start_session(repo, user.account(), family_id=uuid.uuid4())

    async def refresh(self, refresh_token: str) -> Session:
        validation.text("refresh_token", refresh_token, max_length=256)
        async with self._db.unit_of_work() as session:
            repo = AuthRepository(session)
            row = await repo.refresh_token_for_update(domain.refresh_token_digest(refresh_token))
            if row is None:
                verdict = domain.RefreshVerdict.DEAD
            else:
                verdict = domain.judge_refresh(used=row.used_at is not None, revoked=row.revoked_at is not None,
                                               expired=row.expires_at <= datetime.now(timezone.utc))
            if verdict is domain.RefreshVerdict.REUSED:
                # Committed with this unit of work although the call fails: the revocation must stick.
                await repo.revoke_family(row.family_id)
                log.warning("refresh token reused; family revoked", extra={"family_id": str(row.family_id)})
            if verdict is domain.RefreshVerdict.ROTATE:
                user = await repo.user(row.user_id)
                if user is not None and user.active:
                    await repo.mark_used(row.id)
                    return await self._start_session(repo, user.account(), family_id=row.family_id)
                verdict = domain.RefreshVerdict.DEAD
        raise domain.refresh_refused(verdict)

    async def logout(self, caller: Caller, refresh_token: str) -> None:
        validation.text("refresh_token", refresh_token, max_length=256)
        async with self._db.unit_of_work() as session:
            repo = AuthRepository(session)
            row = await repo.refresh_token_for_update(domain.refresh_token_digest(refresh_token))
            # Someone else's token is treated like an unknown one: nothing to learn from the answer.
            if row is not None and str(row.user_id) == caller.user_id:
                await repo.revoke_family(row.family_id)

    async def account(self, caller: Caller, user_id: str) -> Account:
        if user_id != caller.user_id and not caller.is_admin:
            raise PermissionDenied("only an admin may read another account", required_role=ADMIN)
        found = await self.accounts([validation.uuid_id("user_id", user_id)])
        if not found:
            raise NotFound("NOT_FOUND", "no account has this id", user_id=user_id)
        return found[0]

    async def accounts(self, user_ids: list[uuid.UUID]) -> list[Account]:
        async with self._db.unit_of_work() as session:
            return [row.account() for row in await AuthRepository(session).users(user_ids)]

    async def accounts_by_email(self, emails: list[str]) -> list[Account]:
        async with self._db.unit_of_work() as session:
            rows = await AuthRepository(session).users_by_email([domain.email_key(e) for e in emails])
            return [row.account() for row in rows]

    async def list_accounts(self, page_size: int, page_token: str, contains: str) -> tuple[list[Account], str]:
        limit = validation.page_size(page_size)
        position = validation.decode_page_token(page_token)
        contains = validation.text("filter", contains, max_length=254, required=False)
        async with self._db.unit_of_work() as session:
            rows = await AuthRepository(session).list_users(position and str(position.get("after")), limit + 1,
                                                            contains)
        accounts = [row.account() for row in rows[:limit]]
        next_token = validation.encode_page_token({"after": accounts[-1].email.lower()}) if len(rows) > limit else ""
        return accounts, next_token

    async def change_role(self, actor: Caller, user_id: str, role: str, granting: bool) -> Account:
        target = validation.uuid_id("user_id", user_id)
        domain.role_change_allowed(actor.user_id, str(target), role, granting)
        async with self._db.unit_of_work() as session:
            repo = AuthRepository(session)
            if await repo.user(target) is None:
                raise NotFound("NOT_FOUND", "no account has this id", user_id=user_id)
            if granting:
                await repo.grant_role(target, role, uuid.UUID(actor.user_id))
            else:
                await repo.revoke_role(target, role)
            session.expunge_all()
            account = (await repo.user(target)).account()
        log.info("system role changed", extra={"account_id": user_id, "role": role, "granted": granting})
        return account

    async def ensure_admin(self, email: str, password: str) -> None:
        """Makes sure the configured first admin exists and holds the admin role; safe with many replicas."""
        new = domain.registration(email, password, "Administrator")
        password_hash = await hash_password(new.password)
        async with self._db.unit_of_work() as session:
            repo = AuthRepository(session)
            await repo.add_user(new.email, password_hash, new.full_name)
            admin = await repo.user_by_email(domain.email_key(new.email))
            await repo.grant_role(admin.id, ADMIN, None)
        log.info("first admin ensured", extra={"account_id": str(admin.id)})

    async def _start_session(self, repo: AuthRepository, account: Account, family_id: uuid.UUID) -> Session:
        refresh_token = domain.new_refresh_token()
        refresh_expires = datetime.now(timezone.utc) + self._refresh_ttl
        await repo.add_refresh_token(family_id, uuid.UUID(account.id), domain.refresh_token_digest(refresh_token),
                                     refresh_expires)
        access_token, access_expires = self._issuer.issue(account.id, account.email, account.roles)
        return Session(access_token, datetime.fromtimestamp(access_expires, timezone.utc), refresh_token,
                       refresh_expires, account)
