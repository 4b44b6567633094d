"""Coin rules that sit outside the ledger functions: input checks, who may read what, and the meaning of each
refusal the ledger raises. The moves themselves are the SQL functions of migrations/versions (one transaction,
one round trip each); the invariants are CHECK constraints there too. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass

from services.common import errors, validation
from services.common.context import Caller
from services.common.errors import (
    DomainError, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied,
)

MAX_AMOUNT = 1_000_000_000
MANAGER = "manager"


@dataclass(frozen=True)
class Balance:
    campaign_id: str
    user_id: str
    granted: int = 0
    available: int = 0
    allocated: int = 0
    expended: int = 0
    expired: int = 0
    burned: int = 0


def amount(value: int) -> int:
    if not 0 < value <= MAX_AMOUNT:
        raise InvalidArgument("amount", f"amount must be between 1 and {MAX_AMOUNT}")
    return value


def request_id(value: str) -> str:
    if not value:
        raise InvalidArgument("request_id", "request_id is required: a UUID the client keeps for retries")
    return validation.text("request_id", value, max_length=64)


def client_request_id(stored: str) -> str:
    """The id a client sent, from the key a ledger entry stores: `client:<caller>|<method>|<id>` for members'
    moves, `service:<id>` for moves other services cause."""
    return stored.split(":", 1)[-1].rsplit("|", 1)[-1]


def may_read_other_ledgers(caller: Caller, role: str | None) -> bool:
    return caller.is_admin or role == MANAGER


def may_read_idea_coins(caller: Caller, role: str | None, sponsor: bool) -> bool:
    return caller.is_admin or role is not None or (sponsor and caller.is_sponsor)


# What each refusal raised by a ledger function means to a client.
_REFUSALS = {
    errors.CAMPAIGN_INACTIVE: FailedPrecondition,
    errors.IDEA_NOT_COMPETING: FailedPrecondition,
    errors.IDEA_ALREADY_ACCEPTED: FailedPrecondition,
    errors.INSUFFICIENT_COINS: FailedPrecondition,
    errors.COINS_ALREADY_EXPENDED: FailedPrecondition,
    "MAX_PER_IDEA": FailedPrecondition,
    "NOT_ENOUGH_ON_IDEA": FailedPrecondition,
    "REALLOCATION_DISABLED": FailedPrecondition,
}


def refusal(reason: str, message: str, hint: str | None) -> DomainError:
    if reason == errors.IDEA_NOT_FOUND:
        return NotFound(reason, message)
    if reason == "NOT_A_MEMBER":
        return PermissionDenied(message)
    if reason == errors.REQUEST_ID_REUSED:
        return InvalidArgument("request_id", message, reason=reason)
    if reason == errors.INVALID_INPUT:
        return InvalidArgument(hint or "request_id", message)
    kind = _REFUSALS.get(reason)
    if kind is None:
        raise KeyError(reason)
    metadata = {"detail": hint} if hint else {}
    return kind(reason, message, **metadata)
