"""The OpenSearch backend's request builder (services/search/opensearch.py), without a node: its visibility and
filter clauses, read by a small evaluator of the query DSL they use, mean what domain.Scope and postgres.py mean;
its fuzziness is domain.typo_edits; only the last word completes; answers become domain.Matches."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.common.concepts import IdeaStatus
from services.search import domain, opensearch
from services.search.domain import Scope, SearchDocument, SearchOrder, SearchQuery

USER = "11111111-1111-1111-1111-111111111111"
OTHER = "22222222-2222-2222-2222-222222222222"
NOON = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def holds(clause: dict[str, Any], document: dict[str, Any]) -> bool:
    """Whether a document matches a filter clause: the part of the query DSL the builder's filters use."""
    [(kind, body)] = clause.items()
    if kind == "bool":
        must = all(holds(c, document) for c in body.get("filter", []) + body.get("must", []))
        should = body.get("should", [])
        return must and (not should or sum(holds(c, document) for c in should) >= body["minimum_should_match"])
    [(field, value)] = body.items()
    present = document[field] if isinstance(document[field], list) else [document[field]]
    if kind == "term":
        return value in present
    if kind == "terms":
        return any(v in present for v in value)
    if kind == "range":
        at = datetime.fromisoformat(document[field])
        return all({"gte": at >= datetime.fromisoformat(bound), "lt": at < datetime.fromisoformat(bound)}[op]
                   for op, bound in value.items())
    raise AssertionError(f"unexpected clause {kind}")


def document(campaign_id: str = "c1", listed: bool = True, status: IdeaStatus = IdeaStatus.COMPETING,
             submitter_id: str = OTHER, submitted_at: datetime = NOON, **fields: Any) -> dict[str, Any]:
    return opensearch.source(SearchDocument(
        idea_id="33333333-3333-3333-3333-333333333333", revision=1, campaign_id=campaign_id, campaign_listed=listed,
        submitter_id=submitter_id, submitter_name="Grace Hopper", title="Bike lanes", description="", status=status,
        context_id=fields.get("context_id", ""), tag_ids=fields.get("tag_ids", ()), tag_names=(), coin_total=0,
        submitted_at=submitted_at))


SCOPES = [
    Scope("", admin=False),  # anonymous
    Scope(USER),
    Scope(USER, admin=True),
    Scope(USER, member_of=frozenset({"c2"})),
    Scope(USER, member_of=frozenset({"c2", "c3"}), reads_all=frozenset({"c3"})),
]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: f"admin={s.admin},member={sorted(s.member_of)},"
                                                         f"reads={sorted(s.reads_all)},user={bool(s.user_id)}")
def test_visibility_is_the_scope_of_the_domain(scope: Scope) -> None:
    for campaign, listed, status, submitter in itertools.product(
            ("c1", "c2", "c3", "c4"), (True, False), list(IdeaStatus), (USER, OTHER, "")):
        expected = scope.admin or campaign in scope.reads_all or (
            scope.sees_campaign(campaign, listed)
            and (status in domain.PUBLIC_STATUSES or bool(scope.user_id) and submitter == scope.user_id))
        idea = document(campaign, listed, status, submitter)
        visible = all(holds(c, idea) for c in opensearch.visibility(scope))
        assert visible == expected, (campaign, listed, status, submitter)


def test_filters_take_the_start_of_the_time_range_and_leave_its_end() -> None:
    query = SearchQuery(("bike",), submitted_after=NOON, submitted_before=NOON + timedelta(hours=1))
    at = [document(submitted_at=NOON + offset) for offset in
          (timedelta(microseconds=-1), timedelta(0), timedelta(minutes=59), timedelta(hours=1))]
    assert [all(holds(c, idea) for c in opensearch.filters(query)) for idea in at] == [False, True, True, False]


def test_filters_narrow_by_every_field_given() -> None:
    query = SearchQuery(("bike",), campaign_id="c1", status=IdeaStatus.ACCEPTED, tag_id="t2", context_id="x",
                        submitter_id=USER)
    matching = dict(campaign_id="c1", status=IdeaStatus.ACCEPTED, submitter_id=USER, context_id="x",
                    tag_ids=("t1", "t2"))
    assert all(holds(c, document(**matching)) for c in opensearch.filters(query))
    for field, other in (("campaign_id", "c2"), ("status", IdeaStatus.COMPETING), ("submitter_id", OTHER),
                         ("context_id", "y"), ("tag_ids", ("t1",))):
        assert not all(holds(c, document(**{**matching, field: other})) for c in opensearch.filters(query)), field
    assert opensearch.filters(SearchQuery(("bike",))) == []


