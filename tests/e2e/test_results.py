"""PRODUCT.md "Campaigns" and "Coins": completion ends the vote, not the result. Coins on competing ideas stay as
the result; managers decide ideas after completion; archiving expires what is left; the result is a read of its
own. Also: the submission reward is capped, paid once per idea and taken back on rejection."""

import threading
import uuid

import grpc

from coins.v1 import coin_service_pb2 as coin_pb
from coins.v1 import idea_service_pb2 as idea_pb
from coins.v1 import resources_pb2 as res
from tests.support.coin_invariants import violations
from tests.support.errors import error_info
from tests.support.world import refused


def result(user, cid):
    return user.ideas.GetCampaignResult(idea_pb.GetCampaignResultRequest(campaign_id=cid))


def ranking(answer):
    return [(i.idea_id, i.rank, i.coins, i.backers, i.status) for i in answer.ideas]


def test_completion_keeps_the_vote_as_the_result_and_managers_decide_afterwards(admin_user, sign_in, stack):
    alice, bob, stranger = sign_in("alice"), sign_in("bob"), sign_in("stranger")
    cid = admin_user.create_campaign("open").campaign_id
    for who in (alice, bob):
        who.join(cid)
    a, b, c, d = (alice.submit(cid).id for _ in range(4))
    bob.allocate(cid, a, 20)
    bob.allocate(cid, b, 30)
    alice.allocate(cid, c, 10)
    alice.allocate(cid, d, 20)
    admin_user.set_status(b, res.IDEA_STATUS_ACCEPTED)

    live = result(stranger, cid)
    assert not live.final and ranking(live)[0][:3] == (b, 1, 30)

    admin_user.move(cid, "completed")
    balance = bob.balance(cid)
    # Only what was still available expires; the 20 on idea a stay there, frozen.
    assert (balance.available, balance.allocated, balance.expended, balance.expired) == (0, 20, 30, 50)
    COMPETING, ACCEPTED, REJECTED = res.IDEA_STATUS_COMPETING, res.IDEA_STATUS_ACCEPTED, res.IDEA_STATUS_REJECTED
    expected = [(b, 1, 30, 1, ACCEPTED), (a, 2, 20, 1, COMPETING), (d, 2, 20, 1, COMPETING), (c, 4, 10, 1, COMPETING)]
    final = result(stranger, cid)
    assert final.final and final.complete_time.seconds > 0
    assert ranking(final) == expected
    most = stranger.ideas.ListIdeas(idea_pb.ListIdeasRequest(campaign_id=cid,
                                                             order_by=idea_pb.IDEA_ORDER_MOST_COINS))
    assert [(i.id, i.coin_total) for i in most.ideas if i.id in (b, c)] == [(b, 30), (c, 10)]
    assert [i.coin_total for i in most.ideas] == [30, 20, 20, 10]  # the frozen totals, still sorting

    # Nothing moves after completion but the decisions.
    error = refused(grpc.StatusCode.FAILED_PRECONDITION, bob.allocate, cid, d, 1)
    assert error_info(error).reason == "CAMPAIGN_002"
    error = refused(grpc.StatusCode.FAILED_PRECONDITION, bob.coins.WithdrawCoins, coin_pb.WithdrawCoinsRequest(
        campaign_id=cid, idea_id=a, amount=1, request_id=str(uuid.uuid4())))
    assert error_info(error).reason == "CAMPAIGN_002"

    assert admin_user.set_status(a, ACCEPTED).status == ACCEPTED  # expended
    assert admin_user.set_status(c, REJECTED).status == REJECTED  # expires: nothing returns to wallets
    assert admin_user.set_status(b, res.IDEA_STATUS_IN_PROGRESS).status == res.IDEA_STATUS_IN_PROGRESS
    assert (bob.balance(cid).expended, bob.balance(cid).allocated) == (50, 0)
    alice_balance = alice.balance(cid)
    assert (alice_balance.available, alice_balance.allocated, alice_balance.expired) == (0, 20, 80)
    decided = [(b, 1, 30, 1, res.IDEA_STATUS_IN_PROGRESS), (a, 2, 20, 1, ACCEPTED), (d, 2, 20, 1, COMPETING),
               (c, 4, 10, 1, REJECTED)]
    assert ranking(result(stranger, cid)) == decided  # only the decisions changed

    admin_user.move(cid, "archived")
    alice_balance = alice.balance(cid)
    assert (alice_balance.allocated, alice_balance.expired) == (0, 100)  # d was never decided
    assert ranking(result(stranger, cid)) == decided
    error = refused(grpc.StatusCode.FAILED_PRECONDITION, admin_user.set_status, d, ACCEPTED)
    assert error_info(error).reason == "CAMPAIGN_002"
    assert violations(stack.database_url, [cid]) == []


def test_the_result_is_for_whoever_can_see_the_campaign(admin_user, sign_in):
    member, outsider = sign_in("member"), sign_in("outsider")
    cid = admin_user.create_campaign("closed").campaign_id
    refused(grpc.StatusCode.NOT_FOUND, result, outsider, cid)
    admin_user.name_manager(cid, member)
    assert result(member, cid).campaign_id == cid


def test_a_member_holds_coins_in_the_very_next_call(admin_user, sign_in):
    """Joining an active campaign and activating one both grant before they answer: no waiting for a relay."""
    early, late = sign_in("early"), sign_in("late")
    cid = admin_user.create_campaign("open", active=False).campaign_id
    admin_user.name_manager(cid, early)  # in the campaign before it starts
    admin_user.move(cid, "active")
    idea = early.submit(cid).id
    assert early.allocate(cid, idea, 7).balance.available == 93
    late.join(cid)
    assert late.allocate(cid, idea, 3).balance.available == 97


def test_submission_reward_is_capped_paid_once_and_taken_back_on_rejection(admin_user, sign_in, stack):
    farmer = sign_in("farmer")
    policy = res.CoinPolicy(initial_allocation=10, idea_submission_reward=5, max_rewarded_ideas=2)
    cid = admin_user.create_campaign("open", coin_policy=policy).campaign_id
    farmer.join(cid)
    ideas = [farmer.submit(cid, force=True).id for _ in range(4)]
    assert farmer.balance(cid).granted == 20  # two rewarded ideas, not four
    admin_user.set_status(ideas[0], res.IDEA_STATUS_REJECTED)
    balance = farmer.balance(cid)
    assert (balance.granted, balance.available) == (15, 15)
    kinds = [e.kind for e in farmer.coins.ListLedgerEntries(coin_pb.ListLedgerEntriesRequest(campaign_id=cid)).entries]
    assert kinds[0] == res.LEDGER_ENTRY_KIND_REWARD_REVOKED
    assert kinds.count(res.LEDGER_ENTRY_KIND_SUBMISSION_REWARD) == 2

    # The same request raced from many threads creates one idea and pays at most one reward.
    request_id, answers = str(uuid.uuid4()), []

    def submit():
        answers.append(farmer.submit(cid, title="Raced idea", force=True, request_id=request_id).id)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(answers)) == 1 and len(answers) == 8
    assert violations(stack.database_url, [cid]) == []
