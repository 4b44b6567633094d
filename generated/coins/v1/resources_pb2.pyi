import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SystemRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYSTEM_ROLE_UNSPECIFIED: _ClassVar[SystemRole]
    SYSTEM_ROLE_ADMIN: _ClassVar[SystemRole]
    SYSTEM_ROLE_SPONSOR: _ClassVar[SystemRole]

class CampaignType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_TYPE_UNSPECIFIED: _ClassVar[CampaignType]
    CAMPAIGN_TYPE_OPEN: _ClassVar[CampaignType]
    CAMPAIGN_TYPE_MEDIATED: _ClassVar[CampaignType]
    CAMPAIGN_TYPE_CLOSED: _ClassVar[CampaignType]

class CampaignStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_STATUS_UNSPECIFIED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_DRAFT: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_ACTIVE: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_COMPLETED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_ARCHIVED: _ClassVar[CampaignStatus]

class CampaignRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_ROLE_UNSPECIFIED: _ClassVar[CampaignRole]
    CAMPAIGN_ROLE_MEMBER: _ClassVar[CampaignRole]
    CAMPAIGN_ROLE_MANAGER: _ClassVar[CampaignRole]

class MembershipState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMBERSHIP_STATE_UNSPECIFIED: _ClassVar[MembershipState]
    MEMBERSHIP_STATE_INVITED: _ClassVar[MembershipState]
    MEMBERSHIP_STATE_JOINED: _ClassVar[MembershipState]

class IdeaStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IDEA_STATUS_UNSPECIFIED: _ClassVar[IdeaStatus]
    IDEA_STATUS_PENDING: _ClassVar[IdeaStatus]
    IDEA_STATUS_APPROVED: _ClassVar[IdeaStatus]
    IDEA_STATUS_REJECTED: _ClassVar[IdeaStatus]
    IDEA_STATUS_COMPETING: _ClassVar[IdeaStatus]
    IDEA_STATUS_ACCEPTED: _ClassVar[IdeaStatus]
    IDEA_STATUS_IN_PROGRESS: _ClassVar[IdeaStatus]
    IDEA_STATUS_COMPLETE: _ClassVar[IdeaStatus]

class LedgerEntryKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEDGER_ENTRY_KIND_UNSPECIFIED: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_GRANT: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_SUBMISSION_REWARD: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_ALLOCATE: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_REALLOCATE: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_WITHDRAW: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_EXPEND: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_RECYCLE: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_BURN: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_EXPIRE: _ClassVar[LedgerEntryKind]
    LEDGER_ENTRY_KIND_REWARD_REVOKED: _ClassVar[LedgerEntryKind]

