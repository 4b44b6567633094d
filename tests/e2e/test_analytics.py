"""PRODUCT.md "Analytics": a campaign's figures equal what the coin ledger and the idea records say, through a whole
campaign, after a rebuild and after the analytics service is killed mid-stream; who reads which report; the CSV
downloads through the gateway."""

from __future__ import annotations

import csv
import io
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest

from coins.v1 import analytics_service_pb2 as pb
from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import coin_service_pb2 as coin_pb
from coins.v1 import idea_service_pb2 as idea_pb
from coins.v1 import resources_pb2 as res
from tests.support.analytics_truth import figures, truth
from tests.support.errors import error_info
from tests.support.world import User, refused
from tools.devstack import Stack

ROOT = Path(__file__).resolve().parents[2]


def report(user: User, campaign_id: str, **fields: Any) -> pb.CampaignAnalytics:
    return user.analytics.GetCampaignAnalytics(pb.GetCampaignAnalyticsRequest(
        campaign_id=campaign_id, bucket=pb.TIME_BUCKET_HOUR, **fields))


def settled(stack: Stack, reader: User, campaign_id: str, within_s: float = 20.0) -> dict[str, Any]:
    """The report once it equals the owners' figures (the read model follows the streams within seconds); the
    last difference when it never does."""
    deadline = time.monotonic() + within_s
    while True:
        expected, answer = truth(stack.database_url, campaign_id), figures(report(reader, campaign_id))
        if answer == expected or time.monotonic() > deadline:
            assert answer == expected
            return answer
        time.sleep(0.2)


def reallocate(user: User, campaign_id: str, source: str, target: str, amount: int) -> None:
    user.coins.ReallocateCoins(coin_pb.ReallocateCoinsRequest(
        campaign_id=campaign_id, from_idea_id=source, to_idea_id=target, amount=amount, request_id=str(uuid.uuid4())))


def withdraw(user: User, campaign_id: str, idea_id: str, amount: int) -> None:
    user.coins.WithdrawCoins(coin_pb.WithdrawCoinsRequest(
        campaign_id=campaign_id, idea_id=idea_id, amount=amount, request_id=str(uuid.uuid4())))


def rebuild(stack: Stack) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "services.analytics", "rebuild"], cwd=ROOT,
                          env=stack.service_env(), capture_output=True, text=True, timeout=120)


def test_every_figure_equals_the_ledger_and_the_idea_records_through_a_whole_campaign(
        stack: Stack, admin_user: User, sign_in) -> None:
    policy = res.CoinPolicy(initial_allocation=100, idea_submission_reward=5)
    cid = admin_user.create_campaign("mediated", coin_policy=policy).campaign_id
    manager, alice, bob, carol = (sign_in(n) for n in ("manager", "alice", "bob", "carol"))
    for member in (manager, alice, bob, carol):
        member.join(cid)
    admin_user.name_manager(cid, manager)
    admin_user.invite(cid, f"dana-{uuid.uuid4().hex[:6]}@example.org", "Eve@Example.org", "eve@example.org")
    green, transport = manager.tag(cid, "Green"), manager.tag(cid, "Transport")

    solar = alice.submit(cid, "Solar panels, on the roof", tag_ids=[green.id], context_id="intranet-7",
                         permalink_source="intranet").id
    bikes = alice.submit(cid, "Bike racks", tag_ids=[transport.id], context_id="intranet-7",
                         permalink_source="intranet").id
    bins = bob.submit(cid, "Recycling bins", tag_ids=[green.id]).id
    spam = carol.submit(cid, "Buy my product").id
    lunch = carol.submit(cid, "Lunch and learn", context_id="slack-3", permalink_source="slack").id
    for idea in (solar, bikes, bins, lunch):
        manager.set_status(idea, res.IDEA_STATUS_APPROVED)
    manager.set_status(spam, res.IDEA_STATUS_REJECTED, "advertising")

    bob.allocate(cid, solar, 30)
    bob.allocate(cid, bikes, 20)
    carol.allocate(cid, solar, 15)
    carol.allocate(cid, bins, 25)
    alice.allocate(cid, lunch, 10)
    reallocate(bob, cid, bikes, bins, 5)
    withdraw(carol, cid, bins, 10)
    settled(stack, manager, cid)

    manager.set_status(bins, res.IDEA_STATUS_REJECTED, "no space")  # recycled: back to wallets, reward taken back
    manager.set_status(solar, res.IDEA_STATUS_ACCEPTED)  # expended
    manager.set_status(solar, res.IDEA_STATUS_IN_PROGRESS)
    during = settled(stack, manager, cid)
    assert during["coins"]["expended"] == 45 and during["coins"]["reward_payouts"] == 15
    assert during["participation"][:4] == (4, 2, 3, 3)  # eve invited twice counts once
    assert during["funnel"]["pending"][1] == 5 and during["funnel"]["competing"][1] == 2

    manager.move(cid, "completed")  # wallets expire; coins on competing ideas stay as the result
    manager.set_status(lunch, res.IDEA_STATUS_REJECTED, "later")  # after the vote: its coins expire
    manager.set_status(solar, res.IDEA_STATUS_COMPLETE)
    completed = settled(stack, manager, cid)
    assert completed["coins"]["available"] == 0
    assert [i[0] for i in completed["top_ideas"]][:2] == [solar, bikes]

    admin_user.move(cid, "archived")  # coins still on undecided ideas expire
    archived = settled(stack, manager, cid)
    assert archived["coins"]["allocated"] == 0
    c = archived["coins"]
    assert c["granted"] == c["available"] + c["allocated"] + c["expended"] + c["expired"] + c["burned"]

    rebuilt = rebuild(stack)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "ledger entries" in rebuilt.stdout
    assert settled(stack, manager, cid, within_s=1) == archived