def test_fuzziness_forgives_as_many_typos_as_the_domain() -> None:
    low, high = (int(n) for n in opensearch.FUZZINESS.removeprefix("AUTO:").split(","))
    for length in range(1, 15):
        auto = 0 if length < low else 1 if length < high else 2
        assert auto == domain.typo_edits("x" * length), length


def _prefix_words(clauses: list[dict[str, Any]]) -> list[str]:
    return [c["bool"]["should"][1]["match"]["all_text.prefix"]["query"] for c in clauses if "bool" in c]


def test_only_the_last_word_completes_from_two_letters_unless_it_is_a_stop_word() -> None:
    assert _prefix_words(opensearch.word_clauses(("bike", "lan"))) == ["lan"]
    assert _prefix_words(opensearch.word_clauses(("bike", "l"))) == []
    assert _prefix_words(opensearch.word_clauses(("bike", "of"))) == []  # "of" would find "office"
    assert _prefix_words(opensearch.word_clauses(("lan",))) == ["lan"]
    assert len(opensearch.word_clauses(("bike", "lanes", "river"))) == 3  # every word is required


def test_the_request_pages_and_orders_as_asked() -> None:
    query = SearchQuery(("bike",), order=SearchOrder.MOST_COINS, offset=40, limit=20)
    body = opensearch.whole_body(query, opensearch.search_query(query, Scope(USER)) or {}, count_limit=1_000)
    assert (body["from"], body["size"], body["track_total_hits"]) == (40, 20, 1_001)  # counted one past the limit
    assert [next(iter(key)) for key in body["sort"]] == ["coin_total", "submitted_at", "idea_id"]


def _scored(*scores: float) -> list[dict[str, object]]:
    return [{"_score": score, "fields": {"idea_id": [f"i{n}"]}} for n, score in enumerate(scores)]


def test_the_relevance_page_is_sought_among_every_candidate_tied_with_its_last_place() -> None:
    # 3 wanted from the best 5: the 3rd scores 2.0, and so does the 4th; the 5th scores less, so no tie goes on
    assert opensearch.best(_scored(5, 4, 2, 2, 1), size=5, wanted=3) == ["i0", "i1", "i2", "i3"]
    # the last candidate ties with the 3rd: more may tie beyond it, so the candidates do not tell
    assert opensearch.best(_scored(5, 4, 2, 2, 2), size=5, wanted=3) is None
    # fewer candidates than asked for: every match is here
    assert opensearch.best(_scored(5, 4, 2, 2), size=5, wanted=3) == ["i0", "i1", "i2", "i3"]
    assert opensearch.best(_scored(5, 4), size=5, wanted=3) == ["i0", "i1"]
    assert opensearch.best([], size=5, wanted=3) == []
    # the same score summed in another order may differ in its last bit: still a tie
    assert opensearch.best(_scored(5, 2.0, 2.0 - 1e-12, 1), size=4, wanted=2) == ["i0", "i1", "i2"]


def test_a_count_past_the_limit_is_capped() -> None:
    answer = {"hits": {"total": {"value": 4}, "hits": []},  # counted one past a limit of 3
              "aggregations": {"statuses": {"buckets": []}, "tags": {"buckets": []}}}
    assert (opensearch.matches(answer, count_limit=3).total, opensearch.matches(answer, count_limit=3).capped) == (
        3, True)
    assert (opensearch.matches(answer, count_limit=4).total, opensearch.matches(answer, count_limit=4).capped) == (
        4, False)


def test_every_field_of_a_document_is_mapped() -> None:
    # The mapping is strict: an unmapped field would make every bulk request fail.
    assert set(document()) <= set(opensearch.MAPPINGS["properties"])


def test_an_answer_becomes_matches_with_highlights_and_facets() -> None:
    answer = {
        "hits": {"total": {"value": 7}, "hits": [
            {"_id": "a", "_score": 2.5, "_source": {"title": "Bike lanes"},
             "highlight": {"title": ["<mark>Bike</mark> lanes"], "description": ["one <mark>bike</mark>",
                                                                               "two <mark>bikes</mark>"]}},
            {"_id": "b", "_score": None, "_source": {"title": "River path"}}]},
        "aggregations": {"statuses": {"buckets": [{"key": "competing", "doc_count": 5},
                                                  {"key": "pending", "doc_count": 2}]},
                         "tags": {"buckets": [{"key": "t1", "doc_count": 3}]}}}
    found = opensearch.matches(answer)
    assert [(m.idea_id, m.score, m.title_highlight, m.description_highlight) for m in found.matches] == [
        ("a", 2.5, "<mark>Bike</mark> lanes", "one <mark>bike</mark> ... two <mark>bikes</mark>"),
        ("b", 0.0, "River path", "")]
    assert found.total == 7
    assert found.status_counts == {IdeaStatus.COMPETING: 5, IdeaStatus.PENDING: 2}
    assert found.tag_counts == {"t1": 3}