class NotificationEvent(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_EVENT_UNSPECIFIED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_INVITED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_IDEA_APPROVED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_IDEA_REJECTED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_IDEA_ACCEPTED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_IDEA_STARTED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_IDEA_COMPLETED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_BACKED_IDEA_ACCEPTED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_BACKED_IDEA_REJECTED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_CAMPAIGN_STARTED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_CAMPAIGN_ENDING: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_CAMPAIGN_COMPLETED: _ClassVar[NotificationEvent]

class NotificationChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_CHANNEL_UNSPECIFIED: _ClassVar[NotificationChannel]
    NOTIFICATION_CHANNEL_IN_APP: _ClassVar[NotificationChannel]
    NOTIFICATION_CHANNEL_EMAIL: _ClassVar[NotificationChannel]
SYSTEM_ROLE_UNSPECIFIED: SystemRole
SYSTEM_ROLE_ADMIN: SystemRole
SYSTEM_ROLE_SPONSOR: SystemRole
CAMPAIGN_TYPE_UNSPECIFIED: CampaignType
CAMPAIGN_TYPE_OPEN: CampaignType
CAMPAIGN_TYPE_MEDIATED: CampaignType
CAMPAIGN_TYPE_CLOSED: CampaignType
CAMPAIGN_STATUS_UNSPECIFIED: CampaignStatus
CAMPAIGN_STATUS_DRAFT: CampaignStatus
CAMPAIGN_STATUS_ACTIVE: CampaignStatus
CAMPAIGN_STATUS_COMPLETED: CampaignStatus
CAMPAIGN_STATUS_ARCHIVED: CampaignStatus
CAMPAIGN_ROLE_UNSPECIFIED: CampaignRole
CAMPAIGN_ROLE_MEMBER: CampaignRole
CAMPAIGN_ROLE_MANAGER: CampaignRole
MEMBERSHIP_STATE_UNSPECIFIED: MembershipState
MEMBERSHIP_STATE_INVITED: MembershipState
MEMBERSHIP_STATE_JOINED: MembershipState
IDEA_STATUS_UNSPECIFIED: IdeaStatus
IDEA_STATUS_PENDING: IdeaStatus
IDEA_STATUS_APPROVED: IdeaStatus
IDEA_STATUS_REJECTED: IdeaStatus
IDEA_STATUS_COMPETING: IdeaStatus
IDEA_STATUS_ACCEPTED: IdeaStatus
IDEA_STATUS_IN_PROGRESS: IdeaStatus
IDEA_STATUS_COMPLETE: IdeaStatus
LEDGER_ENTRY_KIND_UNSPECIFIED: LedgerEntryKind
LEDGER_ENTRY_KIND_GRANT: LedgerEntryKind
LEDGER_ENTRY_KIND_SUBMISSION_REWARD: LedgerEntryKind
LEDGER_ENTRY_KIND_ALLOCATE: LedgerEntryKind
LEDGER_ENTRY_KIND_REALLOCATE: LedgerEntryKind
LEDGER_ENTRY_KIND_WITHDRAW: LedgerEntryKind
LEDGER_ENTRY_KIND_EXPEND: LedgerEntryKind
LEDGER_ENTRY_KIND_RECYCLE: LedgerEntryKind
LEDGER_ENTRY_KIND_BURN: LedgerEntryKind
LEDGER_ENTRY_KIND_EXPIRE: LedgerEntryKind
LEDGER_ENTRY_KIND_REWARD_REVOKED: LedgerEntryKind
NOTIFICATION_EVENT_UNSPECIFIED: NotificationEvent
NOTIFICATION_EVENT_INVITED: NotificationEvent
NOTIFICATION_EVENT_IDEA_APPROVED: NotificationEvent
NOTIFICATION_EVENT_IDEA_REJECTED: NotificationEvent
NOTIFICATION_EVENT_IDEA_ACCEPTED: NotificationEvent
NOTIFICATION_EVENT_IDEA_STARTED: NotificationEvent
NOTIFICATION_EVENT_IDEA_COMPLETED: NotificationEvent
NOTIFICATION_EVENT_BACKED_IDEA_ACCEPTED: NotificationEvent
NOTIFICATION_EVENT_BACKED_IDEA_REJECTED: NotificationEvent
NOTIFICATION_EVENT_CAMPAIGN_STARTED: NotificationEvent
NOTIFICATION_EVENT_CAMPAIGN_ENDING: NotificationEvent
NOTIFICATION_EVENT_CAMPAIGN_COMPLETED: NotificationEvent
NOTIFICATION_CHANNEL_UNSPECIFIED: NotificationChannel
NOTIFICATION_CHANNEL_IN_APP: NotificationChannel
NOTIFICATION_CHANNEL_EMAIL: NotificationChannel

class User(_message.Message):
    __slots__ = ("id", "email", "full_name", "roles", "active", "create_time", "email_verified")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    full_name: str
    roles: _containers.RepeatedScalarFieldContainer[SystemRole]
    active: bool
    create_time: _timestamp_pb2.Timestamp
    email_verified: bool
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., full_name: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[SystemRole, str]]] = ..., active: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., email_verified: _Optional[bool] = ...) -> None: ...

