import datetime

from coins.v1 import options_pb2 as _options_pb2
from coins.v1 import resources_pb2 as _resources_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EmailDelivery(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EMAIL_DELIVERY_UNSPECIFIED: _ClassVar[EmailDelivery]
    EMAIL_DELIVERY_IMMEDIATE: _ClassVar[EmailDelivery]
    EMAIL_DELIVERY_DAILY_DIGEST: _ClassVar[EmailDelivery]
EMAIL_DELIVERY_UNSPECIFIED: EmailDelivery
EMAIL_DELIVERY_IMMEDIATE: EmailDelivery
EMAIL_DELIVERY_DAILY_DIGEST: EmailDelivery

class ListNotificationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "unread_only", "order_by")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNREAD_ONLY_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    unread_only: bool
    order_by: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., unread_only: _Optional[bool] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ("notifications", "next_page_token", "unread_count")
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Notification]
    next_page_token: str
    unread_count: int
    def __init__(self, notifications: _Optional[_Iterable[_Union[_resources_pb2.Notification, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., unread_count: _Optional[int] = ...) -> None: ...

class MarkNotificationReadRequest(_message.Message):
    __slots__ = ("notification_id",)
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    def __init__(self, notification_id: _Optional[str] = ...) -> None: ...

class MarkAllNotificationsReadRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MarkAllNotificationsReadResponse(_message.Message):
    __slots__ = ("marked_count",)
    MARKED_COUNT_FIELD_NUMBER: _ClassVar[int]
    marked_count: int
    def __init__(self, marked_count: _Optional[int] = ...) -> None: ...

class StreamNotificationsRequest(_message.Message):
    __slots__ = ("last_notification_id",)
    LAST_NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    last_notification_id: str
    def __init__(self, last_notification_id: _Optional[str] = ...) -> None: ...

class StreamNotificationsResponse(_message.Message):
    __slots__ = ("notification", "heartbeat")
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    notification: _resources_pb2.Notification
    heartbeat: StreamHeartbeat
    def __init__(self, notification: _Optional[_Union[_resources_pb2.Notification, _Mapping]] = ..., heartbeat: _Optional[_Union[StreamHeartbeat, _Mapping]] = ...) -> None: ...

class StreamHeartbeat(_message.Message):
    __slots__ = ("time", "unread_count")
    TIME_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    unread_count: int
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unread_count: _Optional[int] = ...) -> None: ...

class GetNotificationPreferencesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NotificationPreferences(_message.Message):
    __slots__ = ("preferences", "email_delivery")
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    EMAIL_DELIVERY_FIELD_NUMBER: _ClassVar[int]
    preferences: _containers.RepeatedCompositeFieldContainer[_resources_pb2.NotificationPreference]
    email_delivery: EmailDelivery
    def __init__(self, preferences: _Optional[_Iterable[_Union[_resources_pb2.NotificationPreference, _Mapping]]] = ..., email_delivery: _Optional[_Union[EmailDelivery, str]] = ...) -> None: ...

class UpdateNotificationPreferencesRequest(_message.Message):
    __slots__ = ("preferences", "update_mask")
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    preferences: NotificationPreferences
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, preferences: _Optional[_Union[NotificationPreferences, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UnsubscribeRequest(_message.Message):
    __slots__ = ("token", "form")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    token: str
    form: _httpbody_pb2.HttpBody
    def __init__(self, token: _Optional[str] = ..., form: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ...) -> None: ...

class UnsubscribeResponse(_message.Message):
    __slots__ = ("event", "message")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    event: _resources_pb2.NotificationEvent
    message: str
    def __init__(self, event: _Optional[_Union[_resources_pb2.NotificationEvent, str]] = ..., message: _Optional[str] = ...) -> None: ...
