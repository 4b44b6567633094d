"""In-memory stand-ins for every port of the idea handlers (services/idea/ports.py). `IdeaWorld` holds what the
database and the other services would: a test arranges it, calls a handler, and reads it back."""

from __future__ import annotations

import dataclasses
import difflib
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import Any, Self

from coins.v1.events_pb2 import Event
from services.common import idempotency
from services.common.concepts import CampaignRole, CampaignStatus, CampaignType, IdeaStatus
from services.common.idempotency import RequestKey
from services.idea import domain
from services.idea.domain import CampaignStanding, CampaignView, Decision, Idea, StatusChange, Submission, TagInfo
from services.idea.ports import CoinsRefused

START = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)


@dataclass
class FakeCampaign:
    campaign_id: str
    type: CampaignType = CampaignType.MEDIATED
    status: CampaignStatus = CampaignStatus.ACTIVE
    roles: dict[str, CampaignRole] = field(default_factory=dict)
    sponsors: set[str] = field(default_factory=set)  # users backing the campaign as sponsors
    tag_ids: set[str] = field(default_factory=set)
    tag_names: dict[str, str] = field(default_factory=dict)  # tag id -> name ("tag <id>" when not named here)
    hidden_from: set[str] = field(default_factory=set)  # users the campaign service would not show it to


@dataclass
class Stored:
    """What the idea schema holds: replaced wholesale when a unit of work rolls back."""

    ideas: dict[str, Idea] = field(default_factory=dict)
    decisions: dict[int, Decision] = field(default_factory=dict)
    decided_at: dict[int, datetime] = field(default_factory=dict)  # when each decision was recorded
    refusals: dict[int, str] = field(default_factory=dict)
    answers: dict[str, tuple[str, dict]] = field(default_factory=dict)  # request key -> (fingerprint, answer)
    events: dict[str, Event] = field(default_factory=dict)  # the outbox: event id -> event, in the order added
    name_versions: dict[str, int] = field(default_factory=dict)  # idea id -> its submitter name's version (0 absent)

    def copy(self) -> Stored:
        return Stored(*(dict(getattr(self, part.name)) for part in dataclasses.fields(self)))


