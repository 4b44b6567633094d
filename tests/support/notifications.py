"""Test helpers for notifications: waiting for them in the app and in the real mailbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar

from google.protobuf import field_mask_pb2

from coins.v1 import notification_service_pb2 as pb
from coins.v1 import resources_pb2 as res
from tools.mailbox import read_mailbox

T = TypeVar("T")


def eventually(read: Callable[[], T], done: Callable[[T], bool], within_s: float = 10.0, every_s: float = 0.1) -> T:
    """What `read` gives once `done` holds, or its last answer when the time is up (the caller's assert says why)."""
    deadline = time.monotonic() + within_s
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(every_s)


def mails_to(mail_dir: Path, email: str) -> list[EmailMessage]:
    return [m for m in read_mailbox(mail_dir) if email.lower() in str(m.get("To", "")).lower()]


def wait_mails(mail_dir: Path, email: str, count: int, within_s: float = 10.0) -> list[EmailMessage]:
    return eventually(lambda: mails_to(mail_dir, email), lambda found: len(found) >= count, within_s)


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None, "a mail without a text part"
    return part.get_content()


def html_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("html",))
    assert part is not None, "a mail without an HTML part"
    return part.get_content()


def inbox(user, **request) -> pb.ListNotificationsResponse:
    return user.notifications.ListNotifications(pb.ListNotificationsRequest(page_size=100, **request))


def wait_inbox(user, count: int, within_s: float = 10.0, **request) -> list[res.Notification]:
    return list(eventually(lambda: inbox(user, **request).notifications,
                           lambda found: len(found) >= count, within_s))


def kinds(notifications) -> list[int]:
    return [n.event for n in notifications]


IN_APP, EMAIL = res.NOTIFICATION_CHANNEL_IN_APP, res.NOTIFICATION_CHANNEL_EMAIL


def prefer(user, *pairs: tuple[int, int, bool], delivery: int = 0) -> pb.NotificationPreferences:
    """Sets (event, channel, enabled) pairs and/or the email delivery, naming exactly those in the mask."""
    paths = (["preferences"] if pairs else []) + (["email_delivery"] if delivery else [])
    return user.notifications.UpdateNotificationPreferences(pb.UpdateNotificationPreferencesRequest(
        preferences=pb.NotificationPreferences(
            preferences=[res.NotificationPreference(event=e, channel=c, enabled=on) for e, c, on in pairs],
            email_delivery=delivery),
        update_mask=field_mask_pb2.FieldMask(paths=paths)))


def enabled(preferences: pb.NotificationPreferences, event: int, channel: int) -> bool:
    [match] = [p.enabled for p in preferences.preferences if (p.event, p.channel) == (event, channel)]
    return match
