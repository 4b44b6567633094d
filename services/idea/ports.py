"""What the idea handlers need from storage and from the other services, in the idea domain's terms. The adapters
are services/idea/repository.py (storage) and services/idea/adapters.py (the other services); main.py wires them,
and tests/unit/handlers/fakes_idea.py keeps them in memory."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from coins.v1.events_pb2 import Event
from services.common.concepts import IdeaStatus
from services.common.errors import FailedPrecondition
from services.common.idempotency import RequestKey
from services.idea.domain import CampaignStanding, CampaignView, Decision, Idea, Submission


class CoinsRefused(FailedPrecondition):
    """The coin service said no to an idea's coins (e.g. they were already expended): no retry changes that. The
    caller sees the coin service's reason, message and metadata."""

    def __init__(self, reason: str, message: str, metadata: Mapping[str, str]):
        super().__init__(reason, message)
        self.metadata = dict(metadata)


class CampaignAccess(Protocol):
    async def view(self, campaign_id: str, user_id: str) -> CampaignView:
        """The campaign as this user stands in it (visible or not)."""


class CoinMoves(Protocol):
    """The idea's side of the coin service. Every move is idempotent there, keyed by the idea, so repeating one
    after a crash or a retry moves nothing twice."""

    async def open_idea(self, campaign_id: str, idea_id: str, submitter_id: str) -> None:
        """Lets members place coins on a competing idea (and rewards its submitter, when the policy says so)."""

    async def expend(self, idea_id: str, actor_id: str) -> None:
        """Spends an accepted idea's coins. Raises CoinsRefused when the coin service refuses."""

    async def recycle(self, idea_id: str, actor_id: str) -> None:
        """Returns, burns or expires a rejected idea's coins. Raises CoinsRefused when the coin service refuses."""

    async def totals(self, campaign_id: str, idea_ids: list[str]) -> dict[str, int]:
        """Coins on each idea (every idea of the campaign holding any when `idea_ids` is empty)."""

    async def standing(self, campaign_id: str) -> CampaignStanding: ...


class UserDirectory(Protocol):
    async def names(self, user_ids: list[str]) -> dict[str, str]:
        """Full names by user id; unknown ids are left out."""


class IdeaRepository(Protocol):
    async def get(self, idea_id: str, *, lock: bool = False) -> Idea | None:
        """`lock` holds the idea until the unit of work ends."""

    async def many(self, idea_ids: list[str]) -> list[Idea]: ...

    async def listing(self, campaign_id: str, *, statuses: tuple[IdeaStatus, ...] | None, own_user: str,
                      status: IdeaStatus | None, tag_id: str | None, submitter_id: str | None, context_id: str,
                      order: str, coin_totals: dict[str, int], offset: int, limit: int) -> list[Idea]:
        """The campaign's ideas in `statuses` (all when None) plus `own_user`'s, filtered and in `order`
        (newest, title, or most_coins by `coin_totals`)."""

    async def in_campaign(self, campaign_id: str, after: tuple[datetime, str] | None, limit: int) -> list[Idea]:
        """Every idea of the campaign in any status, oldest first (submit time, then id), after the idea at `after`
        (its submit time and id); without status history."""

    async def similar(self, campaign_id: str, title: str, statuses: tuple[IdeaStatus, ...], own_user: str,
                      threshold: float, limit: int) -> list[tuple[Idea, float]]:
        """Ideas in `statuses` (or `own_user`'s) whose titles score at least `threshold`, closest first."""

    async def add(self, idea_id: str, campaign_id: str, submitter_id: str, submitter_name: str, status: IdeaStatus,
                  submission: Submission) -> Idea: ...

    async def edit(self, idea_id: str, title: str | None, description: str | None, at: datetime) -> Idea:
        """Changes what is given (None keeps it)."""

    async def move(self, idea_id: str, landing: IdeaStatus, actor_id: str, reason: str, at: datetime) -> None:
        """Sets the status, stamps the time it stands for (domain.STAMPS) and records the change."""

    async def add_tag(self, idea_id: str, tag_id: str) -> None: ...

    async def remove_tag(self, idea_id: str, tag_id: str) -> None: ...

    async def drop_tag_everywhere(self, campaign_id: str, tag_id: str) -> int:
        """Untags every idea of the campaign; the number of ideas changed."""

    async def open_decision(self, idea_id: str) -> Decision | None: ...

    async def add_decision(self, idea_id: str, target: IdeaStatus, actor_id: str, reason: str,
                           request: RequestKey | None) -> int:
        """Records a decision; its id. At most one is open per idea."""

    async def decision(self, decision_id: int, *, lock: bool = False) -> Decision | None: ...

    async def close_decision(self, decision_id: int, at: datetime, refusal: str = "") -> None:
        """Marks the decision done: applied, or dropped because the coin service refused (`refusal`)."""

    async def stalled_decisions(self, older_than: datetime) -> list[int]:
        """Open decisions recorded before `older_than`, oldest first."""

    async def rename_submitter(self, user_id: str, full_name: str, version: int) -> int:
        """Shows `full_name` on the user's ideas unless a rename at least as new (by `version`) is shown already;
        the number of ideas changed."""


class RequestStore(Protocol):
    """The service's stored answers to idempotent requests (services/common/idempotency.py)."""

    def current(self) -> RequestKey | None:
        """This call's request, when it carries a request_id."""

    async def replay(self) -> dict | None:
        """The first answer to this call's request, or None when it is new; refuses a reused id."""

    async def remember(self, answer: dict, key: RequestKey | None = None) -> None:
        """Stores the answer to this call's request (or to `key`, for work finished after the call)."""


class EventLog(Protocol):
    """The service's event outbox (services/common/events.py): an event added here leaves exactly when the unit of
    work commits, and never when it rolls back."""

    async def add(self, event: Event) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: committed when the `async with` block ends normally, rolled back otherwise."""

    @property
    def ideas(self) -> IdeaRepository: ...

    @property
    def requests(self) -> RequestStore: ...

    @property
    def events(self) -> EventLog: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
