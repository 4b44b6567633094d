"""The scale backend: OpenSearch, fed from the read model (repository.py), never from events directly.

Ideas whose document changed wait in search.pending; the projector claims them in batches and bulk-indexes them
with their read-model revision as an external version, so an older document never overwrites a newer one however
batches race, retry or replay. A claim commits only after OpenSearch took the batch: an outage loses nothing, the
projector backs off and catches up.

Queries go to an alias over one versioned index (`<alias>-v<epoch ms>`): `reindex()` fills a new index from the read
model and swaps the alias in one step, so searches never see a half-built index. Every index takes its settings
and mappings from one index template. A query means what domain.py says; this module states it in OpenSearch's
words (fuzziness AUTO:4,7 is domain.typo_edits; an edge-n-gram sub-field serves the prefix of the last word)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime, timezone
from typing import Any

from opensearchpy import AsyncOpenSearch
from opensearchpy.exceptions import HTTP_EXCEPTIONS, NotFoundError, RequestError, TransportError
from opensearchpy.exceptions import ConnectionError as TransportConnectionError
from prometheus_client import Gauge

from services.common.concepts import IdeaStatus
from services.common.errors import Unavailable
from services.search import domain
from services.search.domain import Match, Matches, ReindexReport, Scope, SearchDocument, SearchOrder, SearchQuery
from services.search.repository import ReadModel

log = logging.getLogger("coins.search")

INDEX_LAG = Gauge("coins_search_index_lag_seconds", "Seconds the oldest idea change has waited for the index")

FUZZINESS = "AUTO:4,7"  # domain.typo_edits: none under 4 letters, one up to 6, two beyond
SEARCH_TIMEOUT_S = 5.0
WRITE_TIMEOUT_S = 30.0
# How soon an indexed change is searchable: half of OpenSearch's default second, for the index lag target (2 s p95
# on two shared cores, bench-search). A refresh with nothing new costs nothing; one with changes writes one small
# segment more, which the merges fold in.
REFRESH_INTERVAL = "500ms"
# Lucene's merge-on-refresh, which OpenSearch turns on with a 10 s wait: a refresh that finds enough small segments
# merges them before it shows anything. Under a steady stream of edits one such merge took 2 s on two busy cores and
# held every change behind it (index lag 2.5-3 s, bench-search). Off, the merge policy folds the same segments in
# the background and a refresh only writes. A shard reads it when it opens: a live index takes it at its next open.
MERGE_ON_REFRESH = False
# The settings a live index may change: every start puts them on the index behind the alias, as the code says.
LIVE_SETTINGS: dict[str, Any] = {"refresh_interval": REFRESH_INTERVAL, "merge_on_flush.enabled": MERGE_ON_REFRESH}
BACKOFF_START_S, BACKOFF_MAX_S = 1.0, 10.0
DESCRIPTION_FRAGMENTS = " ... "  # how ts_headline joins fragments: both backends answer alike
# The relevance order's page is found among the best matches by score: twice as many as it needs (at least this
# many more) tell whether a tie at its end goes on. Deeper pages (beyond offset ~1,000) are sorted over every match
# instead: thousands of candidates cost more than they save.
CANDIDATES_MARGIN = 20
CANDIDATES_MAX = 2_000
PAGE_FROM_CANDIDATES_MAX = 100  # up to this many candidates also bring titles and highlights: first pages
# Queries of more words than this (stop words aside) match few ideas: one request (whole_body) answers them faster
# than the bounded requests, whose fixed costs (each expands the fuzzy words anew) outweigh what they skip.
BROAD_WORDS = 1

# PostgreSQL's english stop words (tsearch_data/english.stop), so that both backends drop the same words.
STOP_WORDS = (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself "
    "it its itself they them their theirs themselves what which who whom this that these those am is are was were "
    "be been being have has had having do does did doing a an the and but if or because as until while of at by for "
    "with about against between into through during before after above below to from up down in out on off over "
    "under again further then once here there when where why how all any both each few more most other some such no "
    "nor not only own same so than too very s t can will just don should now").split()

_TEXT = {"type": "text", "analyzer": "coins_english", "copy_to": "all_text"}

# Snowball English is PostgreSQL's english stemmer too; stop words leave the prefix field as well, so that "th"
# finds "theatre" but not every idea with a "the".
INDEX_SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,  # one shard: exact facet counts and one set of term statistics for ranking
    "auto_expand_replicas": "0-1",
    **LIVE_SETTINGS,
    "analysis": {
        "filter": {
            "coins_english_stop": {"type": "stop", "stopwords": STOP_WORDS},
            "coins_english_stemmer": {"type": "snowball", "language": "English"},
            "coins_prefix": {"type": "edge_ngram", "min_gram": domain.PREFIX_MIN, "max_gram": 20},
        },
        "analyzer": {
            "coins_english": {"type": "custom", "tokenizer": "standard",
                              "filter": ["lowercase", "asciifolding", "coins_english_stop", "coins_english_stemmer"]},
            "coins_prefix_index": {"type": "custom", "tokenizer": "standard",
                                   "filter": ["lowercase", "asciifolding", "coins_english_stop", "coins_prefix"]},
            "coins_prefix_search": {"type": "custom", "tokenizer": "standard",
                                    "filter": ["lowercase", "asciifolding"]},
        },
    },
}

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        **{name: {"type": "keyword"} for name in
           ("idea_id", "campaign_id", "submitter_id", "status", "context_id", "tag_ids")},
        "campaign_listed": {"type": "boolean"},
        "coin_total": {"type": "long"},
        # Nanoseconds: PostgreSQL keeps microseconds, and filters and the newest-first order must agree with it.
        "submitted_at": {"type": "date_nanos"},
        "revision": {"type": "long"},
        **{name: _TEXT for name in ("title", "description", "tag_names", "submitter_name")},
        "all_text": {"type": "text", "analyzer": "coins_english", "fields": {"prefix": {
            "type": "text", "analyzer": "coins_prefix_index", "search_analyzer": "coins_prefix_search"}}},
    },
}

_SORT: dict[SearchOrder, list[dict[str, Any]]] = {
    # PostgreSQL sorts a missing submitted_at first in a descending order; so do we.
    SearchOrder.RELEVANCE: [{"_score": "desc"}, {"submitted_at": {"order": "desc", "missing": "_first"}},
                            {"idea_id": "asc"}],
    SearchOrder.MOST_COINS: [{"coin_total": "desc"}, {"submitted_at": {"order": "desc", "missing": "_first"}},
                             {"idea_id": "asc"}],
    SearchOrder.NEWEST: [{"submitted_at": {"order": "desc", "missing": "_first"}}, {"idea_id": "asc"}],
}


def _fuzzy(field: str, text: str, **options: Any) -> dict[str, Any]:
    # No transpositions: PostgreSQL's Levenshtein distance counts a swap of two letters as two edits.
    return {"match": {field: {"query": text, "fuzziness": FUZZINESS, "fuzzy_transpositions": False, **options}}}


def completes(words: Sequence[str]) -> bool:
    """Whether the last word also matches the words it begins: from PREFIX_MIN letters, and never a stop word
    (PostgreSQL drops it before it could complete anything)."""
    return len(words[-1]) >= domain.PREFIX_MIN and words[-1] not in STOP_WORDS


def _prefix(word: str) -> dict[str, Any]:
    return {"match": {"all_text.prefix": {"query": word, "operator": "and"}}}


def word_clauses(words: Sequence[str]) -> list[dict[str, Any]]:
    """One required clause per word: the word in any form or within its typo distance; the last word may also be
    the beginning of a word. A stop word matches everything (it is dropped, as PostgreSQL drops it)."""
    clauses = [_fuzzy("all_text", word, operator="and", zero_terms_query="all") for word in words]
    if completes(words):
        clauses[-1] = {"bool": {"should": [clauses[-1], _prefix(words[-1])], "minimum_should_match": 1}}
    return clauses


def visibility(scope: Scope) -> list[dict[str, Any]]:
    """domain.Scope as filters: an admin sees everything; others what they read in full, or the public and own
    ideas of the campaigns they see."""
    if scope.admin:
        return []
    may_see_idea: list[dict[str, Any]] = [{"terms": {"status": [s.value for s in domain.PUBLIC_STATUSES]}}]
    if scope.user_id:  # an anonymous caller owns nothing (and ideas without a submitter are nobody's)
        may_see_idea.append({"term": {"submitter_id": scope.user_id}})
    sees_campaign: list[dict[str, Any]] = [{"term": {"campaign_listed": True}}]
    if scope.member_of:
        sees_campaign.append({"terms": {"campaign_id": sorted(scope.member_of)}})
    visible: dict[str, Any] = {"bool": {"filter": [
        {"bool": {"should": sees_campaign, "minimum_should_match": 1}},
        {"bool": {"should": may_see_idea, "minimum_should_match": 1}}]}}
    if scope.reads_all:
        visible = {"bool": {"should": [{"terms": {"campaign_id": sorted(scope.reads_all)}}, visible],
                            "minimum_should_match": 1}}
    return [visible]


def filters(query: SearchQuery) -> list[dict[str, Any]]:
    """The query's filters, as postgres.py `_filters` states them (the time range includes its start only)."""
    clauses: list[dict[str, Any]] = []
    for field, value in (("campaign_id", query.campaign_id), ("status", query.status.value if query.status else ""),
                         ("tag_ids", query.tag_id), ("context_id", query.context_id),
                         ("submitter_id", query.submitter_id)):
        if value:
            clauses.append({"term": {field: value}})
    submitted: dict[str, str] = {}
    if query.submitted_after:
        submitted["gte"] = query.submitted_after.isoformat()
    if query.submitted_before:
        submitted["lt"] = query.submitted_before.isoformat()
    if submitted:
        clauses.append({"range": {"submitted_at": submitted}})
    return clauses