class IdeaWorld:
    """The fakes' shared state, and the factory of unit of work the handlers take."""

    def __init__(self) -> None:
        self.stored = Stored()
        self.campaigns: dict[str, FakeCampaign] = {}
        self.names: dict[str, str] = {}
        self.request: RequestKey | None = None  # the request_id the current call carries, if any
        self.clock = START
        self.commits = 0
        self.rollbacks = 0
        self._decision_ids = itertools.count(1)

    def now(self) -> datetime:
        """Each read of the clock moves it on a second, so ideas submitted one after another keep their order."""
        self.clock += timedelta(seconds=1)
        return self.clock

    def next_decision_id(self) -> int:
        return next(self._decision_ids)

    def unit_of_work(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def events(self, kind: str = "") -> list[Event]:
        """The committed events (of one payload field, e.g. "idea_status_changed"), oldest first."""
        return [e for e in self.stored.events.values() if not kind or e.WhichOneof("payload") == kind]


class FakeIdeaRepository:
    def __init__(self, world: IdeaWorld):
        self._world = world

    @property
    def _ideas(self) -> dict[str, Idea]:
        return self._world.stored.ideas

    async def get(self, idea_id: str, *, lock: bool = False) -> Idea | None:
        return self._ideas.get(idea_id)

    async def many(self, idea_ids: list[str]) -> list[Idea]:
        return [self._ideas[i] for i in idea_ids if i in self._ideas]

    async def listing(self, campaign_id: str, *, statuses: tuple[IdeaStatus, ...] | None, own_user: str,
                      status: IdeaStatus | None, tag_id: str | None, submitter_id: str | None, context_id: str,
                      order: str, coin_totals: dict[str, int], offset: int, limit: int) -> list[Idea]:
        found = [i for i in self._ideas.values() if i.campaign_id == campaign_id
                 and (statuses is None or i.status in statuses or i.submitter_id == own_user)
                 and (not status or i.status == status) and (not tag_id or tag_id in i.tag_ids)
                 and (not submitter_id or i.submitter_id == submitter_id)
                 and (not context_id or i.context_id == context_id)]
        newest = sorted(found, key=lambda i: i.id)
        newest.sort(key=lambda i: i.submitted_at, reverse=True)
        if order == "title":
            ordered = sorted(found, key=lambda i: (i.title.lower(), i.id))
        elif order == "most_coins":
            ordered = sorted(newest, key=lambda i: -coin_totals.get(i.id, 0))
        else:
            ordered = newest
        return ordered[offset:offset + limit]

    async def in_campaign(self, campaign_id: str, after: tuple[datetime, str] | None, limit: int) -> list[Idea]:
        found = sorted((i for i in self._ideas.values() if i.campaign_id == campaign_id),
                       key=lambda i: (i.submitted_at, i.id))
        return [dataclasses.replace(i, history=()) for i in found
                if after is None or (i.submitted_at, i.id) > after][:limit]

    async def similar(self, campaign_id: str, title: str, statuses: tuple[IdeaStatus, ...], own_user: str,
                      threshold: float, limit: int) -> list[tuple[Idea, float]]:
        """Scores by difflib instead of PostgreSQL trigrams: the handler's part is which ideas are compared."""
        scored = [(i, difflib.SequenceMatcher(None, i.title.lower(), title.lower()).ratio())
                  for i in self._ideas.values()
                  if i.campaign_id == campaign_id and (i.status in statuses or i.submitter_id == own_user)]
        scored = [(i, s) for i, s in scored if s >= threshold]
        scored.sort(key=lambda pair: (-pair[1], pair[0].submitted_at))
        return scored[:limit]

    async def add(self, idea_id: str, campaign_id: str, submitter_id: str, submitter_name: str, status: IdeaStatus,
                  submission: Submission) -> Idea:
        now = self._world.now()
        idea = Idea(idea_id, campaign_id, submitter_id, submitter_name, submission.title, submission.description,
                    status, submission.context_id, submission.permalink_source, submission.tag_ids, now, None, None,
                    None, None, None, now)
        self._ideas[idea_id] = idea
        return idea

    async def edit(self, idea_id: str, title: str | None, description: str | None, at: datetime) -> Idea:
        idea = self._ideas[idea_id]
        self._ideas[idea_id] = dataclasses.replace(
            idea, title=idea.title if title is None else title,
            description=idea.description if description is None else description, updated_at=at)
        return self._ideas[idea_id]

    async def move(self, idea_id: str, landing: IdeaStatus, actor_id: str, reason: str, at: datetime) -> None:
        idea = self._ideas[idea_id]
        changes: dict[str, Any] = {"status": landing, "updated_at": at, domain.STAMPS[landing]: at,
                                   "history": (*idea.history, StatusChange(idea.status, landing, actor_id, reason, at))}
        self._ideas[idea_id] = dataclasses.replace(idea, **changes)

    async def add_tag(self, idea_id: str, tag_id: str) -> None:
        idea = self._ideas[idea_id]
        if tag_id not in idea.tag_ids:
            self._ideas[idea_id] = dataclasses.replace(idea, tag_ids=(*idea.tag_ids, tag_id))

    async def remove_tag(self, idea_id: str, tag_id: str) -> None:
        idea = self._ideas[idea_id]
        self._ideas[idea_id] = dataclasses.replace(idea, tag_ids=tuple(t for t in idea.tag_ids if t != tag_id))

    async def drop_tag_everywhere(self, campaign_id: str, tag_id: str) -> int:
        tagged = [i.id for i in self._ideas.values() if i.campaign_id == campaign_id and tag_id in i.tag_ids]
        for idea_id in tagged:
            await self.remove_tag(idea_id, tag_id)
        return len(tagged)

    async def open_decision(self, idea_id: str) -> Decision | None:
        return next((d for d in self._world.stored.decisions.values() if d.idea_id == idea_id and not d.done), None)

    async def add_decision(self, idea_id: str, target: IdeaStatus, actor_id: str, reason: str,
                           request: RequestKey | None) -> int:
        decision = Decision(self._world.next_decision_id(), idea_id, target, actor_id, reason, request, False)
        self._world.stored.decisions[decision.id] = decision
        self._world.stored.decided_at[decision.id] = datetime.now(timezone.utc)  # the handlers' sweeper clock
        return decision.id

    async def decision(self, decision_id: int, *, lock: bool = False) -> Decision | None:
        return self._world.stored.decisions.get(decision_id)

    async def close_decision(self, decision_id: int, at: datetime, refusal: str = "") -> None:
        stored = self._world.stored
        stored.decisions[decision_id] = dataclasses.replace(stored.decisions[decision_id], done=True)
        if refusal:
            stored.refusals[decision_id] = refusal

    async def stalled_decisions(self, older_than: datetime) -> list[int]:
        stored = self._world.stored
        return sorted(i for i, d in stored.decisions.items() if not d.done and stored.decided_at[i] <= older_than)

    async def rename_submitter(self, user_id: str, full_name: str, version: int) -> int:
        versions = self._world.stored.name_versions
        renamed = [i for i in self._ideas.values() if i.submitter_id == user_id and versions.get(i.id, 0) < version]
        for idea in renamed:
            self._ideas[idea.id] = dataclasses.replace(idea, submitter_name=full_name)
            versions[idea.id] = version
        return len(renamed)


class FakeRequests:
    def __init__(self, world: IdeaWorld):
        self._world = world

    def current(self) -> RequestKey | None:
        return self._world.request

    async def replay(self) -> dict | None:
        key = self._world.request
        if key is None or key.scoped not in self._world.stored.answers:
            return None
        fingerprint, answer = self._world.stored.answers[key.scoped]
        if fingerprint != key.fingerprint:
            raise idempotency.refuse_reuse(key.request_id)
        return answer

    async def remember(self, answer: dict, key: RequestKey | None = None) -> None:
        key = key or self._world.request
        if key is not None:
            self._world.stored.answers[key.scoped] = (key.fingerprint, answer)


class FakeEvents:
    """The outbox: events land in the stored state, so a rollback takes them back with the rest."""

    def __init__(self, world: IdeaWorld):
        self._world = world

    async def add(self, event: Event) -> None:
        if not event.source:
            event.source = "idea"
        assert event.source == "idea" and event.WhichOneof("payload"), event
        self._world.stored.events[event.event_id] = event


class FakeUnitOfWork:
    """Commits by keeping what the block changed; rolls back by restoring what was stored before it."""

    def __init__(self, world: IdeaWorld):
        self._world = world
        self.ideas = FakeIdeaRepository(world)
        self.requests = FakeRequests(world)
        self.events = FakeEvents(world)

    async def __aenter__(self) -> Self:
        self._before = self._world.stored.copy()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        if error is None:
            self._world.commits += 1
        else:
            self._world.stored = self._before
            self._world.rollbacks += 1


class FakeCampaignAccess:
    def __init__(self, world: IdeaWorld):
        self._world = world

    async def view(self, campaign_id: str, user_id: str) -> CampaignView:
        campaign = self._world.campaigns.get(campaign_id)
        if campaign is None:
            return CampaignView(campaign_id, CampaignType.OPEN, CampaignStatus.DRAFT, None, False, False, frozenset())
        return CampaignView(campaign_id, campaign.type, campaign.status, campaign.roles.get(user_id),
                            user_id in campaign.sponsors, user_id not in campaign.hidden_from,
                            frozenset(campaign.tag_ids),
                            tuple(TagInfo(t, campaign.tag_names.get(t, f"tag {t}")) for t in sorted(campaign.tag_ids)))


class FakeCoinMoves:
    """Records every move asked for; `refusing` makes the coin service refuse an idea's coins, `failing` makes it
    unreachable for the next call, and `meanwhile` runs once after the next move (another replica at work)."""

    def __init__(self) -> None:
        self.moves: list[tuple[str, ...]] = []
        self.coins: dict[str, int] = {}
        self.backers: dict[str, int] = {}
        self.final_at: datetime | None = None
        self.refusing: dict[str, str] = {}  # idea id -> the coin service's reason
        self.failing: Exception | None = None
        self.meanwhile: Callable[[], Awaitable[None]] | None = None

    async def _call(self, *move: str) -> None:
        if self.failing is not None:
            failure, self.failing = self.failing, None
            raise failure
        kind, idea_id = move[0], move[1]
        if kind in ("expend", "recycle") and idea_id in self.refusing:
            raise CoinsRefused(self.refusing[idea_id], "the coin service refused", {"idea_id": idea_id})
        self.moves.append(move)
        if self.meanwhile is not None:
            running, self.meanwhile = self.meanwhile, None
            await running()

    async def open_idea(self, campaign_id: str, idea_id: str, submitter_id: str) -> None:
        await self._call("open", idea_id, campaign_id, submitter_id)

    async def expend(self, idea_id: str, actor_id: str) -> None:
        await self._call("expend", idea_id, actor_id)

    async def recycle(self, idea_id: str, actor_id: str) -> None:
        await self._call("recycle", idea_id, actor_id)

    async def totals(self, campaign_id: str, idea_ids: list[str]) -> dict[str, int]:
        return {i: n for i, n in self.coins.items() if n and (not idea_ids or i in idea_ids)}

    async def standing(self, campaign_id: str) -> CampaignStanding:
        return CampaignStanding(self.final_at is not None, self.final_at, tuple(
            domain.IdeaStanding(i, n, self.backers.get(i, 0)) for i, n in self.coins.items()))


class FakeUserDirectory:
    def __init__(self, world: IdeaWorld):
        self._world = world

    async def names(self, user_ids: list[str]) -> dict[str, str]:
        return {i: self._world.names[i] for i in user_ids if i in self._world.names}
