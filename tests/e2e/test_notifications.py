"""Issue 9, the notification service: every event of PRODUCT.md "Notifications" produced by the real action, arriving
in the app, on a live stream and (where preferences say) as a mail in the real SMTP mailbox, exactly once."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import grpc
import httpx
from google.protobuf import field_mask_pb2

from coins.v1 import auth_service_pb2 as auth_pb
from coins.v1 import notification_service_pb2 as pb
from coins.v1 import resources_pb2 as res
from tests.support.accounts import PASSWORD, unique_email
from tests.support.notifications import (
    EMAIL,
    IN_APP,
    enabled,
    eventually,
    html_of,
    inbox,
    kinds,
    mails_to,
    prefer,
    text_of,
    wait_inbox,
    wait_mails,
)
from tests.support.world import User, refused
from tools.devstack import free_port

S = res  # the enums
E = res.NotificationEvent


def _link_in(mail, prefix: str) -> str:
    return next(word for word in text_of(mail).split() if word.startswith(prefix))


def test_a_submitter_hears_every_decision_on_their_idea_in_the_app_and_by_mail(stack, gateway, admin_user, sign_in):
    manager, author = sign_in("mgr"), sign_in("author")
    campaign = admin_user.create_campaign("mediated", title="Decisions, decisions")
    cid = campaign.campaign_id
    admin_user.name_manager(cid, manager)
    manager.bring_in(cid, author)
    idea = author.submit(cid, "Solar roof on the depot")
    manager.set_status(idea.id, S.IDEA_STATUS_APPROVED)
    manager.set_status(idea.id, S.IDEA_STATUS_ACCEPTED)
    manager.set_status(idea.id, S.IDEA_STATUS_IN_PROGRESS)
    manager.set_status(idea.id, S.IDEA_STATUS_COMPLETE)

    told = wait_inbox(author, 5)
    assert kinds(told) == [E.NOTIFICATION_EVENT_IDEA_COMPLETED, E.NOTIFICATION_EVENT_IDEA_STARTED,
                           E.NOTIFICATION_EVENT_IDEA_ACCEPTED, E.NOTIFICATION_EVENT_IDEA_APPROVED,
                           E.NOTIFICATION_EVENT_INVITED]  # newest first
    approved = told[3]
    assert (approved.campaign_id, approved.idea_id, approved.campaign_title, approved.read) == (
        cid, idea.id, "Decisions, decisions", False)
    assert "Solar roof on the depot" in approved.body and approved.link.endswith(f"/c/{cid}/ideas/{idea.id}")

    # Email by default for the decisions (approved, accepted) and the invitation; not for started or completed.
    mails = wait_mails(stack.mail_dir, author.email, 4)
    time.sleep(1.0)  # anything more would arrive now
    mails = mails_to(stack.mail_dir, author.email)
    subjects = [m["Subject"] for m in mails]
    assert len(mails) == 4, subjects  # verification, invitation, approved, accepted
    decided = [m for m in mails if "Your idea" in m["Subject"]]
    assert [m["Subject"].split(" · ")[0] for m in decided] == ["Your idea was approved", "Your idea was accepted"]
    for mail in decided:
        assert "Decisions, decisions" in mail["Subject"] and "Decisions, decisions" in text_of(mail)
        assert f"/c/{cid}/ideas/{idea.id}" in text_of(mail) and f"/c/{cid}/ideas/{idea.id}" in html_of(mail)
        assert mail["List-Unsubscribe"].startswith("<http") and mail["List-Unsubscribe-Post"]
    assert len({m["Message-ID"] for m in mails}) == len(mails)

    # A mail client's one-click unsubscribe (RFC 8058): a form POST to the List-Unsubscribe URL, no sign-in.
    url = urlparse(decided[1]["List-Unsubscribe"].strip("<>"))
    clicked = gateway.post(f"{url.path}?{url.query}", content="List-Unsubscribe=One-Click",
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert clicked.status_code == 200, clicked.text
    preferences = author.notifications.GetNotificationPreferences(pb.GetNotificationPreferencesRequest())
    assert not enabled(preferences, E.NOTIFICATION_EVENT_IDEA_ACCEPTED, EMAIL)
    assert enabled(preferences, E.NOTIFICATION_EVENT_IDEA_APPROVED, EMAIL)


def test_backers_hear_when_an_idea_they_backed_is_accepted_or_rejected(stack, admin_user, sign_in):
    manager, author, backer = sign_in("mgr"), sign_in("author"), sign_in("backer")
    cid = admin_user.create_campaign("open", title="Backing").campaign_id
    admin_user.name_manager(cid, manager)
    for user in (author, backer):
        user.join(cid)
    kept, dropped = author.submit(cid, "Bike racks"), author.submit(cid, "Rooftop bees")
    backer.allocate(cid, kept.id, 7)
    backer.allocate(cid, dropped.id, 1)
    manager.set_status(kept.id, S.IDEA_STATUS_ACCEPTED)
    manager.set_status(dropped.id, S.IDEA_STATUS_REJECTED, "no beekeeper")

    told = wait_inbox(backer, 2)
    by_kind = {n.event: n for n in told}
    assert set(by_kind) == {E.NOTIFICATION_EVENT_BACKED_IDEA_ACCEPTED, E.NOTIFICATION_EVENT_BACKED_IDEA_REJECTED}
    accepted = by_kind[E.NOTIFICATION_EVENT_BACKED_IDEA_ACCEPTED]
    assert "Bike racks" in accepted.body and "7 coins" in accepted.body and accepted.idea_id == kept.id
    rejected = by_kind[E.NOTIFICATION_EVENT_BACKED_IDEA_REJECTED]
    assert "Rooftop bees" in rejected.body and "1 coin was back in your wallet" in rejected.body
    # The submitter hears of its own ideas as the submitter, not as a backer; backers get no mail by default.
    author_told = wait_inbox(author, 2)
    assert set(kinds(author_told)) == {E.NOTIFICATION_EVENT_IDEA_ACCEPTED, E.NOTIFICATION_EVENT_IDEA_REJECTED}
    assert "no beekeeper" in next(n.body for n in author_told if n.event == E.NOTIFICATION_EVENT_IDEA_REJECTED)
    time.sleep(1.0)
    assert not [m for m in mails_to(stack.mail_dir, backer.email) if "Backing" in m["Subject"]]


def test_every_member_hears_the_campaign_start_and_end_and_only_those_who_asked_get_mail(stack, admin_user, sign_in):
    members = [sign_in(f"member{n}") for n in range(3)]
    cid = admin_user.create_campaign("open", active=False, title="Town budget").campaign_id
    for user in members:
        admin_user.bring_in(cid, user)  # a draft is hidden: members come by invitation
    prefer(members[0], (E.NOTIFICATION_EVENT_CAMPAIGN_COMPLETED, EMAIL, True))
    prefer(members[1], (E.NOTIFICATION_EVENT_CAMPAIGN_STARTED, IN_APP, False))
    admin_user.move(cid, "active")
    admin_user.move(cid, "completed")

    expected = {0: [E.NOTIFICATION_EVENT_CAMPAIGN_COMPLETED, E.NOTIFICATION_EVENT_CAMPAIGN_STARTED],
                1: [E.NOTIFICATION_EVENT_CAMPAIGN_COMPLETED],
                2: [E.NOTIFICATION_EVENT_CAMPAIGN_COMPLETED, E.NOTIFICATION_EVENT_CAMPAIGN_STARTED]}
    for n, user in enumerate(members):
        told = wait_inbox(user, len(expected[n]) + 1)
        assert kinds(told) == [*expected[n], E.NOTIFICATION_EVENT_INVITED]
        assert told[0].link.endswith(f"/c/{cid}/result") and told[0].campaign_title == "Town budget"
    [completed] = [m for m in wait_mails(stack.mail_dir, members[0].email, 2) if "complete" in m["Subject"]]
    assert "Town budget" in completed["Subject"]
    time.sleep(1.0)
    for user in members[1:]:
        assert [m["Subject"] for m in mails_to(stack.mail_dir, user.email) if "Town budget" in m["Subject"]] == [
            "Administrator invites you to Town budget"]  # the invitation (an account mail) only


def test_an_invitee_without_an_account_gets_a_mail_whose_link_brings_them_in(stack, gateway, admin_user, sign_in):
    manager = sign_in("mgr")
    cid = admin_user.create_campaign("closed", title="Invite only").campaign_id
    admin_user.name_manager(cid, manager)
    stranger = unique_email("stranger")
    [invitation] = manager.invite(cid, stranger)

    [mail] = wait_mails(stack.mail_dir, stranger, 1)
    assert "Invite only" in mail["Subject"] and "Mgr" in mail["Subject"]
    link = _link_in(mail, "http")
    assert link == invitation.link and "List-Unsubscribe" not in mail  # an account mail: always sent

    registered = gateway.post("/auth/register", json={"email": stranger, "password": PASSWORD,
                                                      "fullName": "Stranger"})
    assert registered.status_code == 200, registered.text
    tokens = gateway.post("/auth/login", json={"email": stranger, "password": PASSWORD}).json()
    accepted = gateway.post("/invitations:accept", json={"invitationToken": link.rsplit("/", 1)[1]},
                            headers={"authorization": f"Bearer {tokens['accessToken']}"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["campaignId"] == cid


def test_a_new_account_gets_a_verification_mail_whose_link_verifies_it(stack, auth_channel):
    from coins.v1 import auth_service_pb2_grpc as auth_rpc

    auth = auth_rpc.AuthServiceStub(auth_channel)
    email = unique_email("fresh")
    user = auth.Register(auth_pb.RegisterRequest(email=email, password=PASSWORD, full_name="Fresh Person"))
    [mail] = wait_mails(stack.mail_dir, email, 1)
    assert "Fresh Person" in text_of(mail) and "List-Unsubscribe" not in mail
    link = _link_in(mail, "http")
    token = parse_qs(urlparse(link).query).get("token", [link.rsplit("/", 1)[-1]])[0]
    verified = auth.VerifyEmail(auth_pb.VerifyEmailRequest(token=token))
    assert verified.id == user.id and verified.email_verified


def test_preferences_start_at_the_defaults_and_change_only_what_the_mask_names(sign_in):
    user = sign_in("prefs")
    defaults = user.notifications.GetNotificationPreferences(pb.GetNotificationPreferencesRequest())
    assert len(defaults.preferences) == 11 * 2 and defaults.email_delivery == pb.EMAIL_DELIVERY_IMMEDIATE
    assert all(enabled(defaults, e, IN_APP) for e in range(1, 12))
    assert {e for e in range(1, 12) if enabled(defaults, e, EMAIL)} == {
        E.NOTIFICATION_EVENT_INVITED, E.NOTIFICATION_EVENT_IDEA_APPROVED, E.NOTIFICATION_EVENT_IDEA_REJECTED,
        E.NOTIFICATION_EVENT_IDEA_ACCEPTED}

    changed = prefer(user, (E.NOTIFICATION_EVENT_CAMPAIGN_ENDING, EMAIL, True),
                      (E.NOTIFICATION_EVENT_IDEA_APPROVED, IN_APP, False))
    assert enabled(changed, E.NOTIFICATION_EVENT_CAMPAIGN_ENDING, EMAIL)
    assert not enabled(changed, E.NOTIFICATION_EVENT_IDEA_APPROVED, IN_APP)
    assert enabled(changed, E.NOTIFICATION_EVENT_IDEA_APPROVED, EMAIL)  # untouched
    digest = prefer(user, delivery=pb.EMAIL_DELIVERY_DAILY_DIGEST)
    assert digest.email_delivery == pb.EMAIL_DELIVERY_DAILY_DIGEST
    assert enabled(digest, E.NOTIFICATION_EVENT_CAMPAIGN_ENDING, EMAIL)  # the mask kept the pairs

    bad = refused(grpc.StatusCode.INVALID_ARGUMENT, user.notifications.UpdateNotificationPreferences,
                  pb.UpdateNotificationPreferencesRequest(update_mask=field_mask_pb2.FieldMask(paths=["colour"])))
    assert "colour" in bad.details()
    refused(grpc.StatusCode.INVALID_ARGUMENT, user.notifications.UpdateNotificationPreferences,
            pb.UpdateNotificationPreferencesRequest(preferences=pb.NotificationPreferences(
                preferences=[res.NotificationPreference(event=99, channel=EMAIL, enabled=True)])))


def test_digest_mode_gathers_the_mails_into_one_and_the_unsubscribe_link_turns_one_event_off(stack, gateway,
                                                                                            admin_user, sign_in):
    manager, author = sign_in("mgr"), sign_in("digest")
    cid = admin_user.create_campaign("mediated", title="Digest campaign").campaign_id
    admin_user.name_manager(cid, manager)
    manager.bring_in(cid, author)
    wait_mails(stack.mail_dir, author.email, 2)  # verification and invitation went out at once
    prefer(author, delivery=pb.EMAIL_DELIVERY_DAILY_DIGEST)
    first, second = author.submit(cid, "Quiet streets"), author.submit(cid, "Green roofs")
    manager.set_status(first.id, S.IDEA_STATUS_APPROVED)
    manager.set_status(second.id, S.IDEA_STATUS_REJECTED)

    # The test stack's digest interval is 3 s: one mail with both, and nothing before it.
    mails = wait_mails(stack.mail_dir, author.email, 3, within_s=15)
    digests = [m for m in mails if "digest" in m["Subject"]]
    assert len(mails) == 3 and len(digests) == 1, [m["Subject"] for m in mails]
    body = text_of(digests[0])
    assert "Quiet streets" in body and "Green roofs" in body and "Digest campaign" in body

    # One click on the link for "your idea rejected" turns that email off, and nothing else.
    unsubscribe = next(line.split(": ", 1)[1] for line in body.splitlines() if line.startswith("- Your idea rejected"))
    answer = gateway.get(urlparse(unsubscribe).path + "?" + urlparse(unsubscribe).query)
    assert answer.status_code == 200, answer.text
    assert answer.json()["event"] == "NOTIFICATION_EVENT_IDEA_REJECTED"
    preferences = author.notifications.GetNotificationPreferences(pb.GetNotificationPreferencesRequest())
    assert not enabled(preferences, E.NOTIFICATION_EVENT_IDEA_REJECTED, EMAIL)
    assert enabled(preferences, E.NOTIFICATION_EVENT_IDEA_APPROVED, EMAIL)
    token = unsubscribe.rsplit("=", 1)[1]
    altered = ("y" if token[0] == "x" else "x") + token[1:]  # one character changed, whatever it was
    forged = gateway.get("/notifications:unsubscribe", params={"token": altered})
    assert forged.status_code == 400


def test_the_inbox_lists_unread_first_pages_and_marks_read_and_is_nobody_elses(admin_user, sign_in):
    reader, other = sign_in("reader"), sign_in("other")
    cid = admin_user.create_campaign("open", active=False, title="Inbox").campaign_id
    admin_user.bring_in(cid, reader)
    wait_inbox(reader, 1)
    reader.notifications.MarkAllNotificationsRead(pb.MarkAllNotificationsReadRequest())
    admin_user.move(cid, "active")
    admin_user.move(cid, "completed")
    completed, started, invited = wait_inbox(reader, 3)
    assert inbox(reader).unread_count == 2

    marked = reader.notifications.MarkNotificationRead(pb.MarkNotificationReadRequest(notification_id=completed.id))
    assert marked.read and inbox(reader).unread_count == 1
    assert [n.id for n in inbox(reader, order_by="read, create_time desc").notifications] == [
        started.id, completed.id, invited.id]
    assert [n.id for n in inbox(reader, unread_only=True).notifications] == [started.id]
    pages, token = [], ""
    while True:
        page = reader.notifications.ListNotifications(pb.ListNotificationsRequest(page_size=2, page_token=token))
        pages.append([n.id for n in page.notifications])
        token = page.next_page_token
        if not token:
            break
    assert pages == [[completed.id, started.id], [invited.id]]

    refused(grpc.StatusCode.NOT_FOUND, other.notifications.MarkNotificationRead,
            pb.MarkNotificationReadRequest(notification_id=started.id))
    assert not inbox(other).notifications
    refused(grpc.StatusCode.INVALID_ARGUMENT, reader.notifications.ListNotifications,
            pb.ListNotificationsRequest(order_by="title"))
    assert reader.notifications.MarkAllNotificationsRead(pb.MarkAllNotificationsReadRequest()).marked_count == 1
    assert inbox(reader).unread_count == 0


def _stream(user: User, received: list, stop: threading.Event, last_id: str = "", timeout: float = 20) -> None:
    call = user.notifications.StreamNotifications(pb.StreamNotificationsRequest(last_notification_id=last_id),
                                                  timeout=timeout)
    try:
        for message in call:
            received.append((time.monotonic(), message))
            if stop.is_set():
                call.cancel()
    except grpc.RpcError as error:
        if error.code() not in (grpc.StatusCode.CANCELLED, grpc.StatusCode.DEADLINE_EXCEEDED):
            raise


def test_live_streams_deliver_within_a_second_to_every_open_stream_and_resume_after_the_last_seen(admin_user,
                                                                                                  sign_in):
    manager, author = sign_in("mgr"), sign_in("live")
    cid = admin_user.create_campaign("mediated", title="Live").campaign_id
    admin_user.name_manager(cid, manager)
    manager.bring_in(cid, author)
    wait_inbox(author, 1)
    streams = [[], []]
    stop = threading.Event()
    threads = [threading.Thread(target=_stream, args=(author, received, stop), daemon=True) for received in streams]
    for thread in threads:
        thread.start()
    time.sleep(1.5)  # both open; heartbeats flow while nothing happens
    assert all(any(m.WhichOneof("kind") == "heartbeat" for _, m in received) for received in streams)

    idea = author.submit(cid, "Night buses")
    decided_at = time.monotonic()
    manager.set_status(idea.id, S.IDEA_STATUS_APPROVED)
    arrived = [eventually(lambda r=received: [(t, m) for t, m in r if m.WhichOneof("kind") == "notification"],
                          lambda found: bool(found), within_s=5) for received in streams]
    stop.set()
    for found in arrived:
        [(at, message)] = found
        assert message.notification.event == E.NOTIFICATION_EVENT_IDEA_APPROVED
        assert at - decided_at < 1.0, f"arrived {at - decided_at:.2f} s after the decision"

    # Reconnecting with the last id seen gets what came meanwhile, then goes on live.
    last_seen = arrived[0][0][1].notification.id
    manager.set_status(idea.id, S.IDEA_STATUS_ACCEPTED)
    wait_inbox(author, 3)
    resumed: list = []
    again = threading.Event()
    thread = threading.Thread(target=_stream, args=(author, resumed, again, last_seen), daemon=True)
    thread.start()
    got = eventually(lambda: [m for _, m in resumed if m.WhichOneof("kind") == "notification"], bool, within_s=5)
    again.set()
    assert [m.notification.event for m in got] == [E.NOTIFICATION_EVENT_IDEA_ACCEPTED]


def test_a_rest_client_streams_json_lines_through_the_gateway(stack, gateway, admin_user, sign_in):
    manager, author = sign_in("mgr"), sign_in("curl")
    cid = admin_user.create_campaign("mediated", title="Curl").campaign_id
    admin_user.name_manager(cid, manager)
    manager.bring_in(cid, author)
    lines: list[dict] = []

    def listen() -> None:
        headers = {"authorization": f"Bearer {author.account.access_token}"}
        with httpx.Client(base_url=str(gateway.base_url), timeout=15) as client:
            with client.stream("GET", "/notifications:stream", headers=headers) as response:
                assert response.status_code == 200
                for line in response.iter_lines():
                    if line.strip():
                        lines.append(json.loads(line))
                    if any("notification" in item for item in lines):
                        return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    time.sleep(1.5)
    manager.set_status(author.submit(cid, f"Streamed {uuid.uuid4().hex[:6]}").id, S.IDEA_STATUS_APPROVED)
    thread.join(timeout=10)
    assert any("heartbeat" in item and "unreadCount" in item["heartbeat"] for item in lines), lines
    notification = next(item["notification"] for item in lines if "notification" in item)
    assert notification["event"] == "NOTIFICATION_EVENT_IDEA_APPROVED" and notification["campaignTitle"] == "Curl"


def test_members_are_warned_once_that_the_campaign_ends_within_a_day_and_their_coins_will_expire(admin_user,
                                                                                                  sign_in):
    from tests.e2e.test_campaign_events import ends_in

    members = [sign_in("ending") for _ in range(2)]
    cid = admin_user.create_campaign("open", active=False, title="Last call",
                                     end_time=ends_in(timedelta(hours=3))).campaign_id
    for user in members:
        admin_user.bring_in(cid, user)
    admin_user.move(cid, "active")
    for user in members:
        told = eventually(lambda u=user: [n for n in inbox(u).notifications
                                          if n.event == E.NOTIFICATION_EVENT_CAMPAIGN_ENDING],
                          bool, within_s=10)
        assert len(told) == 1 and "expire" in told[0].body and told[0].campaign_title == "Last call"
    time.sleep(1.5)  # several scheduler passes later: still once
    assert [n.event for n in inbox(members[0]).notifications].count(E.NOTIFICATION_EVENT_CAMPAIGN_ENDING) == 1


def test_a_stream_on_another_replica_hears_what_this_replica_stored(stack, admin_user, sign_in):
    """Two notification replicas share the consumer group: whichever stores a notification, a stream open on the
    other one delivers it."""
    manager, author = sign_in("mgr"), sign_in("replicas")
    cid = admin_user.create_campaign("mediated", title="Two replicas").campaign_id
    admin_user.name_manager(cid, manager)
    manager.bring_in(cid, author)
    wait_inbox(author, 1)
    port = free_port()
    stack.start_service("notification", name="notification-2", port=port)
    try:
        stack.wait_serving("notification", name="notification-2", port=port)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            other = User(channel, author.account)
            received: list = []
            stop = threading.Event()
            threads = [threading.Thread(target=_stream, args=(user, received, stop), daemon=True)
                       for user in (author, other)]
            for thread in threads:
                thread.start()
            time.sleep(1.5)
            ideas = [author.submit(cid, f"Replicated {n}") for n in range(4)]
            for idea in ideas:  # the replicas' consumers share these events between them
                manager.set_status(idea.id, S.IDEA_STATUS_APPROVED)
            got = eventually(lambda: [m for _, m in received if m.WhichOneof("kind") == "notification"],
                             lambda found: len(found) >= 8, within_s=10)
            stop.set()
            assert sorted(m.notification.idea_id for m in got) == sorted([i.id for i in ideas] * 2)
    finally:
        stack.stop_process("notification-2")