_PLAIN = re.compile(r"[a-z0-9]+")


def _meaning(words: Sequence[str]) -> list[dict[str, Any]] | None:
    """The filter that keeps a query of stop words from matching everything (each word's clause then matches all):
    none when a word surely carries meaning (plain letters or digits, not a stop word: its own clause is required
    and already implies the filter), None when no word can (every one a stop word: nothing matches, and there is
    no need to ask), and for anything else (accents folded into a stop word, signs the tokenizer drops) the clause
    itself: OpenSearch's analysis decides."""
    if any(_PLAIN.fullmatch(word) and word not in STOP_WORDS for word in words):
        return []
    if all(word in STOP_WORDS for word in words):
        return None
    meaningful = [_fuzzy("all_text", " ".join(words), zero_terms_query="none")]
    if completes(words):
        meaningful.append(_prefix(words[-1]))
    return [{"bool": {"should": meaningful, "minimum_should_match": 1}}]


def search_query(query: SearchQuery, scope: Scope) -> dict[str, Any] | None:
    """The query as one bool query (what matches, and how well); None when it can match nothing."""
    meaning = _meaning(query.words)
    if meaning is None:
        return None
    text = " ".join(query.words)
    return {"bool": {
        "must": word_clauses(query.words),
        "filter": [*meaning, *filters(query), *visibility(scope)],
        "should": [_fuzzy("title", text, boost=3), _fuzzy("tag_names", text, boost=2)],
    }}


