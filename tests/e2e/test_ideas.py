"""PRODUCT.md "Ideas" (and the coin side of acceptance and rejection), over gRPC through the gateway."""

import uuid

import grpc
import pytest
from google.protobuf import field_mask_pb2

from coins.v1 import coin_service_pb2 as coin_pb
from coins.v1 import idea_service_pb2 as pb
from coins.v1 import resources_pb2 as res
from tests.support.errors import error_info
from tests.support.world import refused

S = res  # status values read better as S.IDEA_STATUS_...


@pytest.fixture
def mediated(admin_user, sign_in):
    """An active mediated campaign with a manager and two members who hold their coins."""
    manager, member, backer = sign_in("manager"), sign_in("member"), sign_in("backer")
    cid = admin_user.create_campaign("mediated", coin_policy=res.CoinPolicy(idea_submission_reward=5)).campaign_id
    admin_user.name_manager(cid, manager)
    member.join(cid)
    backer.join(cid)
    assert backer.balance(cid).available == 100
    return cid, manager, member, backer


def test_open_campaigns_skip_moderation_mediated_ones_queue(admin_user, sign_in, mediated):
    member = sign_in("opener")
    open_id = admin_user.create_campaign("open").campaign_id
    member.join(open_id)
    assert member.submit(open_id).status == S.IDEA_STATUS_COMPETING
    cid, _, mediated_member, _ = mediated
    assert mediated_member.submit(cid).status == S.IDEA_STATUS_PENDING


def test_the_whole_workflow_stamps_and_records_each_move(mediated):
    cid, manager, member, backer = mediated
    idea = member.submit(cid, "Shared e-bikes", description="Lend them out")
    approved = manager.set_status(idea.id, S.IDEA_STATUS_APPROVED, "good one")
    assert approved.status == S.IDEA_STATUS_COMPETING and approved.HasField("approve_time")
    assert member.balance(cid).available == 105  # the submission reward, once competing
    backer.allocate(cid, idea.id, 40)
    accepted = manager.set_status(idea.id, S.IDEA_STATUS_ACCEPTED)
    assert accepted.status == S.IDEA_STATUS_ACCEPTED and accepted.coin_total == 40
    started = manager.set_status(idea.id, S.IDEA_STATUS_IN_PROGRESS)
    done = manager.set_status(idea.id, S.IDEA_STATUS_COMPLETE)
    assert started.HasField("start_time") and done.HasField("complete_time")
    history = [(h.from_status, h.to_status, h.actor_id) for h in done.status_history]
    assert history == [(S.IDEA_STATUS_PENDING, S.IDEA_STATUS_COMPETING, manager.id),
                       (S.IDEA_STATUS_COMPETING, S.IDEA_STATUS_ACCEPTED, manager.id),
                       (S.IDEA_STATUS_ACCEPTED, S.IDEA_STATUS_IN_PROGRESS, manager.id),
                       (S.IDEA_STATUS_IN_PROGRESS, S.IDEA_STATUS_COMPLETE, manager.id)]
    assert done.status_history[0].reason == "good one"


def test_acceptance_expends_every_backers_coins(mediated, sign_in):
    cid, manager, member, backer = mediated
    idea = member.submit(cid)
    manager.set_status(idea.id, S.IDEA_STATUS_APPROVED)
    backer.allocate(cid, idea.id, 30)
    assert member.balance(cid).available == 105
    member.allocate(cid, idea.id, 5)
    manager.set_status(idea.id, S.IDEA_STATUS_ACCEPTED)
    assert (backer.balance(cid).expended, backer.balance(cid).allocated) == (30, 0)
    assert member.balance(cid).expended == 5
    # Nothing lands on an accepted idea, and its coins never move again.
    late = refused(grpc.StatusCode.FAILED_PRECONDITION, backer.allocate, cid, idea.id, 1)
    assert error_info(late).reason == "IDEA_003"
    stuck = refused(grpc.StatusCode.FAILED_PRECONDITION, backer.coins.WithdrawCoins, coin_pb.WithdrawCoinsRequest(
        campaign_id=cid, idea_id=idea.id, amount=1, request_id=str(uuid.uuid4())))
    assert error_info(stuck).reason == "COIN_002"


