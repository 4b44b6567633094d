import datetime

from coins.v1 import resources_pb2 as _resources_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InvitationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVITATION_STATE_UNSPECIFIED: _ClassVar[InvitationState]
    INVITATION_STATE_PENDING: _ClassVar[InvitationState]
    INVITATION_STATE_ACCEPTED: _ClassVar[InvitationState]
    INVITATION_STATE_REVOKED: _ClassVar[InvitationState]
    INVITATION_STATE_EXPIRED: _ClassVar[InvitationState]
INVITATION_STATE_UNSPECIFIED: InvitationState
INVITATION_STATE_PENDING: InvitationState
INVITATION_STATE_ACCEPTED: InvitationState
INVITATION_STATE_REVOKED: InvitationState
INVITATION_STATE_EXPIRED: InvitationState

class CreateCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "campaign", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    campaign: _resources_pb2.Campaign
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., campaign: _Optional[_Union[_resources_pb2.Campaign, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetCampaignRequest(_message.Message):
    __slots__ = ("campaign_id",)
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    def __init__(self, campaign_id: _Optional[str] = ...) -> None: ...

class ListCampaignsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "status", "type")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    status: _resources_pb2.CampaignStatus
    type: _resources_pb2.CampaignType
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[_Union[_resources_pb2.CampaignStatus, str]] = ..., type: _Optional[_Union[_resources_pb2.CampaignType, str]] = ...) -> None: ...