def _matching(clause: dict[str, Any]) -> dict[str, Any]:
    """The same matches without their scores: the `should` clauses only rank, and a filter context drops them."""
    return {"bool": {"filter": [{"bool": {key: value for key, value in clause["bool"].items() if key != "should"}}]}}


_FACETS: dict[str, Any] = {"statuses": {"terms": {"field": "status", "size": len(IdeaStatus)}},
                           "tags": {"terms": {"field": "tag_ids", "size": domain.FACET_TAGS}}}


def facets_body(clause: dict[str, Any], count_limit: int) -> dict[str, Any]:
    """Facets of the first `count_limit` matches (index order; one shard, so the bound is exact), scores never
    computed. How many match, the request beside it counts (`terminated_early` cannot tell: it is also set when the
    last match ends a segment)."""
    return {
        "query": _matching(clause), "size": 0, "track_total_hits": False, "terminate_after": count_limit,
        "aggs": _FACETS,
    }


def candidates_body(query: SearchQuery, clause: dict[str, Any], size: int, with_page: bool,
                    count_limit: int | None = None) -> dict[str, Any]:
    """The best `size` matches by score alone, counted to one past `count_limit` (if given): beyond that Lucene
    skips every block of matches that cannot score into them (block-max WAND) instead of scoring all. Ties go by
    index order. With the page's needs (its
    title and highlights, and the submit time that breaks ties) when the page can be cut from them (`page_among`):
    one round trip less for a first page, which is most searches."""
    counted = False if count_limit is None else count_limit + 1
    body: dict[str, Any] = {"query": clause, "size": size, "track_total_hits": counted,
                            "docvalue_fields": ["idea_id", "submitted_at"]}
    if with_page:
        return {**body, "_source": ["title"], "highlight": _highlight(query)}
    # The ids from doc values: a stored field (_id) costs a block of stored documents decompressed per hit.
    return {**body, "stored_fields": "_none_"}


