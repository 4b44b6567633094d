"""Every RPC of the campaign and idea services, called by each persona, gets exactly the allowed result.
The world: an active mediated campaign C with a manager, a member, a sponsor, a tag, a competing idea K and a
pending idea P (both by the member); an "other manager" manages a different campaign; a stranger has signed in
but has nothing to do with C. Objects a call would consume are made fresh for each call."""

import uuid
from dataclasses import dataclass

import grpc
import pytest

from coins.v1 import campaign_service_pb2 as cpb
from coins.v1 import idea_service_pb2 as ipb
from coins.v1 import resources_pb2 as res
from services.common import catalog
from tests.support.world import User

PERSONAS = ("admin", "sponsor", "manager", "other_manager", "member", "stranger", "anonymous")
CODES = {"OK": grpc.StatusCode.OK, "PD": grpc.StatusCode.PERMISSION_DENIED, "NF": grpc.StatusCode.NOT_FOUND,
         "UA": grpc.StatusCode.UNAUTHENTICATED, "UN": grpc.StatusCode.UNIMPLEMENTED}
INTERNAL_AT_THE_GATEWAY = "UN UN UN UN UN UN UA"  # no route for internal services; tokens are checked first


@dataclass
class World:
    admin: User
    sponsor: User
    manager: User
    other_manager: User
    member: User
    stranger: User
    anonymous: User
    campaign: str
    tag: str
    competing: str
    pending: str

    def fresh_campaign(self, status: str) -> str:
        """A mediated campaign in `status` where the manager, member and sponsor stand as they do in C."""
        cid = self.admin.create_campaign("mediated", active=False).campaign_id
        self.admin.name_manager(cid, self.manager)
        self.admin.bring_in(cid, self.member)
        self.admin.campaigns.AddSponsor(cpb.AddSponsorRequest(campaign_id=cid, user_id=self.sponsor.id))
        for step in ("active", "completed", "archived"):
            if status == "draft" or (step == "completed" and status == "active") \
                    or (step == "archived" and status != "archived"):
                break
            self.admin.move(cid, step)
        return cid

    def fresh_member(self, sign_in) -> User:
        user = sign_in("extra")
        user.join(self.campaign)
        return user

    def fresh_sponsor(self, promote, sign_in) -> User:
        candidate = sponsor_candidate(self, promote, sign_in)
        self.admin.campaigns.AddSponsor(cpb.AddSponsorRequest(campaign_id=self.campaign, user_id=candidate.id))
        return candidate

    def fresh_pending(self) -> str:
        return self.member.submit(self.campaign).id

    def fresh_invitation(self, campaign_id: str | None = None) -> cpb.Invitation:
        """An invitation of C (or of `campaign_id`) to an address nobody has."""
        [invitation] = self.admin.invite(campaign_id or self.campaign, f"inv-{uuid.uuid4().hex[:8]}@example.org")
        return invitation


@pytest.fixture(scope="module")
def world(admin_user, sign_in, promote, gateway_channel) -> World:
    manager, member, stranger, other_manager = sign_in("mgr"), sign_in("mem"), sign_in("str"), sign_in("omgr")
    sponsor = promote(sign_in("spo"), res.SYSTEM_ROLE_SPONSOR)
    cid = admin_user.create_campaign("mediated").campaign_id
    admin_user.name_manager(cid, manager)
    member.join(cid)
    admin_user.campaigns.AddSponsor(cpb.AddSponsorRequest(campaign_id=cid, user_id=sponsor.id))
    elsewhere = admin_user.create_campaign("closed").campaign_id
    admin_user.name_manager(elsewhere, other_manager)
    tag = admin_user.tag(cid).id
    competing = member.submit(cid).id
    manager.set_status(competing, res.IDEA_STATUS_APPROVED)
    pending = member.submit(cid).id
    return World(admin_user, sponsor, manager, other_manager, member, stranger, User(gateway_channel, None),
                 cid, tag, competing, pending)


def sponsor_candidate(world, promote, sign_in) -> User:
    return promote(sign_in("cand"), res.SYSTEM_ROLE_SPONSOR)


