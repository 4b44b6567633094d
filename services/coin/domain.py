"""Coin rules that sit outside the ledger functions: input checks, who may read what, the meaning of each refusal
the ledger raises, and the values the ledger answers with. The moves themselves are the ledger's SQL functions
(migrations/; one transaction, one round trip each); the invariants are CHECK constraints there too. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from services.common import errors
from services.common.concepts import CampaignRole, LedgerEntryKind
from services.common.context import Caller
from services.common.errors import (
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)

MAX_AMOUNT = 1_000_000_000


class LedgerOperation(StrEnum):
    """The ledger's functions, one per move."""

    ALLOCATE = "allocate"
    WITHDRAW = "withdraw"
    REALLOCATE = "reallocate"
    GRANT = "grant"
    OPEN_IDEA = "open_idea"
    CLOSE_IDEA = "close_idea"
    EXPIRE = "expire"
    ARCHIVE = "archive"
    OPEN_CAMPAIGN = "open_campaign"
    CLOSE_ACCOUNT = "close_account"


class IdeaOutcome(StrEnum):
    """How the coins on a decided idea end: spent on it, or back to (or lost by) its backers."""

    EXPEND = "expend"
    RECYCLE = "recycle"


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


@dataclass(frozen=True)
class Allocation:
    """One member's coins on one idea."""

    campaign_id: str
    idea_id: str
    user_id: str
    amount: int
    expended: bool = False
    updated_at: datetime | None = None


@dataclass(frozen=True)
class MemberMove:
    """What an allocation or a withdrawal left: the member's balance and its coins on the idea."""

    balance: Balance
    allocation: Allocation


@dataclass(frozen=True)
class Reallocation:
    balance: Balance
    from_allocation: Allocation
    to_allocation: Allocation


@dataclass(frozen=True)
class IdeaClosed:
    kind: LedgerEntryKind  # expend, recycle, burn, or expire (the campaign ended first)
    total: int
    backers: int
    reward_revoked: int


@dataclass(frozen=True)
class CoinsExpired:
    expired: int
    members: int


@dataclass(frozen=True)
class CoinPolicy:
    """A campaign's coin rules, frozen when it activates."""

    initial_allocation: int
    idea_submission_reward: int
    allow_reallocation: bool
    allow_recycling: bool
    max_per_idea: int
    max_rewarded_ideas: int


@dataclass(frozen=True)
class LedgerIdea:
    """An idea the ledger knows: opened for coins once it competed."""

    campaign_id: str
    expended: bool


@dataclass(frozen=True)
class IdeaCoins:
    idea_id: str
    campaign_id: str
    expended: bool
    backers: list[Allocation]

    @property
    def total(self) -> int:
        return sum(backer.amount for backer in self.backers)


@dataclass(frozen=True)
class IdeaStanding:
    idea_id: str
    coins: int
    backers: int


class Standing(NamedTuple):
    final: bool  # the vote ended: the coins are the result
    completed_at: datetime | None
    ideas: list[IdeaStanding]


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    campaign_id: str
    user_id: str
    kind: LedgerEntryKind
    amount: int
    idea_id: str | None
    from_idea_id: str | None
    actor_id: str | None
    request_id: str  # as the ledger stores it (see client_request_id)
    created_at: datetime


class CoinOperation(StrEnum):
    """What a group of ledger entries did, as a CoinsMoved event tells it (events.proto's CoinOperation)."""

    GRANT = "grant"
    OPEN_IDEA = "open_idea"
    ALLOCATE = "allocate"
    REALLOCATE = "reallocate"
    WITHDRAW = "withdraw"
    ACCEPT_IDEA = "accept_idea"
    REJECT_IDEA = "reject_idea"
    CLOSE_ACCOUNT = "close_account"
    EXPIRE_CAMPAIGN = "expire_campaign"
    ARCHIVE_CAMPAIGN = "archive_campaign"


@dataclass(frozen=True)
class CoinMove:
    """The ledger entries one operation (one transaction, one request) appended, waiting in the event outbox."""

    first_outbox_id: int  # names the move for good: its events' ids derive from it
    request_id: str  # as the ledger stores it
    campaign_id: str
    requested: str | None  # the operation its request claimed (coin.requests), None when it claimed none
    entries: list[LedgerEntry]  # in ledger order
    standing: dict[str, IdeaStanding]  # each idea the entries name, when the move is published; absent: none left


# The operation each ledger function claims its request id under (begin_request), where that alone decides.
_REQUESTED = {
    "grant": CoinOperation.GRANT,
    "open": CoinOperation.OPEN_IDEA,
    "allocate": CoinOperation.ALLOCATE,
    "reallocate": CoinOperation.REALLOCATE,
    "withdraw": CoinOperation.WITHDRAW,
    "close_account": CoinOperation.CLOSE_ACCOUNT,
    "expire": CoinOperation.EXPIRE_CAMPAIGN,
    "archive": CoinOperation.ARCHIVE_CAMPAIGN,
}