def _highlight(query: SearchQuery) -> dict[str, Any]:
    last = query.words[-1]
    return {
        "pre_tags": [domain.MARK_START], "post_tags": [domain.MARK_END], "require_field_match": False,
        # The query's words as the fields hold them; the prefix of the last word against their stems too,
        # since the edge-n-gram field it matched is not one the highlighter reads.
        "highlight_query": {"bool": {"should": [
            *(_fuzzy("all_text", word) for word in query.words),
            *([{"prefix": {"all_text": last}}] if completes(query.words) else [])]}},
        "fields": {"title": {"number_of_fragments": 0},
                   "description": {"fragment_size": 150, "number_of_fragments": 2}},
    }


def page_body(query: SearchQuery, clause: dict[str, Any], among: Sequence[str] | None = None,
              count_limit: int | None = None) -> dict[str, Any]:
    """The page in the requested order with its highlights, among every match or only among the given ids (then
    from the top: those are the best matches, the page's among them); matches counted to one past `count_limit`
    if given."""
    if among is not None:
        clause = {"bool": {"must": [clause], "filter": [{"ids": {"values": list(among)}}]}}
    return {
        "query": clause,
        "from": query.offset, "size": query.limit,
        "sort": _SORT[query.order],
        "track_total_hits": False if count_limit is None else count_limit + 1, "track_scores": True,
        "_source": ["title"],
        "highlight": _highlight(query),
    }


def _nanoseconds(text: str) -> int:
    """A date_nanos doc value ("2026-03-01T09:00:00.123456789Z", the fraction as long as it needs) as an integer."""
    whole, _, fraction = text.removesuffix("Z").partition(".")
    seconds = int(datetime.fromisoformat(whole).replace(tzinfo=timezone.utc).timestamp())
    return seconds * 1_000_000_000 + int(fraction.ljust(9, "0")[:9] or 0)


def page_among(hits: Sequence[dict[str, Any]], among: Sequence[str], query: SearchQuery) -> list[dict[str, Any]]:
    """The relevance page cut from candidates that carry the page's needs: `among` (best()) in the order of _SORT
    (score, newest, id). Scores are compared to six digits: the skipping scorer may add a tie's clause scores up in
    another order, and differ in the last bit."""
    chosen = set(among)

    def order(hit: dict[str, Any]) -> tuple[float, int, str]:
        submitted = hit["fields"].get("submitted_at")
        newest = -_nanoseconds(submitted[0]) if submitted else -(1 << 80)  # a missing time first, as _SORT says
        return -float(f"{float(hit['_score']):.6g}"), newest, hit["fields"]["idea_id"][0]

    page = sorted((hit for hit in hits if hit["fields"]["idea_id"][0] in chosen), key=order)
    return page[query.offset:query.offset + query.limit]


def whole_body(query: SearchQuery, clause: dict[str, Any], count_limit: int) -> dict[str, Any]:
    """The page over every match with the count and facets in the same request: every match is scored and sorted,
    which a query of several words (few matches) affords better than two more requests. Counted to one past the
    limit; the facets then count the best `count_limit` matches (a sampler: exactly that many, one shard)."""
    return {**page_body(query, clause, count_limit=count_limit), "aggs": {"sample": {
        "sampler": {"shard_size": count_limit}, "aggs": _FACETS}}}


def best(hits: Sequence[dict[str, Any]], size: int, wanted: int) -> list[str] | None:
    """From the best `size` matches by score (candidates_body), the ids among which the first `wanted` of the
    relevance order surely are: every match scoring at least the `wanted`-th score. Known when fewer than `size`
    match (all are here), or when the last one here scores below that (every match not here scores no more than
    it, so all those tied with the `wanted`-th are here); None when a tie may reach past the last. A hair of slack
    below the score: the same sum of clause scores, added up in another order by the skipping scorer, may differ
    in its last bit."""
    everything = len(hits) < size
    if len(hits) <= wanted:
        return [hit["fields"]["idea_id"][0] for hit in hits] if everything else None
    score = float(hits[wanted - 1]["_score"])
    floor = score - abs(score) * 1e-6
    if everything or float(hits[-1]["_score"]) < floor:
        return [hit["fields"]["idea_id"][0] for hit in hits if float(hit["_score"]) >= floor]
    return None


