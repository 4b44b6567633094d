"""Use cases of the auth service: one unit of work per call."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from services.auth import domain
from services.auth.credentials import AccessTokenIssuer, Passwords
from services.auth.domain import Account
from services.auth.repository import AuthRepository
from services.common import paging, validation
from services.common.context import ADMIN, Caller
from services.common.db import Database
from services.common.errors import (
    ALREADY_EXISTS, NOT_FOUND, AlreadyExists, DomainError, NotFound, PermissionDenied, Unauthenticated,
)
from services.common.idempotency import Requests
from services.common.ratelimit import FixedWindowLimiter

log = logging.getLogger("coins.auth")


@dataclass(frozen=True)
class Session:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    account: Account


@dataclass(frozen=True)
class Limiters:
    """Sign-ins per (email, address) and per address; registrations per address; verification mails per account."""

    sign_ins: FixedWindowLimiter
    registrations: FixedWindowLimiter
    verification_mails: FixedWindowLimiter


class AuthHandlers:
    def __init__(self, database: Database, requests: Requests, issuer: AccessTokenIssuer, passwords: Passwords,
                 limiters: Limiters, refresh_ttl_s: int, verification_ttl_s: int, public_url: str):
        self._db = database
        self._requests = requests
        self._issuer = issuer
        self._passwords = passwords
        self._limiters = limiters
        self._refresh_ttl = timedelta(seconds=refresh_ttl_s)
        self._verification_ttl = timedelta(seconds=verification_ttl_s)
        self._public_url = public_url

    async def register(self, email: str, password: str, full_name: str, client_address: str) -> Account:
        new = domain.registration(email, password, full_name)
        # Refusals count too: probing which emails are taken is what the limit is for.
        async with self._limiters.registrations.attempt(counted=(DomainError,), address=client_address) as attempt:
            account, verification_token = await self._add_account(new)
            attempt.counts = verification_token is not None  # a replayed retry is not a new registration
        return account

    async def _add_account(self, new: domain.Registration) -> tuple[Account, str | None]:
        """The account and its verification token; no token when a retried request replays the first answer."""
        password_hash = await self._passwords.hash(new.password)
        verification_token = domain.new_secret_token()
        async with self._db.unit_of_work() as session:
            repo = AuthRepository(session)
            if earlier := await self._requests.replay(session):
                return (await repo.user(uuid.UUID(earlier["user_id"]))).account(), None
            user_id = await repo.add_user(new.email, password_hash, new.full_name)
            if user_id is None:
                raise AlreadyExists(ALREADY_EXISTS, "an account with this email already exists", email=new.email)
            await self._requests.remember(session, {"user_id": str(user_id)})
            await self._add_verification(repo, user_id, verification_token)
            account = (await repo.user(user_id)).account()
        log.info("account registered", extra={"account_id": account.id})
        self._send_verification(account, verification_token)
        return account, verification_token

    async def login(self, email: str, password: str, client_address: str) -> Session:
        email_key = domain.email_key(validation.text("email", email, max_length=254))
        validation.text("password", password, max_length=domain.PASSWORD_MAX_LENGTH)
        # Limited before the password is checked, so parallel guesses cannot outrun the count; per email *at this
        # address*, so a stranger's guesses from elsewhere do not lock the owner out.
        email_at_address = f"{email_key} {client_address}"
        async with self._limiters.sign_ins.attempt(counted=(Unauthenticated,), email_and_address=email_at_address,
                                                   address=client_address):
            session = await self._sign_in(email_key, password)
        await self._limiters.sign_ins.forget(email_and_address=email_at_address)  # the owner's own typos
        return session

    async def _sign_in(self, email_key: str, password: str) -> Session:
        # The password is checked outside any transaction: hashes queue, and must not hold a connection meanwhile.
        async with self._db.unit_of_work() as session:
            user = await AuthRepository(session).user_by_email(email_key)
        if not await self._passwords.verify(user.password_hash if user else None, password):
            raise domain.bad_credentials()
        new_hash = await self._passwords.hash(password) if self._passwords.needs_rehash(user.password_hash) else None
        async with self._db.unit_of_work() as session:
            repo = AuthRepository(session)
            user = await repo.user(user.id)  # as it is now: deactivated or given a role meanwhile
            if user is None or not user.active:
                raise domain.deactivated()
            if new_hash:
                await repo.set_password_hash(user.id, new_hash)
            return await self._start_session(repo, user.account(), family_id=uuid.uuid4())

    async def verify_email(self, token: str) -> Account:
        token = validation.text("token", token, max_length=256)
        async with self._db.unit_of_work() as session:
            repo = AuthRepository(session)
            verification = await repo.email_verification_for_update(domain.secret_token_digest(token))
            found = verification is not None
            domain.check_verification(found=found, used=found and verification.used_at is not None,
                                      expired=found and verification.expires_at <= datetime.now(timezone.utc))
            await repo.mark_email_verified(verification)
            account = (await repo.user(verification.user_id)).account()
        log.info("email verified", extra={"account_id": account.id})
        return account

    async def resend_verification(self, caller: Caller) -> None:
        token = domain.new_secret_token()
        async with self._limiters.verification_mails.attempt(account=caller.user_id) as attempt:
            async with self._db.unit_of_work() as session:
                repo = AuthRepository(session)
                user = await repo.user(uuid.UUID(caller.user_id))
                if user is None:
                    raise NotFound(NOT_FOUND, "no account has this id", user_id=caller.user_id)
                domain.resend_allowed(user.account())
                await self._add_verification(repo, user.id, token)
            attempt.counts = True
        self._send_verification(user.account(), token)

    async def refresh(self, refresh_token: str) -> Session:
        validation.text("refresh_token", refresh_token, max_length=256)
        async with self._db.unit_of_work() as session:
            repo = AuthRepository(session)
            row = await repo.refresh_token_for_update(domain.secret_token_digest(refresh_token))
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
            row = await repo.refresh_token_for_update(domain.secret_token_digest(refresh_token))
            # Someone else's token is treated like an unknown one: nothing to learn from the answer.
            if row is not None and str(row.user_id) == caller.user_id:
                await repo.revoke_family(row.family_id)

    async def account(self, caller: Caller, user_id: str) -> Account:
        if user_id != caller.user_id and not caller.is_admin:
            raise PermissionDenied("only an admin may read another account", required_role=ADMIN)
        found = await self.accounts([validation.uuid_id("user_id", user_id)])
        if not found:
            raise NotFound(NOT_FOUND, "no account has this id", user_id=user_id)
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
        position = paging.decode(page_token)
        contains = validation.text("filter", contains, max_length=254, required=False)
        async with self._db.unit_of_work() as session:
            rows = await AuthRepository(session).list_users(position.get("after"), limit + 1, contains)
        accounts = [row.account() for row in rows[:limit]]
        next_token = paging.encode({"after": accounts[-1].email.lower()}) if len(rows) > limit else ""
        return accounts, next_token

    async def change_role(self, actor: Caller, user_id: str, role: str, granting: bool) -> Account:
        target = validation.uuid_id("user_id", user_id)
        domain.role_change_allowed(actor.user_id, str(target), role, granting)
        async with self._db.unit_of_work() as session:
            repo = AuthRepository(session)
            if await repo.user(target) is None:
                raise NotFound(NOT_FOUND, "no account has this id", user_id=user_id)
            if granting:
                await repo.grant_role(target, role, uuid.UUID(actor.user_id))
            else:
                await repo.revoke_role(target, role)
            session.expunge_all()
            account = (await repo.user(target)).account()
        log.info("system role changed", extra={"account_id": user_id, "role": role, "granted": granting})
        return account

    async def set_active(self, actor: Caller, user_id: str, active: bool) -> Account:
        target = validation.uuid_id("user_id", user_id)
        if not active:
            domain.deactivation_allowed(actor.user_id, str(target))
        async with self._db.unit_of_work() as session:
            repo = AuthRepository(session)
            if await repo.user(target) is None:
                raise NotFound(NOT_FOUND, "no account has this id", user_id=user_id)
            await repo.set_active(target, active)
            if not active:
                # No refresh works any more; access tokens already issued die at expiry.
                await repo.revoke_refresh_tokens(target)
            session.expunge_all()
            account = (await repo.user(target)).account()
        log.info("account activity changed", extra={"account_id": user_id, "active": active})
        return account

    async def ensure_admin(self, email: str, password: str) -> None:
        """Creates the configured first admin unless its email is taken; safe with many replicas. An existing admin
        is left as it is (its password included); an existing account that is not an admin raises
        FirstAdminRefused."""
        new = domain.registration(email, password, "Administrator")
        password_hash = await self._passwords.hash(new.password)
        async with self._db.unit_of_work() as session:
            repo = AuthRepository(session)
            # The operator configured this address: it counts as proved.
            admin_id = await repo.add_user(new.email, password_hash, new.full_name, email_verified=True)
            if admin_id is None:
                existing = (await repo.user_by_email(domain.email_key(new.email))).account()
                domain.check_first_admin(existing)
                log.info("first admin exists", extra={"account_id": existing.id})
                return
            await repo.grant_role(admin_id, ADMIN, None)
        log.info("first admin created", extra={"account_id": str(admin_id)})

    async def _start_session(self, repo: AuthRepository, account: Account, family_id: uuid.UUID) -> Session:
        refresh_token = domain.new_secret_token()
        refresh_expires = datetime.now(timezone.utc) + self._refresh_ttl
        await repo.add_refresh_token(family_id, uuid.UUID(account.id), domain.secret_token_digest(refresh_token),
                                     refresh_expires)
        access_token, access_expires = self._issuer.issue(account)
        return Session(access_token, datetime.fromtimestamp(access_expires, timezone.utc), refresh_token,
                       refresh_expires, account)

    async def _add_verification(self, repo: AuthRepository, user_id: uuid.UUID, token: str) -> None:
        await repo.add_email_verification(user_id, domain.secret_token_digest(token),
                                          datetime.now(timezone.utc) + self._verification_ttl)

    def _send_verification(self, account: Account, token: str) -> None:
        # Mail is not sent yet (a later issue): the link goes to the log, where `make dev` shows it.
        log.info(domain.VERIFICATION_LINK_MESSAGE, extra={"account_id": account.id, "email": account.email,
                                                   "link": domain.verification_link(self._public_url, token)})
