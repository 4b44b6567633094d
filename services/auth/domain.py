"""Account and session rules of the auth service. No I/O here."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from services.common import validation
from services.common.context import ADMIN, SPONSOR
from services.common.errors import INSUFFICIENT_PERMISSIONS, FailedPrecondition, InvalidArgument, Unauthenticated

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
FULL_NAME_MAX_LENGTH = 255
SYSTEM_ROLES = (ADMIN, SPONSOR)


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    full_name: str
    roles: tuple[str, ...]
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class Registration:
    email: str
    password: str
    full_name: str


def registration(email: str, password: str, full_name: str) -> Registration:
    return Registration(validation.email("email", email), new_password(password),
                        validation.text("full_name", full_name, max_length=FULL_NAME_MAX_LENGTH))


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


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_digest(token: str) -> bytes:
    """Only digests are stored: a leaked table yields no usable refresh token."""
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
    if role not in SYSTEM_ROLES:
        raise InvalidArgument("role", "role must be SYSTEM_ROLE_ADMIN or SYSTEM_ROLE_SPONSOR")
    if not granting and role == ADMIN and actor_id == target_id:
        raise FailedPrecondition(INSUFFICIENT_PERMISSIONS,
                                 "an admin cannot revoke its own admin role; ask another admin", role=role)
