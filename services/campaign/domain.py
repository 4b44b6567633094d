"""Campaign rules: who sees and changes what, the lifecycle, membership, policy and tag checks. No I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from services.common import validation
from services.common.context import Caller
from services.common.errors import (
    CAMPAIGN_INACTIVE, CAMPAIGN_NOT_FOUND, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied,
)

DRAFT, ACTIVE, COMPLETED, ARCHIVED = "draft", "active", "completed", "archived"
OPEN, MEDIATED, CLOSED = "open", "mediated", "closed"
MEMBER, MANAGER = "member", "manager"
INVITED, JOINED = "invited", "joined"
NEXT_STATUS = {DRAFT: ACTIVE, ACTIVE: COMPLETED, COMPLETED: ARCHIVED}
TITLE_MAX, DESCRIPTION_MAX, URL_MAX, TAG_NAME_MAX = 255, 10_000, 500, 100
MAX_COINS = 1_000_000_000
MAX_INVITES = 200
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class CoinPolicy:
    initial_allocation: int = 100
    idea_submission_reward: int = 0
    allow_reallocation: bool = True
    allow_recycling: bool = True
    max_per_idea: int = 0

    def changed(self, **changes) -> "CoinPolicy":
        for name in ("initial_allocation", "idea_submission_reward", "max_per_idea"):
            value = changes.get(name)
            if value is not None and not 0 <= value <= MAX_COINS:
                raise InvalidArgument(f"coin_policy.{name}", f"coin_policy.{name} must be between 0 and {MAX_COINS}")
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


@dataclass(frozen=True)
class Campaign:
    id: str
    slug: str
    title: str
    description: str
    type: str
    status: str
    start_time: datetime | None
    end_time: datetime | None
    banner_image_url: str
    icon_url: str
    policy: CoinPolicy
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Standing:
    """Where one user stands in one campaign."""

    role: str | None = None  # member or manager, once joined
    invited: bool = False  # an open invitation to the user's email
    sponsor: bool = False  # listed as sponsor (counts only while the user holds the sponsor role)


@dataclass(frozen=True)
class Member:
    campaign_slug: str
    user_id: str | None
    email: str
    full_name: str
    role: str
    state: str
    invited_at: datetime | None
    joined_at: datetime | None


@dataclass(frozen=True)
class Tag:
    id: str
    campaign_slug: str
    name: str
    description: str
    color: str
    created_at: datetime


@dataclass
class CampaignFields:
    """Editable fields as a request gives them; None means "not given"."""

    title: str | None = None
    description: str | None = None
    type: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    banner_image_url: str | None = None
    icon_url: str | None = None
    policy: dict = field(default_factory=dict)


# ---- visibility and permissions ------------------------------------------------------------------------------

def is_sponsor(caller: Caller, standing: Standing) -> bool:
    return standing.sponsor and caller.is_sponsor


def can_view(campaign: Campaign, standing: Standing, caller: Caller) -> bool:
    if caller.is_admin or standing.role or standing.invited or is_sponsor(caller, standing):
        return True
    # Strangers discover open and mediated campaigns once they run; drafts and closed ones stay hidden.
    return campaign.status != DRAFT and campaign.type in (OPEN, MEDIATED)


def require_view(campaign: Campaign | None, standing: Standing, caller: Caller, slug: str) -> Campaign:
    if campaign is None or not can_view(campaign, standing, caller):
        # The same answer for "hidden" and "missing": ids are not to be guessed.
        raise NotFound(CAMPAIGN_NOT_FOUND, "no campaign with this id", campaign_id=slug)
    return campaign


def can_manage(standing: Standing, caller: Caller) -> bool:
    return caller.is_admin or standing.role == MANAGER


def require_manage(standing: Standing, caller: Caller, action: str) -> None:
    if not can_manage(standing, caller):
        raise PermissionDenied(f"only a manager of this campaign or an admin may {action}")


def require_admin(caller: Caller, action: str) -> None:
    if not caller.is_admin:
        raise PermissionDenied(f"only an admin may {action}", required_role="admin")


def can_read_members(standing: Standing, caller: Caller) -> bool:
    return can_manage(standing, caller) or is_sponsor(caller, standing) or standing.role == MEMBER


# ---- lifecycle -----------------------------------------------------------------------------------------------

def next_status(current: str, target: str) -> str:
    if NEXT_STATUS.get(current) != target:
        raise FailedPrecondition("INVALID_TRANSITION", f"a {current} campaign cannot become {target}",
                                 status=current, target=target)
    return target


def due_transition(campaign: Campaign, now: datetime) -> str | None:
    """What the scheduler does with a campaign at `now`: activate at start_time, complete at end_time."""
    if campaign.status == DRAFT and campaign.start_time and campaign.start_time <= now:
        return ACTIVE
    if campaign.status == ACTIVE and campaign.end_time and campaign.end_time <= now:
        return COMPLETED
    return None


def require_active(campaign: Campaign, action: str) -> None:
    if campaign.status != ACTIVE:
        raise FailedPrecondition(CAMPAIGN_INACTIVE, f"the campaign is {campaign.status}: cannot {action}",
                                 campaign_id=campaign.slug, status=campaign.status)


def join_allowed(campaign: Campaign) -> None:
    if campaign.type == CLOSED:
        raise PermissionDenied("this campaign is invitation only", campaign_id=campaign.slug)
    if campaign.status not in (DRAFT, ACTIVE):
        raise FailedPrecondition(CAMPAIGN_INACTIVE, f"the campaign is {campaign.status}: it takes no new members",
                                 campaign_id=campaign.slug, status=campaign.status)


# ---- field checks --------------------------------------------------------------------------------------------

def checked_fields(fields: CampaignFields, *, creating: bool) -> CampaignFields:
    if fields.title is not None or creating:
        fields.title = validation.text("campaign.title", fields.title or "", max_length=TITLE_MAX)
    if fields.description is not None:
        fields.description = validation.text("campaign.description", fields.description, max_length=DESCRIPTION_MAX,
                                             required=False)
    if creating and not fields.type:
        raise InvalidArgument("campaign.type", "campaign.type is required")
    for name in ("banner_image_url", "icon_url"):
        value = getattr(fields, name)
        if value:
            if len(value) > URL_MAX or not re.match(r"^https?://[^\s]+$", value):
                raise InvalidArgument(f"campaign.{name}", f"campaign.{name} must be an http(s) URL of at most "
                                                          f"{URL_MAX} characters")
    return fields


def check_dates(start: datetime | None, end: datetime | None) -> None:
    if start and end and end <= start:
        raise InvalidArgument("campaign.end_time", "campaign.end_time must be after campaign.start_time")


def policy_editable(campaign: Campaign) -> None:
    if campaign.status != DRAFT:
        raise FailedPrecondition("POLICY_LOCKED", "the coin policy changes only while the campaign is a draft",
                                 campaign_id=campaign.slug, status=campaign.status)


def tag_name(name: str) -> str:
    return validation.text("tag.name", name, max_length=TAG_NAME_MAX)


def tag_color(color: str) -> str:
    if color and not COLOR.match(color):
        raise InvalidArgument("tag.color", "tag.color must look like #rrggbb")
    return color.lower()


def invite_emails(emails: list[str]) -> list[str]:
    if not emails:
        raise InvalidArgument("emails", "name at least one email to invite")
    if len(emails) > MAX_INVITES:
        raise InvalidArgument("emails", f"at most {MAX_INVITES} invitations at once")
    unique: dict[str, str] = {}
    for email in emails:
        checked = validation.email("emails", email)
        unique.setdefault(checked.lower(), checked)
    return list(unique.values())