# name -> (call(world, user, helpers), expected codes for admin, sponsor, manager, other_manager, member, stranger,
# anonymous)
CASES = {
    "CreateCampaign": (lambda w, u, h: u.campaigns.CreateCampaign(cpb.CreateCampaignRequest(
        campaign_id=f"m-{uuid.uuid4().hex[:8]}", campaign=res.Campaign(title="t", type=res.CAMPAIGN_TYPE_OPEN))),
        "OK PD PD PD PD PD UA"),
    "GetCampaign": (lambda w, u, h: u.campaigns.GetCampaign(cpb.GetCampaignRequest(campaign_id=w.campaign)),
                    "OK OK OK OK OK OK UA"),
    "ListCampaigns": (lambda w, u, h: u.campaigns.ListCampaigns(cpb.ListCampaignsRequest()), "OK OK OK OK OK OK UA"),
    "UpdateCampaign": (lambda w, u, h: u.campaigns.UpdateCampaign(cpb.UpdateCampaignRequest(
        campaign_id=w.campaign, campaign=res.Campaign(description="edited"))), "OK PD OK PD PD PD UA"),
    "ActivateCampaign": (lambda w, u, h: u.campaigns.ActivateCampaign(cpb.ActivateCampaignRequest(
        campaign_id=w.fresh_campaign("draft"))), "OK PD OK NF PD NF UA"),
    "CompleteCampaign": (lambda w, u, h: u.campaigns.CompleteCampaign(cpb.CompleteCampaignRequest(
        campaign_id=w.fresh_campaign("active"))), "OK PD OK PD PD PD UA"),
    "ArchiveCampaign": (lambda w, u, h: u.campaigns.ArchiveCampaign(cpb.ArchiveCampaignRequest(
        campaign_id=w.fresh_campaign("completed"))), "OK PD OK PD PD PD UA"),
    "JoinCampaign": (lambda w, u, h: u.join(w.fresh_campaign("active")), "OK OK OK OK OK OK UA"),
    "InviteMembers": (lambda w, u, h: u.campaigns.InviteMembers(cpb.InviteMembersRequest(
        campaign_id=w.campaign, emails=[f"inv-{uuid.uuid4().hex[:8]}@example.org"])), "OK PD OK PD PD PD UA"),
    # Whoever signs in and presents the link joins (in a fresh campaign, so that C's personas stay as they are).
    "AcceptInvitation": (lambda w, u, h: u.accept(w.fresh_invitation(w.fresh_campaign("active")).link),
                         "OK OK OK OK OK OK UA"),
    "ListInvitations": (lambda w, u, h: u.campaigns.ListInvitations(cpb.ListInvitationsRequest(
        campaign_id=w.campaign)), "OK PD OK PD PD PD UA"),
    "RevokeInvitation": (lambda w, u, h: u.campaigns.RevokeInvitation(cpb.RevokeInvitationRequest(
        campaign_id=w.campaign, email=w.fresh_invitation().email)), "OK PD OK PD PD PD UA"),
    "ListMembers": (lambda w, u, h: u.campaigns.ListMembers(cpb.ListMembersRequest(campaign_id=w.campaign)),
                    "OK OK OK PD OK PD UA"),
    "GetMember": (lambda w, u, h: u.campaigns.GetMember(cpb.GetMemberRequest(
        campaign_id=w.campaign, user_id=w.member.id)), "OK PD OK PD OK PD UA"),
    "RemoveMember": (lambda w, u, h: u.campaigns.RemoveMember(cpb.RemoveMemberRequest(
        campaign_id=w.campaign, user_id=w.fresh_member(h["sign_in"]).id)), "OK PD OK PD PD PD UA"),
    "SetMemberRole": (lambda w, u, h: u.campaigns.SetMemberRole(cpb.SetMemberRoleRequest(
        campaign_id=w.campaign, user_id=w.fresh_member(h["sign_in"]).id, role=res.CAMPAIGN_ROLE_MANAGER)),
        "OK PD PD PD PD PD UA"),
    "AddSponsor": (lambda w, u, h: u.campaigns.AddSponsor(cpb.AddSponsorRequest(
        campaign_id=w.campaign, user_id=sponsor_candidate(w, h["promote"], h["sign_in"]).id)),
        "OK PD PD PD PD PD UA"),
    "RemoveSponsor": (lambda w, u, h: u.campaigns.RemoveSponsor(cpb.RemoveSponsorRequest(
        campaign_id=w.campaign, user_id=w.fresh_sponsor(h["promote"], h["sign_in"]).id)), "OK PD PD PD PD PD UA"),
    "ListSponsors": (lambda w, u, h: u.campaigns.ListSponsors(cpb.ListSponsorsRequest(campaign_id=w.campaign)),
                     "OK OK OK OK OK OK UA"),
    "CreateTag": (lambda w, u, h: u.campaigns.CreateTag(cpb.CreateTagRequest(
        campaign_id=w.campaign, tag=res.Tag(name=f"t-{uuid.uuid4().hex[:6]}"))), "OK PD OK PD PD PD UA"),
    "ListTags": (lambda w, u, h: u.campaigns.ListTags(cpb.ListTagsRequest(campaign_id=w.campaign)),
                 "OK OK OK OK OK OK UA"),
    "UpdateTag": (lambda w, u, h: u.campaigns.UpdateTag(cpb.UpdateTagRequest(
        campaign_id=w.campaign, tag_id=w.admin.tag(w.campaign).id, tag=res.Tag(color="#ffffff"))),
        "OK PD OK PD PD PD UA"),
    "DeleteTag": (lambda w, u, h: u.campaigns.DeleteTag(cpb.DeleteTagRequest(
        campaign_id=w.campaign, tag_id=w.admin.tag(w.campaign).id)), "OK PD OK PD PD PD UA"),
    "GetCampaignAccess": (lambda w, u, h: u.campaigns_internal.GetCampaignAccess(cpb.GetCampaignAccessRequest(
        campaign_id=w.campaign, user_id=w.member.id)), INTERNAL_AT_THE_GATEWAY),
    "ListJoinedMembers": (lambda w, u, h: u.campaigns_internal.ListJoinedMembers(cpb.ListJoinedMembersRequest(
        campaign_id=w.campaign)), INTERNAL_AT_THE_GATEWAY),
    "ListUserCampaignRoles": (lambda w, u, h: u.campaigns_internal.ListUserCampaignRoles(
        cpb.ListUserCampaignRolesRequest(user_id=w.member.id)), INTERNAL_AT_THE_GATEWAY),
    "ListAllCampaigns": (lambda w, u, h: u.campaigns_internal.ListAllCampaigns(cpb.ListAllCampaignsRequest()),
                         INTERNAL_AT_THE_GATEWAY),
    "ListInvitedEmails": (lambda w, u, h: u.campaigns_internal.ListInvitedEmails(cpb.ListInvitedEmailsRequest(
        campaign_id=w.campaign)), INTERNAL_AT_THE_GATEWAY),
    "CreateIdea": (lambda w, u, h: u.submit(w.campaign), "OK PD OK PD OK PD UA"),
    "GetIdea(competing)": (lambda w, u, h: u.ideas.GetIdea(ipb.GetIdeaRequest(idea_id=w.competing)),
                           "OK OK OK OK OK OK UA"),
    "GetIdea(pending)": (lambda w, u, h: u.ideas.GetIdea(ipb.GetIdeaRequest(idea_id=w.pending)),
                         "OK OK OK NF OK NF UA"),
    "ListIdeas": (lambda w, u, h: u.ideas.ListIdeas(ipb.ListIdeasRequest(campaign_id=w.campaign)),
                  "OK OK OK OK OK OK UA"),
    "UpdateIdea": (lambda w, u, h: u.ideas.UpdateIdea(ipb.UpdateIdeaRequest(
        idea_id=w.fresh_pending(), idea=res.Idea(description="more"))), "PD PD PD NF OK NF UA"),
    "UpdateIdeaStatus": (lambda w, u, h: u.set_status(w.fresh_pending(), res.IDEA_STATUS_APPROVED),
                         "OK PD OK NF PD NF UA"),
    "FindSimilarIdeas": (lambda w, u, h: u.ideas.FindSimilarIdeas(ipb.FindSimilarIdeasRequest(
        campaign_id=w.campaign, title="idea")), "OK OK OK OK OK OK UA"),
    "AddIdeaTag": (lambda w, u, h: u.ideas.AddIdeaTag(ipb.AddIdeaTagRequest(idea_id=w.fresh_pending(), tag_id=w.tag)),
                   "OK PD OK NF OK NF UA"),
    "RemoveIdeaTag": (lambda w, u, h: u.ideas.RemoveIdeaTag(ipb.RemoveIdeaTagRequest(
        idea_id=w.fresh_pending(), tag_id=w.tag)), "OK PD OK NF OK NF UA"),
    "GetPermalink": (lambda w, u, h: u.ideas.GetPermalink(ipb.GetPermalinkRequest(campaign_id=w.campaign)),
                     "OK OK OK OK OK OK UA"),
    "GetCampaignResult": (lambda w, u, h: u.ideas.GetCampaignResult(ipb.GetCampaignResultRequest(
        campaign_id=w.campaign)), "OK OK OK OK OK OK UA"),
    "BatchGetIdeas": (lambda w, u, h: u.ideas_internal.BatchGetIdeas(ipb.BatchGetIdeasRequest(
        idea_ids=[w.pending])), INTERNAL_AT_THE_GATEWAY),
    "RemoveTag": (lambda w, u, h: u.ideas_internal.RemoveTag(ipb.RemoveTagRequest(
        campaign_id=w.campaign, tag_id=w.tag)), INTERNAL_AT_THE_GATEWAY),
    "ListCampaignIdeas": (lambda w, u, h: u.ideas_internal.ListCampaignIdeas(ipb.ListCampaignIdeasRequest(
        campaign_id=w.campaign)), INTERNAL_AT_THE_GATEWAY),
}