# Otherwise the first entry's kind: an activation's grants claim no request id (open_campaign converges by state).
_BY_KIND = {
    LedgerEntryKind.GRANT: CoinOperation.GRANT,
    LedgerEntryKind.SUBMISSION_REWARD: CoinOperation.OPEN_IDEA,
    LedgerEntryKind.ALLOCATE: CoinOperation.ALLOCATE,
    LedgerEntryKind.REALLOCATE: CoinOperation.REALLOCATE,
    LedgerEntryKind.WITHDRAW: CoinOperation.WITHDRAW,
    LedgerEntryKind.EXPEND: CoinOperation.ACCEPT_IDEA,
    LedgerEntryKind.RECYCLE: CoinOperation.REJECT_IDEA,
    LedgerEntryKind.BURN: CoinOperation.REJECT_IDEA,
    LedgerEntryKind.REWARD_REVOKED: CoinOperation.REJECT_IDEA,
    LedgerEntryKind.EXPIRE: CoinOperation.EXPIRE_CAMPAIGN,
}

_OUTCOMES = {outcome.value for outcome in IdeaOutcome}

# Operations about one idea: their events' subject is the idea rather than the campaign.
_IDEA_OPERATIONS = {CoinOperation.OPEN_IDEA, CoinOperation.ALLOCATE, CoinOperation.WITHDRAW,
                    CoinOperation.ACCEPT_IDEA, CoinOperation.REJECT_IDEA}


def coin_operation(move: CoinMove) -> CoinOperation:
    """close_idea claims its request as its outcome ("expend" or "recycle"), but a rejection after completion
    expires the coins instead: its entries say whether the idea was accepted (EXPEND) or rejected."""
    if move.requested in _OUTCOMES:
        accepted = any(entry.kind == LedgerEntryKind.EXPEND for entry in move.entries)
        return CoinOperation.ACCEPT_IDEA if accepted else CoinOperation.REJECT_IDEA
    if move.requested in _REQUESTED:
        return _REQUESTED[move.requested]
    return _BY_KIND[move.entries[0].kind]


def moved_ideas(entries: list[LedgerEntry]) -> list[str]:
    """The ideas whose totals the entries changed, in the order they first appear."""
    ideas = (idea for entry in entries for idea in (entry.idea_id, entry.from_idea_id) if idea)
    return list(dict.fromkeys(ideas))


def move_subject(move: CoinMove, operation: CoinOperation) -> str:
    """The resource a move's events are about: its idea when the operation concerns one, else its campaign."""
    ideas = moved_ideas(move.entries)
    if operation in _IDEA_OPERATIONS and len(ideas) == 1:
        return f"ideas/{ideas[0]}"
    return f"campaigns/{move.campaign_id}"


class LedgerCheck(NamedTuple):
    """Every balance and idea allocation recomputed from the ledger alone."""

    balances_checked: int
    mismatches: list[tuple[Balance, Balance]]  # (stored, rebuilt from the ledger)
    ideas_checked: int
    idea_mismatches: list[str]


@dataclass(frozen=True)
class Access:
    """How one user stands in a campaign: its role when it joined, and whether it sponsors the campaign."""

    role: CampaignRole | None
    sponsor: bool


def amount(value: int) -> int:
    if not 0 < value <= MAX_AMOUNT:
        raise InvalidArgument("amount", f"amount must be between 1 and {MAX_AMOUNT}")
    return value


def missing_request_id() -> InvalidArgument:
    return InvalidArgument("request_id", "request_id is required: a UUID the client keeps for retries")


def client_request_id(stored: str) -> str:
    """The id a client sent, from the key a ledger entry stores: `client:<caller>|<method>|<id>` for members'
    moves, `service:<id>` for moves other services cause."""
    return stored.split(":", 1)[-1].split("|", 2)[-1]


def may_read_other_ledgers(caller: Caller, access: Access) -> bool:
    return caller.is_admin or access.role == CampaignRole.MANAGER


def may_read_idea_coins(caller: Caller, access: Access) -> bool:
    return caller.is_admin or access.role is not None or (access.sponsor and caller.is_sponsor)


# What each refusal raised by a ledger function means to a client.
_REFUSALS = {
    errors.CAMPAIGN_INACTIVE: FailedPrecondition,
    errors.IDEA_NOT_COMPETING: FailedPrecondition,
    errors.IDEA_ALREADY_ACCEPTED: FailedPrecondition,
    errors.INSUFFICIENT_COINS: FailedPrecondition,
    errors.COINS_ALREADY_EXPENDED: FailedPrecondition,
    errors.MAX_PER_IDEA: FailedPrecondition,
    errors.NOT_ENOUGH_ON_IDEA: FailedPrecondition,
    errors.REALLOCATION_DISABLED: FailedPrecondition,
}


def refusal(reason: str, message: str, hint: str | None) -> DomainError:
    if reason == errors.IDEA_NOT_FOUND:
        return NotFound(reason, message)
    if reason == errors.NOT_A_MEMBER:
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