@pytest.mark.parametrize("recycling", [True, False])
def test_rejecting_a_competing_idea_recycles_or_burns_its_coins(admin_user, sign_in, recycling):
    member, backer = sign_in("m"), sign_in("b")
    cid = admin_user.create_campaign("open", coin_policy=res.CoinPolicy(allow_recycling=recycling)).campaign_id
    member.join(cid)
    backer.join(cid)
    assert backer.balance(cid).available == 100
    idea = member.submit(cid)
    backer.allocate(cid, idea.id, 60)
    rejected = admin_user.set_status(idea.id, S.IDEA_STATUS_REJECTED, "out of scope")
    assert rejected.status == S.IDEA_STATUS_REJECTED and rejected.HasField("reject_time")
    balance = backer.balance(cid)
    if recycling:
        assert (balance.available, balance.allocated, balance.burned) == (100, 0, 0)
    else:
        assert (balance.available, balance.allocated, balance.burned) == (40, 0, 60)


def test_rejected_pending_ideas_earn_no_reward(mediated):
    cid, manager, member, _ = mediated
    idea = member.submit(cid)
    manager.set_status(idea.id, S.IDEA_STATUS_REJECTED)
    assert member.balance(cid).granted == 100


@pytest.mark.parametrize("start,target,reason", [
    ("pending", S.IDEA_STATUS_ACCEPTED, "IDEA_003"),
    ("pending", S.IDEA_STATUS_IN_PROGRESS, "INVALID_TRANSITION"),
    ("competing", S.IDEA_STATUS_APPROVED, "INVALID_TRANSITION"),
    ("competing", S.IDEA_STATUS_COMPLETE, "INVALID_TRANSITION"),
    ("accepted", S.IDEA_STATUS_REJECTED, "IDEA_004"),
    ("accepted", S.IDEA_STATUS_ACCEPTED, "IDEA_004"),
])
def test_illegal_moves_fail_with_a_clear_reason(mediated, start, target, reason):
    cid, manager, member, _ = mediated
    idea = member.submit(cid)
    if start in ("competing", "accepted"):
        manager.set_status(idea.id, S.IDEA_STATUS_APPROVED)
    if start == "accepted":
        manager.set_status(idea.id, S.IDEA_STATUS_ACCEPTED)
    error = refused(grpc.StatusCode.FAILED_PRECONDITION, manager.set_status, idea.id, target)
    assert error_info(error).reason == reason


def test_after_completion_only_decisions_move_until_archiving(mediated, admin_user):
    cid, manager, member, backer = mediated
    accepted, competing, pending = member.submit(cid), member.submit(cid), member.submit(cid)
    for idea in (accepted, competing):
        manager.set_status(idea.id, S.IDEA_STATUS_APPROVED)
    manager.set_status(accepted.id, S.IDEA_STATUS_ACCEPTED)
    admin_user.move(cid, "completed")
    assert error_info(refused(grpc.StatusCode.FAILED_PRECONDITION, member.submit, cid)).reason == "CAMPAIGN_002"
    assert error_info(refused(grpc.StatusCode.FAILED_PRECONDITION, manager.set_status, pending.id,
                              S.IDEA_STATUS_APPROVED)).reason == "CAMPAIGN_002"  # moderation ended with the vote
    assert error_info(refused(grpc.StatusCode.FAILED_PRECONDITION, backer.allocate, cid, competing.id,
                              1)).reason == "CAMPAIGN_002"
    assert manager.set_status(competing.id, S.IDEA_STATUS_ACCEPTED).status == S.IDEA_STATUS_ACCEPTED
    assert manager.set_status(accepted.id, S.IDEA_STATUS_IN_PROGRESS).status == S.IDEA_STATUS_IN_PROGRESS
    admin_user.move(cid, "archived")
    assert error_info(refused(grpc.StatusCode.FAILED_PRECONDITION, manager.set_status, accepted.id,
                              S.IDEA_STATUS_COMPLETE)).reason == "CAMPAIGN_002"