class CoinPolicy(_message.Message):
    __slots__ = ("initial_allocation", "idea_submission_reward", "allow_reallocation", "allow_recycling", "max_per_idea", "max_rewarded_ideas")
    INITIAL_ALLOCATION_FIELD_NUMBER: _ClassVar[int]
    IDEA_SUBMISSION_REWARD_FIELD_NUMBER: _ClassVar[int]
    ALLOW_REALLOCATION_FIELD_NUMBER: _ClassVar[int]
    ALLOW_RECYCLING_FIELD_NUMBER: _ClassVar[int]
    MAX_PER_IDEA_FIELD_NUMBER: _ClassVar[int]
    MAX_REWARDED_IDEAS_FIELD_NUMBER: _ClassVar[int]
    initial_allocation: int
    idea_submission_reward: int
    allow_reallocation: bool
    allow_recycling: bool
    max_per_idea: int
    max_rewarded_ideas: int
    def __init__(self, initial_allocation: _Optional[int] = ..., idea_submission_reward: _Optional[int] = ..., allow_reallocation: _Optional[bool] = ..., allow_recycling: _Optional[bool] = ..., max_per_idea: _Optional[int] = ..., max_rewarded_ideas: _Optional[int] = ...) -> None: ...

class Campaign(_message.Message):
    __slots__ = ("id", "campaign_id", "title", "description", "type", "status", "start_time", "end_time", "banner_image_url", "icon_url", "coin_policy", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    BANNER_IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    ICON_URL_FIELD_NUMBER: _ClassVar[int]
    COIN_POLICY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    campaign_id: str
    title: str
    description: str
    type: CampaignType
    status: CampaignStatus
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    banner_image_url: str
    icon_url: str
    coin_policy: CoinPolicy
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., type: _Optional[_Union[CampaignType, str]] = ..., status: _Optional[_Union[CampaignStatus, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., banner_image_url: _Optional[str] = ..., icon_url: _Optional[str] = ..., coin_policy: _Optional[_Union[CoinPolicy, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CampaignMember(_message.Message):
    __slots__ = ("campaign_id", "user_id", "email", "full_name", "role", "state", "invite_time", "join_time")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    INVITE_TIME_FIELD_NUMBER: _ClassVar[int]
    JOIN_TIME_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    user_id: str
    email: str
    full_name: str
    role: CampaignRole
    state: MembershipState
    invite_time: _timestamp_pb2.Timestamp
    join_time: _timestamp_pb2.Timestamp
    def __init__(self, campaign_id: _Optional[str] = ..., user_id: _Optional[str] = ..., email: _Optional[str] = ..., full_name: _Optional[str] = ..., role: _Optional[_Union[CampaignRole, str]] = ..., state: _Optional[_Union[MembershipState, str]] = ..., invite_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., join_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Tag(_message.Message):
    __slots__ = ("id", "campaign_id", "name", "description", "color", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    COLOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    campaign_id: str
    name: str
    description: str
    color: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., color: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class IdeaStatusChange(_message.Message):
    __slots__ = ("from_status", "to_status", "actor_id", "reason", "change_time")
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    from_status: IdeaStatus
    to_status: IdeaStatus
    actor_id: str
    reason: str
    change_time: _timestamp_pb2.Timestamp
    def __init__(self, from_status: _Optional[_Union[IdeaStatus, str]] = ..., to_status: _Optional[_Union[IdeaStatus, str]] = ..., actor_id: _Optional[str] = ..., reason: _Optional[str] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Idea(_message.Message):
    __slots__ = ("id", "campaign_id", "submitter_id", "submitter_name", "title", "description", "status", "context_id", "permalink_source", "tag_ids", "coin_total", "submit_time", "approve_time", "reject_time", "accept_time", "start_time", "complete_time", "update_time", "status_history")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMITTER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMITTER_NAME_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_ID_FIELD_NUMBER: _ClassVar[int]
    PERMALINK_SOURCE_FIELD_NUMBER: _ClassVar[int]
    TAG_IDS_FIELD_NUMBER: _ClassVar[int]
    COIN_TOTAL_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    APPROVE_TIME_FIELD_NUMBER: _ClassVar[int]
    REJECT_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_HISTORY_FIELD_NUMBER: _ClassVar[int]
    id: str
    campaign_id: str
    submitter_id: str
    submitter_name: str
    title: str
    description: str
    status: IdeaStatus
    context_id: str
    permalink_source: str
    tag_ids: _containers.RepeatedScalarFieldContainer[str]
    coin_total: int
    submit_time: _timestamp_pb2.Timestamp
    approve_time: _timestamp_pb2.Timestamp
    reject_time: _timestamp_pb2.Timestamp
    accept_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    status_history: _containers.RepeatedCompositeFieldContainer[IdeaStatusChange]
    def __init__(self, id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., submitter_id: _Optional[str] = ..., submitter_name: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., status: _Optional[_Union[IdeaStatus, str]] = ..., context_id: _Optional[str] = ..., permalink_source: _Optional[str] = ..., tag_ids: _Optional[_Iterable[str]] = ..., coin_total: _Optional[int] = ..., submit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., approve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reject_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accept_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status_history: _Optional[_Iterable[_Union[IdeaStatusChange, _Mapping]]] = ...) -> None: ...

class CoinBalance(_message.Message):
    __slots__ = ("campaign_id", "user_id", "granted", "available", "allocated", "expended", "expired", "burned")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    ALLOCATED_FIELD_NUMBER: _ClassVar[int]
    EXPENDED_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    BURNED_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    user_id: str
    granted: int
    available: int
    allocated: int
    expended: int
    expired: int
    burned: int
    def __init__(self, campaign_id: _Optional[str] = ..., user_id: _Optional[str] = ..., granted: _Optional[int] = ..., available: _Optional[int] = ..., allocated: _Optional[int] = ..., expended: _Optional[int] = ..., expired: _Optional[int] = ..., burned: _Optional[int] = ...) -> None: ...

class Allocation(_message.Message):
    __slots__ = ("campaign_id", "idea_id", "user_id", "amount", "expended", "update_time")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    EXPENDED_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    idea_id: str
    user_id: str
    amount: int
    expended: bool
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, campaign_id: _Optional[str] = ..., idea_id: _Optional[str] = ..., user_id: _Optional[str] = ..., amount: _Optional[int] = ..., expended: _Optional[bool] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LedgerEntry(_message.Message):
    __slots__ = ("id", "campaign_id", "user_id", "kind", "amount", "idea_id", "from_idea_id", "actor_id", "request_id", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    campaign_id: str
    user_id: str
    kind: LedgerEntryKind
    amount: int
    idea_id: str
    from_idea_id: str
    actor_id: str
    request_id: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., user_id: _Optional[str] = ..., kind: _Optional[_Union[LedgerEntryKind, str]] = ..., amount: _Optional[int] = ..., idea_id: _Optional[str] = ..., from_idea_id: _Optional[str] = ..., actor_id: _Optional[str] = ..., request_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Notification(_message.Message):
    __slots__ = ("id", "user_id", "event", "title", "body", "campaign_id", "idea_id", "read", "create_time", "link", "campaign_title")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_TITLE_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    event: NotificationEvent
    title: str
    body: str
    campaign_id: str
    idea_id: str
    read: bool
    create_time: _timestamp_pb2.Timestamp
    link: str
    campaign_title: str
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., event: _Optional[_Union[NotificationEvent, str]] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., campaign_id: _Optional[str] = ..., idea_id: _Optional[str] = ..., read: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., link: _Optional[str] = ..., campaign_title: _Optional[str] = ...) -> None: ...

class NotificationPreference(_message.Message):
    __slots__ = ("event", "channel", "enabled")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    event: NotificationEvent
    channel: NotificationChannel
    enabled: bool
    def __init__(self, event: _Optional[_Union[NotificationEvent, str]] = ..., channel: _Optional[_Union[NotificationChannel, str]] = ..., enabled: _Optional[bool] = ...) -> None: ...
