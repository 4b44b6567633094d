"""The search service's rules: what a query means and who sees which idea. Plain values; both backends (PostgreSQL
and OpenSearch) implement exactly these meanings.

A query is a list of words. An idea matches when every word matches one of its words (in the title, description,
tag names or submitter name), where a word matches:
- the same word in another form (English stemming: "bikes" finds "bike", "recycling" finds "recycled");
- a word within a small edit distance (`typo_edits`: none for words under 4 letters, one up to 6, two beyond), the
  way the similar-ideas check forgives typos;
- and, for the last word only, any word it begins ("recyc" finds "recycling"): search as you type.
Word order never matters. Words that carry no meaning alone (English stop words: "the", "of") are dropped; a query
of stop words only matches nothing.

Relevance weighs the words more in the title than in the description; beyond that each backend ranks its own way:
PostgreSQL in tiers (the words as typed before near misses, in the title, tags or submitter's name before anywhere),
newest first within a tier (postgres.py); OpenSearch by BM25 scores with the title and tags boosted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.common.concepts import CampaignRole, CampaignStatus, CampaignType, IdeaStatus
from services.common.errors import InvalidArgument

# What anyone who sees a campaign sees; pending and rejected ideas only their submitter and those who read
# everything in the campaign (its managers, its sponsors, admins). The rules of ListIdeas.
PUBLIC_STATUSES = (IdeaStatus.COMPETING, IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.COMPLETE)

QUERY_MAX = 200
MAX_WORDS = 8  # more words only narrow a match that is already narrow, at a cost per word
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Both backends page by offset; OpenSearch refuses to look past 10,000 hits by default and so do we, on both.
MAX_OFFSET = 10_000 - MAX_PAGE_SIZE
# Matches are counted and faceted exactly up to this many; a broader query says "more than this many" (AIP-158 lets
# total_size be an estimate), its facets counting the first matches found. Counting every match of a common word in
# a large campaign costs more than finding and ranking its best page (bench/README.md, "Search benchmark").
COUNT_LIMIT = 1_000
PREFIX_MIN = 2  # a one-letter last word would match half the index
FACET_TAGS = 100  # the most frequent tags a tag facet lists

MARK_START, MARK_END = "<mark>", "</mark>"

_WORD = re.compile(r"\w+", re.UNICODE)


class SearchOrder(StrEnum):
    RELEVANCE = "relevance"
    MOST_COINS = "most_coins"
    NEWEST = "newest"


def words(query: str) -> tuple[str, ...]:
    """The query's words, lower-cased, in order; punctuation separates words and is otherwise ignored."""
    if len(query) > QUERY_MAX:
        raise InvalidArgument("query", f"query must be at most {QUERY_MAX} characters")
    found = tuple(word.lower() for word in _WORD.findall(query) if word != "_")
    if not found:
        raise InvalidArgument("query", "query must contain at least one word")
    return found[:MAX_WORDS]


def typo_edits(token: str) -> int:
    """How many edits a word (as indexed: stemmed) may be away from a query word and still match it. OpenSearch's
    `fuzziness: AUTO:4,7` states the same rule."""
    if len(token) < 4:
        return 0
    return 1 if len(token) < 7 else 2


def campaign_listed(campaign_type: CampaignType, status: CampaignStatus) -> bool:
    """Whether strangers see the campaign: open and mediated ones once they run; drafts and closed ones never."""
    return status != CampaignStatus.DRAFT and campaign_type in (CampaignType.OPEN, CampaignType.MEDIATED)


@dataclass(frozen=True)
class CampaignPart:
    """A user's part in one campaign, as the campaign service states it."""

    campaign_id: str
    role: CampaignRole | None
    sponsor: bool


@dataclass(frozen=True)
class Scope:
    """What one caller may find. An idea is visible when the caller is an admin, or reads everything in its
    campaign, or (sees the campaign: member, sponsor, or the campaign is listed) and (the idea is public or its
    own). Backends state this in their query, so totals, facets and pages count only what the caller may see."""

    user_id: str
    admin: bool = False
    # Campaigns where the caller has a part (any role, or sponsorship): visible even when not listed.
    member_of: frozenset[str] = frozenset()
    # Campaigns where the caller sees every idea: those it manages or sponsors (with the system sponsor role).
    reads_all: frozenset[str] = frozenset()

    @classmethod
    def of(cls, user_id: str, admin: bool, sponsor_role: bool, parts: list[CampaignPart]) -> Scope:
        return cls(
            user_id=user_id, admin=admin,
            member_of=frozenset(p.campaign_id for p in parts if p.role is not None or (p.sponsor and sponsor_role)),
            reads_all=frozenset(p.campaign_id for p in parts
                                if p.role == CampaignRole.MANAGER or (p.sponsor and sponsor_role)))

    def sees_campaign(self, campaign_id: str, listed: bool) -> bool:
        return self.admin or listed or campaign_id in self.member_of


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...]
    campaign_id: str = ""
    status: IdeaStatus | None = None
    tag_id: str = ""
    context_id: str = ""
    submitter_id: str = ""
    submitted_after: datetime | None = None
    submitted_before: datetime | None = None
    order: SearchOrder = SearchOrder.RELEVANCE
    offset: int = 0
    limit: int = DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class Match:
    """One hit as a backend finds it; the handler loads the idea itself from the read model."""

    idea_id: str
    score: float
    title_highlight: str
    description_highlight: str


@dataclass
class Matches:
    """A page of matches with the totals and facets of the whole query. When more than the backend's count limit
    match, `capped` is set: `total` is the limit and the facets count the first matches found (lower bounds)."""

    matches: list[Match]
    total: int
    status_counts: dict[IdeaStatus, int] = field(default_factory=dict)
    tag_counts: dict[str, int] = field(default_factory=dict)
    capped: bool = False


@dataclass(frozen=True)
class SearchDocument:
    """An idea as the index holds it. `revision` grows with every change of the read-model row: an index keeps
    the document of the highest revision it was given."""

    idea_id: str
    revision: int
    campaign_id: str
    campaign_listed: bool
    submitter_id: str
    submitter_name: str
    title: str
    description: str
    status: IdeaStatus
    context_id: str
    tag_ids: tuple[str, ...]
    tag_names: tuple[str, ...]
    coin_total: int
    submitted_at: datetime


@dataclass(frozen=True)
class ReindexReport:
    index: str
    document_count: int
    seconds: float
