"""Issue 9, the campaign family: real calls over gRPC write their domain events to the campaign service's outbox in
the transaction of the change, and its relay publishes them, in commit order, to the Redis stream
coins:events:campaign within a few seconds. Invitation links travel sealed; the scheduler tells once that a campaign
ends soon, however many replicas run it."""

import time
from datetime import UTC, datetime, timedelta

import redis
from google.protobuf import field_mask_pb2, timestamp_pb2

from coins.v1 import campaign_service_pb2 as pb
from coins.v1 import events_pb2 as ev
from coins.v1 import resources_pb2 as res
from services.common import sealing
from services.common.events import stream_for
from tests.support.accounts import INVITATION, mailed_link
from tests.support.world import token_of
from tools.devstack import Stack, free_port

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


def unsealed(stack: Stack, sealed: bytes) -> str:
    """Opened as the notification service does, with the platform's secret."""
    sealing.configure(stack.service_env()["COINS_SERVICE_TOKEN_SECRET"])
    return sealing.open_sealed(sealed)


def test_campaign_changes_reach_the_campaign_stream_in_commit_order(stack, admin_user, sign_in):
    manager, invitee = sign_in("mgr"), sign_in("invitee")
    campaign = admin_user.create_campaign("closed", active=False, title="Events campaign")
    cid = campaign.campaign_id
    admin_user.name_manager(cid, manager)
    manager.move(cid, "active")
    [invitation] = manager.invite(cid, invitee.email)
    link = mailed_link(invitee.email, INVITATION)
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
            invited.member_invited.campaign_title, invited.member_invited.user_id) == (
        manager.id, invitee.email, res.CAMPAIGN_ROLE_MEMBER, "Events campaign", "")
    assert invited.subject.startswith("invitations/")
    assert token_of(invitation.link).encode() not in invited.SerializeToString()  # the link stays a secret
    # The sealed link opens to the one the invitee receives by mail, which admits.
    assert unsealed(stack, invited.member_invited.sealed_link) == link == invitation.link
    assert (joined.actor_id, joined.member_joined.user_id, joined.member_joined.role) == (
        invitee.id, invitee.id, res.CAMPAIGN_ROLE_MEMBER)
    assert (list(renamed.campaign_changed.update_mask.paths), renamed.campaign_changed.campaign.title) == (
        ["title"], "Renamed")
    assert (completed.actor_id, completed.campaign_completed.campaign.status) == (
        manager.id, res.CAMPAIGN_STATUS_COMPLETED)


def ends_in(delta: timedelta) -> timestamp_pb2.Timestamp:
    value = timestamp_pb2.Timestamp()
    value.FromDatetime(datetime.now(UTC) + delta)
    return value


def ending_notices(stack: Stack, campaign_id: str, within_s: float) -> list[ev.Event]:
    """The campaign's CampaignEndingSoon events on the stream, once one is there (or the time is up)."""
    deadline = time.monotonic() + within_s
    while True:
        notices = [e for e in published(stack, campaign_id, 1, within_s=0)
                   if e.WhichOneof("payload") == "campaign_ending_soon"]
        if notices or time.monotonic() > deadline:
            return notices
        time.sleep(0.2)


def test_a_campaign_ending_soon_is_told_once_however_many_schedulers_run(stack, admin_user):
    # Activated by hand with its end an hour away, inside every scheduler's window: told at the next pass.
    soon = admin_user.create_campaign("open", title="Ends soon", end_time=ends_in(timedelta(hours=1)))
    # Three days away: outside the stack's window (24 hours), inside the replicas' (a week).
    later = admin_user.create_campaign("open", title="Ends later", end_time=ends_in(timedelta(days=3)))
    replicas = [(f"campaign-notices-{i}", free_port()) for i in range(2)]
    for name, port in replicas:
        stack.start_service("campaign", name=name, port=port,
                            extra_env={"COINS_CAMPAIGN_ENDING_NOTICE_S": str(7 * 24 * 3600)})
    try:
        for name, port in replicas:
            stack.wait_serving("campaign", name=name, port=port)
        for campaign in (soon, later):
            [notice] = ending_notices(stack, campaign.campaign_id, within_s=10)
            assert (notice.actor_id, notice.subject) == ("", f"campaigns/{campaign.campaign_id}")
            told = notice.campaign_ending_soon
            assert (told.end_time, told.campaign.end_time) == (campaign.end_time, campaign.end_time)
            assert (told.campaign.title, told.campaign.status) == (campaign.title, res.CAMPAIGN_STATUS_ACTIVE)
        time.sleep(2)  # several more passes of three schedulers (every 0.5 s)
        for campaign in (soon, later):
            assert len(ending_notices(stack, campaign.campaign_id, within_s=0)) == 1
    finally:
        for name, _ in replicas:
            stack.stop_process(name)
