"""The analytics service's rules: what each figure means, who reads which report, how a campaign's time is cut
into periods, and how a cell of an exported table is written. Plain values, no I/O.

Coin figures follow the ledger (services/coin/repository.py `_VERIFY_BALANCES` states the same sums per member):
granted = grants + submission rewards - rewards taken back; an entry moves coins between the fields as `EFFECTS`
says. Ideas' coins and backers are the coin service's standing (frozen at completion), as every CoinsMoved event
carries it. Time in a funnel step comes from the idea's milestones (submit, approve, reject, accept, start,
complete) and the campaign's type, which decides where an idea starts (`first_status`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from services.common.concepts import CampaignRole, CampaignType, IdeaStatus, LedgerEntryKind
from services.common.context import Caller
from services.common.errors import CAMPAIGN_NOT_FOUND, InvalidArgument, NotFound, PermissionDenied

DEFAULT_TOP_IDEAS, MAX_TOP_IDEAS = 10, 100
HOURLY_UP_TO = timedelta(days=3)  # a campaign this long or shorter is shown hour by hour, a longer one by day
FUNNEL = (IdeaStatus.PENDING, IdeaStatus.COMPETING, IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.COMPLETE,
          IdeaStatus.REJECTED)
# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")

K = LedgerEntryKind
# How one entry of each kind moves a campaign's coin fields: {field: sign}.
EFFECTS: dict[LedgerEntryKind, dict[str, int]] = {
    K.GRANT: {"granted": 1, "available": 1},
    K.SUBMISSION_REWARD: {"granted": 1, "available": 1, "reward_payouts": 1},
    K.REWARD_REVOKED: {"granted": -1, "available": -1, "reward_payouts": -1},
    K.ALLOCATE: {"available": -1, "allocated": 1},
    K.REALLOCATE: {},
    K.WITHDRAW: {"available": 1, "allocated": -1},
    K.RECYCLE: {"available": 1, "allocated": -1},
    K.EXPEND: {"allocated": -1, "expended": 1},
    K.BURN: {"allocated": -1, "burned": 1},
}
# An expiry takes from `available` when it names no idea (wallets at completion) and from `allocated` when it does
# (coins on ideas still undecided at the end).
EXPIRE_EFFECTS = {False: {"available": -1, "expired": 1}, True: {"allocated": -1, "expired": 1}}


def effects(kind: LedgerEntryKind, names_an_idea: bool) -> dict[str, int]:
    return EXPIRE_EFFECTS[names_an_idea] if kind is K.EXPIRE else EFFECTS[kind]


class TimeBucket(StrEnum):
    HOUR = "hour"
    DAY = "day"


class ExportTable(StrEnum):
    IDEAS = "ideas"
    LEDGER = "ledger"
    RESULT = "result"


@dataclass(frozen=True)
class CampaignAccess:
    """The caller as it stands in one campaign (the campaign service's word)."""

    campaign_id: str
    visible: bool
    role: CampaignRole | None
    sponsor: bool


def hidden(campaign_id: str) -> NotFound:
    """The answer for a campaign the caller may not read: the same as for one that does not exist."""
    return NotFound(CAMPAIGN_NOT_FOUND, "no campaign with this id", campaign_id=campaign_id)


def reads_report(caller: Caller, access: CampaignAccess) -> bool:
    return caller.is_admin or access.sponsor or access.role is CampaignRole.MANAGER


def require_table(caller: Caller, access: CampaignAccess, table: ExportTable) -> None:
    """Who may export what. Someone who may not see the campaign learns nothing of it, not even that it exists."""
    if not (caller.is_admin or access.visible) or (table is not ExportTable.RESULT
                                                    and not reads_report(caller, access)):
        raise hidden(access.campaign_id)
    if table is ExportTable.LEDGER and not (caller.is_admin or access.role is CampaignRole.MANAGER):
        raise PermissionDenied("only the campaign's managers and admins export its ledger")


def top_ideas_wanted(value: int) -> int:
    if value == 0:
        return DEFAULT_TOP_IDEAS
    if not 1 <= value <= MAX_TOP_IDEAS:
        raise InvalidArgument("top_ideas", f"top_ideas must be between 1 and {MAX_TOP_IDEAS}", maximum=MAX_TOP_IDEAS)
    return value


def bucket_for(asked: TimeBucket | None, start: datetime | None, end: datetime | None) -> TimeBucket:
    """The width asked for, or hours for a campaign whose span (planned, or of its allocations so far) is short."""
    if asked is not None:
        return asked
    if start is None or end is None:
        return TimeBucket.HOUR
    return TimeBucket.HOUR if end - start <= HOURLY_UP_TO else TimeBucket.DAY


def first_status(campaign_type: CampaignType) -> IdeaStatus:
    """Where an idea starts: an open campaign's ideas compete at once, the others wait for a manager."""
    return IdeaStatus.COMPETING if campaign_type is CampaignType.OPEN else IdeaStatus.PENDING


@dataclass(frozen=True)
class Milestones:
    """The moments an idea record keeps."""

    submitted_at: datetime | None
    approved_at: datetime | None = None
    rejected_at: datetime | None = None
    accepted_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None


def time_in_steps(campaign_type: CampaignType, moments: Milestones) -> dict[IdeaStatus, timedelta]:
    """How long the idea stayed in each step it has left. Ideas only move forward (pending, competing, accepted,
    in progress, complete; rejected from pending or competing), so the milestones say when each step began and
    ended."""
    spent: dict[IdeaStatus, timedelta] = {}
    competing_since = moments.submitted_at
    if first_status(campaign_type) is IdeaStatus.PENDING:
        left_pending = moments.approved_at or moments.rejected_at
        if moments.submitted_at and left_pending:
            spent[IdeaStatus.PENDING] = left_pending - moments.submitted_at
        competing_since = moments.approved_at
    left_competing = moments.accepted_at or (moments.rejected_at if competing_since else None)
    if competing_since and left_competing:
        spent[IdeaStatus.COMPETING] = left_competing - competing_since
    if moments.accepted_at and moments.started_at:
        spent[IdeaStatus.ACCEPTED] = moments.started_at - moments.accepted_at
    if moments.started_at and moments.completed_at:
        spent[IdeaStatus.IN_PROGRESS] = moments.completed_at - moments.started_at
    return spent


@dataclass
class FunnelStep:
    """Ideas in one status now (and their coins), and how long those that moved on had stayed in it."""

    status: IdeaStatus
    ideas: int = 0
    coins: int = 0
    moved_on: int = 0
    median_time: timedelta | None = None


@dataclass(frozen=True)
class CoinTotals:
    granted: int = 0
    available: int = 0
    allocated: int = 0
    expended: int = 0
    expired: int = 0
    burned: int = 0
    reward_payouts: int = 0


def coin_totals(sums: dict[tuple[LedgerEntryKind, bool], int]) -> CoinTotals:
    """The campaign's coin fields from the sum of its entries' amounts per (kind, names an idea)."""
    fields: dict[str, int] = {}
    for (kind, names_an_idea), amount in sums.items():
        for name, sign in effects(kind, names_an_idea).items():
            fields[name] = fields.get(name, 0) + sign * amount
    return CoinTotals(**fields)


@dataclass(frozen=True)
class Participation:
    members: int
    invited: int
    active_submitters: int
    active_backers: int

    @property
    def backing_share(self) -> float:
        return self.active_backers / self.members if self.members else 0.0


@dataclass(frozen=True)
class TopIdea:
    idea_id: str
    title: str
    coins: int
    backers: int
    status: IdeaStatus


@dataclass(frozen=True)
class Labelled:
    label: str
    ideas: int
    coins: int


@dataclass(frozen=True)
class Report:
    campaign_id: str
    participation: Participation
    funnel: list[FunnelStep]
    coins: CoinTotals
    top_ideas: list[TopIdea]
    allocations: list[tuple[datetime, int]]
    bucket: TimeBucket
    by_tag: list[Labelled]
    by_context: list[Labelled]
    by_source: list[Labelled]
    as_of: datetime


class Ranks:
    """Ranks down a list ordered by coins: equal coins share a rank and the next rank skips (1, 2, 2, 4), as in
    the campaign's result."""

    def __init__(self) -> None:
        self._position = 0
        self._rank = 0
        self._coins: int | None = None

    def next(self, coins: int) -> int:
        self._position += 1
        if coins != self._coins:
            self._rank, self._coins = self._position, coins
        return self._rank


def csv_cell(value: object) -> object:
    """A cell a spreadsheet shows as written: text with a leading formula character gets a quote before it, as
    OWASP advises (numbers stay numbers: -5 is no formula). Quoting of commas, quotes and line breaks is the csv
    writer's."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return "" if value is None else value


def export_file_name(campaign_id: str, table: ExportTable, at: datetime) -> str:
    return f"{campaign_id}-{table.value}-{at:%Y%m%dT%H%M%SZ}.csv"
