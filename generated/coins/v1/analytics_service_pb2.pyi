import datetime

from coins.v1 import resources_pb2 as _resources_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TimeBucket(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIME_BUCKET_UNSPECIFIED: _ClassVar[TimeBucket]
    TIME_BUCKET_HOUR: _ClassVar[TimeBucket]
    TIME_BUCKET_DAY: _ClassVar[TimeBucket]

class ExportTable(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPORT_TABLE_UNSPECIFIED: _ClassVar[ExportTable]
    EXPORT_TABLE_IDEAS: _ClassVar[ExportTable]
    EXPORT_TABLE_LEDGER: _ClassVar[ExportTable]
    EXPORT_TABLE_RESULT: _ClassVar[ExportTable]
TIME_BUCKET_UNSPECIFIED: TimeBucket
TIME_BUCKET_HOUR: TimeBucket
TIME_BUCKET_DAY: TimeBucket
EXPORT_TABLE_UNSPECIFIED: ExportTable
EXPORT_TABLE_IDEAS: ExportTable
EXPORT_TABLE_LEDGER: ExportTable
EXPORT_TABLE_RESULT: ExportTable

class GetCampaignAnalyticsRequest(_message.Message):
    __slots__ = ("campaign_id", "top_ideas", "bucket")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TOP_IDEAS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    top_ideas: int
    bucket: TimeBucket
    def __init__(self, campaign_id: _Optional[str] = ..., top_ideas: _Optional[int] = ..., bucket: _Optional[_Union[TimeBucket, str]] = ...) -> None: ...

class ExportCampaignAnalyticsRequest(_message.Message):
    __slots__ = ("campaign_id", "table")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TABLE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    table: ExportTable
    def __init__(self, campaign_id: _Optional[str] = ..., table: _Optional[_Union[ExportTable, str]] = ...) -> None: ...

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
    __slots__ = ("idea_id", "title", "coins", "backers", "status")
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    COINS_FIELD_NUMBER: _ClassVar[int]
    BACKERS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    title: str
    coins: int
    backers: int
    status: _resources_pb2.IdeaStatus
    def __init__(self, idea_id: _Optional[str] = ..., title: _Optional[str] = ..., coins: _Optional[int] = ..., backers: _Optional[int] = ..., status: _Optional[_Union[_resources_pb2.IdeaStatus, str]] = ...) -> None: ...

class CoinTotals(_message.Message):
    __slots__ = ("granted", "available", "allocated", "expended", "expired", "burned", "reward_payouts")
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    ALLOCATED_FIELD_NUMBER: _ClassVar[int]
    EXPENDED_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    BURNED_FIELD_NUMBER: _ClassVar[int]
    REWARD_PAYOUTS_FIELD_NUMBER: _ClassVar[int]
    granted: int
    available: int
    allocated: int
    expended: int
    expired: int
    burned: int
    reward_payouts: int
    def __init__(self, granted: _Optional[int] = ..., available: _Optional[int] = ..., allocated: _Optional[int] = ..., expended: _Optional[int] = ..., expired: _Optional[int] = ..., burned: _Optional[int] = ..., reward_payouts: _Optional[int] = ...) -> None: ...

class FunnelStep(_message.Message):
    __slots__ = ("status", "ideas", "moved_on", "median_time")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    IDEAS_FIELD_NUMBER: _ClassVar[int]
    MOVED_ON_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_TIME_FIELD_NUMBER: _ClassVar[int]
    status: _resources_pb2.IdeaStatus
    ideas: int
    moved_on: int
    median_time: _duration_pb2.Duration
    def __init__(self, status: _Optional[_Union[_resources_pb2.IdeaStatus, str]] = ..., ideas: _Optional[int] = ..., moved_on: _Optional[int] = ..., median_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Participation(_message.Message):
    __slots__ = ("members", "invited", "active_submitters", "active_backers", "backing_share")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    INVITED_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_SUBMITTERS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_BACKERS_FIELD_NUMBER: _ClassVar[int]
    BACKING_SHARE_FIELD_NUMBER: _ClassVar[int]
    members: int
    invited: int
    active_submitters: int
    active_backers: int
    backing_share: float
    def __init__(self, members: _Optional[int] = ..., invited: _Optional[int] = ..., active_submitters: _Optional[int] = ..., active_backers: _Optional[int] = ..., backing_share: _Optional[float] = ...) -> None: ...

class CampaignAnalytics(_message.Message):
    __slots__ = ("campaign_id", "participation", "funnel", "coins", "top_ideas", "allocations_over_time", "bucket", "by_tag", "by_context", "by_source", "as_of_time")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPATION_FIELD_NUMBER: _ClassVar[int]
    FUNNEL_FIELD_NUMBER: _ClassVar[int]
    COINS_FIELD_NUMBER: _ClassVar[int]
    TOP_IDEAS_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_OVER_TIME_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    BY_TAG_FIELD_NUMBER: _ClassVar[int]
    BY_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    BY_SOURCE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_TIME_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    participation: Participation
    funnel: _containers.RepeatedCompositeFieldContainer[FunnelStep]
    coins: CoinTotals
    top_ideas: _containers.RepeatedCompositeFieldContainer[TopIdea]
    allocations_over_time: _containers.RepeatedCompositeFieldContainer[CoinsOverTime]
    bucket: TimeBucket
    by_tag: _containers.RepeatedCompositeFieldContainer[LabelledCount]
    by_context: _containers.RepeatedCompositeFieldContainer[LabelledCount]
    by_source: _containers.RepeatedCompositeFieldContainer[LabelledCount]
    as_of_time: _timestamp_pb2.Timestamp
    def __init__(self, campaign_id: _Optional[str] = ..., participation: _Optional[_Union[Participation, _Mapping]] = ..., funnel: _Optional[_Iterable[_Union[FunnelStep, _Mapping]]] = ..., coins: _Optional[_Union[CoinTotals, _Mapping]] = ..., top_ideas: _Optional[_Iterable[_Union[TopIdea, _Mapping]]] = ..., allocations_over_time: _Optional[_Iterable[_Union[CoinsOverTime, _Mapping]]] = ..., bucket: _Optional[_Union[TimeBucket, str]] = ..., by_tag: _Optional[_Iterable[_Union[LabelledCount, _Mapping]]] = ..., by_context: _Optional[_Iterable[_Union[LabelledCount, _Mapping]]] = ..., by_source: _Optional[_Iterable[_Union[LabelledCount, _Mapping]]] = ..., as_of_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RebuildAnalyticsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RebuildAnalyticsResponse(_message.Message):
    __slots__ = ("campaign_count", "idea_count", "entry_count", "duration")
    CAMPAIGN_COUNT_FIELD_NUMBER: _ClassVar[int]
    IDEA_COUNT_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    campaign_count: int
    idea_count: int
    entry_count: int
    duration: _duration_pb2.Duration
    def __init__(self, campaign_count: _Optional[int] = ..., idea_count: _Optional[int] = ..., entry_count: _Optional[int] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...
