import datetime

from coins.v1 import resources_pb2 as _resources_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AllocateCoinsRequest(_message.Message):
    __slots__ = ("campaign_id", "idea_id", "amount", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    idea_id: str
    amount: int
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., idea_id: _Optional[str] = ..., amount: _Optional[int] = ..., request_id: _Optional[str] = ...) -> None: ...

class AllocateCoinsResponse(_message.Message):
    __slots__ = ("balance", "allocation")
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_FIELD_NUMBER: _ClassVar[int]
    balance: _resources_pb2.CoinBalance
    allocation: _resources_pb2.Allocation
    def __init__(self, balance: _Optional[_Union[_resources_pb2.CoinBalance, _Mapping]] = ..., allocation: _Optional[_Union[_resources_pb2.Allocation, _Mapping]] = ...) -> None: ...

class ReallocateCoinsRequest(_message.Message):
    __slots__ = ("campaign_id", "from_idea_id", "to_idea_id", "amount", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    TO_IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    from_idea_id: str
    to_idea_id: str
    amount: int
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., from_idea_id: _Optional[str] = ..., to_idea_id: _Optional[str] = ..., amount: _Optional[int] = ..., request_id: _Optional[str] = ...) -> None: ...

class ReallocateCoinsResponse(_message.Message):
    __slots__ = ("balance", "from_allocation", "to_allocation")
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    FROM_ALLOCATION_FIELD_NUMBER: _ClassVar[int]
    TO_ALLOCATION_FIELD_NUMBER: _ClassVar[int]
    balance: _resources_pb2.CoinBalance
    from_allocation: _resources_pb2.Allocation
    to_allocation: _resources_pb2.Allocation
    def __init__(self, balance: _Optional[_Union[_resources_pb2.CoinBalance, _Mapping]] = ..., from_allocation: _Optional[_Union[_resources_pb2.Allocation, _Mapping]] = ..., to_allocation: _Optional[_Union[_resources_pb2.Allocation, _Mapping]] = ...) -> None: ...

class WithdrawCoinsRequest(_message.Message):
    __slots__ = ("campaign_id", "idea_id", "amount", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    idea_id: str
    amount: int
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., idea_id: _Optional[str] = ..., amount: _Optional[int] = ..., request_id: _Optional[str] = ...) -> None: ...

class WithdrawCoinsResponse(_message.Message):
    __slots__ = ("balance", "allocation")
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_FIELD_NUMBER: _ClassVar[int]
    balance: _resources_pb2.CoinBalance
    allocation: _resources_pb2.Allocation
    def __init__(self, balance: _Optional[_Union[_resources_pb2.CoinBalance, _Mapping]] = ..., allocation: _Optional[_Union[_resources_pb2.Allocation, _Mapping]] = ...) -> None: ...

class GetCoinBalanceRequest(_message.Message):
    __slots__ = ("campaign_id",)
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    def __init__(self, campaign_id: _Optional[str] = ...) -> None: ...

