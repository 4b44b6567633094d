"""Test helpers: a signed-in user's stubs, and short ways to build campaigns and ideas over the real services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import grpc
import pytest

from coins.v1 import analytics_service_pb2_grpc as analytics_rpc
from coins.v1 import auth_service_pb2_grpc as auth_rpc
from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import coin_service_pb2 as coin_pb
from coins.v1 import coin_service_pb2_grpc as coin_rpc
from coins.v1 import idea_service_pb2 as idea_pb
from coins.v1 import idea_service_pb2_grpc as idea_rpc
from coins.v1 import notification_service_pb2_grpc as notification_rpc
from coins.v1 import resources_pb2 as res
from coins.v1 import search_service_pb2_grpc as search_rpc
from tests.support.accounts import Account

TYPES = {"open": res.CAMPAIGN_TYPE_OPEN, "mediated": res.CAMPAIGN_TYPE_MEDIATED, "closed": res.CAMPAIGN_TYPE_CLOSED}


def slug(tag: str = "c") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}"


@dataclass
class User:
    """One person's view of the platform: every stub carries its access token (or none)."""

    channel: grpc.Channel
    account: Account | None
    auth: auth_rpc.AuthServiceStub = field(init=False)
    campaigns: campaign_rpc.CampaignServiceStub = field(init=False)
    ideas: idea_rpc.IdeaServiceStub = field(init=False)
    coins: coin_rpc.CoinServiceStub = field(init=False)
    notifications: notification_rpc.NotificationServiceStub = field(init=False)
    search: search_rpc.SearchServiceStub = field(init=False)
    analytics: analytics_rpc.AnalyticsServiceStub = field(init=False)

    def __post_init__(self):
        token = self.account.access_token if self.account else None
        metadata = [("authorization", f"Bearer {token}")] if token else []

        def wrap(stub_class):
            stub = stub_class(self.channel)
            return _Authorised(stub, metadata)

        self.auth = wrap(auth_rpc.AuthServiceStub)
        self.campaigns = wrap(campaign_rpc.CampaignServiceStub)
        self.ideas = wrap(idea_rpc.IdeaServiceStub)
        self.coins = wrap(coin_rpc.CoinServiceStub)
        self.notifications = wrap(notification_rpc.NotificationServiceStub)
        self.search = wrap(search_rpc.SearchServiceStub)
        self.analytics = wrap(analytics_rpc.AnalyticsServiceStub)
        self.campaigns_internal = wrap(campaign_rpc.CampaignInternalServiceStub)
        self.ideas_internal = wrap(idea_rpc.IdeaInternalServiceStub)

    @property
    def id(self) -> str:
        return self.account.id

    @property
    def email(self) -> str:
        return self.account.email

    # ---- campaigns ---------------------------------------------------------------------------------------------

    def create_campaign(self, kind: str = "mediated", active: bool = True, **fields) -> res.Campaign:
        policy = fields.pop("coin_policy", None)
        campaign = res.Campaign(title=fields.pop("title", "A campaign"), type=TYPES[kind], coin_policy=policy,
                                **fields)
        created = self.campaigns.CreateCampaign(campaign_pb.CreateCampaignRequest(
            campaign_id=slug(kind), campaign=campaign))
        if active:
            return self.campaigns.ActivateCampaign(campaign_pb.ActivateCampaignRequest(campaign_id=created.campaign_id))
        return created

    def join(self, campaign_id: str) -> res.CampaignMember:
        return self.campaigns.JoinCampaign(campaign_pb.JoinCampaignRequest(campaign_id=campaign_id))

    def invite(self, campaign_id: str, *emails: str,
               role: int = res.CAMPAIGN_ROLE_MEMBER) -> list[campaign_pb.Invitation]:
        """Invitations with their links, as the inviting manager receives them."""
        return list(self.campaigns.InviteMembers(campaign_pb.InviteMembersRequest(
            campaign_id=campaign_id, emails=list(emails), role=role)).invitations)

    def accept(self, link: str) -> res.CampaignMember:
        return self.campaigns.AcceptInvitation(campaign_pb.AcceptInvitationRequest(invitation_token=token_of(link)))

    def bring_in(self, campaign_id: str, user: User, role: int = res.CAMPAIGN_ROLE_MEMBER) -> res.CampaignMember:
        """Invites `user` and has it open the link, as when a manager passes the link on."""
        [invitation] = self.invite(campaign_id, user.email, role=role)
        return user.accept(invitation.link)

    def name_manager(self, campaign_id: str, user: User) -> res.CampaignMember:
        return self.campaigns.SetMemberRole(campaign_pb.SetMemberRoleRequest(
            campaign_id=campaign_id, user_id=user.id, role=res.CAMPAIGN_ROLE_MANAGER))

    def move(self, campaign_id: str, target: str) -> res.Campaign:
        method = {"active": "ActivateCampaign", "completed": "CompleteCampaign", "archived": "ArchiveCampaign"}[target]
        request = {"active": campaign_pb.ActivateCampaignRequest, "completed": campaign_pb.CompleteCampaignRequest,
                   "archived": campaign_pb.ArchiveCampaignRequest}[target](campaign_id=campaign_id)
        return getattr(self.campaigns, method)(request)

    def tag(self, campaign_id: str, name: str | None = None, color: str = "#00aa55") -> res.Tag:
        return self.campaigns.CreateTag(campaign_pb.CreateTagRequest(
            campaign_id=campaign_id, tag=res.Tag(name=name or f"tag-{uuid.uuid4().hex[:6]}", color=color)))

    # ---- ideas and coins ---------------------------------------------------------------------------------------

    def submit(self, campaign_id: str, title: str | None = None, **fields) -> res.Idea:
        return self.ideas.CreateIdea(idea_pb.CreateIdeaRequest(
            campaign_id=campaign_id, title=title or f"Idea {uuid.uuid4().hex}", **fields))

    def set_status(self, idea_id: str, status: int, reason: str = "") -> res.Idea:
        return self.ideas.UpdateIdeaStatus(idea_pb.UpdateIdeaStatusRequest(idea_id=idea_id, status=status,
                                                                           reason=reason))

    def balance(self, campaign_id: str) -> res.CoinBalance:
        return self.coins.GetCoinBalance(coin_pb.GetCoinBalanceRequest(campaign_id=campaign_id))

    def allocate(self, campaign_id: str, idea_id: str, amount: int, request_id: str | None = None):
        return self.coins.AllocateCoins(coin_pb.AllocateCoinsRequest(
            campaign_id=campaign_id, idea_id=idea_id, amount=amount, request_id=request_id or str(uuid.uuid4())))


class _Authorised:
    """A stub whose calls carry the user's token and a deadline."""

    def __init__(self, stub, metadata):
        self._stub, self._metadata = stub, metadata

    def __getattr__(self, name):
        method = getattr(self._stub, name)
        return lambda request, **kw: method(request, metadata=self._metadata, timeout=kw.pop("timeout", 15), **kw)


def token_of(link: str) -> str:
    """An invitation link ends with its token: {public_url}/invitations/{token}."""
    return link.rsplit("/", 1)[1]


def refused(code: grpc.StatusCode, call, *args, **kwargs) -> grpc.RpcError:
    """Runs the call, asserts it fails with `code`, returns the error for further checks."""
    with pytest.raises(grpc.RpcError) as failure:
        call(*args, **kwargs)
    assert failure.value.code() is code, f"{failure.value.code()}: {failure.value.details()}"
    return failure.value
