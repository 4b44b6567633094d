"""The default backend: PostgreSQL full-text search over the read model itself (search.ideas.document, a weighted
tsvector with a GIN index), typo tolerance from trigram similarity against the index's own words.

A query becomes one tsquery: per word, its stem OR its near words (search.lexemes within `typo_edits`, found
through the trigram index, confirmed by Levenshtein distance) OR, for the last word, any word it begins; the words
joined by AND. One statement then finds the matches (visibility in its WHERE clause), counts them by status and
tag, and returns the requested page with highlights, so totals, facets and pages always agree."""

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

# Candidates share trigrams with the stem (the GIN index finds them); Levenshtein keeps those within the edits.
# One letter changed in the middle of a four-letter word leaves a trigram similarity of 0.25 ("bike", "bake"):
# the threshold sits below it, so trigrams only narrow the candidates and the edit distance decides.
_SIMILAR_ENOUGH = sa.text("SET LOCAL pg_trgm.similarity_threshold = 0.2")
_NEAR_WORDS = sa.text("""
    SELECT l.word FROM search.lexemes l
    WHERE l.word % :stem AND l.word <> :stem AND levenshtein_less_equal(l.word, :stem, :edits) <= :edits
    ORDER BY similarity(l.word, :stem) DESC LIMIT 16""")

_HEADLINE_TITLE = "StartSel=<mark>, StopSel=</mark>, HighlightAll=true"
_HEADLINE_DESCRIPTION = "StartSel=<mark>, StopSel=</mark>, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2"

_ORDER = {
    SearchOrder.RELEVANCE: "score DESC, submitted_at DESC, idea_id",
    SearchOrder.MOST_COINS: "coin_total DESC, submitted_at DESC, idea_id",
    SearchOrder.NEWEST: "submitted_at DESC, idea_id",
}

_SEARCH = """
WITH matched AS MATERIALIZED (
    SELECT i.idea_id, i.status, i.tag_ids, i.coin_total, i.submitted_at,
           ts_rank(i.document, CAST(:exact AS tsquery)) * 2 + ts_rank(i.document, CAST(:tsquery AS tsquery)) AS score
    FROM search.ideas i
    WHERE i.document @@ CAST(:tsquery AS tsquery) AND i.idea_version > 0 AND {filters}
      AND (:admin OR i.campaign_id = ANY(CAST(:reads_all AS text[]))
           OR ((i.campaign_listed OR i.campaign_id = ANY(CAST(:member_of AS text[])))
               AND (i.status = ANY(CAST(:public AS text[])) OR i.submitter_id = CAST(:user_id AS uuid))))
), page AS (
    SELECT idea_id, score, row_number() OVER (ORDER BY {order}) AS position
    FROM matched ORDER BY {order} LIMIT :limit OFFSET :offset
)
SELECT
    (SELECT count(*) FROM matched) AS total,
    (SELECT coalesce(json_object_agg(status, n), '{{}}')
     FROM (SELECT status, count(*) AS n FROM matched GROUP BY status) s) AS statuses,
    (SELECT coalesce(json_object_agg(tag_id, n), '{{}}')
     FROM (SELECT unnest(tag_ids) AS tag_id, count(*) AS n FROM matched GROUP BY 1
           ORDER BY n DESC, tag_id LIMIT {facet_tags}) t) AS tags,
    (SELECT coalesce(json_agg(json_build_array(
                p.idea_id, p.score,
                ts_headline('english', i.title, CAST(:marked AS tsquery), '{title_options}'),
                CASE WHEN to_tsvector('english', i.description) @@ CAST(:marked AS tsquery)
                     THEN ts_headline('english', i.description, CAST(:marked AS tsquery), '{description_options}')
                     ELSE '' END) ORDER BY p.position), '[]')
     FROM page p JOIN search.ideas i ON i.idea_id = p.idea_id) AS hits
"""


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsqueries(stems: list[tuple[int, str, str, list[str]]], last_word: int) -> tuple[str, str, str]:
    """(the full query, the exact query, the highlight query): per word, its alternatives OR-ed, the words AND-ed.
    `stems` holds (word position, word as typed, stem, near words); the exact query ranks ideas with the very words
    above near misses; the highlight query marks any of the alternatives, wherever they are. The last word may be
    unfinished: it also begins words as typed, since its stem may not ("recy" stems to "reci"), and a stem taken as
    a prefix would reach too far ("works" stems to "work", which begins "workplace")."""
    full: list[str] = []
    exact: list[str] = []
    for position, word, stem, near in stems:
        forms = [_lexeme(stem)]
        if position == last_word and len(word) >= domain.PREFIX_MIN:
            forms.append(_lexeme(word) + ":*")
        full.append("(" + " | ".join([*forms, *(_lexeme(w) for w in near)]) + ")")
        exact.append(forms[0] if len(forms) == 1 else "(" + " | ".join(forms) + ")")
    return " & ".join(full), " & ".join(exact), " | ".join(full)


def _filters(query: SearchQuery, params: dict[str, Any]) -> str:
    clauses = ["true"]
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

    def __init__(self, database: Database):
        self._database = database

    async def search(self, query: SearchQuery, scope: Scope) -> Matches:
        async with self._database.unit_of_work() as session:
            rows = (await session.execute(_STEMS, {"words": list(query.words)})).all()
            if not rows:
                return Matches([], 0)
            stems = []
            await session.execute(_SIMILAR_ENOUGH)
            for position, word, stem, edits in rows:
                near = [] if edits == 0 else list(
                    (await session.execute(_NEAR_WORDS, {"stem": stem, "edits": edits})).scalars())
                stems.append((position, word, stem, near))
            full, exact, marked = tsqueries(stems, last_word=len(query.words))
            params: dict[str, Any] = {
                "tsquery": full, "exact": exact, "marked": marked, "admin": scope.admin,
                "reads_all": sorted(scope.reads_all), "member_of": sorted(scope.member_of),
                "public": [s.value for s in domain.PUBLIC_STATUSES], "user_id": scope.user_id or None,
                "limit": query.limit, "offset": query.offset}
            statement = _SEARCH.format(filters=_filters(query, params), order=_ORDER[query.order],
                                       facet_tags=domain.FACET_TAGS,
                                       title_options=_HEADLINE_TITLE, description_options=_HEADLINE_DESCRIPTION)
            row = (await session.execute(sa.text(statement), params)).one()
        statuses, tags, hits = (json.loads(v) if isinstance(v, str) else v for v in (row.statuses, row.tags, row.hits))
        return Matches(
            matches=[Match(str(idea_id), float(score), title, text) for idea_id, score, title, text in hits],
            total=int(row.total), status_counts={IdeaStatus(s): int(n) for s, n in statuses.items()},
            tag_counts={str(t): int(n) for t, n in tags.items()})

    async def reindex(self) -> ReindexReport:
        """Rebuilds the text indexes without blocking searches or writes (REINDEX CONCURRENTLY)."""
        started = time.monotonic()
        async with self._database.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            for index in ("ix_ideas_document", "ix_lexemes_word_trgm"):
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
