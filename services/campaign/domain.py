"""Campaign rules: who sees and changes what, the lifecycle, membership, policy and tag checks. No I/O here."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from services.common import validation
from services.common.concepts import CampaignRole, CampaignStatus, CampaignType, InvitationState
from services.common.context import Caller
from services.common.errors import (
    CAMPAIGN_INACTIVE,
    CAMPAIGN_NOT_FOUND,
    INVALID_TRANSITION,
    INVITATION_EXPIRED,
    INVITATION_NOT_FOUND,
    INVITATION_REVOKED,
    INVITATION_USED,
    POLICY_LOCKED,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)

INVITATION_TOKEN_BYTES = 32
INVITATION_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
NEXT_STATUS = {CampaignStatus.DRAFT: CampaignStatus.ACTIVE, CampaignStatus.ACTIVE: CampaignStatus.COMPLETED,
               CampaignStatus.COMPLETED: CampaignStatus.ARCHIVED}
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
    max_rewarded_ideas: int = 3

    def changed(self, **changes) -> CoinPolicy:
        for name in ("initial_allocation", "idea_submission_reward", "max_per_idea", "max_rewarded_ideas"):
            value = changes.get(name)
            if value is not None and not 0 <= value <= MAX_COINS:
                raise InvalidArgument(f"coin_policy.{name}", f"coin_policy.{name} must be between 0 and {MAX_COINS}")
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


@dataclass(frozen=True)
class Campaign:
    campaign_uuid: str  # the internal key (the proto's Campaign.id)
    campaign_id: str  # the slug every request names
    title: str
    description: str
    type: CampaignType
    status: CampaignStatus
    start_time: datetime | None
    end_time: datetime | None
    banner_image_url: str
    icon_url: str
    policy: CoinPolicy
    created_at: datetime
    updated_at: datetime
    ending_notice_at: datetime | None = None  # when the scheduler told that the campaign ends soon


@dataclass(frozen=True)
class Standing:
    """Where one user stands in one campaign."""

    role: CampaignRole | None = None  # once joined
    sponsor: bool = False  # listed as sponsor (counts only while the user holds the sponsor role)


@dataclass(frozen=True)
class Member:
    campaign_id: str
    user_id: str
    email: str
    full_name: str
    role: CampaignRole
    joined_at: datetime


@dataclass(frozen=True)
class Sponsor:
    user_id: str
    full_name: str
    email: str  # empty for callers who may not see emails


@dataclass(frozen=True)
class Invitation:
    """A single-use link sent to `email`; whoever signs in and presents it joins with `role`."""

    campaign_id: str
    email: str
    role: CampaignRole
    invited_by: str
    created_at: datetime
    expires_at: datetime
    accepted_by: str | None = None
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None
    link: str = ""  # only right after it was issued: the token is never stored
    id: str = ""  # the storage's key (an event's subject "invitations/{id}")

    def state(self, now: datetime) -> InvitationState:
        if self.accepted_at:
            return InvitationState.ACCEPTED
        if self.revoked_at:
            return InvitationState.REVOKED
        return InvitationState.EXPIRED if self.expires_at <= now else InvitationState.PENDING


@dataclass(frozen=True)
class Tag:
    id: str
    campaign_id: str
    name: str
    description: str
    color: str
    created_at: datetime


@dataclass
class CampaignFields:
    """Editable fields as a request gives them; None means "not given"."""

    title: str | None = None
    description: str | None = None
    type: CampaignType | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    banner_image_url: str | None = None
    icon_url: str | None = None
    policy: dict = field(default_factory=dict)


# ---- visibility and permissions ------------------------------------------------------------------------------

def is_sponsor(caller: Caller, standing: Standing) -> bool:
    return standing.sponsor and caller.is_sponsor


def can_view(campaign: Campaign, standing: Standing, caller: Caller) -> bool:
    # Invitees are not in this list: they see a closed campaign once they accepted, not before.
    if caller.is_admin or standing.role or is_sponsor(caller, standing):
        return True
    # Strangers discover open and mediated campaigns once they run; drafts and closed ones stay hidden.
    return campaign.status != CampaignStatus.DRAFT and campaign.type in (CampaignType.OPEN, CampaignType.MEDIATED)


def require_view(campaign: Campaign | None, standing: Standing, caller: Caller, campaign_id: str) -> Campaign:
    if campaign is None or not can_view(campaign, standing, caller):
        # The same answer for "hidden" and "missing": ids are not to be guessed.
        raise NotFound(CAMPAIGN_NOT_FOUND, "no campaign with this id", campaign_id=campaign_id)
    return campaign


def can_manage(standing: Standing, caller: Caller) -> bool:
    return caller.is_admin or standing.role == CampaignRole.MANAGER


def require_manage(standing: Standing, caller: Caller, action: str) -> None:
    if not can_manage(standing, caller):
        raise PermissionDenied(f"only a manager of this campaign or an admin may {action}")


def require_admin(caller: Caller, action: str) -> None:
    if not caller.is_admin:
        raise PermissionDenied(f"only an admin may {action}", required_role="admin")


def can_read_members(standing: Standing, caller: Caller) -> bool:
    return can_manage(standing, caller) or is_sponsor(caller, standing) or standing.role == CampaignRole.MEMBER


def can_see_emails(standing: Standing, caller: Caller) -> bool:
    """Emails of members and sponsors go to managers and admins only; everyone else sees names."""
    return can_manage(standing, caller)


# ---- lifecycle -----------------------------------------------------------------------------------------------

def next_status(current: CampaignStatus, target: CampaignStatus) -> CampaignStatus:
    if NEXT_STATUS.get(current) != target:
        raise FailedPrecondition(INVALID_TRANSITION, f"a {current} campaign cannot become {target}",
                                 status=current, target=target)
    return target


def due_transition(campaign: Campaign, now: datetime) -> CampaignStatus | None:
    """What the scheduler does with a campaign at `now`: activate at start_time, complete at end_time."""
    if campaign.status == CampaignStatus.DRAFT and campaign.start_time and campaign.start_time <= now:
        return CampaignStatus.ACTIVE
    if campaign.status == CampaignStatus.ACTIVE and campaign.end_time and campaign.end_time <= now:
        return CampaignStatus.COMPLETED
    return None


def ending_notice_due(campaign: Campaign, now: datetime, window: timedelta) -> bool:
    """Whether the scheduler tells now that the active campaign ends within `window` (its members' coins are about
    to expire). Once per campaign: not again after it was told, nor once the end has passed (it completes then)."""
    return (campaign.status == CampaignStatus.ACTIVE and campaign.ending_notice_at is None
            and campaign.end_time is not None and now < campaign.end_time <= now + window)


def ending_notice_rearmed(campaign: Campaign, now: datetime, window: timedelta) -> Campaign:
    """An edit that moves the end out of the warning window again (or removes it) re-arms the notice: the members
    were told of an end that no longer holds, and are told again when the new one nears. Moving it within the
    window tells nothing more."""
    if campaign.ending_notice_at and (campaign.end_time is None or campaign.end_time > now + window):
        return replace(campaign, ending_notice_at=None)
    return campaign


def require_admitting(campaign: Campaign) -> None:
    """Members join, and invitations are sent and taken up, while the campaign may still gain members."""
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.ACTIVE):
        raise FailedPrecondition(CAMPAIGN_INACTIVE, f"the campaign is {campaign.status}: it takes no new members",
                                 campaign_id=campaign.campaign_id, status=campaign.status)


def join_allowed(campaign: Campaign) -> None:
    if campaign.type == CampaignType.CLOSED:
        raise PermissionDenied("this campaign is invitation only", campaign_id=campaign.campaign_id)
    require_admitting(campaign)


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
        if value and (len(value) > URL_MAX or not re.match(r"^https?://[^\s]+$", value)):
            raise InvalidArgument(f"campaign.{name}", f"campaign.{name} must be an http(s) URL of at most "
                                                      f"{URL_MAX} characters")
    return fields


def check_dates(start: datetime | None, end: datetime | None) -> None:
    if start and end and end <= start:
        raise InvalidArgument("campaign.end_time", "campaign.end_time must be after campaign.start_time")


def policy_editable(campaign: Campaign) -> None:
    if campaign.status != CampaignStatus.DRAFT:
        raise FailedPrecondition(POLICY_LOCKED, "the coin policy changes only while the campaign is a draft",
                                 campaign_id=campaign.campaign_id, status=campaign.status)


def tag_name(name: str) -> str:
    return validation.text("tag.name", name, max_length=TAG_NAME_MAX)


def tag_color(color: str) -> str:
    if color and not COLOR.match(color):
        raise InvalidArgument("tag.color", "tag.color must look like #rrggbb")
    return color.lower()


# ---- invitations ---------------------------------------------------------------------------------------------

def require_may_invite(standing: Standing, caller: Caller, role: CampaignRole) -> None:
    require_manage(standing, caller, "invite members")
    if role == CampaignRole.MANAGER:
        require_admin(caller, "invite managers")


def new_invitation_token() -> str:
    return secrets.token_urlsafe(INVITATION_TOKEN_BYTES)


def token_digest(token: str) -> str:
    """All that is stored of a token, so that a copy of the table opens no campaign."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(public_url: str, token: str) -> str:
    return f"{public_url}/invitations/{token}"


