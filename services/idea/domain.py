"""Idea rules: the status workflow, who may do what to an idea, what counts as a duplicate. No I/O here."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from services.common import validation
from services.common.concepts import CampaignRole, CampaignStatus, CampaignType, IdeaStatus
from services.common.context import Caller
from services.common.errors import (
    CAMPAIGN_INACTIVE,
    CAMPAIGN_NOT_FOUND,
    IDEA_ALREADY_ACCEPTED,
    IDEA_LOCKED,
    IDEA_NOT_COMPETING,
    IDEA_NOT_FOUND,
    INVALID_TRANSITION,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)

if TYPE_CHECKING:
    from services.common.idempotency import RequestKey

# what every viewer of the campaign sees
PUBLIC_STATUSES = (IdeaStatus.COMPETING, IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.COMPLETE)
LIVE_STATUSES = (IdeaStatus.PENDING, *PUBLIC_STATUSES)  # what duplicates are checked against
DECIDED_STATUSES = (IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.COMPLETE)  # acceptance and its steps

TITLE_MAX, DESCRIPTION_MAX, CONTEXT_MAX, SOURCE_MAX = 200, 10_000, 100, 255
CONTEXT_ID = re.compile(r"^[A-Za-z0-9._:/-]{1,100}$")
# Similarity of normalised titles (stemmed, stop words out, words sorted: plural- and order-blind; trigrams make
# it typo-tolerant). Calibrated on tests/quality/test_similar_titles.py (run it with -s for precision and recall).
SIMILAR_THRESHOLD = 0.45
DUPLICATE_THRESHOLD = 0.8

# target status -> the statuses it may come from
TRANSITIONS = {
    IdeaStatus.APPROVED: (IdeaStatus.PENDING,),
    IdeaStatus.REJECTED: (IdeaStatus.PENDING, IdeaStatus.COMPETING),
    IdeaStatus.ACCEPTED: (IdeaStatus.COMPETING,),
    IdeaStatus.IN_PROGRESS: (IdeaStatus.ACCEPTED,),
    IdeaStatus.COMPLETE: (IdeaStatus.IN_PROGRESS,),
}
# landing status -> the time it stamps (approval lands in competing)
STAMPS = {IdeaStatus.COMPETING: "approved_at", IdeaStatus.REJECTED: "rejected_at", IdeaStatus.ACCEPTED: "accepted_at",
          IdeaStatus.IN_PROGRESS: "started_at", IdeaStatus.COMPLETE: "completed_at"}


@dataclass(frozen=True)
class TagInfo:
    """A campaign's tag as the campaign service describes it (events carry tag names, so consumers need not ask)."""

    id: str
    name: str
    description: str = ""
    color: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class CampaignView:
    """What the idea service learns from the campaign service about one campaign and one user."""

    campaign_id: str  # the campaign's slug
    type: CampaignType
    status: CampaignStatus
    role: CampaignRole | None  # None until the user joins
    sponsor: bool
    visible: bool
    tag_ids: frozenset[str]
    tags: tuple[TagInfo, ...] = ()  # the same tags, named

    def tags_named(self, tag_ids: tuple[str, ...]) -> list[TagInfo]:
        """The named tags of `tag_ids`, in that order (a tag the campaign no longer has is left out)."""
        by_id = {tag.id: tag for tag in self.tags}
        return [by_id[tag_id] for tag_id in tag_ids if tag_id in by_id]

    def manages(self, caller: Caller) -> bool:
        return caller.is_admin or self.role == CampaignRole.MANAGER

    def reads_everything(self, caller: Caller) -> bool:
        return self.manages(caller) or (self.sponsor and caller.is_sponsor)


@dataclass(frozen=True)
class StatusChange:
    from_status: IdeaStatus
    to_status: IdeaStatus
    actor_id: str
    reason: str
    changed_at: datetime


@dataclass(frozen=True)
class Idea:
    id: str
    campaign_id: str  # the campaign's slug
    submitter_id: str
    submitter_name: str
    title: str
    description: str
    status: IdeaStatus
    context_id: str
    permalink_source: str
    tag_ids: tuple[str, ...]
    submitted_at: datetime
    approved_at: datetime | None
    rejected_at: datetime | None
    accepted_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    updated_at: datetime
    history: tuple[StatusChange, ...] = ()


