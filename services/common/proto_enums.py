"""The one place where proto enums meet the domain's concepts (services/common/concepts.py). Each map pairs a
concept's members with the proto values of the same name (`CampaignStatus.ACTIVE` ⇄ `CAMPAIGN_STATUS_ACTIVE`),
so the two cannot drift apart without tests/unit/test_proto_enums.py noticing."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar, overload

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from coins.v1 import campaign_service_pb2, notification_service_pb2, resources_pb2
from services.common import concepts
from services.common.errors import InvalidArgument

Concept = TypeVar("Concept", bound=StrEnum)


class EnumMap(Generic[Concept]):
    def __init__(self, concept: type[Concept], proto: EnumTypeWrapper, prefix: str):
        self.concept, self.proto, self.prefix = concept, proto, prefix
        self._to_proto = {member: proto.Value(prefix + member.name) for member in concept}
        self._from_proto = {number: member for member, number in self._to_proto.items()}

    def to_proto(self, value: Concept | str | None) -> Any:
        """The proto number; UNSPECIFIED (0) for None. Typed Any: each proto enum has its own int subtype."""
        return 0 if value is None else self._to_proto[self.concept(value)]

    @overload
    def from_proto(self, field: str, number: int) -> Concept: ...

    @overload
    def from_proto(self, field: str, number: int, *, required: Literal[True]) -> Concept: ...

    @overload
    def from_proto(self, field: str, number: int, *, required: bool) -> Concept | None: ...

    def from_proto(self, field: str, number: int, *, required: bool = True) -> Concept | None:
        """The concept a request names. Proto3 takes any number on the wire (the gateway passes 7 for a 4-value
        enum), so the range is checked here; UNSPECIFIED is None, or refused when the field is required."""
        if number == 0 and not required:
            return None
        if number not in self._from_proto:
            raise InvalidArgument(field, f"{field} is required" if number == 0 else f"{field} has no value {number}")
        return self._from_proto[number]


SYSTEM_ROLE = EnumMap(concepts.SystemRole, resources_pb2.SystemRole, "SYSTEM_ROLE_")
CAMPAIGN_TYPE = EnumMap(concepts.CampaignType, resources_pb2.CampaignType, "CAMPAIGN_TYPE_")
CAMPAIGN_STATUS = EnumMap(concepts.CampaignStatus, resources_pb2.CampaignStatus, "CAMPAIGN_STATUS_")
CAMPAIGN_ROLE = EnumMap(concepts.CampaignRole, resources_pb2.CampaignRole, "CAMPAIGN_ROLE_")
INVITATION_STATE = EnumMap(concepts.InvitationState, campaign_service_pb2.InvitationState, "INVITATION_STATE_")
IDEA_STATUS = EnumMap(concepts.IdeaStatus, resources_pb2.IdeaStatus, "IDEA_STATUS_")
LEDGER_ENTRY_KIND = EnumMap(concepts.LedgerEntryKind, resources_pb2.LedgerEntryKind, "LEDGER_ENTRY_KIND_")
NOTIFICATION_KIND = EnumMap(concepts.NotificationKind, resources_pb2.NotificationEvent, "NOTIFICATION_EVENT_")
CHANNEL = EnumMap(concepts.Channel, resources_pb2.NotificationChannel, "NOTIFICATION_CHANNEL_")
EMAIL_DELIVERY = EnumMap(concepts.EmailDelivery, notification_service_pb2.EmailDelivery, "EMAIL_DELIVERY_")

ALL = (SYSTEM_ROLE, CAMPAIGN_TYPE, CAMPAIGN_STATUS, CAMPAIGN_ROLE, INVITATION_STATE, IDEA_STATUS, LEDGER_ENTRY_KIND,
       NOTIFICATION_KIND, CHANNEL, EMAIL_DELIVERY)
