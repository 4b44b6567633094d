import datetime

from coins.v1 import resources_pb2 as _resources_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CoinOperation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COIN_OPERATION_UNSPECIFIED: _ClassVar[CoinOperation]
    COIN_OPERATION_GRANT: _ClassVar[CoinOperation]
    COIN_OPERATION_OPEN_IDEA: _ClassVar[CoinOperation]
    COIN_OPERATION_ALLOCATE: _ClassVar[CoinOperation]
    COIN_OPERATION_REALLOCATE: _ClassVar[CoinOperation]
    COIN_OPERATION_WITHDRAW: _ClassVar[CoinOperation]
    COIN_OPERATION_ACCEPT_IDEA: _ClassVar[CoinOperation]
    COIN_OPERATION_REJECT_IDEA: _ClassVar[CoinOperation]
    COIN_OPERATION_CLOSE_ACCOUNT: _ClassVar[CoinOperation]
    COIN_OPERATION_EXPIRE_CAMPAIGN: _ClassVar[CoinOperation]
    COIN_OPERATION_ARCHIVE_CAMPAIGN: _ClassVar[CoinOperation]
COIN_OPERATION_UNSPECIFIED: CoinOperation
COIN_OPERATION_GRANT: CoinOperation
COIN_OPERATION_OPEN_IDEA: CoinOperation
COIN_OPERATION_ALLOCATE: CoinOperation
COIN_OPERATION_REALLOCATE: CoinOperation
COIN_OPERATION_WITHDRAW: CoinOperation
COIN_OPERATION_ACCEPT_IDEA: CoinOperation
COIN_OPERATION_REJECT_IDEA: CoinOperation
COIN_OPERATION_CLOSE_ACCOUNT: CoinOperation
COIN_OPERATION_EXPIRE_CAMPAIGN: CoinOperation
COIN_OPERATION_ARCHIVE_CAMPAIGN: CoinOperation

class Event(_message.Message):
    __slots__ = ("event_id", "type", "occur_time", "campaign_id", "actor_id", "subject", "source", "request_id", "campaign_changed", "campaign_started", "campaign_ending_soon", "campaign_completed", "campaign_archived", "member_invited", "member_joined", "member_removed", "member_role_changed", "tag_changed", "tag_deleted", "idea_submitted", "idea_edited", "idea_status_changed", "coins_moved", "user_registered", "user_renamed", "user_deactivated", "user_email_verified", "user_reactivated", "email_verification_requested")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_CHANGED_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_STARTED_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ENDING_SOON_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    MEMBER_INVITED_FIELD_NUMBER: _ClassVar[int]
    MEMBER_JOINED_FIELD_NUMBER: _ClassVar[int]
    MEMBER_REMOVED_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ROLE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    TAG_CHANGED_FIELD_NUMBER: _ClassVar[int]
    TAG_DELETED_FIELD_NUMBER: _ClassVar[int]
    IDEA_SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    IDEA_EDITED_FIELD_NUMBER: _ClassVar[int]
    IDEA_STATUS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    COINS_MOVED_FIELD_NUMBER: _ClassVar[int]
    USER_REGISTERED_FIELD_NUMBER: _ClassVar[int]
    USER_RENAMED_FIELD_NUMBER: _ClassVar[int]
    USER_DEACTIVATED_FIELD_NUMBER: _ClassVar[int]
    USER_EMAIL_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    USER_REACTIVATED_FIELD_NUMBER: _ClassVar[int]
    EMAIL_VERIFICATION_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    type: str
    occur_time: _timestamp_pb2.Timestamp
    campaign_id: str
    actor_id: str
    subject: str
    source: str
    request_id: str
    campaign_changed: CampaignChanged
    campaign_started: CampaignStarted
    campaign_ending_soon: CampaignEndingSoon
    campaign_completed: CampaignCompleted
    campaign_archived: CampaignArchived
    member_invited: MemberInvited
    member_joined: MemberJoined
    member_removed: MemberRemoved
    member_role_changed: MemberRoleChanged
    tag_changed: TagChanged
    tag_deleted: TagDeleted
    idea_submitted: IdeaSubmitted
    idea_edited: IdeaEdited
    idea_status_changed: IdeaStatusChanged
    coins_moved: CoinsMoved
    user_registered: UserRegistered
    user_renamed: UserRenamed
    user_deactivated: UserDeactivated
    user_email_verified: UserEmailVerified
    user_reactivated: UserReactivated
    email_verification_requested: EmailVerificationRequested
    def __init__(self, event_id: _Optional[str] = ..., type: _Optional[str] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., campaign_id: _Optional[str] = ..., actor_id: _Optional[str] = ..., subject: _Optional[str] = ..., source: _Optional[str] = ..., request_id: _Optional[str] = ..., campaign_changed: _Optional[_Union[CampaignChanged, _Mapping]] = ..., campaign_started: _Optional[_Union[CampaignStarted, _Mapping]] = ..., campaign_ending_soon: _Optional[_Union[CampaignEndingSoon, _Mapping]] = ..., campaign_completed: _Optional[_Union[CampaignCompleted, _Mapping]] = ..., campaign_archived: _Optional[_Union[CampaignArchived, _Mapping]] = ..., member_invited: _Optional[_Union[MemberInvited, _Mapping]] = ..., member_joined: _Optional[_Union[MemberJoined, _Mapping]] = ..., member_removed: _Optional[_Union[MemberRemoved, _Mapping]] = ..., member_role_changed: _Optional[_Union[MemberRoleChanged, _Mapping]] = ..., tag_changed: _Optional[_Union[TagChanged, _Mapping]] = ..., tag_deleted: _Optional[_Union[TagDeleted, _Mapping]] = ..., idea_submitted: _Optional[_Union[IdeaSubmitted, _Mapping]] = ..., idea_edited: _Optional[_Union[IdeaEdited, _Mapping]] = ..., idea_status_changed: _Optional[_Union[IdeaStatusChanged, _Mapping]] = ..., coins_moved: _Optional[_Union[CoinsMoved, _Mapping]] = ..., user_registered: _Optional[_Union[UserRegistered, _Mapping]] = ..., user_renamed: _Optional[_Union[UserRenamed, _Mapping]] = ..., user_deactivated: _Optional[_Union[UserDeactivated, _Mapping]] = ..., user_email_verified: _Optional[_Union[UserEmailVerified, _Mapping]] = ..., user_reactivated: _Optional[_Union[UserReactivated, _Mapping]] = ..., email_verification_requested: _Optional[_Union[EmailVerificationRequested, _Mapping]] = ...) -> None: ...