def matches(answer: dict[str, Any], count_limit: int = domain.COUNT_LIMIT, facets: dict[str, Any] | None = None,
            found: int | None = None) -> Matches:
    """The page of `answer` and its count of matches (or `found`, counted by an earlier request); the facets of
    `facets` (facets_body), or of `answer` itself. Every count goes one past the limit: past it, more match."""
    hits = []
    for hit in answer["hits"]["hits"]:
        highlight = hit.get("highlight", {})
        hits.append(Match(
            idea_id=hit["_id"], score=float(hit.get("_score") or 0.0),
            title_highlight=highlight["title"][0] if "title" in highlight else hit["_source"]["title"],
            description_highlight=DESCRIPTION_FRAGMENTS.join(highlight.get("description", []))))
    if found is None:
        found = int(answer["hits"]["total"]["value"])
    aggregations = (facets if facets is not None else answer)["aggregations"]
    aggregations = aggregations.get("sample", aggregations)
    return Matches(
        matches=hits, total=min(found, count_limit), capped=found > count_limit,
        status_counts={IdeaStatus(b["key"]): int(b["doc_count"]) for b in aggregations["statuses"]["buckets"]},
        tag_counts={str(b["key"]): int(b["doc_count"]) for b in aggregations["tags"]["buckets"]})


def source(document: SearchDocument) -> dict[str, Any]:
    return {
        "idea_id": document.idea_id, "revision": document.revision, "campaign_id": document.campaign_id,
        "campaign_listed": document.campaign_listed, "submitter_id": document.submitter_id,
        "submitter_name": document.submitter_name, "title": document.title, "description": document.description,
        "status": document.status.value, "context_id": document.context_id, "tag_ids": list(document.tag_ids),
        "tag_names": list(document.tag_names), "coin_total": document.coin_total,
        "submitted_at": document.submitted_at.isoformat() if document.submitted_at else None}


def _unreachable(error: TransportError) -> bool:
    """The cluster is down, overloaded or not prepared yet (no index behind the alias): worth a retry later, unlike
    a request we got wrong."""
    return (isinstance(error, (TransportConnectionError, NotFoundError))
            or (isinstance(error.status_code, int) and (error.status_code >= 500 or error.status_code == 429)))