def checked_token(token: str) -> str:
    if not INVITATION_TOKEN.match(token or ""):
        raise InvalidArgument("invitation_token", "invitation_token must be the last part of an invitation link")
    return token


def unknown_invitation() -> NotFound:
    return NotFound(INVITATION_NOT_FOUND, "no invitation has this link")


def require_acceptable(invitation: Invitation | None, now: datetime) -> Invitation:
    """The invitation behind a presented link, if it can still be used. The errors name no campaign: a dead link
    reveals nothing of a closed campaign."""
    if invitation is None:
        raise unknown_invitation()
    state = invitation.state(now)
    if state == InvitationState.ACCEPTED:
        raise FailedPrecondition(INVITATION_USED, "this invitation link was already used; ask the campaign's "
                                                  "managers for a new one")
    if state == InvitationState.REVOKED:
        raise FailedPrecondition(INVITATION_REVOKED, "this invitation was revoked")
    if state == InvitationState.EXPIRED:
        raise FailedPrecondition(INVITATION_EXPIRED, "this invitation link has expired; ask the campaign's "
                                                     "managers for a new one", expire_time=invitation.expires_at)
    return invitation


def role_on_accepting(current: CampaignRole | None, invited: CampaignRole) -> CampaignRole:
    """An invitation never demotes: a manager who takes up a member invitation stays a manager."""
    return CampaignRole.MANAGER if CampaignRole.MANAGER in (current, invited) else CampaignRole.MEMBER


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
