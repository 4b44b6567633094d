import datetime

from coins.v1 import resources_pb2 as _resources_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEARCH_ORDER_UNSPECIFIED: _ClassVar[SearchOrder]
    SEARCH_ORDER_RELEVANCE: _ClassVar[SearchOrder]
    SEARCH_ORDER_MOST_COINS: _ClassVar[SearchOrder]
    SEARCH_ORDER_NEWEST: _ClassVar[SearchOrder]
SEARCH_ORDER_UNSPECIFIED: SearchOrder
SEARCH_ORDER_RELEVANCE: SearchOrder
SEARCH_ORDER_MOST_COINS: SearchOrder
SEARCH_ORDER_NEWEST: SearchOrder

class SearchIdeasRequest(_message.Message):
    __slots__ = ("query", "campaign_id", "status", "tag_id", "context_id", "submitted_after", "submitted_before", "order_by", "page_size", "page_token", "submitter_id")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TAG_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AFTER_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SUBMITTER_ID_FIELD_NUMBER: _ClassVar[int]
    query: str
    campaign_id: str
    status: _resources_pb2.IdeaStatus
    tag_id: str
    context_id: str
    submitted_after: _timestamp_pb2.Timestamp
    submitted_before: _timestamp_pb2.Timestamp
    order_by: SearchOrder
    page_size: int
    page_token: str
    submitter_id: str
    def __init__(self, query: _Optional[str] = ..., campaign_id: _Optional[str] = ..., status: _Optional[_Union[_resources_pb2.IdeaStatus, str]] = ..., tag_id: _Optional[str] = ..., context_id: _Optional[str] = ..., submitted_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., submitted_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., order_by: _Optional[_Union[SearchOrder, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., submitter_id: _Optional[str] = ...) -> None: ...

class SearchHit(_message.Message):
    __slots__ = ("idea", "score", "title_highlight", "description_highlight")
    IDEA_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    TITLE_HIGHLIGHT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_HIGHLIGHT_FIELD_NUMBER: _ClassVar[int]
    idea: _resources_pb2.Idea
    score: float
    title_highlight: str
    description_highlight: str
    def __init__(self, idea: _Optional[_Union[_resources_pb2.Idea, _Mapping]] = ..., score: _Optional[float] = ..., title_highlight: _Optional[str] = ..., description_highlight: _Optional[str] = ...) -> None: ...

class StatusCount(_message.Message):
    __slots__ = ("status", "count")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    status: _resources_pb2.IdeaStatus
    count: int
    def __init__(self, status: _Optional[_Union[_resources_pb2.IdeaStatus, str]] = ..., count: _Optional[int] = ...) -> None: ...

class TagCount(_message.Message):
    __slots__ = ("tag_id", "tag_name", "count")
    TAG_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_NAME_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    tag_id: str
    tag_name: str
    count: int
    def __init__(self, tag_id: _Optional[str] = ..., tag_name: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class SearchIdeasResponse(_message.Message):
    __slots__ = ("hits", "next_page_token", "total_size", "status_counts", "tag_counts", "counts_capped")
    HITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    STATUS_COUNTS_FIELD_NUMBER: _ClassVar[int]
    TAG_COUNTS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_CAPPED_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[SearchHit]
    next_page_token: str
    total_size: int
    status_counts: _containers.RepeatedCompositeFieldContainer[StatusCount]
    tag_counts: _containers.RepeatedCompositeFieldContainer[TagCount]
    counts_capped: bool
    def __init__(self, hits: _Optional[_Iterable[_Union[SearchHit, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ..., status_counts: _Optional[_Iterable[_Union[StatusCount, _Mapping]]] = ..., tag_counts: _Optional[_Iterable[_Union[TagCount, _Mapping]]] = ..., counts_capped: _Optional[bool] = ...) -> None: ...

class ReindexRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReindexResponse(_message.Message):
    __slots__ = ("index", "document_count", "duration")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    index: str
    document_count: int
    duration: _duration_pb2.Duration
    def __init__(self, index: _Optional[str] = ..., document_count: _Optional[int] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class RebuildIndexRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RebuildIndexResponse(_message.Message):
    __slots__ = ("campaign_count", "idea_count", "reindex")
    CAMPAIGN_COUNT_FIELD_NUMBER: _ClassVar[int]
    IDEA_COUNT_FIELD_NUMBER: _ClassVar[int]
    REINDEX_FIELD_NUMBER: _ClassVar[int]
    campaign_count: int
    idea_count: int
    reindex: ReindexResponse
    def __init__(self, campaign_count: _Optional[int] = ..., idea_count: _Optional[int] = ..., reindex: _Optional[_Union[ReindexResponse, _Mapping]] = ...) -> None: ...