class CampaignChanged(_message.Message):
    __slots__ = ("campaign", "update_mask")
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    campaign: _resources_pb2.Campaign
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, campaign: _Optional[_Union[_resources_pb2.Campaign, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class CampaignStarted(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: _resources_pb2.Campaign
    def __init__(self, campaign: _Optional[_Union[_resources_pb2.Campaign, _Mapping]] = ...) -> None: ...

class CampaignEndingSoon(_message.Message):
    __slots__ = ("campaign", "end_time")
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    campaign: _resources_pb2.Campaign
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, campaign: _Optional[_Union[_resources_pb2.Campaign, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CampaignCompleted(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: _resources_pb2.Campaign
    def __init__(self, campaign: _Optional[_Union[_resources_pb2.Campaign, _Mapping]] = ...) -> None: ...

class CampaignArchived(_message.Message):
    __slots__ = ("campaign",)
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    campaign: _resources_pb2.Campaign
    def __init__(self, campaign: _Optional[_Union[_resources_pb2.Campaign, _Mapping]] = ...) -> None: ...

class MemberInvited(_message.Message):
    __slots__ = ("email", "user_id", "role", "campaign_title", "sealed_link", "expire_time")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_TITLE_FIELD_NUMBER: _ClassVar[int]
    SEALED_LINK_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    email: str
    user_id: str
    role: _resources_pb2.CampaignRole
    campaign_title: str
    sealed_link: bytes
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, email: _Optional[str] = ..., user_id: _Optional[str] = ..., role: _Optional[_Union[_resources_pb2.CampaignRole, str]] = ..., campaign_title: _Optional[str] = ..., sealed_link: _Optional[bytes] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MemberJoined(_message.Message):
    __slots__ = ("user_id", "role")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    role: _resources_pb2.CampaignRole
    def __init__(self, user_id: _Optional[str] = ..., role: _Optional[_Union[_resources_pb2.CampaignRole, str]] = ...) -> None: ...

class MemberRemoved(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class MemberRoleChanged(_message.Message):
    __slots__ = ("user_id", "from_role", "to_role")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_ROLE_FIELD_NUMBER: _ClassVar[int]
    TO_ROLE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    from_role: _resources_pb2.CampaignRole
    to_role: _resources_pb2.CampaignRole
    def __init__(self, user_id: _Optional[str] = ..., from_role: _Optional[_Union[_resources_pb2.CampaignRole, str]] = ..., to_role: _Optional[_Union[_resources_pb2.CampaignRole, str]] = ...) -> None: ...

class TagChanged(_message.Message):
    __slots__ = ("tag",)
    TAG_FIELD_NUMBER: _ClassVar[int]
    tag: _resources_pb2.Tag
    def __init__(self, tag: _Optional[_Union[_resources_pb2.Tag, _Mapping]] = ...) -> None: ...

class TagDeleted(_message.Message):
    __slots__ = ("tag_id",)
    TAG_ID_FIELD_NUMBER: _ClassVar[int]
    tag_id: str
    def __init__(self, tag_id: _Optional[str] = ...) -> None: ...

class IdeaSubmitted(_message.Message):
    __slots__ = ("idea", "tags")
    IDEA_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    idea: _resources_pb2.Idea
    tags: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Tag]
    def __init__(self, idea: _Optional[_Union[_resources_pb2.Idea, _Mapping]] = ..., tags: _Optional[_Iterable[_Union[_resources_pb2.Tag, _Mapping]]] = ...) -> None: ...

class IdeaEdited(_message.Message):
    __slots__ = ("idea", "tags", "update_mask")
    IDEA_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    idea: _resources_pb2.Idea
    tags: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Tag]
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, idea: _Optional[_Union[_resources_pb2.Idea, _Mapping]] = ..., tags: _Optional[_Iterable[_Union[_resources_pb2.Tag, _Mapping]]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class IdeaStatusChanged(_message.Message):
    __slots__ = ("idea", "from_status", "to_status", "reason")
    IDEA_FIELD_NUMBER: _ClassVar[int]
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idea: _resources_pb2.Idea
    from_status: _resources_pb2.IdeaStatus
    to_status: _resources_pb2.IdeaStatus
    reason: str
    def __init__(self, idea: _Optional[_Union[_resources_pb2.Idea, _Mapping]] = ..., from_status: _Optional[_Union[_resources_pb2.IdeaStatus, str]] = ..., to_status: _Optional[_Union[_resources_pb2.IdeaStatus, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class IdeaCoinTotal(_message.Message):
    __slots__ = ("idea_id", "coin_total", "backer_count")
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    COIN_TOTAL_FIELD_NUMBER: _ClassVar[int]
    BACKER_COUNT_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    coin_total: int
    backer_count: int
    def __init__(self, idea_id: _Optional[str] = ..., coin_total: _Optional[int] = ..., backer_count: _Optional[int] = ...) -> None: ...

class CoinsMoved(_message.Message):
    __slots__ = ("operation", "entries", "idea_totals", "part", "part_count")
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    IDEA_TOTALS_FIELD_NUMBER: _ClassVar[int]
    PART_FIELD_NUMBER: _ClassVar[int]
    PART_COUNT_FIELD_NUMBER: _ClassVar[int]
    operation: CoinOperation
    entries: _containers.RepeatedCompositeFieldContainer[_resources_pb2.LedgerEntry]
    idea_totals: _containers.RepeatedCompositeFieldContainer[IdeaCoinTotal]
    part: int
    part_count: int
    def __init__(self, operation: _Optional[_Union[CoinOperation, str]] = ..., entries: _Optional[_Iterable[_Union[_resources_pb2.LedgerEntry, _Mapping]]] = ..., idea_totals: _Optional[_Iterable[_Union[IdeaCoinTotal, _Mapping]]] = ..., part: _Optional[int] = ..., part_count: _Optional[int] = ...) -> None: ...

class UserRegistered(_message.Message):
    __slots__ = ("email", "full_name")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    email: str
    full_name: str
    def __init__(self, email: _Optional[str] = ..., full_name: _Optional[str] = ...) -> None: ...

class UserRenamed(_message.Message):
    __slots__ = ("full_name", "previous_full_name")
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    full_name: str
    previous_full_name: str
    def __init__(self, full_name: _Optional[str] = ..., previous_full_name: _Optional[str] = ...) -> None: ...

class UserDeactivated(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UserEmailVerified(_message.Message):
    __slots__ = ("email",)
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    email: str
    def __init__(self, email: _Optional[str] = ...) -> None: ...

class UserReactivated(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EmailVerificationRequested(_message.Message):
    __slots__ = ("email", "full_name", "sealed_link", "expire_time")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    SEALED_LINK_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    email: str
    full_name: str
    sealed_link: bytes
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, email: _Optional[str] = ..., full_name: _Optional[str] = ..., sealed_link: _Optional[bytes] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
