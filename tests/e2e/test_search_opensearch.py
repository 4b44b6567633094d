"""Issue 10 on the scale backend: a stack of its own with COINS_SEARCH_BACKEND=opensearch, where devstack starts a
real OpenSearch node as `make dev` does. The same events reach the index through the read model's queue; an
outage of the node loses nothing; the operators' reindex swaps a fresh index in while searches go on."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest

from coins.v1 import auth_service_pb2 as auth_pb
from coins.v1 import auth_service_pb2_grpc as auth_rpc
from coins.v1 import resources_pb2 as res
from coins.v1 import search_service_pb2 as pb
from tests.e2e.test_search import found, marker, search
from tests.support.accounts import TEST_SETTINGS, Account, reading_mail, sign_up
from tests.support.notifications import eventually
from tests.support.world import User
from tools.devstack import DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD, ROOT, Ports, Stack


@pytest.fixture(scope="module")
def os_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(Path(tmp_path_factory.mktemp("os-stack")), Ports.free(),
                    settings={**TEST_SETTINGS, "COINS_SEARCH_BACKEND": "opensearch"}, quiet=True, ephemeral=True)
    with reading_mail(running.mail_dir):
        running.start()
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def channel(os_stack: Stack) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{os_stack.ports.gateway}") as opened:
        yield opened


@pytest.fixture(scope="module")
def admin(channel: grpc.Channel) -> User:
    tokens = auth_rpc.AuthServiceStub(channel).Login(auth_pb.LoginRequest(email=DEV_ADMIN_EMAIL,
                                                                          password=DEV_ADMIN_PASSWORD))
    return User(channel, Account(tokens.user.id, DEV_ADMIN_EMAIL, tokens.access_token, tokens.refresh_token))


TITLES = ("Quiet room for calls", "Standing meetings on Mondays", "Plants on every desk")


def _member_of_new_campaign(channel: grpc.Channel, admin: User, kind: str = "open") -> tuple[User, str]:
    member = User(channel, sign_up(channel, "os-member"))
    campaign = admin.create_campaign(kind, title="On OpenSearch")
    member.join(campaign.campaign_id)
    return member, campaign.campaign_id


def test_events_reach_the_opensearch_index_and_the_rest_route(os_stack: Stack, channel, admin) -> None:
    word = marker()
    member, cid = _member_of_new_campaign(channel, admin)
    idea = member.submit(cid, f"Community fridges {word}", description="Share surplus lunches")
    hit = found(member, f"fridge {word}", 1).hits[0]  # stemmed by the English analyzer
    assert hit.idea.id == idea.id and "<mark>" in hit.title_highlight
    member.allocate(cid, idea.id, 9)
    eventually(lambda: search(member, word), lambda a: a.hits and a.hits[0].idea.coin_total == 9)
    reply = httpx.get(f"http://127.0.0.1:{os_stack.ports.gateway}/search/ideas",
                      params={"query": f"{word} lunchs"}, headers=member.account.bearer)
    assert reply.status_code == 200 and reply.json()["hits"][0]["idea"]["id"] == idea.id
    health = httpx.get(f"http://127.0.0.1:{os_stack.ports.ops['search']}/healthz").json()
    assert health["index"]["backend"] == "opensearch" and health["index"]["reachable"] is True


def test_an_outage_of_the_node_loses_no_change(os_stack: Stack, channel, admin) -> None:
    word = marker()
    member, cid = _member_of_new_campaign(channel, admin)
    first = member.submit(cid, f"Bike repair station {word}")
    found(member, word, 1)
    os_stack.opensearch.stop()
    try:
        second = member.submit(cid, f"Bike pump station {word}")  # the platform goes on; search waits
        with pytest.raises(grpc.RpcError) as down:
            search(member, word)
        assert down.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        os_stack.opensearch.restart()
    answer = eventually(lambda: search(member, word), lambda a: len(a.hits) == 2, within_s=30)
    assert {h.idea.id for h in answer.hits} == {first.id, second.id}


def test_a_reindex_swaps_a_fresh_index_in_while_searches_go_on(os_stack: Stack, channel, admin) -> None:
    word = marker()
    member, cid = _member_of_new_campaign(channel, admin, "mediated")
    ideas = [member.submit(cid, f"{title} {word}") for title in TITLES]
    for idea in ideas:
        admin.set_status(idea.id, res.IDEA_STATUS_APPROVED)
    found(member, word, 3)
    failures: list[str] = []
    done = threading.Event()

    def keep_searching() -> None:
        while not done.is_set():
            try:
                if len(search(member, word).hits) != 3:
                    failures.append("a search during the reindex missed hits")
            except grpc.RpcError as error:
                failures.append(error.details() or str(error.code()))

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        command = subprocess.run([sys.executable, "-m", "services.search", "reindex"], cwd=ROOT,
                                 env=os_stack.service_env(), capture_output=True, text=True, timeout=120)
    finally:
        done.set()
        searcher.join()
    assert command.returncode == 0, command.stderr
    assert command.stdout.startswith("index coins-ideas-v"), command.stdout
    assert failures == []
    aliases = httpx.get(f"{os_stack.opensearch_url}/_alias/coins-ideas").json()
    assert list(aliases) == [command.stdout.split()[1].rstrip(":")]  # the old index is gone
    assert len(search(member, word, page_size=10).hits) == 3
    assert search(member, word, order_by=pb.SEARCH_ORDER_NEWEST).hits[0].idea.id == ideas[-1].id