def test_the_matrix_names_every_rpc_of_the_campaign_and_idea_services():
    named = {case.split("(")[0] for case in CASES}
    assert named == {m.name for m in catalog.methods().values() if m.service in ("campaign", "idea")}


@pytest.mark.parametrize("rpc", sorted(CASES))
def test_each_persona_gets_exactly_the_allowed_result(world, rpc, sign_in, promote):
    call, expected = CASES[rpc]
    helpers = {"sign_in": sign_in, "promote": promote}
    got = []
    for persona in PERSONAS:
        try:
            call(world, getattr(world, persona), helpers)
            got.append("OK")
        except grpc.RpcError as error:
            got.append(next((short for short, code in CODES.items() if code is error.code()), error.code().name))
    assert " ".join(got) == expected, f"{rpc}: personas {PERSONAS}"


def test_internal_rpcs_refuse_every_user_even_inside_the_mesh(stack, world):
    from coins.v1 import campaign_service_pb2_grpc as crpc
    from coins.v1 import idea_service_pb2_grpc as irpc

    calls = [("campaign", lambda ch: crpc.CampaignInternalServiceStub(ch).GetCampaignAccess(
                 cpb.GetCampaignAccessRequest(campaign_id=world.campaign), metadata=world.admin.account.metadata)),
             ("idea", lambda ch: irpc.IdeaInternalServiceStub(ch).BatchGetIdeas(
                 ipb.BatchGetIdeasRequest(idea_ids=[world.pending]), metadata=world.admin.account.metadata))]
    for service, call in calls:
        with grpc.insecure_channel(f"127.0.0.1:{stack.ports.services[service]}") as channel:
            with pytest.raises(grpc.RpcError) as refused:
                call(channel)
            assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED  # even an admin's token


def test_nothing_is_reachable_by_guessing_ids(world):
    closed = world.admin.create_campaign("closed").campaign_id
    hidden = world.stranger.campaigns.GetCampaign
    for target in (closed, "no-such-campaign-123"):
        with pytest.raises(grpc.RpcError) as missing:
            hidden(cpb.GetCampaignRequest(campaign_id=target))
        assert missing.value.code() is grpc.StatusCode.NOT_FOUND
        assert missing.value.details() == "no campaign with this id"