@dataclass(frozen=True)
class Submission:
    title: str
    description: str
    context_id: str
    permalink_source: str
    tag_ids: tuple[str, ...]


def submission(title: str, description: str, context_id: str, permalink_source: str,
               tag_ids: list[str], campaign: CampaignView) -> Submission:
    title = validation.text("title", title, max_length=TITLE_MAX)
    description = validation.text("description", description, max_length=DESCRIPTION_MAX, required=False)
    return Submission(title, description, context(context_id), validation.text(
        "permalink_source", permalink_source, max_length=SOURCE_MAX, required=False), tags_of(tag_ids, campaign))


def context(context_id: str) -> str:
    if context_id and not CONTEXT_ID.match(context_id):
        raise InvalidArgument("context_id", "context_id must be 1 to 100 characters of letters, digits and ._:/-")
    return context_id


def tags_of(tag_ids: list[str], campaign: CampaignView) -> tuple[str, ...]:
    for tag_id in tag_ids:
        validation.uuid_id("tag_ids", tag_id)
        if tag_id not in campaign.tag_ids:
            raise InvalidArgument("tag_ids", "the campaign has no tag with this id", tag_id=tag_id)
    return tuple(dict.fromkeys(tag_ids))


def require_campaign_visible(campaign: CampaignView) -> None:
    if not campaign.visible:
        raise NotFound(CAMPAIGN_NOT_FOUND, "no campaign with this id", campaign_id=campaign.campaign_id)


def require_submitter(campaign: CampaignView, caller: Caller) -> None:
    if campaign.role is None and not caller.is_admin:
        raise PermissionDenied("join the campaign to submit ideas", campaign_id=campaign.campaign_id)
    require_active(campaign, "submit ideas")


def require_active(campaign: CampaignView, action: str) -> None:
    if campaign.status != CampaignStatus.ACTIVE:
        raise FailedPrecondition(CAMPAIGN_INACTIVE, f"the campaign is {campaign.status}: cannot {action}",
                                 campaign_id=campaign.campaign_id, status=campaign.status)


# Namespace of the ids derived from a submission's request (uuid5).
_IDEA_IDS = uuid.UUID("2f1c9a6e-8d4b-5b7e-9a3c-6e1f0d2b4c8a")


def new_idea_id(request: RequestKey | None) -> str:
    """A retried submission gets the id its first attempt had: the coin side (the idea opened for coins, its reward
    paid) commits before the idea does, so should the first attempt's own commit fail, the retry converges on the
    same coin idea instead of leaving a reward paid for an idea that was never stored."""
    return str(uuid.uuid5(_IDEA_IDS, request.scoped) if request else uuid.uuid4())


def first_status(campaign: CampaignView) -> IdeaStatus:
    """Open campaigns skip moderation; mediated and closed ones queue ideas for a manager."""
    return IdeaStatus.COMPETING if campaign.type == CampaignType.OPEN else IdeaStatus.PENDING


def can_see(idea: Idea, campaign: CampaignView, caller: Caller) -> bool:
    if not campaign.visible:
        return False
    return idea.status in PUBLIC_STATUSES or idea.submitter_id == caller.user_id or campaign.reads_everything(caller)


def require_visible(idea: Idea | None, campaign: CampaignView | None, caller: Caller, idea_id: str) -> Idea:
    if idea is None or campaign is None or not can_see(idea, campaign, caller):
        raise NotFound(IDEA_NOT_FOUND, "no idea with this id", idea_id=idea_id)
    return idea


def require_mover(campaign: CampaignView, caller: Caller) -> None:
    if not campaign.manages(caller):
        raise PermissionDenied("only a manager of this campaign or an admin moves ideas through the workflow")


