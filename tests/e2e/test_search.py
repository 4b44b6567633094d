"""Issue 10, search on the running platform (PostgreSQL backend, the default): ideas found through the gateway as
the REST route is written, kept current by the real events (edits, coins, decisions, renames), visible only to
whom ListIdeas shows them, rebuilt and reindexed by the operators' command, its lag on /metrics and /healthz."""

from __future__ import annotations

import subprocess
import sys
import uuid

import grpc
import httpx

from coins.v1 import idea_service_pb2 as idea_pb
from coins.v1 import resources_pb2 as res
from coins.v1 import search_service_pb2 as pb
from tests.support.notifications import eventually
from tests.support.world import User, refused
from tools.devstack import ROOT, Stack


def marker() -> str:
    """A word no other test writes: each test finds only its own ideas in the shared index."""
    return "zq" + uuid.uuid4().hex[:8]


def search(user: User, query: str, **fields) -> pb.SearchIdeasResponse:  # type: ignore[no-untyped-def]
    return user.search.SearchIdeas(pb.SearchIdeasRequest(query=query, **fields))


def found(user: User, query: str, count: int, **fields) -> pb.SearchIdeasResponse:  # type: ignore[no-untyped-def]
    """The answer once it holds `count` hits (indexing follows the events within moments)."""
    return eventually(lambda: search(user, query, **fields), lambda answer: len(answer.hits) == count)


def test_an_idea_is_found_through_the_rest_route_with_its_words_marked(gateway: httpx.Client, admin_user: User,
                                                                       sign_in) -> None:
    word = marker()
    member = sign_in("searcher")
    campaign = admin_user.create_campaign("open", title="Greener offices")
    member.join(campaign.campaign_id)
    idea = member.submit(campaign.campaign_id, f"Rooftop beehives {word}",
                         description="Honey for the canteen and bees for the city")
    found(member, word, 1)

    def rest(query: str) -> dict:
        reply = gateway.get("/search/ideas", params={"query": query, "campaignId": campaign.campaign_id},
                            headers={"authorization": f"Bearer {member.account.access_token}"})
        assert reply.status_code == 200, reply.text
        return reply.json()

    answer = rest(f"beehive {word}")  # the singular finds the plural
    assert [hit["idea"]["id"] for hit in answer["hits"]] == [idea.id]
    assert answer["totalSize"] == "1"
    assert "<mark>beehives</mark>" in answer["hits"][0]["titleHighlight"]
    assert answer["statusCounts"] == [{"status": "IDEA_STATUS_COMPETING", "count": "1"}]
    assert rest(f"{word} canten")["hits"][0]["descriptionHighlight"].count("<mark>") == 1  # a typo forgiven
    assert gateway.get("/search/ideas", params={"query": word}).status_code == 401
    bad = gateway.get("/search/ideas", params={"query": word, "pageSize": 500},
                      headers={"authorization": f"Bearer {member.account.access_token}"})
    assert bad.status_code == 400 and "page_size" in bad.text


def test_the_index_follows_edits_coins_decisions_and_renames(admin_user: User, sign_in, gateway: httpx.Client) -> None:
    word = marker()
    manager, author, backer = sign_in("mgr"), sign_in("author"), sign_in("backer")
    campaign = admin_user.create_campaign("mediated", title="Workplace")
    cid = campaign.campaign_id
    admin_user.name_manager(cid, manager)
    for person in (author, backer):
        person.join(cid)
    idea = author.submit(cid, f"Standing desks {word}")
    assert found(backer, word, 0).total_size == 0  # pending: only its author and the managers see it
    assert found(manager, word, 1).hits[0].idea.status == res.IDEA_STATUS_PENDING
    author.ideas.UpdateIdea(idea_pb.UpdateIdeaRequest(  # edited while it waits for a manager
        idea_id=idea.id, idea=res.Idea(title=f"Standing desks and treadmills {word}"),
        update_mask={"paths": ["title"]}))
    assert found(manager, f"treadmill {word}", 1).hits[0].idea.id == idea.id
    manager.set_status(idea.id, res.IDEA_STATUS_APPROVED)
    assert found(backer, word, 1).hits[0].idea.status == res.IDEA_STATUS_COMPETING


    backer.allocate(cid, idea.id, 7)
    coins = eventually(lambda: search(backer, word), lambda a: a.hits and a.hits[0].idea.coin_total == 7)
    assert coins.hits[0].idea.coin_total == 7

    surname = marker()  # a word far from the title's: only the new name can match it
    renamed = gateway.patch("/auth/me", headers=author.account.bearer, json={"full_name": f"Ada {surname}"})
    assert renamed.status_code == 200, renamed.text
    by_name = found(backer, surname, 1)
    assert by_name.hits[0].idea.submitter_name == f"Ada {surname}"


def test_strangers_find_nothing_in_a_closed_campaign_and_cannot_name_it(admin_user: User, sign_in) -> None:
    word = marker()
    insider, stranger = sign_in("insider"), sign_in("stranger")
    campaign = admin_user.create_campaign("closed", title="Board room")
    admin_user.bring_in(campaign.campaign_id, insider)
    idea = insider.submit(campaign.campaign_id, f"Quiet hours {word}")
    admin_user.set_status(idea.id, res.IDEA_STATUS_APPROVED)
    assert found(insider, word, 1).hits[0].idea.id == idea.id
    assert found(admin_user, word, 1).total_size == 1
    answer = search(stranger, word)
    assert (answer.total_size, list(answer.hits), list(answer.status_counts)) == (0, [], [])
    error = refused(grpc.StatusCode.NOT_FOUND, stranger.search.SearchIdeas,
                    pb.SearchIdeasRequest(query=word, campaign_id=campaign.campaign_id))
    assert "CAMPAIGN_001" in str(error.trailing_metadata()) or "no campaign" in error.details()


def _command(stack: Stack, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "services.search", *arguments], cwd=ROOT, env=stack.service_env(),
                          capture_output=True, text=True, timeout=120)


def test_operators_rebuild_and_reindex_without_losing_a_hit(stack: Stack, admin_user: User, sign_in) -> None:
    word = marker()
    member = sign_in("member")
    campaign = admin_user.create_campaign("open", title="Rebuilt")
    member.join(campaign.campaign_id)
    ideas = {member.submit(campaign.campaign_id, f"{title} {word}").id
             for title in ("Bike repair day", "Rainwater barrels", "Lunch and learn")}
    found(member, word, 3)

    rebuilt = _command(stack, "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "campaigns" in rebuilt.stdout and "ideas read" in rebuilt.stdout
    assert {h.idea.id for h in search(member, word).hits} == ideas
    reindexed = _command(stack, "reindex")
    assert reindexed.returncode == 0, reindexed.stderr
    assert reindexed.stdout.startswith("index search.ideas:")
    assert {h.idea.id for h in search(member, word).hits} == ideas


def test_the_search_consumers_lag_is_on_metrics_and_health(stack: Stack) -> None:
    ops = f"http://127.0.0.1:{stack.ports.ops['search']}"
    health = httpx.get(f"{ops}/healthz").json()
    assert health["index"]["backend"] == "postgres"
    assert "coins:events:idea" in str(health["events"])
    assert 'coins_event_consumer_lag_seconds{group="search",stream="coins:events:idea"}' in httpx.get(
        f"{ops}/metrics").text
