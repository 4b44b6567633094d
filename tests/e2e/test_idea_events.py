"""Issue 9: the idea service tells what happened on its stream `coins:events:idea` (one serialized coins.v1.Event
per entry), written in the transaction of the change and published by its relay within moments of the commit,
each change exactly once: a repeated request and a decision a crash cut (finished by the sweeper) included."""

import signal
import time
import uuid

import grpc
import pytest
import redis

from coins.v1 import idea_service_pb2 as idea_pb
from coins.v1 import resources_pb2 as res
from coins.v1.events_pb2 import Event
from tests.e2e.test_decision_crash import CRASH_POINT, restart_idea_service

STREAM = "coins:events:idea"
WITHIN_S = 5


def events_of(stack, idea_id: str) -> list[Event]:
    client = redis.Redis.from_url(stack.redis_url)
    try:
        entries = client.xrange(STREAM, min="-", max="+")
    finally:
        client.close()
    decoded = [Event.FromString(fields[b"event"]) for _, fields in entries]
    return [e for e in decoded if e.subject == f"ideas/{idea_id}"]


def wait_for(stack, idea_id: str, count: int) -> list[Event]:
    """The idea's events once `count` arrived; then a moment more, to see that no more come."""
    deadline = time.monotonic() + WITHIN_S
    while len(found := events_of(stack, idea_id)) < count:
        assert time.monotonic() < deadline, f"{len(found)} of {count} events arrived: {[e.type for e in found]}"
        time.sleep(0.1)
    time.sleep(0.5)
    return events_of(stack, idea_id)


def test_each_change_of_an_idea_arrives_on_the_stream_once(admin_user, sign_in, stack):
    manager, member = sign_in("manager"), sign_in("member")
    cid = admin_user.create_campaign("mediated").campaign_id
    admin_user.name_manager(cid, manager)
    member.join(cid)
    energy, water = admin_user.tag(cid, "Energy"), admin_user.tag(cid, "Water")

    idea = member.submit(cid, "Solar panels on the roof", description="Cheaper power", tag_ids=[energy.id])
    member.ideas.AddIdeaTag(idea_pb.AddIdeaTagRequest(idea_id=idea.id, tag_id=water.id))
    approve = idea_pb.UpdateIdeaStatusRequest(idea_id=idea.id, status=res.IDEA_STATUS_APPROVED, reason="go",
                                              request_id=str(uuid.uuid4()))
    manager.ideas.UpdateIdeaStatus(approve)
    manager.ideas.UpdateIdeaStatus(approve)  # the repeat changes nothing and tells nothing
    manager.set_status(idea.id, res.IDEA_STATUS_ACCEPTED, "funded")

    submitted, tagged, approved, accepted = wait_for(stack, idea.id, 4)
    for event in (submitted, tagged, approved, accepted):
        assert (event.source, event.campaign_id, event.subject) == ("idea", cid, f"ideas/{idea.id}")
        uuid.UUID(event.event_id)
    assert len({e.event_id for e in (submitted, tagged, approved, accepted)}) == 4

    assert (submitted.type, submitted.actor_id) == ("coins.v1.IdeaSubmitted", member.id)
    told = submitted.idea_submitted
    assert (told.idea.title, told.idea.description, told.idea.status, told.idea.submitter_id) == (
        "Solar panels on the roof", "Cheaper power", res.IDEA_STATUS_PENDING, member.id)
    assert told.idea.submitter_name and [t.name for t in told.tags] == ["Energy"]

    assert (tagged.type, list(tagged.idea_edited.update_mask.paths)) == ("coins.v1.IdeaEdited", ["tag_ids"])
    assert sorted(t.name for t in tagged.idea_edited.tags) == ["Energy", "Water"]

    assert (approved.type, approved.actor_id) == ("coins.v1.IdeaStatusChanged", manager.id)
    assert (approved.idea_status_changed.from_status, approved.idea_status_changed.to_status,
            approved.idea_status_changed.idea.status, approved.idea_status_changed.reason) == (
        res.IDEA_STATUS_PENDING, res.IDEA_STATUS_APPROVED, res.IDEA_STATUS_COMPETING, "go")
    assert (accepted.idea_status_changed.from_status, accepted.idea_status_changed.to_status,
            accepted.idea_status_changed.reason, accepted.actor_id) == (
        res.IDEA_STATUS_COMPETING, res.IDEA_STATUS_ACCEPTED, "funded", manager.id)


@pytest.fixture
def crashing_idea_service(stack):
    restart_idea_service(stack, CRASH_POINT)
    yield
    restart_idea_service(stack)


def test_a_decision_the_sweeper_finishes_after_a_crash_is_told_once(admin_user, sign_in, stack,
                                                                   crashing_idea_service):
    member = sign_in("member")
    cid = admin_user.create_campaign("open").campaign_id
    member.join(cid)
    idea = member.submit(cid)
    with pytest.raises(grpc.RpcError) as cut:
        admin_user.set_status(idea.id, res.IDEA_STATUS_REJECTED, "off topic")
    assert cut.value.code() is grpc.StatusCode.UNAVAILABLE
    assert stack._processes["idea"].wait(5) == -signal.SIGKILL
    stack.start_service("idea")  # a normal start: its sweeper finishes the decision
    stack.wait_serving("idea")

    submitted, rejected = wait_for(stack, idea.id, 2)
    assert submitted.idea_submitted.idea.status == res.IDEA_STATUS_COMPETING
    assert (rejected.idea_status_changed.from_status, rejected.idea_status_changed.to_status,
            rejected.idea_status_changed.reason, rejected.actor_id) == (
        res.IDEA_STATUS_COMPETING, res.IDEA_STATUS_REJECTED, "off topic", admin_user.id)