def test_figures_survive_a_kill_of_the_analytics_service_mid_stream(stack: Stack, admin_user: User,
                                                                     sign_in) -> None:
    cid = admin_user.create_campaign("open").campaign_id
    members = [sign_in(f"m{n}") for n in range(4)]
    for member in members:
        member.join(cid)
    ideas = [members[n].submit(cid, f"Idea number {n}").id for n in range(4)]
    stack.stop_process("analytics", signal.SIGKILL)
    for round_ in range(10):  # a backlog the service reads when it is back
        for n, member in enumerate(members):
            member.allocate(cid, ideas[(n + round_) % 4], 2)
    stack.start_service("analytics")
    stack.wait_serving("analytics")
    stack.stop_process("analytics", signal.SIGKILL)  # at once: while it works through the backlog
    stack.start_service("analytics")
    stack.wait_serving("analytics")
    for n, member in enumerate(members):
        member.allocate(cid, ideas[n], 1)
    answer = settled(stack, admin_user, cid)
    assert answer["coins"]["allocated"] == 4 * (10 * 2 + 1)


def test_who_reads_the_dashboard_and_the_exports(stack: Stack, admin_user: User, sign_in, promote) -> None:
    manager, member, stranger = sign_in("manager"), sign_in("member"), sign_in("stranger")
    sponsor = promote(sign_in("sponsor"), res.SYSTEM_ROLE_SPONSOR)
    cid = admin_user.create_campaign("open").campaign_id
    for user in (manager, member):
        user.join(cid)
    admin_user.name_manager(cid, manager)
    admin_user.campaigns.AddSponsor(campaign_pb.AddSponsorRequest(campaign_id=cid, user_id=sponsor.id))
    closed = admin_user.create_campaign("closed").campaign_id

    for reader in (admin_user, manager, sponsor):
        assert report(reader, cid).campaign_id == cid
    for outsider, campaign in ((member, cid), (stranger, cid), (stranger, closed), (manager, "no-such-campaign")):
        error = refused(grpc.StatusCode.NOT_FOUND, outsider.analytics.GetCampaignAnalytics,
                        pb.GetCampaignAnalyticsRequest(campaign_id=campaign))
        assert error_info(error).reason == "CAMPAIGN_001"

    def export(user: User, campaign: str, table: int) -> bytes:
        return b"".join(chunk.data for chunk in user.analytics.ExportCampaignAnalytics(
            pb.ExportCampaignAnalyticsRequest(campaign_id=campaign, table=table)))

    assert export(sponsor, cid, pb.EXPORT_TABLE_IDEAS).startswith(b"idea_id,title")
    assert export(manager, cid, pb.EXPORT_TABLE_LEDGER).startswith(b"entry_id,created_at")
    assert export(member, cid, pb.EXPORT_TABLE_RESULT).startswith(b"rank,idea_id")
    error = refused(grpc.StatusCode.PERMISSION_DENIED, lambda r: export(sponsor, cid, r), pb.EXPORT_TABLE_LEDGER)
    assert error_info(error).reason == "AUTH_002"
    for table in (pb.EXPORT_TABLE_IDEAS, pb.EXPORT_TABLE_LEDGER):
        refused(grpc.StatusCode.NOT_FOUND, lambda t: export(member, cid, t), table)
    refused(grpc.StatusCode.NOT_FOUND, lambda t: export(stranger, closed, t), pb.EXPORT_TABLE_RESULT)
    refused(grpc.StatusCode.INVALID_ARGUMENT, manager.analytics.GetCampaignAnalytics,
            pb.GetCampaignAnalyticsRequest(campaign_id=cid, top_ideas=101))


