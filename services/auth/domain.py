"""Account and session rules of the auth service. No I/O here."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from urllib.parse import urlencode

from services.common import validation
from services.common.concepts import SystemRole
from services.common.errors import (
    EMAIL_ALREADY_VERIFIED,
    INSUFFICIENT_PERMISSIONS,
    FailedPrecondition,
    InvalidArgument,
    Unauthenticated,
)

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
FULL_NAME_MAX_LENGTH = 255
VERIFICATION_MAILS_PER_HOUR = 5


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    full_name: str
    roles: tuple[SystemRole, ...]
    active: bool
    email_verified: bool
    created_at: datetime


@dataclass(frozen=True)
class Credentials:
    """An account with what proves its owner; never leaves the auth service."""

    account: Account
    password_hash: str


@dataclass(frozen=True)
class RefreshToken:
    id: uuid.UUID
    family_id: uuid.UUID  # every token rotated from one sign-in
    user_id: uuid.UUID
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class EmailVerification:
    token_digest: bytes
    user_id: uuid.UUID
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class Registration:
    email: str
    password: str
    full_name: str


def registration(email: str, password: str, full_name: str) -> Registration:
    return Registration(validation.email("email", email), new_password(password), display_name("full_name", full_name))


def display_name(field: str, full_name: str) -> str:
    """A full name as registration and renaming both accept it."""
    return validation.text(field, full_name, max_length=FULL_NAME_MAX_LENGTH)


# What a user may change of its own account through UpdateCurrentUser; email and roles have flows of their own.
PROFILE_FIELDS = frozenset({"full_name"})


def profile_update(mask: Iterable[str], full_name: str) -> str:
    """The new full name UpdateCurrentUser asks for. An empty mask means every editable field."""
    if unknown := set(mask) - PROFILE_FIELDS:
        named = ", ".join(sorted(unknown))
        raise InvalidArgument("update_mask", f"update_mask names fields a user cannot change: {named}; only "
                                             f"{', '.join(sorted(PROFILE_FIELDS))} can", paths=named)
    return display_name("user.full_name", full_name)


def new_password(password: str) -> str:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidArgument("password", f"password must have at least {PASSWORD_MIN_LENGTH} characters",
                              min_length=PASSWORD_MIN_LENGTH)
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidArgument("password", f"password must have at most {PASSWORD_MAX_LENGTH} characters",
                              max_length=PASSWORD_MAX_LENGTH)
    if not password.strip():
        raise InvalidArgument("password", "password cannot be only spaces")
    return password


def email_key(email: str) -> str:
    """Emails are unique regardless of letter case."""
    return email.strip().lower()


def bad_credentials() -> Unauthenticated:
    # One message for unknown email and wrong password, so sign-in does not reveal which accounts exist.
    return Unauthenticated("email or password is wrong")


def deactivated() -> Unauthenticated:
    # Said only to someone who gave the right password.
    return Unauthenticated("this account is deactivated; ask an admin to reactivate it", deactivated="true")


def new_secret_token() -> str:
    """Refresh tokens and email verification tokens: 256 random bits."""
    return secrets.token_urlsafe(32)


def secret_token_digest(token: str) -> bytes:
    """Only digests are stored: a leaked table yields no usable token."""
    return hashlib.sha256(token.encode()).digest()


class RefreshVerdict(Enum):
    ROTATE = "rotate"
    REUSED = "reused"  # a spent token came back: someone holds a copy, so the whole family goes
    DEAD = "dead"


def judge_refresh(*, used: bool, revoked: bool, expired: bool) -> RefreshVerdict:
    if revoked or expired:
        return RefreshVerdict.DEAD
    if used:
        return RefreshVerdict.REUSED
    return RefreshVerdict.ROTATE


def refresh_refused(verdict: RefreshVerdict) -> Unauthenticated:
    if verdict is RefreshVerdict.REUSED:
        return Unauthenticated("this refresh token was already used; every session of its family is signed out",
                               reuse_detected="true")
    return Unauthenticated("the refresh token is expired or revoked; sign in again")


def role_change_allowed(actor_id: str, target_id: str, role: str, granting: bool) -> None:
    if role not in set(SystemRole):
        raise InvalidArgument("role", "role must be SYSTEM_ROLE_ADMIN or SYSTEM_ROLE_SPONSOR")
    if not granting and role == SystemRole.ADMIN and actor_id == target_id:
        raise FailedPrecondition(INSUFFICIENT_PERMISSIONS,
                                 "an admin cannot revoke its own admin role; ask another admin", role=role)


def deactivation_allowed(actor_id: str, target_id: str) -> None:
    if actor_id == target_id:
        raise FailedPrecondition(INSUFFICIENT_PERMISSIONS,
                                 "an admin cannot deactivate its own account; ask another admin", user_id=target_id)


def verification_link(public_url: str, token: str) -> str:
    return f"{public_url}/verify-email?{urlencode({'token': token})}"


def check_verification(*, found: bool, used: bool, expired: bool) -> None:
    """A verification token proves the address once, within its lifetime."""
    if not found:
        raise InvalidArgument("token", "this verification link is not valid; use the latest link we sent")
    if used:
        raise InvalidArgument("token", "this verification link was already used")
    if expired:
        raise InvalidArgument("token", "this verification link has expired; ask for a new one")


def resend_allowed(account: Account) -> None:
    if account.email_verified:
        raise FailedPrecondition(EMAIL_ALREADY_VERIFIED, "this email address is already verified", email=account.email)


class FirstAdminRefused(Exception):
    """The configured first admin's email belongs to an account that is not an admin. Granting it the role would
    hand admin rights to whoever registered that address; resetting its password would lock its owner out."""


def check_first_admin(existing: Account) -> None:
    if SystemRole.ADMIN not in existing.roles:
        raise FirstAdminRefused(
            f"COINS_ADMIN_EMAIL {existing.email} belongs to an existing account ({existing.id}) that is not an "
            "admin; refusing to start rather than make it an admin or change its password. Configure another "
            "COINS_ADMIN_EMAIL, or have an admin grant this account the admin role")
