"""Every bad input gets INVALID_ARGUMENT (400 through the gateway) naming the field, and writes nothing."""

import uuid

import grpc
import pytest

from coins.v1 import campaign_service_pb2 as cpb
from coins.v1 import idea_service_pb2 as ipb
from coins.v1 import resources_pb2 as res
from tests.support.errors import error_info, json_detail
from tests.support.world import refused

LONG = "x" * 20_001


@pytest.fixture(scope="module")
def place(admin_user, sign_in):
    member = sign_in("input")
    cid = admin_user.create_campaign("open").campaign_id
    member.join(cid)
    return cid, member


def campaign_cases(cid):
    good = res.Campaign(title="t", type=res.CAMPAIGN_TYPE_OPEN)
    return [
        ("CreateCampaign", cpb.CreateCampaignRequest(campaign_id="Bad Slug", campaign=good), "campaign_id"),
        ("CreateCampaign", cpb.CreateCampaignRequest(campaign_id="ab", campaign=good), "campaign_id"),
        ("CreateCampaign", cpb.CreateCampaignRequest(campaign_id="fine-slug-1", campaign=res.Campaign(
            title="", type=res.CAMPAIGN_TYPE_OPEN)), "campaign.title"),
        ("CreateCampaign", cpb.CreateCampaignRequest(campaign_id="fine-slug-2", campaign=res.Campaign(
            title="x" * 256, type=res.CAMPAIGN_TYPE_OPEN)), "campaign.title"),
        ("CreateCampaign", cpb.CreateCampaignRequest(campaign_id="fine-slug-3", campaign=res.Campaign(
            title="t", type=9)), "campaign.type"),
        ("CreateCampaign", cpb.CreateCampaignRequest(campaign_id="fine-slug-4", campaign=res.Campaign(
            title="t", type=res.CAMPAIGN_TYPE_OPEN, icon_url="javascript:alert(1)")), "campaign.icon_url"),
        ("CreateCampaign", cpb.CreateCampaignRequest(campaign_id="fine-slug-5", campaign=res.Campaign(
            title="t", type=res.CAMPAIGN_TYPE_OPEN, coin_policy=res.CoinPolicy(initial_allocation=-5))),
         "coin_policy.initial_allocation"),
        ("ListCampaigns", cpb.ListCampaignsRequest(page_size=201), "page_size"),
        ("ListCampaigns", cpb.ListCampaignsRequest(page_size=-1), "page_size"),
        ("ListCampaigns", cpb.ListCampaignsRequest(status=42), "status"),
        ("ListCampaigns", cpb.ListCampaignsRequest(page_token="not-a-token!"), "page_token"),
        ("GetCampaign", cpb.GetCampaignRequest(campaign_id="../etc"), "campaign_id"),
        ("InviteMembers", cpb.InviteMembersRequest(campaign_id=cid, emails=["nope"]), "emails"),
        ("InviteMembers", cpb.InviteMembersRequest(campaign_id=cid, emails=[]), "emails"),
        ("RemoveMember", cpb.RemoveMemberRequest(campaign_id=cid, user_id="not-a-uuid"), "user_id"),
        ("CreateTag", cpb.CreateTagRequest(campaign_id=cid, tag=res.Tag(name="")), "tag.name"),
        ("CreateTag", cpb.CreateTagRequest(campaign_id=cid, tag=res.Tag(name="x" * 101)), "tag.name"),
        ("CreateTag", cpb.CreateTagRequest(campaign_id=cid, tag=res.Tag(name="ok", color="#12345")), "tag.color"),
        ("UpdateTag", cpb.UpdateTagRequest(campaign_id=cid, tag_id="1234", tag=res.Tag(name="n")), "tag_id"),
    ]


