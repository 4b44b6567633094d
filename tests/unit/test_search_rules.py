"""The search service's rules as plain functions: what a query is, who sees what, page tokens bound to their
query, requests validated, events turned into read-model changes (newest state per thing, by version)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from coins.v1 import events_pb2 as ev
from coins.v1 import resources_pb2 as res
from coins.v1 import search_service_pb2 as pb
from services.common import paging
from services.common.concepts import CampaignRole, CampaignStatus, CampaignType, IdeaStatus
from services.common.errors import InvalidArgument
from services.common.events import entry_version
from services.search import domain
from services.search.domain import CampaignPart, Matches, Scope, SearchOrder, SearchQuery
from services.search.handlers import next_token, resume_at
from services.search.indexing import Changes, wants
from services.search.messages import search_query
from services.search.postgres import prefix, tsqueries


def test_words_are_lower_cased_split_on_punctuation_and_capped() -> None:
    assert domain.words("Bike-racks, at the OFFICE!") == ("bike", "racks", "at", "the", "office")
    assert len(domain.words("word " * 20)) == domain.MAX_WORDS
    for empty in ("", "  ", "?!", "_"):
        with pytest.raises(InvalidArgument, match="at least one word"):
            domain.words(empty)
    with pytest.raises(InvalidArgument, match="200"):
        domain.words("x" * 201)


def test_typos_allowed_grow_with_the_word() -> None:
    assert [domain.typo_edits("x" * n) for n in (1, 3, 4, 6, 7, 12)] == [0, 0, 1, 1, 2, 2]


def test_strangers_see_running_open_and_mediated_campaigns_only() -> None:
    listed = {(t, s) for t in CampaignType for s in CampaignStatus if domain.campaign_listed(t, s)}
    assert listed == {(t, s) for t in (CampaignType.OPEN, CampaignType.MEDIATED)
                      for s in (CampaignStatus.ACTIVE, CampaignStatus.COMPLETED, CampaignStatus.ARCHIVED)}


def test_a_scope_reads_everything_where_it_manages_or_sponsors_with_the_role() -> None:
    parts = [CampaignPart("a", CampaignRole.MEMBER, False), CampaignPart("b", CampaignRole.MANAGER, False),
             CampaignPart("c", None, True)]
    sponsor = Scope.of("u", False, True, parts)
    assert (sponsor.member_of, sponsor.reads_all) == ({"a", "b", "c"}, {"b", "c"})
    plain = Scope.of("u", False, False, parts)  # listed as sponsor, but the system role was revoked
    assert (plain.member_of, plain.reads_all) == ({"a", "b"}, {"b"})
    assert plain.sees_campaign("a", listed=False) and plain.sees_campaign("z", listed=True)
    assert not plain.sees_campaign("c", listed=False)
    assert Scope("root", admin=True).sees_campaign("anything", listed=False)


def test_stream_positions_order_as_numbers() -> None:
    assert entry_version("1764121234567-3") == 1764121234567_000_003
    assert entry_version("1764121234567-3") < entry_version("1764121234568-0")
    assert entry_version("0-0") == 0


def test_page_tokens_resume_only_their_own_query() -> None:
    query = SearchQuery(words=("bike",), limit=2)
    token = next_token(query, Matches([], total=5))
    assert resume_at(token, query) == 2
    assert next_token(SearchQuery(words=("bike",), offset=4, limit=2), Matches([], total=5)) == ""
    for other in (SearchQuery(words=("bikes",), limit=2), SearchQuery(words=("bike",), order=SearchOrder.NEWEST),
                  SearchQuery(words=("bike",), status=IdeaStatus.PENDING)):
        with pytest.raises(InvalidArgument, match="another query"):
            resume_at(token, other)
    with pytest.raises(InvalidArgument):
        resume_at(paging.encode({"offset": 2}), query)
    deep = SearchQuery(words=("bike",), offset=domain.MAX_OFFSET, limit=100)
    assert next_token(deep, Matches([], total=50_000)) == ""  # no page past the deepest one both backends serve


def test_a_request_is_validated_field_by_field() -> None:
    query = search_query(pb.SearchIdeasRequest(query="Solar roof", status=res.IDEA_STATUS_PENDING,
                                               order_by=pb.SEARCH_ORDER_MOST_COINS, page_size=5))
    assert (query.words, query.status, query.order, query.limit) == (("solar", "roof"), IdeaStatus.PENDING,
                                                                       SearchOrder.MOST_COINS, 5)
    assert search_query(pb.SearchIdeasRequest(query="x")).limit == domain.DEFAULT_PAGE_SIZE
    reversed_times = pb.SearchIdeasRequest(query="x")
    reversed_times.submitted_after.FromDatetime(datetime(2026, 1, 2, tzinfo=timezone.utc))
    reversed_times.submitted_before.FromDatetime(datetime(2026, 1, 1, tzinfo=timezone.utc))
    for bad, field in ((pb.SearchIdeasRequest(query="x", page_size=101), "page_size"),
                       (pb.SearchIdeasRequest(query="x", tag_id="nope"), "tag_id"),
                       (pb.SearchIdeasRequest(query="x", submitter_id="nope"), "submitter_id"),
                       (pb.SearchIdeasRequest(query="x", status=99), "status"),
                       (pb.SearchIdeasRequest(query="x", order_by=9), "order_by"),
                       (pb.SearchIdeasRequest(query=""), "query"),
                       (reversed_times, "submitted_before")):
        with pytest.raises(InvalidArgument) as refused:
            search_query(bad)
        assert refused.value.field == field


def test_the_postgres_query_ors_each_words_forms_and_ands_the_words() -> None:
    written = tsqueries([(1, "bikes", "bike", ["bake"]), (2, "o'racks", "o'rack", [])], last_word=2)
    assert written == ("('bike' | 'bake') & ('o''rack' | 'o''racks':*)",  # what matches
                       "('bike') & ('o''rack' | 'o''racks':*)",  # the first tiers of relevance: no near misses
                       "('bike' | 'bake') | ('o''rack' | 'o''racks':*)")  # what is highlighted
    assert tsqueries([(1, "a", "a", [])], last_word=1)[0] == "('a')"  # a one-letter last word begins nothing


def test_the_last_word_begins_words_as_typed_not_as_stemmed() -> None:
    assert tsqueries([(1, "recy", "reci", [])], last_word=1)[0] == "('reci' | 'recy':*)"
    assert tsqueries([(1, "works", "work", [])], last_word=1)[0] == "('work' | 'works':*)"
    # "light" begins its own stem: the prefix alone finds both
    assert tsqueries([(1, "light", "light", [])], last_word=1)[0] == "('light':*)"


def test_forms_no_indexed_word_has_are_left_out_of_the_postgres_query() -> None:
    stems = [(1, "plan", "plan", []), (2, "renti", "renti", ["rent"])]
    full, exact, _ = tsqueries(stems, last_word=2, unknown=frozenset({"renti", prefix("renti")})) or ("", "", "")
    assert full == "('plan') & ('rent')"
    assert exact == ""  # only a near miss matches the last word: no idea is in the exact tiers
    assert tsqueries(stems, last_word=2, unknown=frozenset({"plan"})) is None  # "plan" matches nothing at all


def _idea_event(idea_id: str, title: str) -> ev.Event:
    idea = res.Idea(id=idea_id, campaign_id="c", title=title, status=res.IDEA_STATUS_COMPETING)
    return ev.Event(campaign_id="c", idea_edited=ev.IdeaEdited(idea=idea, tags=[res.Tag(id=str(uuid.uuid4()),
                                                                                      name="Green")]))


def test_a_batch_keeps_the_newest_state_of_each_thing() -> None:
    changes = Changes()
    idea_id = str(uuid.uuid4())
    changes.add(_idea_event(idea_id, "second"), version=20)
    changes.add(_idea_event(idea_id, "first"), version=10)  # replayed late: older
    changes.add(ev.Event(campaign_id="c", coins_moved=ev.CoinsMoved(idea_totals=[
        ev.IdeaCoinTotal(idea_id=idea_id, coin_total=4)])), version=30)
    changes.add(ev.Event(subject="users/u1", user_renamed=ev.UserRenamed(full_name="New")), version=5)
    changes.add(ev.Event(campaign_id="c", tag_deleted=ev.TagDeleted(tag_id="t1")), version=7)
    changes.add(ev.Event(campaign_id="c", campaign_started=ev.CampaignStarted(campaign=res.Campaign(
        campaign_id="c", type=res.CAMPAIGN_TYPE_CLOSED, status=res.CAMPAIGN_STATUS_ACTIVE))), version=8)
    assert changes.ideas[idea_id].title == "second"
    assert changes.ideas[idea_id].status == IdeaStatus.COMPETING
    assert changes.coins[idea_id].coin_total == 4
    assert changes.people["u1"].full_name == "New"
    assert changes.tags["t1"].deleted
    assert not changes.campaigns["c"].listed
    # A tag named by an idea event never outranks the campaign stream's own word on it.
    assert {t.version for t in changes.tags.values() if not t.deleted} == {0}


def test_only_events_that_change_a_document_are_read() -> None:
    assert wants(_idea_event(str(uuid.uuid4()), "x"))
    assert wants(ev.Event(user_renamed=ev.UserRenamed()))
    assert not wants(ev.Event(member_joined=ev.MemberJoined()))
    assert not wants(ev.Event(email_verification_requested=ev.EmailVerificationRequested()))
