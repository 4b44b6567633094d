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
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from opensearchpy import AsyncOpenSearch
from opensearchpy.exceptions import ConnectionError as TransportConnectionError
from opensearchpy.exceptions import NotFoundError, RequestError, TransportError
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
BACKOFF_START_S, BACKOFF_MAX_S = 1.0, 10.0
DESCRIPTION_FRAGMENTS = " ... "  # how ts_headline joins fragments: both backends answer alike

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
    "refresh_interval": "1s",
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


def search_body(query: SearchQuery, scope: Scope) -> dict[str, Any]:
    """The one request that answers a query: matches, total, facets, the page and its highlights."""
    text = " ".join(query.words)
    last = query.words[-1]
    # Every word may be a stop word (each clause then matches all): at least one must carry meaning.
    meaningful = [_fuzzy("all_text", text, zero_terms_query="none")]
    if completes(query.words):
        meaningful.append(_prefix(last))
    return {
        "query": {"bool": {
            "must": word_clauses(query.words),
            "filter": [{"bool": {"should": meaningful, "minimum_should_match": 1}}, *filters(query),
                       *visibility(scope)],
            "should": [_fuzzy("title", text, boost=3), _fuzzy("tag_names", text, boost=2)],
        }},
        "from": query.offset, "size": query.limit,
        "sort": _SORT[query.order],
        "track_total_hits": True, "track_scores": True,
        "_source": ["title"],
        "aggs": {"statuses": {"terms": {"field": "status", "size": len(IdeaStatus)}},
                 "tags": {"terms": {"field": "tag_ids", "size": domain.FACET_TAGS}}},
        "highlight": {
            "pre_tags": [domain.MARK_START], "post_tags": [domain.MARK_END], "require_field_match": False,
            # The query's words as the fields hold them; the prefix of the last word against their stems too,
            # since the edge-n-gram field it matched is not one the highlighter reads.
            "highlight_query": {"bool": {"should": [
                *(_fuzzy("all_text", word) for word in query.words),
                *([{"prefix": {"all_text": last}}] if completes(query.words) else [])]}},
            "fields": {"title": {"number_of_fragments": 0},
                       "description": {"fragment_size": 150, "number_of_fragments": 2}},
        },
    }


def matches(answer: dict[str, Any]) -> Matches:
    hits = []
    for hit in answer["hits"]["hits"]:
        highlight = hit.get("highlight", {})
        hits.append(Match(
            idea_id=hit["_id"], score=float(hit.get("_score") or 0.0),
            title_highlight=highlight["title"][0] if "title" in highlight else hit["_source"]["title"],
            description_highlight=DESCRIPTION_FRAGMENTS.join(highlight.get("description", []))))
    aggregations = answer["aggregations"]
    return Matches(
        matches=hits, total=int(answer["hits"]["total"]["value"]),
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
                 poll_s: float = 0.2):
        self._read_model = read_model
        self.alias = alias
        self._batch = batch
        self._poll_s = poll_s
        # One quick retry only: the projector has its own back-off, and a search waits for nobody.
        self._client = AsyncOpenSearch(hosts=[url], request_timeout=SEARCH_TIMEOUT_S, max_retries=1)
        self._prepared = False

    # ---- the index ----

    async def prepare(self) -> None:
        """Puts the index template and, when the alias is missing, a first index behind it. When the cluster is
        not up yet the service starts anyway: searches answer UNAVAILABLE and the projector keeps trying."""
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
        """Makes every indexed document searchable now (the index refreshes every second by itself)."""
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
        try:
            answer = await self._client.search(index=self.alias, body=search_body(query, scope))
        except TransportError as error:
            self._raise_if_away(error)
            raise
        return matches(answer)

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
            await self._client.indices.put_settings(index=new, body={"index": {"refresh_interval": "1s"}})
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
