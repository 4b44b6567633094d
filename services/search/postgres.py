"""The default backend: PostgreSQL full-text search over the read model itself (search.ideas.document, a weighted
tsvector with a GIN index, and search.ideas.head, the naming fields alone), typo tolerance from trigram similarity
against the index's own words.

A query becomes one tsquery: per word, its stem OR its near words (search.lexemes within `typo_edits`, found
through the trigram index, confirmed by Levenshtein distance) OR, for the last word, any word it begins; the words
joined by AND. One statement then finds the matches (visibility in its WHERE clause), counts the first ones by status
and tag, and returns the requested page with highlights: relevance in tiers, newest first within a tier (`tiers`),
so a common word's page costs a page of rows rather than a rank of every match."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Coroutine
from typing import Any

import sqlalchemy as sa

from services.common.concepts import IdeaStatus
from services.common.db import Database
from services.search import domain
from services.search.domain import Match, Matches, ReindexReport, Scope, SearchOrder, SearchQuery

_STEMS = sa.text("""
    SELECT w.ord, w.word, lexeme,
           CASE WHEN length(lexeme) < 4 THEN 0 WHEN length(lexeme) < 7 THEN 1 ELSE 2 END AS edits
    FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS w(word, ord)
    CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english'::regconfig, w.word))) AS lexeme
    ORDER BY w.ord""")

# One round trip sets the search's transaction up:
# - near-word candidates share trigrams with the stem (the GIN index finds them); Levenshtein keeps those within the
#   edits. One letter changed in the middle of a four-letter word leaves a trigram similarity of 0.25 ("bike",
#   "bake"): the threshold sits below it, so trigrams only narrow the candidates and the edit distance decides;
# - the plan must see the query's words: a tier of a common word is found by walking the newest ideas, of a rare
#   word through the text index, and a prepared statement's generic plan guesses 500 matches for every query;
# - parallel workers cost more to start (~15 ms on two cores) than the bounded scans take, and searches run side
#   by side anyway.
_SETTINGS = sa.text("""
    SELECT set_config('pg_trgm.similarity_threshold', '0.2', true),
           set_config('plan_cache_mode', 'force_custom_plan', true),
           set_config('max_parallel_workers_per_gather', '0', true)""")
# Stems no idea has and whether any indexed word begins with the last word as typed (a LIKE pattern: the trigram
# index serves it, where starts_with() would read every word).
_UNKNOWN_FORMS = sa.text("""
    SELECT ARRAY(SELECT s FROM unnest(CAST(:stems AS text[])) s
                 WHERE NOT EXISTS (SELECT 1 FROM search.lexemes l WHERE l.word = s)) AS stems,
           NOT EXISTS (SELECT 1 FROM search.lexemes l WHERE l.word LIKE :begins) AS prefix_unknown""")
_NEAR_WORDS = sa.text("""
    SELECT l.word FROM search.lexemes l
    WHERE l.word % :stem AND l.word <> :stem AND levenshtein_less_equal(l.word, :stem, :edits) <= :edits
    ORDER BY similarity(l.word, :stem) DESC LIMIT 16""")

_HEADLINE_TITLE = "StartSel=<mark>, StopSel=</mark>, HighlightAll=true"
_HEADLINE_DESCRIPTION = "StartSel=<mark>, StopSel=</mark>, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2"

_ORDER = {
    SearchOrder.RELEVANCE: "tier, submitted_at DESC, idea_id",
    SearchOrder.MOST_COINS: "coin_total DESC, submitted_at DESC, idea_id",
    SearchOrder.NEWEST: "submitted_at DESC, idea_id",
}

# Relevance is a tier (below), newest first within a tier. A tier's newest ideas come from walking the newest-first
# index until the page is full, and a tier is read only when those before it fall short of the page: a common word's
# best page costs a few rows, not a rank of each of its tens of thousands of matches (bench/README.md).
_TIER = """
tier{n} AS MATERIALIZED (
    SELECT i.idea_id, {n} AS tier, i.coin_total, i.submitted_at
    FROM search.ideas i WHERE {matches} AND {visible}{gate}
    ORDER BY submitted_at DESC, idea_id LIMIT :reach
)"""


def tiers(exact: str, full: str) -> list[str]:
    """What each relevance tier asks of an idea, best first: every word as typed (or another form of it) in the
    words that name the idea (title, tags, submitter's name), then anywhere; then with near misses of the words,
    named, then anywhere. Without near misses only the first two; without exact forms only the last two."""
    queries = (["CAST(:exact AS tsquery)"] if exact else []) + ([] if exact == full else ["CAST(:tsquery AS tsquery)"])
    return [f"i.{field} @@ {query}" for query in queries for field in ("head", "document")]


def tier_score(asks: list[str]) -> str:
    """A match's relevance score, in every order: its tier's, from 1 for the first down to 1/len(asks) for the last
    (every match is in one)."""
    return ("CASE " + " ".join(f"WHEN {ask} THEN {len(asks) - n}.0 / {len(asks)}" for n, ask in enumerate(asks))
            + " ELSE 0 END")


def ranked_page(visible: str, asks: list[str]) -> str:
    parts = []
    for n, ask in enumerate(asks):
        matches = " AND ".join([ask, *(f"NOT {earlier}" for earlier in asks[:n])])
        gate = "" if n == 0 else "\n      AND " + " + ".join(
            f"(SELECT count(*) FROM tier{m})" for m in range(n)) + " < :reach"
        parts.append(_TIER.format(n=n, matches=matches, visible=visible, gate=gate))
    union = "\n    UNION ALL ".join(f"SELECT * FROM tier{n}" for n in range(len(asks)))
    return ",".join(parts) + f""",
page AS MATERIALIZED (
    {union}
    ORDER BY {_ORDER[SearchOrder.RELEVANCE]} LIMIT :limit OFFSET :offset
)"""


# Other orders take the page from every match, keeping only its sort keys (a top-N sort).
_ORDERED_PAGE = """
page AS MATERIALIZED (
    SELECT i.idea_id, i.coin_total, i.submitted_at
    FROM search.ideas i WHERE i.document @@ CAST(:tsquery AS tsquery) AND {visible}
    ORDER BY {order} LIMIT :limit OFFSET :offset
)"""

# Counting and faceting look at the first count_limit + 1 matches found; the page's own rows are read last, for
# its highlights.
_SEARCH = """
WITH counted AS MATERIALIZED (
    SELECT i.status, i.tag_ids FROM search.ideas i WHERE i.document @@ CAST(:tsquery AS tsquery) AND {visible}
    LIMIT :count_limit + 1
), faceted AS (
    SELECT status, tag_ids FROM counted LIMIT :count_limit
), {page}
SELECT
    (SELECT count(*) FROM counted) AS total,
    (SELECT coalesce(json_object_agg(status, n), '{{}}')
     FROM (SELECT status, count(*) AS n FROM faceted GROUP BY status) s) AS statuses,
    (SELECT coalesce(json_object_agg(tag_id, n), '{{}}')
     FROM (SELECT unnest(tag_ids) AS tag_id, count(*) AS n FROM faceted GROUP BY 1
           ORDER BY n DESC, tag_id LIMIT {facet_tags}) t) AS tags,
    (SELECT coalesce(json_agg(json_build_array(
                p.idea_id, {score},
                ts_headline('english', i.title, CAST(:marked AS tsquery), '{title_options}'),
                CASE WHEN to_tsvector('english', i.description) @@ CAST(:marked AS tsquery)
                     THEN ts_headline('english', i.description, CAST(:marked AS tsquery), '{description_options}')
                     ELSE '' END) ORDER BY p.position), '[]')
     FROM (SELECT page.*, row_number() OVER (ORDER BY {order}) AS position FROM page) p
     JOIN search.ideas i ON i.idea_id = p.idea_id) AS hits
"""


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsqueries(stems: list[tuple[int, str, str, list[str]]], last_word: int,
              unknown: frozenset[str] = frozenset()) -> tuple[str, str, str] | None:
    """(the full query, the exact query, the highlight query): per word, its alternatives OR-ed, the words AND-ed.
    `stems` holds (word position, word as typed, stem, near words); the exact query ranks ideas with the very words
    above near misses; the highlight query marks any of the alternatives, wherever they are. The last word may be
    unfinished: it also begins words as typed, since its stem may not ("recy" stems to "reci"), and a stem taken as
    a prefix would reach too far ("works" stems to "work", which begins "workplace").
    Forms in `unknown` (a stem no idea has, a prefix no indexed word begins with: `_UNKNOWN_FORMS`) are left out,
    since the planner cannot tell that they match nothing. None when a word keeps no alternative, so that nothing
    can match; an empty exact query when only near misses can."""
    full: list[str] = []
    exact: list[str] = []
    for position, word, stem, near in stems:
        completes = position == last_word and len(word) >= domain.PREFIX_MIN and prefix(word) not in unknown
        # A stem the word as typed begins is one of its completions already: one index lookup fewer.
        forms = [] if stem in unknown or (completes and stem.startswith(word)) else [_lexeme(stem)]
        if completes:
            forms.append(_lexeme(word) + ":*")
        if not forms and not near:
            return None
        full.append("(" + " | ".join([*forms, *(_lexeme(w) for w in near)]) + ")")
        exact.append("(" + " | ".join(forms) + ")" if forms else "")
    return " & ".join(full), "" if "" in exact else " & ".join(exact), " | ".join(full)


def prefix(word: str) -> str:
    """How `unknown` names a prefix form."""
    return word + "*"


def _visible(scope: Scope, params: dict[str, Any]) -> str:
    """domain.Scope as a condition, written for this caller only: a clause that cannot hold for them (an empty
    campaign list, say) is left out rather than handed to the planner, which would plan an index scan for it."""
    if scope.admin:
        return "true"
    sees_campaign = ["i.campaign_listed"]
    if scope.member_of:
        sees_campaign.append("i.campaign_id = ANY(CAST(:member_of AS text[]))")
        params["member_of"] = sorted(scope.member_of)
    sees_idea = ["i.status = ANY(CAST(:public AS text[]))"]
    params["public"] = [s.value for s in domain.PUBLIC_STATUSES]
    if scope.user_id:  # an anonymous caller owns nothing
        sees_idea.append("i.submitter_id = CAST(:user_id AS uuid)")
        params["user_id"] = scope.user_id
    visible = f"({' OR '.join(sees_campaign)}) AND ({' OR '.join(sees_idea)})"
    if scope.reads_all:
        params["reads_all"] = sorted(scope.reads_all)
        visible = f"(i.campaign_id = ANY(CAST(:reads_all AS text[])) OR ({visible}))"
    return visible


def _filters(query: SearchQuery, params: dict[str, Any]) -> str:
    """The query's filters, and the read model's rule that a row without its idea yet (coins that came first) is
    no match."""
    clauses = ["i.idea_version > 0"]
    if query.campaign_id:
        clauses.append("i.campaign_id = :campaign_id")
        params["campaign_id"] = query.campaign_id
    if query.status is not None:
        clauses.append("i.status = :status")
        params["status"] = query.status.value
    if query.tag_id:
        clauses.append("i.tag_ids @> ARRAY[CAST(:tag_id AS uuid)]")
        params["tag_id"] = query.tag_id
    if query.context_id:
        clauses.append("i.context_id = :context_id")
        params["context_id"] = query.context_id
    if query.submitter_id:
        clauses.append("i.submitter_id = CAST(:submitter_id AS uuid)")
        params["submitter_id"] = query.submitter_id
    if query.submitted_after:
        clauses.append("i.submitted_at >= :submitted_after")
        params["submitted_after"] = query.submitted_after
    if query.submitted_before:
        clauses.append("i.submitted_at < :submitted_before")
        params["submitted_before"] = query.submitted_before
    return " AND ".join(clauses)


class PostgresBackend:
    name = "postgres"

    def __init__(self, database: Database, count_limit: int = domain.COUNT_LIMIT):
        self._database = database
        self._count_limit = count_limit

    async def search(self, query: SearchQuery, scope: Scope) -> Matches:
        async with self._database.unit_of_work() as session:
            rows = (await session.execute(_STEMS, {"words": list(query.words)})).all()
            if not rows:
                return Matches([], 0)
            stems = []
            await session.execute(_SETTINGS)
            for position, word, stem, edits in rows:
                near = [] if edits == 0 else list(
                    (await session.execute(_NEAR_WORDS, {"stem": stem, "edits": edits})).scalars())
                stems.append((position, word, stem, near))
            last = query.words[-1]
            begins = last.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            found = (await session.execute(_UNKNOWN_FORMS, {"stems": [stem for _, _, stem, _ in stems],
                                                            "begins": begins})).one()
            unknown = frozenset([*found.stems, *([prefix(last)] if found.prefix_unknown else [])])
            written = tsqueries(stems, last_word=len(query.words), unknown=unknown)
            if written is None:
                return Matches([], 0)
            full, exact, marked = written
            params: dict[str, Any] = {
                "tsquery": full, "exact": exact, "marked": marked, "limit": query.limit, "offset": query.offset,
                "reach": query.offset + query.limit, "count_limit": self._count_limit}
            visible = f"{_filters(query, params)} AND {_visible(scope, params)}"
            asks = tiers(exact, full)
            page = (ranked_page(visible, asks) if query.order == SearchOrder.RELEVANCE
                    else _ORDERED_PAGE.format(visible=visible, order=_ORDER[query.order]))
            statement = _SEARCH.format(visible=visible, page=page, score=tier_score(asks),
                                       order=_ORDER[query.order], facet_tags=domain.FACET_TAGS,
                                       title_options=_HEADLINE_TITLE, description_options=_HEADLINE_DESCRIPTION)
            row = (await session.execute(sa.text(statement), params)).one()
        statuses, tags, hits = (json.loads(v) if isinstance(v, str) else v for v in (row.statuses, row.tags, row.hits))
        return Matches(
            matches=[Match(str(idea_id), float(score), title, text) for idea_id, score, title, text in hits],
            total=min(int(row.total), self._count_limit), capped=int(row.total) > self._count_limit,
            status_counts={IdeaStatus(s): int(n) for s, n in statuses.items()},
            tag_counts={str(t): int(n) for t, n in tags.items()})

    async def reindex(self) -> ReindexReport:
        """Rebuilds the text indexes without blocking searches or writes (REINDEX CONCURRENTLY)."""
        started = time.monotonic()
        async with self._database.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            for index in ("ix_ideas_document", "ix_ideas_head", "ix_lexemes_word_trgm"):
                await autocommit.execute(sa.text(f"REINDEX INDEX CONCURRENTLY search.{index}"))
            count = (await autocommit.execute(sa.text(
                "SELECT count(*) FROM search.ideas WHERE idea_version > 0"))).scalar_one()
        return ReindexReport("search.ideas", int(count), time.monotonic() - started)

    def background(self) -> list[Callable[[], Coroutine[Any, Any, None]]]:
        return []

    async def health(self) -> dict[str, Any]:
        return {"backend": self.name}

    async def close(self) -> None:
        return None
