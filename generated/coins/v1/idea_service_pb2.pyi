import datetime

from coins.v1 import resources_pb2 as _resources_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class IdeaOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IDEA_ORDER_UNSPECIFIED: _ClassVar[IdeaOrder]
    IDEA_ORDER_NEWEST: _ClassVar[IdeaOrder]
    IDEA_ORDER_MOST_COINS: _ClassVar[IdeaOrder]
    IDEA_ORDER_TITLE: _ClassVar[IdeaOrder]
IDEA_ORDER_UNSPECIFIED: IdeaOrder
IDEA_ORDER_NEWEST: IdeaOrder
IDEA_ORDER_MOST_COINS: IdeaOrder
IDEA_ORDER_TITLE: IdeaOrder

class CreateIdeaRequest(_message.Message):
    __slots__ = ("campaign_id", "title", "description", "context_id", "permalink_source", "tag_ids", "force", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_ID_FIELD_NUMBER: _ClassVar[int]
    PERMALINK_SOURCE_FIELD_NUMBER: _ClassVar[int]
    TAG_IDS_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    title: str
    description: str
    context_id: str
    permalink_source: str
    tag_ids: _containers.RepeatedScalarFieldContainer[str]
    force: bool
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., context_id: _Optional[str] = ..., permalink_source: _Optional[str] = ..., tag_ids: _Optional[_Iterable[str]] = ..., force: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetIdeaRequest(_message.Message):
    __slots__ = ("idea_id",)
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    def __init__(self, idea_id: _Optional[str] = ...) -> None: ...

class ListIdeasRequest(_message.Message):
    __slots__ = ("campaign_id", "page_size", "page_token", "status", "tag_id", "submitter_id", "context_id", "order_by")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TAG_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMITTER_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    page_size: int
    page_token: str
    status: _resources_pb2.IdeaStatus
    tag_id: str
    submitter_id: str
    context_id: str
    order_by: IdeaOrder
    def __init__(self, campaign_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[_Union[_resources_pb2.IdeaStatus, str]] = ..., tag_id: _Optional[str] = ..., submitter_id: _Optional[str] = ..., context_id: _Optional[str] = ..., order_by: _Optional[_Union[IdeaOrder, str]] = ...) -> None: ...

class ListIdeasResponse(_message.Message):
    __slots__ = ("ideas", "next_page_token")
    IDEAS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ideas: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Idea]
    next_page_token: str
    def __init__(self, ideas: _Optional[_Iterable[_Union[_resources_pb2.Idea, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateIdeaRequest(_message.Message):
    __slots__ = ("idea_id", "idea", "update_mask")
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    IDEA_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    idea: _resources_pb2.Idea
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, idea_id: _Optional[str] = ..., idea: _Optional[_Union[_resources_pb2.Idea, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateIdeaStatusRequest(_message.Message):
    __slots__ = ("idea_id", "status", "reason", "request_id")
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    status: _resources_pb2.IdeaStatus
    reason: str
    request_id: str
    def __init__(self, idea_id: _Optional[str] = ..., status: _Optional[_Union[_resources_pb2.IdeaStatus, str]] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class FindSimilarIdeasRequest(_message.Message):
    __slots__ = ("campaign_id", "title", "page_size")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    title: str
    page_size: int
    def __init__(self, campaign_id: _Optional[str] = ..., title: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class SimilarIdea(_message.Message):
    __slots__ = ("idea", "score")
    IDEA_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    idea: _resources_pb2.Idea
    score: float
    def __init__(self, idea: _Optional[_Union[_resources_pb2.Idea, _Mapping]] = ..., score: _Optional[float] = ...) -> None: ...

class FindSimilarIdeasResponse(_message.Message):
    __slots__ = ("similar_ideas",)
    SIMILAR_IDEAS_FIELD_NUMBER: _ClassVar[int]
    similar_ideas: _containers.RepeatedCompositeFieldContainer[SimilarIdea]
    def __init__(self, similar_ideas: _Optional[_Iterable[_Union[SimilarIdea, _Mapping]]] = ...) -> None: ...

class GetCampaignResultRequest(_message.Message):
    __slots__ = ("campaign_id",)
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    def __init__(self, campaign_id: _Optional[str] = ...) -> None: ...

class RankedIdea(_message.Message):
    __slots__ = ("rank", "idea_id", "title", "coins", "backers", "status")
    RANK_FIELD_NUMBER: _ClassVar[int]
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    COINS_FIELD_NUMBER: _ClassVar[int]
    BACKERS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    rank: int
    idea_id: str
    title: str
    coins: int
    backers: int
    status: _resources_pb2.IdeaStatus
    def __init__(self, rank: _Optional[int] = ..., idea_id: _Optional[str] = ..., title: _Optional[str] = ..., coins: _Optional[int] = ..., backers: _Optional[int] = ..., status: _Optional[_Union[_resources_pb2.IdeaStatus, str]] = ...) -> None: ...

class CampaignResult(_message.Message):
    __slots__ = ("campaign_id", "final", "ideas", "complete_time")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    IDEAS_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    final: bool
    ideas: _containers.RepeatedCompositeFieldContainer[RankedIdea]
    complete_time: _timestamp_pb2.Timestamp
    def __init__(self, campaign_id: _Optional[str] = ..., final: _Optional[bool] = ..., ideas: _Optional[_Iterable[_Union[RankedIdea, _Mapping]]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AddIdeaTagRequest(_message.Message):
    __slots__ = ("idea_id", "tag_id")
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_ID_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    tag_id: str
    def __init__(self, idea_id: _Optional[str] = ..., tag_id: _Optional[str] = ...) -> None: ...

class RemoveIdeaTagRequest(_message.Message):
    __slots__ = ("idea_id", "tag_id")
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_ID_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    tag_id: str
    def __init__(self, idea_id: _Optional[str] = ..., tag_id: _Optional[str] = ...) -> None: ...

class GetPermalinkRequest(_message.Message):
    __slots__ = ("campaign_id", "context_id", "source")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    context_id: str
    source: str
    def __init__(self, campaign_id: _Optional[str] = ..., context_id: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class Permalink(_message.Message):
    __slots__ = ("url",)
    URL_FIELD_NUMBER: _ClassVar[int]
    url: str
    def __init__(self, url: _Optional[str] = ...) -> None: ...

class BatchGetIdeasRequest(_message.Message):
    __slots__ = ("idea_ids",)
    IDEA_IDS_FIELD_NUMBER: _ClassVar[int]
    idea_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, idea_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetIdeasResponse(_message.Message):
    __slots__ = ("ideas",)
    IDEAS_FIELD_NUMBER: _ClassVar[int]
    ideas: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Idea]
    def __init__(self, ideas: _Optional[_Iterable[_Union[_resources_pb2.Idea, _Mapping]]] = ...) -> None: ...

class RemoveTagRequest(_message.Message):
    __slots__ = ("campaign_id", "tag_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    tag_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., tag_id: _Optional[str] = ...) -> None: ...

class RemoveTagResponse(_message.Message):
    __slots__ = ("ideas_changed",)
    IDEAS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    ideas_changed: int
    def __init__(self, ideas_changed: _Optional[int] = ...) -> None: ...

class ListCampaignIdeasRequest(_message.Message):
    __slots__ = ("campaign_id", "page_size", "page_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    page_size: int
    page_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCampaignIdeasResponse(_message.Message):
    __slots__ = ("ideas", "next_page_token")
    IDEAS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ideas: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Idea]
    next_page_token: str
    def __init__(self, ideas: _Optional[_Iterable[_Union[_resources_pb2.Idea, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