class OpenSearchBackend:
    name = "opensearch"

    def __init__(self, read_model: ReadModel, url: str, alias: str = "coins-ideas", batch: int = 500,
                 poll_s: float = 0.2, count_limit: int = domain.COUNT_LIMIT):
        self._read_model = read_model
        self.count_limit = count_limit
        self.alias = alias
        self._batch = batch
        self._poll_s = poll_s
        # One quick retry only: the projector has its own back-off, and a search waits for nobody.
        self._client = AsyncOpenSearch(hosts=[url], request_timeout=SEARCH_TIMEOUT_S, max_retries=1)
        self._prepared = False

    # ---- the index ----

    async def prepare(self) -> None:
        """Puts the index template and, when the alias is missing, a first index behind it; the index behind it
        gets LIVE_SETTINGS. When the cluster is not up yet the service starts anyway: searches answer UNAVAILABLE
        and the projector keeps trying."""
        try:
            await self._prepare()
        except TransportError as error:
            if not _unreachable(error):
                raise
            log.warning("OpenSearch not ready; the projector keeps trying", extra={"error": str(error)[:300]})

    async def _prepare(self) -> None:
        await self._client.indices.put_index_template(name=self.alias, body={
            "index_patterns": [f"{self.alias}-v*"],
            "template": {"settings": {"index": INDEX_SETTINGS}, "mappings": MAPPINGS}})
        if not await self._client.indices.exists_alias(name=self.alias):
            # Two replicas starting at once may each make a first index (or the same one): the first in name
            # order stays, the others (empty) go.
            first = self._new_index_name()
            try:
                await self._client.indices.create(index=first, body={"aliases": {self.alias: {}}},
                                                  request_timeout=WRITE_TIMEOUT_S)
            except RequestError as error:
                if error.error != "resource_already_exists_exception":
                    raise
            behind = sorted(await self._indices())
            if len(behind) > 1 and first != behind[0]:
                await self._client.indices.delete(index=first)
        # Analysis and mappings take a reindex.
        await self._client.indices.put_settings(index=self.alias, body={"index": LIVE_SETTINGS})
        self._prepared = True

    def _new_index_name(self) -> str:
        return f"{self.alias}-v{time.time_ns() // 1_000_000}"

    async def _indices(self) -> list[str]:
        """The concrete indices behind the alias (one, except for a moment at a first start)."""
        try:
            return list(await self._client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    async def refresh(self) -> None:
        """Makes every indexed document searchable now (the index refreshes every REFRESH_INTERVAL by itself)."""
        await self._client.indices.refresh(index=self.alias)

    async def index(self, documents: Sequence[SearchDocument], into: str = "") -> None:
        """Bulk-indexes documents into the alias (or one concrete index), each versioned by its revision. A
        version conflict means that revision or a newer one is there already: not an error."""
        if not documents:
            return
        body: list[dict[str, Any]] = []
        for document in documents:
            body.append({"index": {"_id": document.idea_id, "version": document.revision,
                                   "version_type": "external"}})
            body.append(source(document))
        # require_alias: a missing alias must fail, not auto-create a concrete index under its name.
        answer = await self._client.bulk(body=body, index=into or self.alias, require_alias=not into,
                                         request_timeout=WRITE_TIMEOUT_S)
        if not answer["errors"]:
            return
        failed = [item["index"] for item in answer["items"] if item["index"].get("error")
                  and item["index"]["status"] != 409]
        if failed:
            raise TransportError(failed[0]["status"], "bulk index failed", {"error": failed[0]["error"],
                                                                           "failed": len(failed)})

    # ---- queries ----

    async def search(self, query: SearchQuery, scope: Scope) -> Matches:
        """Several words match few ideas: one request (whole_body). One word may match a tenth of the index: the
        facets from a bounded request (facets_body) and beside it, in the relevance order, the best matches by score
        alone, counted up to the limit (candidates_body: most matches are skipped unscored); a first page is cut
        from those (page_among), a deeper one sorted among them (page_body). In the other orders, or very deep, the
        page is sorted over every match."""
        clause = search_query(query, scope)
        if clause is None:
            return Matches([], 0)
        try:
            if sum(word not in STOP_WORDS for word in query.words) > BROAD_WORDS:
                answer = await self._client.search(index=self.alias, body=whole_body(query, clause, self.count_limit))
                return matches(answer, self.count_limit)
            wanted = query.offset + query.limit
            size = max(2 * wanted, wanted + CANDIDATES_MARGIN)
            if query.order != SearchOrder.RELEVANCE or size > CANDIDATES_MAX:
                facets, answer = await self._msearch(facets_body(clause, self.count_limit),
                                                     page_body(query, clause, count_limit=self.count_limit))
                return matches(answer, self.count_limit, facets)
            with_page = size <= PAGE_FROM_CANDIDATES_MAX
            facets, candidates = await self._msearch(facets_body(clause, self.count_limit),
                                                     candidates_body(query, clause, size, with_page, self.count_limit))
            found = int(candidates["hits"]["total"]["value"])
            among = best(candidates["hits"]["hits"], size, wanted)
            if among is not None and with_page:
                return matches({"hits": {"hits": page_among(candidates["hits"]["hits"], among, query)}},
                               self.count_limit, facets, found)
            while among is None and size < CANDIDATES_MAX:  # a tie around the page's end reaches past them
                size = min(size * 4, CANDIDATES_MAX)
                candidates = await self._client.search(index=self.alias,
                                                       body=candidates_body(query, clause, size, with_page=False))
                among = best(candidates["hits"]["hits"], size, wanted)
            if among == []:  # nothing matches
                return matches({"hits": {"hits": []}}, self.count_limit, facets, found)
            # among None (too many ties to list): the page sorted over every match, as the other orders are.
            answer = await self._client.search(index=self.alias, body=page_body(query, clause, among))
        except TransportError as error:
            self._raise_if_away(error)
            raise
        return matches(answer, self.count_limit, facets, found)

    async def _msearch(self, *bodies: dict[str, Any]) -> list[dict[str, Any]]:
        """Several requests in one round trip, run side by side; the first failure raises as a search would."""
        lines: list[dict[str, Any]] = []
        for body in bodies:
            lines += [{"index": self.alias}, body]
        answers: list[dict[str, Any]] = (await self._client.msearch(body=lines))["responses"]
        for answer in answers:
            if "error" in answer:  # as the client raises for a search of its own: the class by the status
                status, error = int(answer.get("status", 500)), answer["error"]
                kind = error.get("type", "search failed") if isinstance(error, dict) else str(error)
                raise HTTP_EXCEPTIONS.get(status, TransportError)(status, kind, answer)
        return answers

    def _raise_if_away(self, error: TransportError) -> None:
        """The handler answers UNAVAILABLE when the cluster is away; any other error is ours and stays as it is."""
        if _unreachable(error):
            raise Unavailable("search is unavailable: the search index cannot be reached", backend=self.name,
                              alias=self.alias) from error

    # ---- projection ----

    def background(self) -> list[Callable[[], Coroutine[Any, Any, None]]]:
        return [self.project_forever]

    async def project_once(self) -> int:
        """Indexes one batch of queued ideas; returns how many documents it took."""
        async with self._read_model.claim_pending(self._batch) as documents:
            await self.index(documents)  # raising here keeps them queued
        return len(documents)

    async def project_forever(self) -> None:
        delay = BACKOFF_START_S
        while True:
            try:
                if not self._prepared:
                    await self._prepare()
                taken = await self.project_once()
                delay = BACKOFF_START_S
            except Exception as error:  # the cluster or the database is away: back off, nothing was lost
                log.warning("indexing failed; retrying", extra={"error": str(error)[:300], "retry_in_s": delay})
                await self._measure_lag()
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX_S)
                continue
            await self._measure_lag()
            if not taken:
                await asyncio.sleep(self._poll_s)

    async def _measure_lag(self) -> None:
        try:
            INDEX_LAG.set(await self._read_model.pending_age_s())
        except Exception as error:  # the gauge keeps its last value while the database is away
            log.warning("index lag unknown", extra={"error": str(error)[:300]})

    # ---- reindex ----

    async def reindex(self) -> ReindexReport:
        """Copies every document into a new index and swaps the alias over in one step. Changes made during the
        copy went to the old index: they are copied again, from the revision barrier on, before and after the
        swap (the second pass catches those that landed between the first and the swap)."""
        started = time.monotonic()
        try:
            await self._prepare()
            barrier = await self._read_model.revision_barrier()
            new = self._new_index_name()
            # No refreshes while copying: one at the end is far cheaper than one a second.
            await self._client.indices.create(index=new, body={"settings": {"index": {"refresh_interval": "-1"}}},
                                              request_timeout=WRITE_TIMEOUT_S)
        except TransportError as error:
            self._raise_if_away(error)
            raise
        try:
            await self._copy(new)
            await self._client.indices.put_settings(index=new, body={"index": LIVE_SETTINGS})
            second_barrier = await self._read_model.revision_barrier()
            await self._copy(new, since_revision=barrier)
            await self._client.indices.refresh(index=new, request_timeout=WRITE_TIMEOUT_S)
            old = await self._indices()
            await self._client.indices.update_aliases(body={"actions": [
                *({"remove": {"index": index, "alias": self.alias}} for index in old),
                {"add": {"index": new, "alias": self.alias}}]})
        except BaseException as error:
            # The alias still points at the old index, which stays complete: drop the partial copy (unless the
            # swap went through and only its answer got lost).
            with contextlib.suppress(TransportError):
                if new not in await self._indices():
                    await self._client.indices.delete(index=new, ignore_unavailable=True)
            if isinstance(error, TransportError):
                self._raise_if_away(error)
            raise
        try:
            await self._copy(new, since_revision=second_barrier)
            await self._client.indices.refresh(index=new, request_timeout=WRITE_TIMEOUT_S)
            if old:
                await self._client.indices.delete(index=",".join(old), ignore_unavailable=True)
            count = (await self._client.count(index=new))["count"]
        except TransportError as error:
            self._raise_if_away(error)
            raise
        report = ReindexReport(new, int(count), time.monotonic() - started)
        log.info("reindexed", extra={"index": new, "documents": report.document_count, "seconds": report.seconds,
                                     "replaced": old})
        return report

    async def _copy(self, index: str, since_revision: int = 0) -> None:
        after = ""
        while page := await self._read_model.documents(after_id=after, since_revision=since_revision,
                                                       limit=self._batch):
            await self.index(page, into=index)
            after = page[-1].idea_id

    # ---- operations ----

    async def health(self) -> dict[str, Any]:
        try:
            index, reachable = ",".join(await self._indices()), True
        except TransportError:
            index, reachable = "", False
        return {"backend": self.name, "index": index, "reachable": reachable,
                "pending_s": await self._read_model.pending_age_s()}

    async def close(self) -> None:
        await self._client.close()