def test_submitters_edit_their_own_pending_ideas_only(mediated):
    cid, manager, member, backer = mediated
    idea = member.submit(cid, "First wording")
    edited = member.ideas.UpdateIdea(pb.UpdateIdeaRequest(
        idea_id=idea.id, idea=res.Idea(title="Better wording"), update_mask=field_mask_pb2.FieldMask(paths=["title"])))
    assert edited.title == "Better wording"
    refused(grpc.StatusCode.NOT_FOUND, backer.ideas.UpdateIdea,
            pb.UpdateIdeaRequest(idea_id=idea.id, idea=res.Idea(title="Hijacked")))  # pending: not even visible
    refused(grpc.StatusCode.PERMISSION_DENIED, manager.ideas.UpdateIdea,
            pb.UpdateIdeaRequest(idea_id=idea.id, idea=res.Idea(title="Manager's words")))
    manager.set_status(idea.id, S.IDEA_STATUS_APPROVED)
    error = refused(grpc.StatusCode.FAILED_PRECONDITION, member.ideas.UpdateIdea,
                    pb.UpdateIdeaRequest(idea_id=idea.id, idea=res.Idea(title="Too late")))
    assert error_info(error).reason == "IDEA_LOCKED"


def test_pending_ideas_are_seen_by_their_submitter_and_managers_only(mediated):
    cid, manager, member, backer = mediated
    idea = member.submit(cid)
    for who in (member, manager):
        assert who.ideas.GetIdea(pb.GetIdeaRequest(idea_id=idea.id)).id == idea.id
    missing = refused(grpc.StatusCode.NOT_FOUND, backer.ideas.GetIdea, pb.GetIdeaRequest(idea_id=idea.id))
    guessed = refused(grpc.StatusCode.NOT_FOUND, backer.ideas.GetIdea, pb.GetIdeaRequest(idea_id=str(uuid.uuid4())))
    assert missing.details() == guessed.details()  # hidden and missing look the same
    assert idea.id not in [i.id for i in backer.ideas.ListIdeas(pb.ListIdeasRequest(campaign_id=cid)).ideas]


def test_tags_go_on_and_off_by_manager_or_submitter(mediated, admin_user):
    cid, manager, member, backer = mediated
    tag = admin_user.tag(cid)
    idea = member.submit(cid)
    assert list(member.ideas.AddIdeaTag(pb.AddIdeaTagRequest(idea_id=idea.id, tag_id=tag.id)).tag_ids) == [tag.id]
    assert list(manager.ideas.RemoveIdeaTag(pb.RemoveIdeaTagRequest(idea_id=idea.id, tag_id=tag.id)).tag_ids) == []
    foreign = admin_user.tag(admin_user.create_campaign("open").campaign_id)
    error = refused(grpc.StatusCode.INVALID_ARGUMENT, member.ideas.AddIdeaTag,
                    pb.AddIdeaTagRequest(idea_id=idea.id, tag_id=foreign.id))
    assert error_info(error).metadata["field"] == "tag_ids"


def test_listing_filters_sorts_and_pages(admin_user, sign_in):
    alice, bob = sign_in("alice"), sign_in("bob")
    cid = admin_user.create_campaign("open").campaign_id
    for who in (alice, bob):
        who.join(cid)
    assert bob.balance(cid).available == 100
    tag = admin_user.tag(cid)
    apple = alice.submit(cid, "Apple trees in the yard", tag_ids=[tag.id], context_id="page-7")
    cedar = bob.submit(cid, "Cedar benches for lunch")
    birch = alice.submit(cid, "Birch hedge along the car park", context_id="page-7")
    bob.allocate(cid, cedar.id, 50)
    bob.allocate(cid, birch.id, 20)

    def titles(**filters):
        return [i.title for i in bob.ideas.ListIdeas(pb.ListIdeasRequest(campaign_id=cid, **filters)).ideas]

    assert titles() == [birch.title, cedar.title, apple.title]  # newest first
    assert titles(order_by=pb.IDEA_ORDER_TITLE) == [apple.title, birch.title, cedar.title]
    assert titles(order_by=pb.IDEA_ORDER_MOST_COINS) == [cedar.title, birch.title, apple.title]
    assert titles(tag_id=tag.id) == [apple.title]
    assert titles(submitter_id=bob.id) == [cedar.title]
    assert titles(context_id="page-7") == [birch.title, apple.title]
    assert titles(status=S.IDEA_STATUS_PENDING) == []
    listed = bob.ideas.ListIdeas(pb.ListIdeasRequest(campaign_id=cid, order_by=pb.IDEA_ORDER_MOST_COINS)).ideas
    assert [i.coin_total for i in listed] == [50, 20, 0]
    first = bob.ideas.ListIdeas(pb.ListIdeasRequest(campaign_id=cid, page_size=2))
    second = bob.ideas.ListIdeas(pb.ListIdeasRequest(campaign_id=cid, page_size=2, page_token=first.next_page_token))
    assert [i.title for i in first.ideas] + [i.title for i in second.ideas] == titles()
    assert second.next_page_token == ""


