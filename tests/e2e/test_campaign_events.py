"""Issue 9, the campaign family: real calls over gRPC write their domain events to the campaign service's outbox in
the transaction of the change, and its relay publishes them, in commit order, to the Redis stream
coins:events:campaign within a few seconds."""

import time

import redis
from google.protobuf import field_mask_pb2

from coins.v1 import campaign_service_pb2 as pb
from coins.v1 import events_pb2 as ev
from coins.v1 import resources_pb2 as res
from services.common.events import stream_for
from tests.support.world import token_of

STREAM = stream_for("campaign")


def published(stack, campaign_id: str, count: int, within_s: float = 5.0) -> list[ev.Event]:
    """The campaign's events on the stream, oldest first, once there are at least `count` (or the time is up)."""
    client = redis.Redis.from_url(stack.redis_url)
    try:
        deadline = time.monotonic() + within_s
        while True:
            events = []
            for _, fields in client.xrange(STREAM, min="-", max="+"):
                event = ev.Event.FromString(fields[b"event"])
                assert fields[b"event_id"].decode() == event.event_id and fields[b"type"].decode() == event.type
                if event.campaign_id == campaign_id:
                    events.append(event)
            if len(events) >= count or time.monotonic() > deadline:
                return events
            time.sleep(0.1)
    finally:
        client.close()


def test_campaign_changes_reach_the_campaign_stream_in_commit_order(stack, admin_user, sign_in):
    manager, invitee = sign_in("mgr"), sign_in("invitee")
    campaign = admin_user.create_campaign("closed", active=False, title="Events campaign")
    cid = campaign.campaign_id
    admin_user.name_manager(cid, manager)
    manager.move(cid, "active")
    [invitation] = manager.invite(cid, invitee.email)
    invitee.accept(invitation.link)
    manager.campaigns.UpdateCampaign(pb.UpdateCampaignRequest(
        campaign_id=cid, campaign=res.Campaign(title="Renamed"), update_mask=field_mask_pb2.FieldMask(paths=["title"])))
    manager.move(cid, "completed")

    events = published(stack, cid, 7)
    assert [e.WhichOneof("payload") for e in events] == [
        "campaign_changed", "member_joined", "campaign_started", "member_invited", "member_joined",
        "campaign_changed", "campaign_completed"]
    created, named, started, invited, joined, renamed, completed = events
    assert all(e.source == "campaign" and e.type == getattr(e, e.WhichOneof("payload")).DESCRIPTOR.full_name
               for e in events)
    assert len({e.event_id for e in events}) == 7

    assert (created.actor_id, created.subject, created.campaign_changed.campaign.title) == (
        admin_user.id, f"campaigns/{cid}", "Events campaign")
    assert (named.subject, named.member_joined.user_id, named.member_joined.role) == (
        f"users/{manager.id}", manager.id, res.CAMPAIGN_ROLE_MANAGER)
    assert (started.actor_id, started.campaign_started.campaign.status) == (manager.id, res.CAMPAIGN_STATUS_ACTIVE)
    assert (invited.actor_id, invited.member_invited.email, invited.member_invited.role,
            invited.member_invited.campaign_title, invited.member_invited.link) == (
        manager.id, invitee.email, res.CAMPAIGN_ROLE_MEMBER, "Events campaign", "")
    assert invited.subject.startswith("invitations/")
    assert token_of(invitation.link).encode() not in invited.SerializeToString()  # the link stays a secret
    assert (joined.actor_id, joined.member_joined.user_id, joined.member_joined.role) == (
        invitee.id, invitee.id, res.CAMPAIGN_ROLE_MEMBER)
    assert (list(renamed.campaign_changed.update_mask.paths), renamed.campaign_changed.campaign.title) == (
        ["title"], "Renamed")
    assert (completed.actor_id, completed.campaign_completed.campaign.status) == (
        manager.id, res.CAMPAIGN_STATUS_COMPLETED)
