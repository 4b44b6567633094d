"""Issue 9, faults: the notification service killed mid-flow, a relay that dies between publishing and marking its
rows, Redis restarted, the SMTP server refusing for a while. After recovery every event is delivered exactly once
(counted in the app and in the mailbox), nothing is left in an outbox, and no event went to a dead-letter stream."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import Counter

import asyncpg
import grpc
import httpx
import redis

from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import resources_pb2 as res
from services.common.events import dead_stream, stream_for
from tests.support.notifications import EMAIL, eventually, inbox, mails_to, prefer, wait_inbox

E = res.NotificationEvent
FAMILIES = ("campaign", "idea", "coin", "auth")


def _sql(stack, query: str, *args) -> list[tuple]:
    async def fetch() -> list[tuple]:
        connection = await asyncpg.connect(stack.database_url)
        try:
            return [tuple(row) for row in await connection.fetch(query, *args)]
        finally:
            await connection.close()

    return asyncio.run(fetch())


def _unpublished(stack) -> int:
    return sum(_sql(stack, f"SELECT count(*) FROM {schema}.event_outbox WHERE published_at IS NULL")[0][0]
               for schema in FAMILIES)


def _dead_letters(stack) -> list[str]:
    """Each dead letter as its type and error, so a failure says what died and why."""
    client = redis.Redis.from_url(stack.redis_url)
    try:
        return [f"{fields[b'type'].decode()}: {fields[b'error'].decode()}" for family in FAMILIES
                for _, fields in client.xrange(dead_stream(stream_for(family)))]
    finally:
        client.close()


def _members(admin_user, sign_in, count: int, title: str) -> tuple[str, list]:
    people = [sign_in(f"fault{n}") for n in range(count)]
    cid = admin_user.create_campaign("open", active=False, title=title).campaign_id
    for person in people:
        admin_user.bring_in(cid, person)
    return cid, people


def _campaign_mails(stack, people, title: str) -> Counter:
    """Deliveries per Message-ID of the mails about this campaign's completion (duplicates would count twice)."""
    return Counter(m["Message-ID"] for person in people for m in mails_to(stack.mail_dir, person.email)
                   if title in m["Subject"] and "complete" in m["Subject"])


def _told_once(people, kind: int, within_s: float = 20) -> None:
    for person in people:
        told = eventually(lambda p=person: [n for n in inbox(p).notifications if n.event == kind],
                          lambda found: len(found) >= 1, within_s)
        assert len(told) == 1, f"{person.email} was told {len(told)} times"


def _quiet(stack) -> None:
    assert eventually(lambda: _unpublished(stack), lambda left: left == 0, 15) == 0, "rows stuck in an outbox"
    assert _dead_letters(stack) == []


def _running_with_completion_mail(admin_user, sign_in, count: int, title: str) -> tuple[str, list]:
    """An active campaign whose members all asked for the completion by mail."""
    cid, people = _members(admin_user, sign_in, count, title)
    for person in people:
        prefer(person, (E.NOTIFICATION_EVENT_CAMPAIGN_COMPLETED, EMAIL, True))
    admin_user.move(cid, "active")
    return cid, people


def test_the_smtp_server_refusing_for_a_while_delays_mail_and_loses_or_doubles_none(stack, admin_user, sign_in):
    title = "Refused for a while"
    cid, people = _running_with_completion_mail(admin_user, sign_in, 4, title)
    refuse = stack.mail_dir / "REFUSE"
    refuse.touch()
    try:
        admin_user.move(cid, "completed")
        _told_once(people, E.NOTIFICATION_EVENT_CAMPAIGN_COMPLETED)
        deferred = eventually(lambda: _sql(stack, "SELECT count(*) FROM notification.mails WHERE state = 'queued' "
                                                  "AND attempts > 0 AND last_error IS NOT NULL")[0][0],
                              lambda n: n >= 4, 10)
        assert deferred >= 4 and not _campaign_mails(stack, people, title)
    finally:
        refuse.unlink()
    delivered = eventually(lambda: _campaign_mails(stack, people, title), lambda c: len(c) >= 4, 15)
    time.sleep(1.0)
    delivered = _campaign_mails(stack, people, title)
    assert len(delivered) == 4 and set(delivered.values()) == {1}
    _quiet(stack)


def test_killing_the_notification_service_mid_fan_out_tells_everyone_exactly_once(stack, admin_user, sign_in):
    title = "Killed mid-flow"
    cid, people = _running_with_completion_mail(admin_user, sign_in, 12, title)
    admin_user.move(cid, "completed")
    # Kill it as soon as the first of the fan-out is stored: mails are being sent, the rest may not be written.
    eventually(lambda: _sql(stack, "SELECT count(*) FROM notification.notifications WHERE campaign_id = $1 "
                                   "AND kind = 'campaign_completed'", cid)[0][0], lambda n: n > 0, 15, 0.01)
    stack.stop_process("notification", signal.SIGKILL)
    stack.start_service("notification")
    stack.wait_serving("notification")

    _told_once(people, E.NOTIFICATION_EVENT_CAMPAIGN_COMPLETED)
    delivered = eventually(lambda: _campaign_mails(stack, people, title), lambda c: len(c) >= 12, 20)
    time.sleep(1.0)
    delivered = _campaign_mails(stack, people, title)
    assert len(delivered) == 12
    # A mail the server had accepted just before the kill, not yet marked sent, goes again with its Message-ID.
    assert sum(delivered.values()) - len(delivered) <= 1, delivered
    _quiet(stack)


