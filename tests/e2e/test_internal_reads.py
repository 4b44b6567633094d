"""What a read model rebuilds from, over the real services with a service token, as the search service calls them:
a user's parts in campaigns, every campaign with its tags, every idea of a campaign in any status."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import grpc
import pytest

from coins.v1 import campaign_service_pb2 as cpb
from coins.v1 import campaign_service_pb2_grpc as crpc
from coins.v1 import idea_service_pb2 as ipb
from coins.v1 import idea_service_pb2_grpc as irpc
from coins.v1 import resources_pb2 as res
from services.common.interceptor import SERVICE_TOKEN_HEADER
from services.common.tokens import ServiceTokens
from tests.support.world import User
from tools.devstack import Stack


@pytest.fixture(scope="module")
def as_search(stack: Stack) -> list[tuple[str, str]]:
    """The metadata the search service's calls carry."""
    return [(SERVICE_TOKEN_HEADER, ServiceTokens(stack.service_env()["COINS_SERVICE_TOKEN_SECRET"], "search").token())]


@pytest.fixture(scope="module")
def campaigns_internal(stack: Stack) -> Iterator[crpc.CampaignInternalServiceStub]:
    with grpc.insecure_channel(f"127.0.0.1:{stack.ports.services['campaign']}") as channel:
        yield crpc.CampaignInternalServiceStub(channel)


@pytest.fixture(scope="module")
def ideas_internal(stack: Stack) -> Iterator[irpc.IdeaInternalServiceStub]:
    with grpc.insecure_channel(f"127.0.0.1:{stack.ports.services['idea']}") as channel:
        yield irpc.IdeaInternalServiceStub(channel)


def test_a_users_parts_in_campaigns(admin_user: User, sign_in: Callable[..., User], promote, as_search,
                                    campaigns_internal: crpc.CampaignInternalServiceStub):
    member, sponsor = sign_in("parts-member"), promote(sign_in("parts-sponsor"), res.SYSTEM_ROLE_SPONSOR)
    joined = admin_user.create_campaign("open").campaign_id
    member.join(joined)
    draft = admin_user.create_campaign("closed", active=False).campaign_id  # drafts count too
    admin_user.name_manager(draft, member)
    for campaign_id in (joined, draft):
        admin_user.campaigns.AddSponsor(cpb.AddSponsorRequest(campaign_id=campaign_id, user_id=sponsor.id))
    admin_user.bring_in(joined, sponsor)

    def parts(user: User) -> list[tuple[str, int, bool]]:
        found = campaigns_internal.ListUserCampaignRoles(cpb.ListUserCampaignRolesRequest(user_id=user.id),
                                                         metadata=as_search)
        return sorted((r.campaign_id, r.role, r.sponsor) for r in found.roles)

    assert parts(member) == sorted([(joined, res.CAMPAIGN_ROLE_MEMBER, False),
                                    (draft, res.CAMPAIGN_ROLE_MANAGER, False)])
    assert parts(sponsor) == sorted([(joined, res.CAMPAIGN_ROLE_MEMBER, True),
                                     (draft, res.CAMPAIGN_ROLE_UNSPECIFIED, True)])
    assert parts(sign_in("parts-nobody")) == []
    with pytest.raises(grpc.RpcError) as bad:
        campaigns_internal.ListUserCampaignRoles(cpb.ListUserCampaignRolesRequest(user_id="nope"), metadata=as_search)
    assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_every_campaign_with_its_tags_a_page_at_a_time(admin_user: User, as_search,
                                                       campaigns_internal: crpc.CampaignInternalServiceStub):
    tagged = admin_user.create_campaign("mediated").campaign_id
    names = [admin_user.tag(tagged, name).name for name in ("Water", "energy")]
    draft = admin_user.create_campaign("closed", active=False).campaign_id
    seen: list[cpb.CampaignWithTags] = []
    token = ""
    while True:
        page = campaigns_internal.ListAllCampaigns(cpb.ListAllCampaignsRequest(page_size=2, page_token=token),
                                                   metadata=as_search)
        assert len(page.campaigns) <= 2
        seen += page.campaigns
        if not (token := page.next_page_token):
            break
    ids = [c.campaign.campaign_id for c in seen]
    assert ids == sorted(set(ids))  # every campaign once, in campaign_id order
    by_id = {c.campaign.campaign_id: c for c in seen}
    assert [t.name for t in by_id[tagged].tags] == sorted(names, key=str.lower)
    assert by_id[tagged].campaign.status == res.CAMPAIGN_STATUS_ACTIVE
    assert (by_id[draft].campaign.status, list(by_id[draft].tags)) == (res.CAMPAIGN_STATUS_DRAFT, [])
    with pytest.raises(grpc.RpcError) as bad:
        campaigns_internal.ListAllCampaigns(cpb.ListAllCampaignsRequest(page_size=501), metadata=as_search)
    assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_every_idea_of_a_campaign_oldest_first_in_any_status(admin_user: User, sign_in: Callable[..., User],
                                                             as_search, ideas_internal: irpc.IdeaInternalServiceStub):
    member = sign_in("ideas-member")
    campaign_id = admin_user.create_campaign("mediated").campaign_id
    member.join(campaign_id)
    tag = admin_user.tag(campaign_id).id
    submitted = [member.submit(campaign_id, title, tag_ids=[tag] if n == 0 else [])
                 for n, title in enumerate(("Bike lanes downtown", "Plant street trees", "Benches in the park"))]
    admin_user.set_status(submitted[1].id, res.IDEA_STATUS_APPROVED)
    admin_user.set_status(submitted[2].id, res.IDEA_STATUS_REJECTED, "no room")

    read: list[res.Idea] = []
    token = ""
    while True:
        page = ideas_internal.ListCampaignIdeas(ipb.ListCampaignIdeasRequest(
            campaign_id=campaign_id, page_size=2, page_token=token), metadata=as_search)
        read += page.ideas
        if not (token := page.next_page_token):
            break
    assert [i.id for i in read] == [i.id for i in submitted]
    assert [i.status for i in read] == [res.IDEA_STATUS_PENDING, res.IDEA_STATUS_COMPETING, res.IDEA_STATUS_REJECTED]
    assert list(read[0].tag_ids) == [tag] and read[0].submitter_id == member.id
    assert all(not i.status_history and i.coin_total == 0 for i in read)
    with pytest.raises(grpc.RpcError) as bad:
        ideas_internal.ListCampaignIdeas(ipb.ListCampaignIdeasRequest(campaign_id=campaign_id, page_token="forged"),
                                         metadata=as_search)
    assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_these_reads_are_for_services_only(admin_user: User, campaigns_internal: crpc.CampaignInternalServiceStub,
                                           ideas_internal: irpc.IdeaInternalServiceStub):
    calls = [lambda: campaigns_internal.ListUserCampaignRoles(
                 cpb.ListUserCampaignRolesRequest(user_id=admin_user.id), metadata=admin_user.account.metadata),
             lambda: campaigns_internal.ListAllCampaigns(cpb.ListAllCampaignsRequest(),
                                                         metadata=admin_user.account.metadata),
             lambda: ideas_internal.ListCampaignIdeas(ipb.ListCampaignIdeasRequest(campaign_id="some-campaign"),
                                                      metadata=admin_user.account.metadata)]
    for call in calls:
        with pytest.raises(grpc.RpcError) as refused:
            call()
        assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED  # even an admin's token
