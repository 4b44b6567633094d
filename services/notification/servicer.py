"""gRPC face of the notification service: proto in, handler call, proto out."""

from __future__ import annotations

from collections.abc import AsyncIterator

from coins.v1 import notification_service_pb2 as pb
from coins.v1 import notification_service_pb2_grpc as rpc
from coins.v1 import resources_pb2 as res
from services.common.context import caller
from services.common.convert import timestamp
from services.common.proto_enums import CHANNEL, EMAIL_DELIVERY, NOTIFICATION_KIND
from services.notification import domain
from services.notification.handlers import Heartbeat, NotificationHandlers
from services.notification.messages import notification_message, preferences_message


class NotificationServicer(rpc.NotificationServiceServicer):
    def __init__(self, handlers: NotificationHandlers):
        self._handlers = handlers

    async def ListNotifications(self, request: pb.ListNotificationsRequest, context) -> pb.ListNotificationsResponse:
        notifications, token, unread = await self._handlers.listing(
            caller(), request.unread_only, request.order_by, request.page_size, request.page_token)
        return pb.ListNotificationsResponse(notifications=[notification_message(n) for n in notifications],
                                            next_page_token=token, unread_count=unread)

    async def MarkNotificationRead(self, request: pb.MarkNotificationReadRequest, context) -> res.Notification:
        return notification_message(await self._handlers.mark_read(caller(), request.notification_id))

    async def MarkAllNotificationsRead(self, request: pb.MarkAllNotificationsReadRequest,
                                       context) -> pb.MarkAllNotificationsReadResponse:
        return pb.MarkAllNotificationsReadResponse(marked_count=await self._handlers.mark_all_read(caller()))

    async def StreamNotifications(self, request: pb.StreamNotificationsRequest,
                                  context) -> AsyncIterator[pb.StreamNotificationsResponse]:
        async for item in self._handlers.stream(caller(), request.last_notification_id):
            if isinstance(item, Heartbeat):
                yield pb.StreamNotificationsResponse(heartbeat=pb.StreamHeartbeat(
                    time=timestamp(item.time), unread_count=item.unread_count))
            else:
                yield pb.StreamNotificationsResponse(notification=item)

    async def GetNotificationPreferences(self, request: pb.GetNotificationPreferencesRequest,
                                         context) -> pb.NotificationPreferences:
        return preferences_message(await self._handlers.preferences(caller()))

    async def UpdateNotificationPreferences(self, request: pb.UpdateNotificationPreferencesRequest,
                                            context) -> pb.NotificationPreferences:
        given = request.preferences
        pairs = [(NOTIFICATION_KIND.from_proto("preferences.preferences.event", p.event),
                  CHANNEL.from_proto("preferences.preferences.channel", p.channel), p.enabled)
                 for p in given.preferences]
        delivery = EMAIL_DELIVERY.from_proto("preferences.email_delivery", given.email_delivery, required=False)
        change = domain.preference_change(request.update_mask.paths, pairs, delivery)
        return preferences_message(await self._handlers.change_preferences(caller(), change))

    async def Unsubscribe(self, request: pb.UnsubscribeRequest, context) -> pb.UnsubscribeResponse:
        kind = await self._handlers.unsubscribe(request.token)
        return pb.UnsubscribeResponse(event=NOTIFICATION_KIND.to_proto(kind), message=(
            f"You will no longer get emails for “{domain.KIND_NAMES[kind]}”. "
            "You can turn them back on in your notification settings."))