@pytest.fixture
def rest_token(admin_user: User) -> dict[str, str]:
    return {"authorization": f"Bearer {admin_user.account.access_token}"}


def test_the_csv_downloads_through_the_gateway_quoted_and_defused(stack: Stack, gateway: httpx.Client,
                                                                  admin_user: User, sign_in,
                                                                  rest_token: dict[str, str]) -> None:
    member = sign_in("member")
    cid = admin_user.create_campaign("open").campaign_id
    member.join(cid)
    titles = ['Roof, garden and "bees"', "Two\nlines", "=HYPERLINK(\"http://evil\")", "+1 more", "@mention",
              "-minus first"]
    ideas = [member.submit(cid, title).id for title in titles]
    for n, idea in enumerate(ideas):
        member.allocate(cid, idea, n + 1)
    settled(stack, admin_user, cid)

    answer = gateway.get(f"/campaigns/{cid}/analytics:export", headers=rest_token)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith(f'attachment; filename="{cid}-ideas-')
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    by_id = {row["idea_id"]: row for row in rows}
    shown = report(admin_user, cid)
    assert {i.idea_id: (i.coins, i.backers) for i in shown.top_ideas} == {
        row["idea_id"]: (int(row["coins"]), int(row["backers"])) for row in rows}
    standing = admin_user.ideas.GetCampaignResult(idea_pb.GetCampaignResultRequest(campaign_id=cid))
    assert [(r.rank, r.idea_id, r.coins, r.backers) for r in standing.ideas] == [
        (rank, row["idea_id"], int(row["coins"]), int(row["backers"])) for rank, row in enumerate(rows, start=1)]
    assert {row["status"] for row in rows} == {"competing"}
    assert 0 <= time.time() - shown.as_of_time.ToDatetime().replace(tzinfo=UTC).timestamp() < 5
    assert [by_id[i]["title"] for i in ideas] == [
        'Roof, garden and "bees"', "Two\nlines", "'=HYPERLINK(\"http://evil\")", "'+1 more", "'@mention",
        "'-minus first"]

    ledger = gateway.get(f"/campaigns/{cid}/analytics:export", params={"table": "EXPORT_TABLE_LEDGER"},
                         headers=rest_token)
    entries = list(csv.DictReader(io.StringIO(ledger.text)))
    allocations = [e for e in entries if e["kind"] == "allocate"]
    assert sorted(int(e["amount"]) for e in allocations) == [1, 2, 3, 4, 5, 6]
    assert {e["idea_id"] for e in allocations} == set(ideas)
    assert all(e["user_id"] == member.id for e in allocations)

    result = gateway.get(f"/campaigns/{cid}/analytics:export", params={"table": "EXPORT_TABLE_RESULT"},
                         headers=rest_token)
    ranking = list(csv.DictReader(io.StringIO(result.text)))
    assert [(r["rank"], r["idea_id"], r["final"]) for r in ranking][:2] == [("1", ideas[5], "false"),
                                                                            ("2", ideas[4], "false")]