def idea_cases(cid):
    return [
        ("CreateIdea", ipb.CreateIdeaRequest(campaign_id=cid, title=""), "title"),
        ("CreateIdea", ipb.CreateIdeaRequest(campaign_id=cid, title="   "), "title"),
        ("CreateIdea", ipb.CreateIdeaRequest(campaign_id=cid, title="x" * 201), "title"),
        ("CreateIdea", ipb.CreateIdeaRequest(campaign_id=cid, title="ok", description=LONG), "description"),
        ("CreateIdea", ipb.CreateIdeaRequest(campaign_id=cid, title="ok", tag_ids=["zzz"]), "tag_ids"),
        ("CreateIdea", ipb.CreateIdeaRequest(campaign_id=cid, title="ok", context_id="a b"), "context_id"),
        ("CreateIdea", ipb.CreateIdeaRequest(campaign_id=cid, title="ok\x00"), "title"),
        ("GetIdea", ipb.GetIdeaRequest(idea_id="123"), "idea_id"),
        ("ListIdeas", ipb.ListIdeasRequest(campaign_id=cid, page_size=500), "page_size"),
        ("ListIdeas", ipb.ListIdeasRequest(campaign_id=cid, status=77), "status"),
        ("ListIdeas", ipb.ListIdeasRequest(campaign_id=cid, order_by=9), "order_by"),
        ("ListIdeas", ipb.ListIdeasRequest(campaign_id=cid, tag_id="nope"), "tag_id"),
        ("UpdateIdeaStatus", ipb.UpdateIdeaStatusRequest(idea_id=str(uuid.uuid4()), status=99), "status"),
        ("FindSimilarIdeas", ipb.FindSimilarIdeasRequest(campaign_id=cid, title=""), "title"),
        ("FindSimilarIdeas", ipb.FindSimilarIdeasRequest(campaign_id=cid, title="bike", page_size=21), "page_size"),
        ("GetPermalink", ipb.GetPermalinkRequest(campaign_id="NOT VALID"), "campaign_id"),
    ]


def test_campaign_inputs_are_checked(admin_user, place):
    cid, _ = place
    before = len(admin_user.campaigns.ListCampaigns(cpb.ListCampaignsRequest(page_size=200)).campaigns)
    for method, request, field in campaign_cases(cid):
        error = refused(grpc.StatusCode.INVALID_ARGUMENT, getattr(admin_user.campaigns, method), request)
        assert error_info(error).metadata["field"] == field, (method, request)
    after = len(admin_user.campaigns.ListCampaigns(cpb.ListCampaignsRequest(page_size=200)).campaigns)
    assert before == after
    assert admin_user.campaigns.ListTags(cpb.ListTagsRequest(campaign_id=cid)).tags == []


def test_idea_inputs_are_checked(place):
    cid, member = place
    for method, request, field in idea_cases(cid):
        error = refused(grpc.StatusCode.INVALID_ARGUMENT, getattr(member.ideas, method), request)
        assert error_info(error).metadata["field"] == field, (method, request)
    assert member.ideas.ListIdeas(ipb.ListIdeasRequest(campaign_id=cid)).ideas == []


def test_rest_bad_input_is_a_400_naming_the_field(gateway, admin, place):
    cid, _ = place
    cases = [
        ("POST", "/campaigns", {"campaignId": "Bad Slug", "campaign": {"title": "t", "type": "CAMPAIGN_TYPE_OPEN"}},
         "campaign_id"),
        ("POST", "/campaigns", {"campaignId": "good-slug-9", "campaign": {"title": "t", "type": 12}}, "campaign.type"),
        ("GET", "/campaigns?pageSize=1000", None, "page_size"),
        ("POST", f"/campaigns/{cid}/ideas", {"title": ""}, "title"),
        ("GET", f"/campaigns/{cid}/ideas/similar?title=", None, "title"),
        ("POST", f"/campaigns/{cid}/tags", {"tag": {"name": "n", "color": "blue"}}, "tag.color"),
    ]
    for verb, url, body, field in cases:
        reply = gateway.request(verb, url, json=body, headers=admin.bearer)
        assert reply.status_code == 400, (url, reply.text)
        assert json_detail(reply.json(), "BadRequest")["fieldViolations"][0]["field"] == field