def next_status(idea: Idea, target: IdeaStatus, campaign: CampaignView, caller: Caller) -> IdeaStatus:
    """The status the idea lands in; refuses moves the workflow does not allow."""
    require_mover(campaign, caller)
    if target not in TRANSITIONS:
        raise InvalidArgument("status", "status must be APPROVED, REJECTED, ACCEPTED, IN_PROGRESS or COMPLETE")
    if idea.status not in TRANSITIONS[target]:
        if idea.status in DECIDED_STATUSES and target in (IdeaStatus.ACCEPTED, IdeaStatus.REJECTED):
            raise FailedPrecondition(IDEA_ALREADY_ACCEPTED, f"the idea is already {idea.status}",
                                     idea_id=idea.id, status=idea.status)
        if target == IdeaStatus.ACCEPTED:
            raise FailedPrecondition(IDEA_NOT_COMPETING, f"only competing ideas are accepted; this one is "
                                                         f"{idea.status}", idea_id=idea.id, status=idea.status)
        raise FailedPrecondition(INVALID_TRANSITION, f"a {idea.status} idea cannot become {target}",
                                 idea_id=idea.id, status=idea.status, target=target)
    if idea.status == IdeaStatus.PENDING:
        require_active(campaign, f"make ideas {target}")  # moderation ends with the vote
    elif campaign.status not in (CampaignStatus.ACTIVE, CampaignStatus.COMPLETED):
        # Completion ends the vote, not the decisions: competing ideas are accepted or rejected, and accepted ones
        # move on, until the campaign is archived.
        raise FailedPrecondition(CAMPAIGN_INACTIVE, f"the campaign is {campaign.status}: ideas no longer move",
                                 campaign_id=campaign.campaign_id, status=campaign.status)
    return IdeaStatus.COMPETING if target == IdeaStatus.APPROVED else target


def moves_coins(before: IdeaStatus, target: IdeaStatus) -> bool:
    """Accepting spends a competing idea's coins; rejecting it returns, burns or expires them."""
    return before == IdeaStatus.COMPETING and target in (IdeaStatus.ACCEPTED, IdeaStatus.REJECTED)


def visible_statuses(campaign: CampaignView, caller: Caller) -> tuple[IdeaStatus, ...]:
    """The statuses of the campaign's ideas a caller sees besides its own: duplicate checks and similar titles
    look at no others (naming another member's pending idea would reveal it)."""
    return LIVE_STATUSES if campaign.reads_everything(caller) else PUBLIC_STATUSES


@dataclass(frozen=True)
class Ranked:
    rank: int
    idea: Idea
    coins: int
    backers: int


def ranked(standings: list[tuple[Idea, int, int]]) -> list[Ranked]:
    """Most coins first; equal coins share a rank and the next rank skips (1, 2, 2, 4). Ties list the earlier
    submission first."""
    ordered = sorted(standings, key=lambda s: (-s[1], s[0].submitted_at, s[0].id))
    result: list[Ranked] = []
    for position, (idea, coins, backers) in enumerate(ordered, start=1):
        rank = result[-1].rank if result and result[-1].coins == coins else position
        result.append(Ranked(rank, idea, coins, backers))
    return result


def require_editable(idea: Idea, caller: Caller) -> None:
    if idea.submitter_id != caller.user_id:
        raise PermissionDenied("only the submitter edits an idea")
    if idea.status != IdeaStatus.PENDING:
        raise FailedPrecondition(IDEA_LOCKED, "only a pending idea can be edited", idea_id=idea.id,
                                 status=idea.status)


def require_tagger(idea: Idea, campaign: CampaignView, caller: Caller) -> None:
    if not (campaign.manages(caller) or idea.submitter_id == caller.user_id):
        raise PermissionDenied("only the submitter or a manager of the campaign tags an idea")


@dataclass(frozen=True)
class Decision:
    """An accept or reject in flight: recorded before its coin side runs, closed with the idea's status change."""

    id: int
    idea_id: str
    target: IdeaStatus
    actor_id: str
    reason: str
    request: RequestKey | None  # the client's request, answered once the decision is applied
    done: bool


@dataclass(frozen=True)
class IdeaStanding:
    idea_id: str
    coins: int
    backers: int


@dataclass(frozen=True)
class CampaignStanding:
    """The coin service's figures of a campaign's ideas, frozen once the campaign completed (`final`)."""

    final: bool
    completed_at: datetime | None  # set when final
    ideas: tuple[IdeaStanding, ...]