class ListAllocationsRequest(_message.Message):
    __slots__ = ("campaign_id", "page_size", "page_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    page_size: int
    page_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAllocationsResponse(_message.Message):
    __slots__ = ("allocations", "next_page_token")
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    allocations: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Allocation]
    next_page_token: str
    def __init__(self, allocations: _Optional[_Iterable[_Union[_resources_pb2.Allocation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetIdeaCoinsRequest(_message.Message):
    __slots__ = ("idea_id",)
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    def __init__(self, idea_id: _Optional[str] = ...) -> None: ...

class IdeaCoins(_message.Message):
    __slots__ = ("idea_id", "campaign_id", "total", "expended", "backers")
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    EXPENDED_FIELD_NUMBER: _ClassVar[int]
    BACKERS_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    campaign_id: str
    total: int
    expended: bool
    backers: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Allocation]
    def __init__(self, idea_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., total: _Optional[int] = ..., expended: _Optional[bool] = ..., backers: _Optional[_Iterable[_Union[_resources_pb2.Allocation, _Mapping]]] = ...) -> None: ...

class ListLedgerEntriesRequest(_message.Message):
    __slots__ = ("campaign_id", "page_size", "page_token", "user_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    page_size: int
    page_token: str
    user_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class ListLedgerEntriesResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_resources_pb2.LedgerEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[_resources_pb2.LedgerEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class VerifyLedgerRequest(_message.Message):
    __slots__ = ("campaign_id",)
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    def __init__(self, campaign_id: _Optional[str] = ...) -> None: ...

class BalanceMismatch(_message.Message):
    __slots__ = ("stored", "from_ledger")
    STORED_FIELD_NUMBER: _ClassVar[int]
    FROM_LEDGER_FIELD_NUMBER: _ClassVar[int]
    stored: _resources_pb2.CoinBalance
    from_ledger: _resources_pb2.CoinBalance
    def __init__(self, stored: _Optional[_Union[_resources_pb2.CoinBalance, _Mapping]] = ..., from_ledger: _Optional[_Union[_resources_pb2.CoinBalance, _Mapping]] = ...) -> None: ...

class VerifyLedgerResponse(_message.Message):
    __slots__ = ("balances_checked", "ideas_checked", "mismatches", "idea_mismatches")
    BALANCES_CHECKED_FIELD_NUMBER: _ClassVar[int]
    IDEAS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    MISMATCHES_FIELD_NUMBER: _ClassVar[int]
    IDEA_MISMATCHES_FIELD_NUMBER: _ClassVar[int]
    balances_checked: int
    ideas_checked: int
    mismatches: _containers.RepeatedCompositeFieldContainer[BalanceMismatch]
    idea_mismatches: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, balances_checked: _Optional[int] = ..., ideas_checked: _Optional[int] = ..., mismatches: _Optional[_Iterable[_Union[BalanceMismatch, _Mapping]]] = ..., idea_mismatches: _Optional[_Iterable[str]] = ...) -> None: ...

class GrantCoinsRequest(_message.Message):
    __slots__ = ("campaign_id", "user_ids", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., user_ids: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GrantCoinsResponse(_message.Message):
    __slots__ = ("granted_members",)
    GRANTED_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    granted_members: int
    def __init__(self, granted_members: _Optional[int] = ...) -> None: ...

class OpenIdeaRequest(_message.Message):
    __slots__ = ("campaign_id", "idea_id", "submitter_id", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMITTER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    idea_id: str
    submitter_id: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., idea_id: _Optional[str] = ..., submitter_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class OpenIdeaResponse(_message.Message):
    __slots__ = ("reward",)
    REWARD_FIELD_NUMBER: _ClassVar[int]
    reward: int
    def __init__(self, reward: _Optional[int] = ...) -> None: ...

class ExpendIdeaCoinsRequest(_message.Message):
    __slots__ = ("idea_id", "actor_id", "request_id")
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    actor_id: str
    request_id: str
    def __init__(self, idea_id: _Optional[str] = ..., actor_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ExpendIdeaCoinsResponse(_message.Message):
    __slots__ = ("expended", "backers")
    EXPENDED_FIELD_NUMBER: _ClassVar[int]
    BACKERS_FIELD_NUMBER: _ClassVar[int]
    expended: int
    backers: int
    def __init__(self, expended: _Optional[int] = ..., backers: _Optional[int] = ...) -> None: ...

class RecycleIdeaCoinsRequest(_message.Message):
    __slots__ = ("idea_id", "actor_id", "request_id")
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    actor_id: str
    request_id: str
    def __init__(self, idea_id: _Optional[str] = ..., actor_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RecycleIdeaCoinsResponse(_message.Message):
    __slots__ = ("recycled", "burned", "backers", "expired", "reward_revoked")
    RECYCLED_FIELD_NUMBER: _ClassVar[int]
    BURNED_FIELD_NUMBER: _ClassVar[int]
    BACKERS_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    REWARD_REVOKED_FIELD_NUMBER: _ClassVar[int]
    recycled: int
    burned: int
    backers: int
    expired: int
    reward_revoked: int
    def __init__(self, recycled: _Optional[int] = ..., burned: _Optional[int] = ..., backers: _Optional[int] = ..., expired: _Optional[int] = ..., reward_revoked: _Optional[int] = ...) -> None: ...

class OpenCampaignCoinsRequest(_message.Message):
    __slots__ = ("campaign_id", "coin_policy", "user_ids", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    COIN_POLICY_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    coin_policy: _resources_pb2.CoinPolicy
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., coin_policy: _Optional[_Union[_resources_pb2.CoinPolicy, _Mapping]] = ..., user_ids: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ArchiveCampaignCoinsRequest(_message.Message):
    __slots__ = ("campaign_id", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetCampaignStandingRequest(_message.Message):
    __slots__ = ("campaign_id",)
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    def __init__(self, campaign_id: _Optional[str] = ...) -> None: ...

class IdeaStanding(_message.Message):
    __slots__ = ("idea_id", "coins", "backers")
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    COINS_FIELD_NUMBER: _ClassVar[int]
    BACKERS_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    coins: int
    backers: int
    def __init__(self, idea_id: _Optional[str] = ..., coins: _Optional[int] = ..., backers: _Optional[int] = ...) -> None: ...

class GetCampaignStandingResponse(_message.Message):
    __slots__ = ("final", "ideas", "complete_time")
    FINAL_FIELD_NUMBER: _ClassVar[int]
    IDEAS_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    final: bool
    ideas: _containers.RepeatedCompositeFieldContainer[IdeaStanding]
    complete_time: _timestamp_pb2.Timestamp
    def __init__(self, final: _Optional[bool] = ..., ideas: _Optional[_Iterable[_Union[IdeaStanding, _Mapping]]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExpireCampaignCoinsRequest(_message.Message):
    __slots__ = ("campaign_id", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ExpireCampaignCoinsResponse(_message.Message):
    __slots__ = ("expired", "members")
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    expired: int
    members: int
    def __init__(self, expired: _Optional[int] = ..., members: _Optional[int] = ...) -> None: ...

class ListIdeaTotalsRequest(_message.Message):
    __slots__ = ("campaign_id", "idea_ids")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    IDEA_IDS_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    idea_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, campaign_id: _Optional[str] = ..., idea_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class IdeaTotal(_message.Message):
    __slots__ = ("idea_id", "total")
    IDEA_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    idea_id: str
    total: int
    def __init__(self, idea_id: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class ListIdeaTotalsResponse(_message.Message):
    __slots__ = ("totals",)
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    totals: _containers.RepeatedCompositeFieldContainer[IdeaTotal]
    def __init__(self, totals: _Optional[_Iterable[_Union[IdeaTotal, _Mapping]]] = ...) -> None: ...

class CloseCoinAccountRequest(_message.Message):
    __slots__ = ("campaign_id", "user_id", "request_id")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    user_id: str
    request_id: str
    def __init__(self, campaign_id: _Optional[str] = ..., user_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CloseCoinAccountResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCampaignLedgerRequest(_message.Message):
    __slots__ = ("campaign_id", "page_size", "page_token")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    page_size: int
    page_token: str
    def __init__(self, campaign_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCampaignLedgerResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_resources_pb2.LedgerEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[_resources_pb2.LedgerEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