def test_a_relay_killed_between_publishing_and_marking_publishes_again_and_nobody_is_told_twice(stack, admin_user,
                                                                                               sign_in):
    cid, people = _members(admin_user, sign_in, 3, "Relay crash")
    admin_user.move(cid, "active")
    _quiet(stack)  # everything so far published: the crash below is the completion's
    # A campaign process that dies right after its relay's XADD, before marking the rows published.
    stack.stop_process("campaign")
    crashing = stack.start_service("campaign", extra_env={"COINS_CRASH_AT": "event-relay-published"})
    stack.wait_serving("campaign")
    try:
        try:
            admin_user.move(cid, "completed")
        except grpc.RpcError:
            pass  # the process may die before its answer leaves: the completion committed all the same
        assert crashing.wait(15) == -signal.SIGKILL
    finally:
        stack.stop_process("campaign")
        stack.start_service("campaign")
        stack.wait_serving("campaign")
    completed = admin_user.campaigns.GetCampaign(campaign_pb.GetCampaignRequest(campaign_id=cid))
    assert completed.status == res.CAMPAIGN_STATUS_COMPLETED
    _told_once(people, E.NOTIFICATION_EVENT_CAMPAIGN_COMPLETED)
    time.sleep(1.0)
    _told_once(people, E.NOTIFICATION_EVENT_CAMPAIGN_COMPLETED, within_s=0)
    _quiet(stack)


def test_a_redis_restart_delays_events_and_loses_none(stack, admin_user, sign_in):
    cid, people = _members(admin_user, sign_in, 3, "Redis restart")
    wait_inbox(people[0], 1)
    stack.restart_redis(down_s=0)
    admin_user.move(cid, "active")
    stack.stop_process("redis")
    admin_user.move(cid, "completed")  # committed with Redis down: the event waits in the outbox
    time.sleep(1.0)
    assert _unpublished(stack) >= 1
    stack.restart_redis(down_s=0)
    _told_once(people, E.NOTIFICATION_EVENT_CAMPAIGN_STARTED)
    _told_once(people, E.NOTIFICATION_EVENT_CAMPAIGN_COMPLETED)
    _quiet(stack)


def test_consumer_lag_is_visible_in_the_health_detail_the_metrics_and_the_command(stack, admin_user, sign_in):
    ops = f"http://127.0.0.1:{stack.ports.ops['notification']}"
    person = sign_in("lagging")  # before the stop: signing up waits for the verification mail
    stack.stop_process("notification")
    try:
        cid = admin_user.create_campaign("open", active=False, title="Lagging").campaign_id
        admin_user.bring_in(cid, person)
        time.sleep(1.5)  # the invitation waits on the campaign stream, unread by the stopped group
        lag = subprocess.run([sys.executable, "-m", "services.common.events", "lag", stream_for("campaign")],
                             env=stack.service_env(), capture_output=True, text=True, check=True).stdout
    finally:
        stack.start_service("notification")
        stack.wait_serving("notification")
    [line] = [row for row in lag.splitlines() if " notification " in f" {row} "]
    assert float(line.split()[-2]) >= 1.0, lag
    wait_inbox(person, 1)
    health = eventually(lambda: httpx.get(f"{ops}/healthz").json(),
                        lambda body: all(c["lag_s"] < 1.0 for c in body["events"]["consumers"]), 10)
    assert health["status"] == "serving" and health["live_streams"] == {"open": 0}
    assert {c["stream"] for c in health["events"]["consumers"]} == {stream_for(f) for f in FAMILIES}
    metrics = httpx.get(f"{ops}/metrics").text
    assert 'coins_event_consumer_lag_seconds{group="notification",stream="coins:events:campaign"}' in metrics


def test_a_mail_that_cannot_be_composed_is_set_aside_and_holds_up_no_other(stack, auth_channel):
    from coins.v1 import auth_service_pb2 as auth_pb
    from coins.v1 import auth_service_pb2_grpc as auth_rpc
    from tests.support.accounts import PASSWORD, unique_email

    # A verification mail whose sealed link no key of ours opens (a secret rotated under it, say), due first.
    _sql(stack, """INSERT INTO notification.mails (id, mail_key, to_email, template, context, state, next_attempt_at)
                   VALUES (gen_random_uuid(), 'poison:' || gen_random_uuid(), 'poison@example.org', 'verification',
                           '{"recipient_name": "P", "sealed_link": "AAAA", "expire_time": ""}', 'queued',
                           now() - interval '1 hour')""")
    email = unique_email("after-poison")
    auth_rpc.AuthServiceStub(auth_channel).Register(auth_pb.RegisterRequest(email=email, password=PASSWORD,
                                                                            full_name="After Poison"))
    assert eventually(lambda: mails_to(stack.mail_dir, email), bool, 10), "a good mail waited behind a bad one"
    [(state, error)] = _sql(stack, "SELECT state, last_error FROM notification.mails WHERE to_email = $1",
                            "poison@example.org")
    assert state == "rejected" and "cannot be composed" in error