def test_permalinks_carry_the_external_context(mediated, stack):
    cid, _, member, _ = mediated
    link = member.ideas.GetPermalink(pb.GetPermalinkRequest(campaign_id=cid, context_id="ticket-42",
                                                            source="helpdesk"))
    assert link.url == f"http://localhost:8080/c/{cid}/submit?context_id=ticket-42&source=helpdesk"
    idea = member.submit(cid, context_id="ticket-42", permalink_source="helpdesk")
    assert (idea.context_id, idea.permalink_source) == ("ticket-42", "helpdesk")
    mine = member.ideas.ListIdeas(pb.ListIdeasRequest(campaign_id=cid, context_id="ticket-42")).ideas
    assert [i.id for i in mine] == [idea.id]
    bad = refused(grpc.StatusCode.INVALID_ARGUMENT, member.submit, cid, context_id="has spaces")
    assert error_info(bad).metadata["field"] == "context_id"


def test_near_duplicates_are_refused_naming_the_original_unless_forced(mediated):
    cid, manager, member, backer = mediated
    original = member.submit(cid, "Bike racks at the office")
    # Pending, the original is the member's and the managers' business: a manager is told, a member is not.
    error = refused(grpc.StatusCode.FAILED_PRECONDITION, manager.submit, cid, "office bike rack")
    assert error_info(error).metadata["existing_idea_id"] == original.id
    unaware = backer.submit(cid, "Racks for bikes at the office")
    assert unaware.status == S.IDEA_STATUS_PENDING
    manager.set_status(original.id, S.IDEA_STATUS_APPROVED)
    error = refused(grpc.StatusCode.FAILED_PRECONDITION, backer.submit, cid, "office bike rack")
    info = error_info(error)
    assert info.reason == "IDEA_002" and info.metadata["existing_idea_id"] == original.id
    forced = backer.submit(cid, "office bike rack", force=True)
    assert forced.id != original.id
    similar = backer.ideas.FindSimilarIdeas(pb.FindSimilarIdeasRequest(campaign_id=cid, title="bike racks office"))
    # The backer sees its own ideas and the competing original; the member's pending ones stay hidden.
    assert {s.idea.id for s in similar.similar_ideas} == {forced.id, unaware.id, original.id}
    other = member.ideas.FindSimilarIdeas(pb.FindSimilarIdeasRequest(campaign_id=cid, title="bike racks office"))
    assert {s.idea.id for s in other.similar_ideas} == {original.id}
    managed = manager.ideas.FindSimilarIdeas(pb.FindSimilarIdeasRequest(campaign_id=cid, title="bike racks office"))
    assert {s.idea.id for s in managed.similar_ideas} == {forced.id, unaware.id, original.id}
    assert all(0 < s.score <= 1 for s in managed.similar_ideas)


def test_a_retried_submission_returns_the_first_idea(mediated):
    cid, _, member, _ = mediated
    request_id = str(uuid.uuid4())
    first = member.submit(cid, "Retry me", request_id=request_id)
    again = member.submit(cid, "Retry me", request_id=request_id)
    assert first.id == again.id
