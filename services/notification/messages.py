"""The notification service's protobuf messages."""

from __future__ import annotations

from coins.v1 import notification_service_pb2 as pb
from coins.v1 import resources_pb2 as res
from services.common.convert import timestamp
from services.common.proto_enums import CHANNEL, EMAIL_DELIVERY, NOTIFICATION_KIND
from services.notification.domain import Notification, Preferences


def notification_message(notification: Notification) -> res.Notification:
    notice = notification.notice
    return res.Notification(
        id=notification.id, user_id=notice.user_id, event=NOTIFICATION_KIND.to_proto(notice.kind), title=notice.title,
        body=notice.body, campaign_id=notice.campaign_id, idea_id=notice.idea_id, read=notification.read,
        create_time=timestamp(notification.created_at), link=notice.link, campaign_title=notice.campaign_title)


def preferences_message(preferences: Preferences) -> pb.NotificationPreferences:
    return pb.NotificationPreferences(
        preferences=[res.NotificationPreference(event=NOTIFICATION_KIND.to_proto(kind),
                                                channel=CHANNEL.to_proto(channel), enabled=enabled)
                     for kind, channel, enabled in preferences.every_pair()],
        email_delivery=EMAIL_DELIVERY.to_proto(preferences.email_delivery))