class ListCampaignsResponse(_message.Message):
    __slots__ = ("campaigns", "next_page_token")
    CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaigns: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Campaign]
    next_page_token: str
    def __init__(self, campaigns: _Optional[_Iterable[_Union[_resources_pb2.Campaign, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "campaign", "update_mask")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    campaign: _resources_pb2.Campaign
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, campaign_id: _Optional[str] = ..., campaign: _Optional[_Union[_resources_pb2.Campaign, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class ActivateCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CompleteCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ArchiveCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class JoinCampaignRequest(_message.Message):
    __slots__ = ("campaign_id", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class InviteMembersRequest(_message.Message):
    __slots__ = ("campaign_id", "emails", "role", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    emails: _containers.RepeatedScalarFieldContainer[str]
    role: _resources_pb2.CampaignRole
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., emails: _Optional[_Iterable[str]] = ..., role: _Optional[_Union[_resources_pb2.CampaignRole, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class InviteMembersResponse(_message.Message):
    __slots__ = ("invitations",)
    INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    invitations: _containers.RepeatedCompositeFieldContainer[Invitation]
    def __init__(self, invitations: _Optional[_Iterable[_Union[Invitation, _Mapping]]] = ...) -> None: ...

class AcceptInvitationRequest(_message.Message):
    __slots__ = ("campaign_id", "request_id", "invitation_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INVITATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    request_id: str
    invitation_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., request_id: _Optional[str] = ..., invitation_token: _Optional[str] = ...) -> None: ...

class Invitation(_message.Message):
    __slots__ = ("campaign_id", "email", "role", "state", "invited_by", "create_time", "expire_time", "accepted_by", "accept_time", "link")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    INVITED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_BY_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_TIME_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    email: str
    role: _resources_pb2.CampaignRole
    state: InvitationState
    invited_by: str
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    accepted_by: str
    accept_time: _timestamp_pb2.Timestamp
    link: str
    def __init__(self, campaign_id: _Optional[str] = ..., email: _Optional[str] = ..., role: _Optional[_Union[_resources_pb2.CampaignRole, str]] = ..., state: _Optional[_Union[InvitationState, str]] = ..., invited_by: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accepted_by: _Optional[str] = ..., accept_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., link: _Optional[str] = ...) -> None: ...

class ListInvitationsRequest(_message.Message):
    __slots__ = ("campaign_id", "page_size", "page_token", "state")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    page_size: int
    page_token: str
    state: InvitationState
    def __init__(self, campaign_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[InvitationState, str]] = ...) -> None: ...

class ListInvitationsResponse(_message.Message):
    __slots__ = ("invitations", "next_page_token")
    INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    invitations: _containers.RepeatedCompositeFieldContainer[Invitation]
    next_page_token: str
    def __init__(self, invitations: _Optional[_Iterable[_Union[Invitation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RevokeInvitationRequest(_message.Message):
    __slots__ = ("campaign_id", "email")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    email: str
    def __init__(self, campaign_id: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class ListMembersRequest(_message.Message):
    __slots__ = ("campaign_id", "page_size", "page_token", "role")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    page_size: int
    page_token: str
    role: _resources_pb2.CampaignRole
    def __init__(self, campaign_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., role: _Optional[_Union[_resources_pb2.CampaignRole, str]] = ...) -> None: ...

class ListMembersResponse(_message.Message):
    __slots__ = ("members", "next_page_token")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[_resources_pb2.CampaignMember]
    next_page_token: str
    def __init__(self, members: _Optional[_Iterable[_Union[_resources_pb2.CampaignMember, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RemoveMemberRequest(_message.Message):
    __slots__ = ("campaign_id", "user_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    user_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class GetMemberRequest(_message.Message):
    __slots__ = ("campaign_id", "user_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    user_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class SetMemberRoleRequest(_message.Message):
    __slots__ = ("campaign_id", "user_id", "role")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    user_id: str
    role: _resources_pb2.CampaignRole
    def __init__(self, campaign_id: _Optional[str] = ..., user_id: _Optional[str] = ..., role: _Optional[_Union[_resources_pb2.CampaignRole, str]] = ...) -> None: ...

class AddSponsorRequest(_message.Message):
    __slots__ = ("campaign_id", "user_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    user_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class AddSponsorResponse(_message.Message):
    __slots__ = ("sponsor_ids",)
    SPONSOR_IDS_FIELD_NUMBER: _ClassVar[int]
    sponsor_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, sponsor_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RemoveSponsorRequest(_message.Message):
    __slots__ = ("campaign_id", "user_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    user_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class ListSponsorsRequest(_message.Message):
    __slots__ = ("campaign_id", "page_size", "page_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    page_size: int
    page_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSponsorsResponse(_message.Message):
    __slots__ = ("sponsors", "next_page_token")
    SPONSORS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sponsors: _containers.RepeatedCompositeFieldContainer[_resources_pb2.User]
    next_page_token: str
    def __init__(self, sponsors: _Optional[_Iterable[_Union[_resources_pb2.User, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateTagRequest(_message.Message):
    __slots__ = ("campaign_id", "tag", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    tag: _resources_pb2.Tag
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., tag: _Optional[_Union[_resources_pb2.Tag, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListTagsRequest(_message.Message):
    __slots__ = ("campaign_id", "page_size", "page_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    page_size: int
    page_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTagsResponse(_message.Message):
    __slots__ = ("tags", "next_page_token")
    TAGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Tag]
    next_page_token: str
    def __init__(self, tags: _Optional[_Iterable[_Union[_resources_pb2.Tag, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateTagRequest(_message.Message):
    __slots__ = ("campaign_id", "tag_id", "tag", "update_mask")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    tag_id: str
    tag: _resources_pb2.Tag
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, campaign_id: _Optional[str] = ..., tag_id: _Optional[str] = ..., tag: _Optional[_Union[_resources_pb2.Tag, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteTagRequest(_message.Message):
    __slots__ = ("campaign_id", "tag_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    tag_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., tag_id: _Optional[str] = ...) -> None: ...

class GetCampaignAccessRequest(_message.Message):
    __slots__ = ("campaign_id", "user_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    user_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class CampaignAccess(_message.Message):
    __slots__ = ("campaign", "role", "sponsor", "tags", "visible")
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SPONSOR_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    VISIBLE_FIELD_NUMBER: _ClassVar[int]
    campaign: _resources_pb2.Campaign
    role: _resources_pb2.CampaignRole
    sponsor: bool
    tags: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Tag]
    visible: bool
    def __init__(self, campaign: _Optional[_Union[_resources_pb2.Campaign, _Mapping]] = ..., role: _Optional[_Union[_resources_pb2.CampaignRole, str]] = ..., sponsor: _Optional[bool] = ..., tags: _Optional[_Iterable[_Union[_resources_pb2.Tag, _Mapping]]] = ..., visible: _Optional[bool] = ...) -> None: ...

class ListJoinedMembersRequest(_message.Message):
    __slots__ = ("campaign_id", "page_size", "page_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    page_size: int
    page_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListJoinedMembersResponse(_message.Message):
    __slots__ = ("members", "next_page_token")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[_resources_pb2.CampaignMember]
    next_page_token: str
    def __init__(self, members: _Optional[_Iterable[_Union[_resources_pb2.CampaignMember, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListUserCampaignRolesRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class UserCampaignRole(_message.Message):
    __slots__ = ("campaign_id", "role", "sponsor")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SPONSOR_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    role: _resources_pb2.CampaignRole
    sponsor: bool
    def __init__(self, campaign_id: _Optional[str] = ..., role: _Optional[_Union[_resources_pb2.CampaignRole, str]] = ..., sponsor: _Optional[bool] = ...) -> None: ...

class ListUserCampaignRolesResponse(_message.Message):
    __slots__ = ("roles",)
    ROLES_FIELD_NUMBER: _ClassVar[int]
    roles: _containers.RepeatedCompositeFieldContainer[UserCampaignRole]
    def __init__(self, roles: _Optional[_Iterable[_Union[UserCampaignRole, _Mapping]]] = ...) -> None: ...

class ListAllCampaignsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class CampaignWithTags(_message.Message):
    __slots__ = ("campaign", "tags")
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    campaign: _resources_pb2.Campaign
    tags: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Tag]
    def __init__(self, campaign: _Optional[_Union[_resources_pb2.Campaign, _Mapping]] = ..., tags: _Optional[_Iterable[_Union[_resources_pb2.Tag, _Mapping]]] = ...) -> None: ...

class ListAllCampaignsResponse(_message.Message):
    __slots__ = ("campaigns", "next_page_token")
    CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaigns: _containers.RepeatedCompositeFieldContainer[CampaignWithTags]
    next_page_token: str
    def __init__(self, campaigns: _Optional[_Iterable[_Union[CampaignWithTags, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListInvitedEmailsRequest(_message.Message):
    __slots__ = ("campaign_id",)
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    def __init__(self, campaign_id: _Optional[str] = ...) -> None: ...

class ListInvitedEmailsResponse(_message.Message):
    __slots__ = ("emails",)
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    emails: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, emails: _Optional[_Iterable[str]] = ...) -> None: ...
