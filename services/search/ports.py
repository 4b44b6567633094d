"""What the search handlers need from the world: a backend that answers queries, the caller's parts in campaigns,
and the owners' data for a rebuild. postgres.py, opensearch.py and adapters.py implement them; tests pass fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from coins.v1 import resources_pb2 as res
from services.search.domain import CampaignPart, Matches, ReindexReport, Scope, SearchQuery


class SearchBackend(Protocol):
    """One way of answering queries over the read model. Both backends give the same hits for the same data, the
    same visibility and the same paging (tests/integration/test_search_contract.py)."""

    name: str

    async def search(self, query: SearchQuery, scope: Scope) -> Matches:
        """The matches the scope may see, filtered, ordered and paged as the query says, with totals and facets
        over every match (not just the page)."""
        ...

    async def reindex(self) -> ReindexReport:
        """Builds the index afresh from the read model and swaps it in; queries keep being answered meanwhile."""
        ...

    def background(self) -> list[Callable[[], Coroutine[Any, Any, None]]]:
        """Tasks the backend runs for as long as the service does (OpenSearch: taking queued documents)."""
        ...

    async def health(self) -> dict[str, Any]:
        """Details for /healthz (how far the index is behind the read model, say)."""
        ...

    async def close(self) -> None: ...


class CampaignParts(Protocol):
    async def parts(self, user_id: str) -> list[CampaignPart]:
        """Every campaign the user has a part in (a role or sponsorship)."""
        ...


@dataclass(frozen=True)
class OwnedCampaign:
    campaign: res.Campaign
    tags: list[res.Tag]


class Owners(Protocol):
    """The owning services, read in full for a rebuild."""

    def campaigns(self) -> AsyncIterator[OwnedCampaign]: ...

    def ideas(self, campaign_id: str) -> AsyncIterator[list[res.Idea]]:
        """Pages of the campaign's ideas, every status."""
        ...

    async def coin_totals(self, campaign_id: str) -> dict[str, int]:
        """idea id → coins on it, for the campaign's ideas with coins."""
        ...

    async def names(self, user_ids: list[str]) -> dict[str, str]: ...
