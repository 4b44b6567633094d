"""The notification handlers (services/notification/handlers.py) over an in-memory inbox and a LiveHub without Redis:
listing, marking, preferences, unsubscribing, and the live stream's resume, live delivery, catch-up and heartbeat."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from coins.v1 import resources_pb2 as res
from services.common import paging
from services.common.concepts import Channel, EmailDelivery, NotificationKind
from services.common.context import Caller
from services.common.errors import InvalidArgument, NotFound
from services.notification import domain
from services.notification.handlers import NotificationHandlers
from services.notification.live import CATCH_UP, LiveHub, LiveNotification
from services.notification.messages import notification_message
from tests.unit.handlers.fakes_notification import FakeUnitOfWork, Inbox

ANN, BOB = Caller("ann", "ann@example.org"), Caller("bob", "bob@example.org")
TOKENS = domain.UnsubscribeTokens("secret")


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def hub() -> LiveHub:
    return LiveHub(redis=None)  # type: ignore[arg-type]  # fed by hand here, never listening


@pytest.fixture
def handlers(inbox: Inbox, hub: LiveHub) -> NotificationHandlers:
    paging.configure("page secret")
    return NotificationHandlers(lambda: FakeUnitOfWork(inbox), hub, TOKENS, heartbeat_s=0.05)


async def test_a_user_lists_their_own_newest_first_with_pages_and_the_unread_count(handlers, inbox):
    first, second, third = (inbox.add("ann", title=f"n{i}") for i in range(3))
    inbox.add("bob")
    page, token, unread = await handlers.listing(ANN, False, "", 2, "")
    assert [n.id for n in page] == [third.id, second.id] and unread == 3
    rest, last, _ = await handlers.listing(ANN, False, "", 2, token)
    assert [n.id for n in rest] == [first.id] and last == ""
    await handlers.mark_read(ANN, third.id)
    unread_first, _, unread = await handlers.listing(ANN, False, "read, create_time desc", 10, "")
    assert [n.id for n in unread_first] == [second.id, first.id, third.id] and unread == 2
    only_unread, _, _ = await handlers.listing(ANN, True, "", 10, "")
    assert [n.id for n in only_unread] == [second.id, first.id]
    with pytest.raises(InvalidArgument):
        await handlers.listing(ANN, False, "title", 10, "")


async def test_marking_read_works_on_ones_own_only(handlers, inbox):
    mine, theirs = inbox.add("ann"), inbox.add("bob")
    assert (await handlers.mark_read(ANN, mine.id)).read
    with pytest.raises(NotFound):
        await handlers.mark_read(ANN, theirs.id)
    with pytest.raises(InvalidArgument):
        await handlers.mark_read(ANN, "not-a-uuid")
    inbox.add("ann")
    assert await handlers.mark_all_read(ANN) == 1 and await handlers.mark_all_read(ANN) == 0


async def test_preferences_change_and_an_unsubscribe_link_turns_one_email_off(handlers):
    assert (await handlers.preferences(ANN)).enabled(NotificationKind.IDEA_ACCEPTED, Channel.EMAIL)
    changed = await handlers.change_preferences(ANN, domain.PreferenceChange(
        {(NotificationKind.CAMPAIGN_ENDING, Channel.EMAIL): True}, EmailDelivery.DAILY_DIGEST))
    assert changed.enabled(NotificationKind.CAMPAIGN_ENDING, Channel.EMAIL)
    assert changed.email_delivery is EmailDelivery.DAILY_DIGEST
    kind = await handlers.unsubscribe(TOKENS.token("ann", NotificationKind.IDEA_ACCEPTED))
    assert kind is NotificationKind.IDEA_ACCEPTED
    assert not (await handlers.preferences(ANN)).enabled(NotificationKind.IDEA_ACCEPTED, Channel.EMAIL)
    with pytest.raises(InvalidArgument):
        await handlers.unsubscribe("forged")


async def _take(stream, count: int) -> list:
    return [await asyncio.wait_for(anext(stream), 2) for _ in range(count)]


async def test_a_stream_resumes_after_the_last_seen_then_goes_on_live(handlers, inbox, hub):
    seen, missed = inbox.add("ann"), inbox.add("ann")
    stream = handlers.stream(ANN, seen.id)
    [caught_up] = await _take(stream, 1)
    assert caught_up.id == missed.id
    live = inbox.add("ann")
    hub.deliver(LiveNotification(live.seq, notification_message(live)))
    hub.deliver(LiveNotification(live.seq, notification_message(live)))  # the same twice: sent once
    [arrived, beat] = await _take(stream, 2)
    assert arrived.id == live.id and beat.unread_count == 3  # then a heartbeat, as nothing else comes
    assert hub.open_streams == 1
    await stream.aclose()
    assert hub.open_streams == 0


async def test_a_stream_that_may_have_missed_something_catches_up_from_the_store(handlers, inbox, hub):
    stream = handlers.stream(ANN, "")
    beat = (await _take(stream, 1))[0]  # opened: nothing yet, a heartbeat
    assert isinstance(beat.unread_count, int)
    lost = [inbox.add("ann"), inbox.add("ann")]  # published while the replica had lost Redis
    [queue] = hub._streams["ann"]
    queue.put_nowait(CATCH_UP)
    got = await _take(stream, 2)
    assert [n.id for n in got] == [n.id for n in lost]
    await stream.aclose()


async def test_a_stream_refuses_an_id_that_is_not_the_callers(handlers, inbox):
    theirs = inbox.add("bob")
    with pytest.raises(NotFound):
        await _take(handlers.stream(ANN, theirs.id), 1)
    with pytest.raises(InvalidArgument):
        await _take(handlers.stream(ANN, str(uuid.uuid4())[:8]), 1)


def test_the_live_wire_format_carries_the_order_and_the_message():
    message = res.Notification(id="n1", user_id="ann", title="t")
    assert LiveNotification.decode(LiveNotification(42, message).encode()) == LiveNotification(42, message)
