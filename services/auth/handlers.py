"""Use cases of the auth service: one unit of work per call, over the ports of services/auth/ports.py."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from google.protobuf.message import Message

from coins.v1 import events_pb2 as events
from services.auth import domain
from services.auth.domain import Account
from services.auth.ports import (
    Accounts,
    AttemptLimiter,
    AuthUnitOfWork,
    Clock,
    Events,
    PasswordHasher,
    TokenIssuer,
    UnitsOfWork,
)
from services.common import context, paging, sealing, validation
from services.common.concepts import SystemRole
from services.common.context import Caller
from services.common.convert import timestamp
from services.common.errors import (
    ALREADY_EXISTS,
    NOT_FOUND,
    AlreadyExists,
    DomainError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from services.common.events import new_event

log = logging.getLogger("coins.auth")


def utc_now() -> datetime:
    return datetime.now(UTC)


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

    sign_ins: AttemptLimiter
    registrations: AttemptLimiter
    verification_mails: AttemptLimiter


def _no_account(user_id: object) -> NotFound:
    return NotFound(NOT_FOUND, "no account has this id", user_id=user_id)


class AuthHandlers:
    def __init__(self, units_of_work: UnitsOfWork, issuer: TokenIssuer, passwords: PasswordHasher,
                 limiters: Limiters, refresh_ttl_s: int, verification_ttl_s: int, public_url: str,
                 clock: Clock = utc_now):
        self._uow = units_of_work
        self._issuer = issuer
        self._passwords = passwords
        self._limiters = limiters
        self._refresh_ttl = timedelta(seconds=refresh_ttl_s)
        self._verification_ttl = timedelta(seconds=verification_ttl_s)
        self._public_url = public_url  # verification links start with it
        self._now = clock

    async def register(self, email: str, password: str, full_name: str, client_address: str) -> Account:
        new = domain.registration(email, password, full_name)
        # Refusals count too: probing which emails are taken is what the limit is for.
        async with self._limiters.registrations.attempt(counted=(DomainError,), address=client_address) as attempt:
            account, link_expires_at = await self._add_account(new)
            attempt.counts = link_expires_at is not None  # a replayed retry is not a new registration
        return account

    async def _add_account(self, new: domain.Registration) -> tuple[Account, datetime | None]:
        """The account and when its verification link expires; None when a retried request replays the first
        answer (no new link then)."""
        password_hash = await self._passwords.hash(new.password)
        async with self._uow() as uow:
            if earlier := await uow.answers.replay():
                return await self._existing(uow.accounts, uuid.UUID(earlier["user_id"])), None
            user_id = await uow.accounts.add_account(new.email, password_hash, new.full_name)
            if user_id is None:
                raise AlreadyExists(ALREADY_EXISTS, "an account with this email already exists", email=new.email)
            await uow.answers.remember({"user_id": str(user_id)})
            account = await self._existing(uow.accounts, user_id)
            # Never the password: the verification link goes out sealed, in the event of its own below.
            await self._tell(uow.events, events.UserRegistered(email=account.email, full_name=account.full_name),
                             user_id, actor_id=user_id)
            link_expires_at = await self._request_verification(uow, account)
        log.info("account registered", extra={"account_id": account.id})
        _log_verification_requested(account, link_expires_at)
        return account, link_expires_at

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
        async with self._uow() as uow:
            credentials = await uow.accounts.credentials_by_email(email_key)
        valid = await self._passwords.verify(credentials.password_hash if credentials else None, password)
        if credentials is None or not valid:
            raise domain.bad_credentials()
        needs_rehash = self._passwords.needs_rehash(credentials.password_hash)
        new_hash = await self._passwords.hash(password) if needs_rehash else None
        user_id = uuid.UUID(credentials.account.id)
        async with self._uow() as uow:
            account = await uow.accounts.account(user_id)  # as it is now: deactivated or given a role meanwhile
            if account is None or not account.active:
                raise domain.deactivated()
            if new_hash:
                await uow.accounts.set_password_hash(user_id, new_hash)
            return await self._start_session(uow.accounts, account, family_id=uuid.uuid4())

    async def verify_email(self, token: str) -> Account:
        token = validation.text("token", token, max_length=256)
        async with self._uow() as uow:
            verification = await uow.accounts.email_verification_for_update(domain.secret_token_digest(token))
            domain.check_verification(
                found=verification is not None,
                used=verification is not None and verification.used_at is not None,
                expired=verification is not None and verification.expires_at <= self._now())
            assert verification is not None  # refused above otherwise
            proved_before = (await self._existing(uow.accounts, verification.user_id)).email_verified
            await uow.accounts.mark_email_verified(verification)
            account = await self._existing(uow.accounts, verification.user_id)
            if not proved_before:
                await self._tell(uow.events, events.UserEmailVerified(email=account.email), verification.user_id,
                                 actor_id=verification.user_id)
        log.info("email verified", extra={"account_id": account.id})
        return account

    async def resend_verification(self, caller: Caller) -> None:
        async with self._limiters.verification_mails.attempt(account=caller.user_id) as attempt:
            async with self._uow() as uow:
                account = await uow.accounts.account(uuid.UUID(caller.user_id))
                if account is None:
                    raise _no_account(caller.user_id)
                domain.resend_allowed(account)
                link_expires_at = await self._request_verification(uow, account)
            attempt.counts = True
        _log_verification_requested(account, link_expires_at)

    async def refresh(self, refresh_token: str) -> Session:
        validation.text("refresh_token", refresh_token, max_length=256)
        async with self._uow() as uow:
            stored = await uow.accounts.refresh_token_for_update(domain.secret_token_digest(refresh_token))
            if stored is None:
                raise domain.refresh_refused(domain.RefreshVerdict.DEAD)
            verdict = domain.judge_refresh(used=stored.used_at is not None, revoked=stored.revoked_at is not None,
                                           expired=stored.expires_at <= self._now())
            if verdict is domain.RefreshVerdict.REUSED:
                # Committed with this unit of work although the call fails: the revocation must stick.
                await uow.accounts.revoke_family(stored.family_id)
                log.warning("refresh token reused; family revoked", extra={"family_id": str(stored.family_id)})
            if verdict is domain.RefreshVerdict.ROTATE:
                account = await uow.accounts.account(stored.user_id)
                if account is not None and account.active:
                    await uow.accounts.mark_used(stored.id)
                    return await self._start_session(uow.accounts, account, family_id=stored.family_id)
                verdict = domain.RefreshVerdict.DEAD
        raise domain.refresh_refused(verdict)

    async def logout(self, caller: Caller, refresh_token: str) -> None:
        validation.text("refresh_token", refresh_token, max_length=256)
        async with self._uow() as uow:
            stored = await uow.accounts.refresh_token_for_update(domain.secret_token_digest(refresh_token))
            # Someone else's token is treated like an unknown one: nothing to learn from the answer.
            if stored is not None and str(stored.user_id) == caller.user_id:
                await uow.accounts.revoke_family(stored.family_id)

    async def account(self, caller: Caller, user_id: str) -> Account:
        if user_id != caller.user_id and not caller.is_admin:
            raise PermissionDenied("only an admin may read another account", required_role=SystemRole.ADMIN)
        found = await self.accounts([validation.uuid_id("user_id", user_id)])
        if not found:
            raise _no_account(user_id)
        return found[0]

    async def accounts(self, user_ids: list[uuid.UUID]) -> list[Account]:
        async with self._uow() as uow:
            return await uow.accounts.accounts(user_ids)

    async def accounts_by_email(self, emails: list[str]) -> list[Account]:
        async with self._uow() as uow:
            return await uow.accounts.accounts_by_email([domain.email_key(e) for e in emails])

    async def list_accounts(self, page_size: int, page_token: str, contains: str) -> tuple[list[Account], str]:
        limit = validation.page_size(page_size)
        position = paging.decode(page_token)
        contains = validation.text("filter", contains, max_length=254, required=False)
        async with self._uow() as uow:
            found = await uow.accounts.list_accounts(position.get("after"), limit + 1, contains)
        accounts = found[:limit]
        next_token = paging.encode({"after": accounts[-1].email.lower()}) if len(found) > limit else ""
        return accounts, next_token

    async def update_profile(self, caller: Caller, mask: list[str], full_name: str) -> Account:
        """The caller changes its own full name; a change is told as UserRenamed, a name given again tells nothing."""
        new_name = domain.profile_update(mask, full_name)
        user_id = uuid.UUID(caller.user_id)
        async with self._uow() as uow:
            previous = await uow.accounts.rename(user_id, new_name)
            if previous is None:
                raise _no_account(caller.user_id)
            if previous != new_name:
                await self._tell(uow.events, events.UserRenamed(full_name=new_name, previous_full_name=previous),
                                 user_id, actor_id=user_id)
            account = await self._existing(uow.accounts, user_id)
        if previous != new_name:
            log.info("account renamed", extra={"account_id": account.id})
        return account

    async def change_role(self, actor: Caller, user_id: str, role: SystemRole, granting: bool) -> Account:
        target = validation.uuid_id("user_id", user_id)
        domain.role_change_allowed(actor.user_id, str(target), role, granting)
        async with self._uow() as uow:
            if await uow.accounts.account(target) is None:
                raise _no_account(user_id)
            if granting:
                await uow.accounts.grant_role(target, role, uuid.UUID(actor.user_id))
            else:
                await uow.accounts.revoke_role(target, role)
            account = await self._existing(uow.accounts, target)
        log.info("system role changed", extra={"account_id": user_id, "role": role, "granted": granting})
        return account

    async def set_active(self, actor: Caller, user_id: str, active: bool) -> Account:
        target = validation.uuid_id("user_id", user_id)
        if not active:
            domain.deactivation_allowed(actor.user_id, str(target))
        async with self._uow() as uow:
            before = await uow.accounts.account(target)
            if before is None:
                raise _no_account(user_id)
            await uow.accounts.set_active(target, active)
            if not active:
                # No refresh works any more; access tokens already issued die at expiry.
                await uow.accounts.revoke_refresh_tokens(target)
            account = await self._existing(uow.accounts, target)
            if before.active != active:  # a repeated call changes nothing and tells nothing
                payload = events.UserReactivated() if active else events.UserDeactivated()
                await self._tell(uow.events, payload, target, actor_id=actor.user_id)
        log.info("account activity changed", extra={"account_id": user_id, "active": active})
        return account

    async def ensure_admin(self, email: str, password: str) -> None:
        """Creates the configured first admin unless its email is taken; safe with many replicas. An existing admin
        is left as it is (its password included); an existing account that is not an admin raises
        FirstAdminRefused."""
        new = domain.registration(email, password, "Administrator")
        password_hash = await self._passwords.hash(new.password)
        async with self._uow() as uow:
            # The operator configured this address: it counts as proved.
            admin_id = await uow.accounts.add_account(new.email, password_hash, new.full_name, email_verified=True)
            if admin_id is None:
                taken_by = await uow.accounts.credentials_by_email(domain.email_key(new.email))
                assert taken_by is not None  # the email is taken: add_account said so
                existing = taken_by.account
                domain.check_first_admin(existing)
                log.info("first admin exists", extra={"account_id": existing.id})
                return
            await uow.accounts.grant_role(admin_id, SystemRole.ADMIN, None)
            # The system made it (no actor), with an address the operator vouched for.
            await self._tell(uow.events, events.UserRegistered(email=new.email, full_name=new.full_name), admin_id)
            await self._tell(uow.events, events.UserEmailVerified(email=new.email), admin_id)
        log.info("first admin created", extra={"account_id": str(admin_id)})

    async def _tell(self, outbox: Events, payload: Message, user_id: uuid.UUID | str, actor_id: uuid.UUID | str = ""
                    ) -> None:
        """An account event about `users/{user_id}`, in the unit of work of the change it tells of."""
        await outbox.add(new_event(payload, actor_id=str(actor_id), subject=f"users/{user_id}",
                                   request_id=context.request_id(), occur_time=self._now()))

    @staticmethod
    async def _existing(accounts: Accounts, user_id: uuid.UUID) -> Account:
        """An account this unit of work has just seen or made."""
        account = await accounts.account(user_id)
        assert account is not None, user_id
        return account

    async def _start_session(self, accounts: Accounts, account: Account, family_id: uuid.UUID) -> Session:
        refresh_token = domain.new_secret_token()
        refresh_expires = self._now() + self._refresh_ttl
        await accounts.add_refresh_token(family_id, uuid.UUID(account.id), domain.secret_token_digest(refresh_token),
                                         refresh_expires)
        access_token, access_expires = self._issuer.issue(account)
        return Session(access_token, datetime.fromtimestamp(access_expires, UTC), refresh_token,
                       refresh_expires, account)

    async def _request_verification(self, uow: AuthUnitOfWork, account: Account) -> datetime:
        """A new verification link for the account (its earlier ones stop working) and, in the same transaction, the
        event that has the notification service mail it. The link is a bearer secret: the event carries it sealed,
        and nothing else (no log, no answer) ever holds it. Answers when it expires."""
        token = domain.new_secret_token()
        link = domain.verification_link(self._public_url, token)
        expires_at = self._now() + self._verification_ttl
        await uow.accounts.add_email_verification(uuid.UUID(account.id), domain.secret_token_digest(token), expires_at)
        await self._tell(uow.events, events.EmailVerificationRequested(
            email=account.email, full_name=account.full_name, sealed_link=sealing.seal(link),
            expire_time=timestamp(expires_at)), account.id, actor_id=account.id)
        return expires_at


def _log_verification_requested(account: Account, expires_at: datetime) -> None:
    """For operators, once the request committed: never the link, which admits whoever holds it."""
    log.info("verification mail requested", extra={"account_id": account.id, "expire_time": expires_at.isoformat()})
