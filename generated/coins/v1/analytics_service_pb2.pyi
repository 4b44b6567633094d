import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetCampaignAnalyticsRequest(_message.Message):
    __slots__ = ("campaign_id", "top_ideas")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TOP_IDEAS_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    top_ideas: int
    def __init__(self, campaign_id: _Optional[str] = ..., top_ideas: _Optional[int] = ...) -> None: ...

class ExportCampaignAnalyticsRequest(_message.Message):
    __slots__ = ("campaign_id",)
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    def __init__(self, campaign_id: _Optional[str] = ...) -> None: ...

class LabelledCount(_message.Message):
    __slots__ = ("label", "count", "coins")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    COINS_FIELD_NUMBER: _ClassVar[int]
    label: str
    count: int
    coins: int
    def __init__(self, label: _Optional[str] = ..., count: _Optional[int] = ..., coins: _Optional[int] = ...) -> None: ...

class CoinsOverTime(_message.Message):
    __slots__ = ("period_start", "allocated")
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    ALLOCATED_FIELD_NUMBER: _ClassVar[int]
    period_start: _timestamp_pb2.Timestamp
    allocated: int
    def __init__(self, period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., allocated: _Optional[int] = ...) -> None: ...

class TopIdea(_message.Message):
    __slots__ = ("idea_id", "title", "coins", "backers")
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    COINS_FIELD_NUMBER: _ClassVar[int]
    BACKERS_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    title: str
    coins: int
    backers: int
    def __init__(self, idea_id: _Optional[str] = ..., title: _Optional[str] = ..., coins: _Optional[int] = ..., backers: _Optional[int] = ...) -> None: ...

class CoinTotals(_message.Message):
    __slots__ = ("granted", "available", "allocated", "expended", "expired", "burned")
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    ALLOCATED_FIELD_NUMBER: _ClassVar[int]
    EXPENDED_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    BURNED_FIELD_NUMBER: _ClassVar[int]
    granted: int
    available: int
    allocated: int
    expended: int
    expired: int
    burned: int
    def __init__(self, granted: _Optional[int] = ..., available: _Optional[int] = ..., allocated: _Optional[int] = ..., expended: _Optional[int] = ..., expired: _Optional[int] = ..., burned: _Optional[int] = ...) -> None: ...

class CampaignAnalytics(_message.Message):
    __slots__ = ("campaign_id", "members", "active_submitters", "active_backers", "ideas_by_status", "coins", "top_ideas", "allocations_over_time", "by_tag", "by_context", "generate_time")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_SUBMITTERS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_BACKERS_FIELD_NUMBER: _ClassVar[int]
    IDEAS_BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    COINS_FIELD_NUMBER: _ClassVar[int]
    TOP_IDEAS_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_OVER_TIME_FIELD_NUMBER: _ClassVar[int]
    BY_TAG_FIELD_NUMBER: _ClassVar[int]
    BY_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    GENERATE_TIME_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    members: int
    active_submitters: int
    active_backers: int
    ideas_by_status: _containers.RepeatedCompositeFieldContainer[LabelledCount]
    coins: CoinTotals
    top_ideas: _containers.RepeatedCompositeFieldContainer[TopIdea]
    allocations_over_time: _containers.RepeatedCompositeFieldContainer[CoinsOverTime]
    by_tag: _containers.RepeatedCompositeFieldContainer[LabelledCount]
    by_context: _containers.RepeatedCompositeFieldContainer[LabelledCount]
    generate_time: _timestamp_pb2.Timestamp
    def __init__(self, campaign_id: _Optional[str] = ..., members: _Optional[int] = ..., active_submitters: _Optional[int] = ..., active_backers: _Optional[int] = ..., ideas_by_status: _Optional[_Iterable[_Union[LabelledCount, _Mapping]]] = ..., coins: _Optional[_Union[CoinTotals, _Mapping]] = ..., top_ideas: _Optional[_Iterable[_Union[TopIdea, _Mapping]]] = ..., allocations_over_time: _Optional[_Iterable[_Union[CoinsOverTime, _Mapping]]] = ..., by_tag: _Optional[_Iterable[_Union[LabelledCount, _Mapping]]] = ..., by_context: _Optional[_Iterable[_Union[LabelledCount, _Mapping]]] = ..., generate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
