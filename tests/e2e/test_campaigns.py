"""PRODUCT.md "Campaigns" and "Personas and roles", over gRPC through the gateway."""

import subprocess
import time
import uuid
from datetime import datetime, timedelta, timezone

import grpc
from google.protobuf import field_mask_pb2, timestamp_pb2

from coins.v1 import campaign_service_pb2 as pb
from coins.v1 import resources_pb2 as res
from tests.support.errors import error_info
from tests.support.world import refused


def stamp(delta_s: float) -> timestamp_pb2.Timestamp:
    value = timestamp_pb2.Timestamp()
    value.FromDatetime(datetime.now(timezone.utc) + timedelta(seconds=delta_s))
    return value


def test_only_admins_create_campaigns_and_slugs_are_unique(admin_user, sign_in):
    created = admin_user.create_campaign("open", active=False, title="Better commute")
    assert created.status == res.CAMPAIGN_STATUS_DRAFT and created.title == "Better commute"
    assert created.coin_policy.initial_allocation == 100 and created.coin_policy.allow_recycling
    again = refused(grpc.StatusCode.ALREADY_EXISTS, admin_user.campaigns.CreateCampaign, pb.CreateCampaignRequest(
        campaign_id=created.campaign_id, campaign=res.Campaign(title="x", type=res.CAMPAIGN_TYPE_OPEN)))
    assert error_info(again).reason == "ALREADY_EXISTS"
    refused(grpc.StatusCode.PERMISSION_DENIED, sign_in().create_campaign)


def test_lifecycle_moves_one_step_at_a_time(admin_user):
    campaign = admin_user.create_campaign(active=False)
    cid = campaign.campaign_id
    error = refused(grpc.StatusCode.FAILED_PRECONDITION, admin_user.move, cid, "completed")
    assert error_info(error).reason == "INVALID_TRANSITION"
    assert admin_user.move(cid, "active").status == res.CAMPAIGN_STATUS_ACTIVE
    refused(grpc.StatusCode.FAILED_PRECONDITION, admin_user.move, cid, "archived")
    assert admin_user.move(cid, "completed").status == res.CAMPAIGN_STATUS_COMPLETED
    assert admin_user.move(cid, "archived").status == res.CAMPAIGN_STATUS_ARCHIVED
    refused(grpc.StatusCode.FAILED_PRECONDITION, admin_user.move, cid, "active")


def test_managers_run_their_campaign(admin_user, sign_in):
    manager, member = sign_in("manager"), sign_in("member")
    campaign = admin_user.create_campaign(active=False)
    cid = campaign.campaign_id
    admin_user.name_manager(cid, manager)
    # The member is not in the campaign: drafts are hidden from it.
    refused(grpc.StatusCode.NOT_FOUND, member.campaigns.GetCampaign, pb.GetCampaignRequest(campaign_id=cid))
    updated = manager.campaigns.UpdateCampaign(pb.UpdateCampaignRequest(
        campaign_id=cid, campaign=res.Campaign(title="Renamed", description="Why we run it"),
        update_mask=field_mask_pb2.FieldMask(paths=["title", "description"])))
    assert (updated.title, updated.description) == ("Renamed", "Why we run it")
    assert manager.move(cid, "active").status == res.CAMPAIGN_STATUS_ACTIVE
    member.join(cid)
    refused(grpc.StatusCode.PERMISSION_DENIED, member.campaigns.UpdateCampaign,
            pb.UpdateCampaignRequest(campaign_id=cid, campaign=res.Campaign(title="Mine now")))


def test_the_coin_policy_is_frozen_once_the_campaign_runs(admin_user):
    campaign = admin_user.create_campaign(active=False, coin_policy=res.CoinPolicy(initial_allocation=40))
    cid = campaign.campaign_id
    changed = admin_user.campaigns.UpdateCampaign(pb.UpdateCampaignRequest(
        campaign_id=cid, campaign=res.Campaign(coin_policy=res.CoinPolicy(max_per_idea=10, allow_recycling=False))))
    assert changed.coin_policy.max_per_idea == 10 and not changed.coin_policy.allow_recycling
    assert changed.coin_policy.initial_allocation == 40
    admin_user.move(cid, "active")
    error = refused(grpc.StatusCode.FAILED_PRECONDITION, admin_user.campaigns.UpdateCampaign, pb.UpdateCampaignRequest(
        campaign_id=cid, campaign=res.Campaign(coin_policy=res.CoinPolicy(initial_allocation=1000))))
    assert error_info(error).reason == "POLICY_LOCKED"
    # Other fields still change.
    assert admin_user.campaigns.UpdateCampaign(pb.UpdateCampaignRequest(
        campaign_id=cid, campaign=res.Campaign(title="Still editable"))).title == "Still editable"


def test_open_and_mediated_campaigns_take_anyone_closed_ones_only_invitees(admin_user, sign_in):
    stranger = sign_in("stranger")
    for kind in ("open", "mediated"):
        campaign = admin_user.create_campaign(kind)
        member = stranger.join(campaign.campaign_id)
        assert member.state == res.MEMBERSHIP_STATE_JOINED and member.role == res.CAMPAIGN_ROLE_MEMBER
        assert stranger.join(campaign.campaign_id).state == res.MEMBERSHIP_STATE_JOINED  # twice: same membership
    closed = admin_user.create_campaign("closed")
    # A closed campaign does not exist for strangers.
    refused(grpc.StatusCode.NOT_FOUND, stranger.join, closed.campaign_id)
    refused(grpc.StatusCode.NOT_FOUND, stranger.campaigns.GetCampaign,
            pb.GetCampaignRequest(campaign_id=closed.campaign_id))
    [invitation] = admin_user.invite(closed.campaign_id, stranger.email.upper())
    # Invited: nothing of the campaign shows, and it cannot just join, until it opens the link.
    refused(grpc.StatusCode.NOT_FOUND, stranger.campaigns.GetCampaign,
            pb.GetCampaignRequest(campaign_id=closed.campaign_id))
    refused(grpc.StatusCode.NOT_FOUND, stranger.join, closed.campaign_id)
    accepted = stranger.accept(invitation.link)
    assert accepted.state == res.MEMBERSHIP_STATE_JOINED and accepted.user_id == stranger.id
    assert stranger.campaigns.GetCampaign(pb.GetCampaignRequest(campaign_id=closed.campaign_id)).title
    refused(grpc.StatusCode.PERMISSION_DENIED, stranger.join, closed.campaign_id)


def test_an_invitee_without_an_account_registers_and_joins_by_the_link(admin_user, gateway_channel):
    from coins.v1 import auth_service_pb2 as auth_pb
    from coins.v1 import auth_service_pb2_grpc as auth_rpc
    from tests.support.accounts import PASSWORD, Account
    from tests.support.world import User

    closed = admin_user.create_campaign("closed")
    email = f"later-{uuid.uuid4().hex[:8]}@example.org"
    [invitation] = admin_user.invite(closed.campaign_id, email)
    assert invitation.state == pb.INVITATION_STATE_PENDING and invitation.email == email and invitation.link
    auth = auth_rpc.AuthServiceStub(gateway_channel)
    auth.Register(auth_pb.RegisterRequest(email=email, password=PASSWORD, full_name="Late Comer"))
    tokens = auth.Login(auth_pb.LoginRequest(email=email, password=PASSWORD))
    newcomer = User(gateway_channel, Account(tokens.user.id, email, tokens.access_token, tokens.refresh_token))

    def listed():
        return [c.campaign_id for c in newcomer.campaigns.ListCampaigns(pb.ListCampaignsRequest()).campaigns]

    assert closed.campaign_id not in listed()  # the address alone shows nothing
    joined = newcomer.accept(invitation.link)
    assert joined.full_name == "Late Comer"
    assert closed.campaign_id in listed()
    assert newcomer.balance(closed.campaign_id).granted == 100  # granted before the call answered


def test_members_receive_coins_on_joining_an_active_campaign_or_at_activation(admin_user, sign_in):
    early, late = sign_in("early"), sign_in("late")
    campaign = admin_user.create_campaign("closed", active=False, coin_policy=res.CoinPolicy(initial_allocation=25))
    cid = campaign.campaign_id
    admin_user.bring_in(cid, early)
    assert early.balance(cid).granted == 0  # nothing before the campaign runs
    admin_user.move(cid, "active")
    assert early.balance(cid).granted == 25
    admin_user.bring_in(cid, late)
    assert late.balance(cid).granted == 25
    time.sleep(0.3)
    assert early.balance(cid).granted == 25  # granted once


def test_the_scheduler_starts_and_ends_campaigns_by_date(admin_user, sign_in):
    member = sign_in("dated")
    campaign = admin_user.create_campaign("open", active=False, start_time=stamp(1), end_time=stamp(4))
    cid = campaign.campaign_id
    get = lambda: admin_user.campaigns.GetCampaign(pb.GetCampaignRequest(campaign_id=cid)).status  # noqa: E731
    deadline = time.monotonic() + 10
    while get() != res.CAMPAIGN_STATUS_ACTIVE and time.monotonic() < deadline:
        time.sleep(0.2)
    assert get() == res.CAMPAIGN_STATUS_ACTIVE
    member.join(cid)
    assert member.balance(cid).available == 100
    while get() != res.CAMPAIGN_STATUS_COMPLETED and time.monotonic() < deadline + 5:
        time.sleep(0.2)
    assert get() == res.CAMPAIGN_STATUS_COMPLETED
    # Completion expires what was not spent.
    deadline = time.monotonic() + 5
    while member.balance(cid).expired != 100 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert member.balance(cid).expired == 100 and member.balance(cid).available == 0


def test_several_scheduler_replicas_move_each_campaign_once(stack, admin_user, sign_in):
    from tools.devstack import free_port

    member = sign_in("raced")
    due = []
    for _ in range(6):
        cid = admin_user.create_campaign("closed", active=False, start_time=stamp(2)).campaign_id
        admin_user.bring_in(cid, member)
        due.append(cid)
    replicas = [(f"campaign-replica-{i}", free_port()) for i in range(2)]
    for name, port in replicas:
        stack.start_service("campaign", name=name, port=port)
    try:
        for name, port in replicas:
            stack.wait_serving("campaign", name=name, port=port)
        for cid in due:  # three schedulers race for every campaign (the last one is due 2 s after its creation)
            deadline = time.monotonic() + 10
            while member.balance(cid).granted != 100 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert member.balance(cid).granted == 100
        time.sleep(1)
        grants = subprocess.run(
            ["psql", stack.database_url, "-tAc",
             "SELECT campaign_id, count(*) FROM coin.ledger WHERE kind = 'grant' "
             f"AND campaign_id IN ({','.join(repr(c) for c in due)}) GROUP BY 1"],
            capture_output=True, text=True, check=True).stdout.split()
        assert sorted(grants) == sorted(f"{cid}|1" for cid in due)  # one activation each
        assert all(member.balance(cid).granted == 100 for cid in due)
    finally:
        for name, _ in replicas:
            stack.stop_process(name)


def test_members_are_listed_with_roles_and_removed(admin_user, sign_in):
    manager, member, other = sign_in("mgr"), sign_in("mem"), sign_in("other")
    cid = admin_user.create_campaign("open").campaign_id
    admin_user.name_manager(cid, manager)
    member.join(cid)
    other.join(cid)
    listed = manager.campaigns.ListMembers(pb.ListMembersRequest(campaign_id=cid)).members
    roles = {m.user_id: m.role for m in listed}
    assert roles[manager.id] == res.CAMPAIGN_ROLE_MANAGER and roles[member.id] == res.CAMPAIGN_ROLE_MEMBER
    assert all(m.email for m in listed)
    # Members see each other, without emails.
    assert all(m.email == "" for m in member.campaigns.ListMembers(pb.ListMembersRequest(campaign_id=cid)).members)
    managers_only = manager.campaigns.ListMembers(pb.ListMembersRequest(campaign_id=cid,
                                                                        role=res.CAMPAIGN_ROLE_MANAGER)).members
    assert [m.user_id for m in managers_only] == [manager.id]
    manager.campaigns.RemoveMember(pb.RemoveMemberRequest(campaign_id=cid, user_id=other.id))
    refused(grpc.StatusCode.PERMISSION_DENIED, member.campaigns.RemoveMember,
            pb.RemoveMemberRequest(campaign_id=cid, user_id=manager.id))
    member.campaigns.RemoveMember(pb.RemoveMemberRequest(campaign_id=cid, user_id=member.id))  # leaving
    left = {m.user_id for m in manager.campaigns.ListMembers(pb.ListMembersRequest(campaign_id=cid)).members}
    assert left == {manager.id}
    # Un-naming a manager.
    demoted = admin_user.campaigns.SetMemberRole(pb.SetMemberRoleRequest(campaign_id=cid, user_id=manager.id,
                                                                         role=res.CAMPAIGN_ROLE_MEMBER))
    assert demoted.role == res.CAMPAIGN_ROLE_MEMBER


def test_sponsors_need_the_role_and_read_their_campaigns(admin_user, sign_in, promote):
    cid = admin_user.create_campaign("closed").campaign_id
    plain = sign_in("plain")
    error = refused(grpc.StatusCode.FAILED_PRECONDITION, admin_user.campaigns.AddSponsor,
                    pb.AddSponsorRequest(campaign_id=cid, user_id=plain.id))
    assert error_info(error).reason == "NOT_A_SPONSOR"
    sponsor = promote(sign_in("sponsor"), res.SYSTEM_ROLE_SPONSOR)
    refused(grpc.StatusCode.NOT_FOUND, sponsor.campaigns.GetCampaign, pb.GetCampaignRequest(campaign_id=cid))
    assert admin_user.campaigns.AddSponsor(pb.AddSponsorRequest(campaign_id=cid, user_id=sponsor.id)).sponsor_ids \
        == [sponsor.id]
    assert sponsor.campaigns.GetCampaign(pb.GetCampaignRequest(campaign_id=cid)).campaign_id == cid
    assert [u.id for u in sponsor.campaigns.ListSponsors(pb.ListSponsorsRequest(campaign_id=cid)).sponsors] \
        == [sponsor.id]
    admin_user.campaigns.RemoveSponsor(pb.RemoveSponsorRequest(campaign_id=cid, user_id=sponsor.id))
    refused(grpc.StatusCode.NOT_FOUND, sponsor.campaigns.GetCampaign, pb.GetCampaignRequest(campaign_id=cid))


def test_tags_are_created_renamed_recoloured_and_deleted(admin_user, sign_in):
    member = sign_in("tagger")
    cid = admin_user.create_campaign("open").campaign_id
    member.join(cid)
    tag = admin_user.tag(cid, "Transport", "#12AB34")
    assert tag.color == "#12ab34"
    refused(grpc.StatusCode.ALREADY_EXISTS, admin_user.tag, cid, "transport")
    bad = refused(grpc.StatusCode.INVALID_ARGUMENT, admin_user.tag, cid, "Colour", "red")
    assert error_info(bad).metadata["field"] == "tag.color"
    renamed = admin_user.campaigns.UpdateTag(pb.UpdateTagRequest(
        campaign_id=cid, tag_id=tag.id, tag=res.Tag(name="Mobility", color="#000000"),
        update_mask=field_mask_pb2.FieldMask(paths=["name", "color"])))
    assert (renamed.name, renamed.color) == ("Mobility", "#000000")
    idea = member.submit(cid, tag_ids=[tag.id])
    assert list(idea.tag_ids) == [tag.id]
    admin_user.campaigns.DeleteTag(pb.DeleteTagRequest(campaign_id=cid, tag_id=tag.id))
    assert [t.id for t in member.campaigns.ListTags(pb.ListTagsRequest(campaign_id=cid)).tags] == []
    from coins.v1 import idea_service_pb2 as idea_pb
    deadline = time.monotonic() + 10
    while member.ideas.GetIdea(idea_pb.GetIdeaRequest(idea_id=idea.id)).tag_ids and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(member.ideas.GetIdea(idea_pb.GetIdeaRequest(idea_id=idea.id)).tag_ids) == []  # the idea lost it


def test_listing_shows_only_what_the_caller_may_see(admin_user, sign_in):
    viewer = sign_in("viewer")
    visible = admin_user.create_campaign("open").campaign_id
    hidden_closed = admin_user.create_campaign("closed").campaign_id
    hidden_draft = admin_user.create_campaign("open", active=False).campaign_id
    seen = set()
    token = ""
    while True:
        page = viewer.campaigns.ListCampaigns(pb.ListCampaignsRequest(page_size=50, page_token=token))
        seen |= {c.campaign_id for c in page.campaigns}
        token = page.next_page_token
        if not token:
            break
    assert visible in seen and hidden_closed not in seen and hidden_draft not in seen
    drafts = admin_user.campaigns.ListCampaigns(pb.ListCampaignsRequest(status=res.CAMPAIGN_STATUS_DRAFT,
                                                                        page_size=200)).campaigns
    assert hidden_draft in {c.campaign_id for c in drafts}
    assert all(c.status == res.CAMPAIGN_STATUS_DRAFT for c in drafts)


def test_a_user_reads_its_own_membership_and_managers_anyones(admin_user, sign_in, gateway):
    manager, member, outsider = sign_in("manager"), sign_in("member"), sign_in("outsider")
    cid = admin_user.create_campaign("open").campaign_id
    for user in (manager, member):
        user.join(cid)
    admin_user.name_manager(cid, manager)

    mine = member.campaigns.GetMember(pb.GetMemberRequest(campaign_id=cid, user_id=member.id))
    assert (mine.user_id, mine.role, mine.state) == (member.id, res.CAMPAIGN_ROLE_MEMBER,
                                                     res.MEMBERSHIP_STATE_JOINED)
    theirs = manager.campaigns.GetMember(pb.GetMemberRequest(campaign_id=cid, user_id=manager.id))
    assert theirs.role == res.CAMPAIGN_ROLE_MANAGER
    assert manager.campaigns.GetMember(pb.GetMemberRequest(campaign_id=cid, user_id=member.id)).user_id == member.id
    refused(grpc.StatusCode.NOT_FOUND, outsider.campaigns.GetMember,
            pb.GetMemberRequest(campaign_id=cid, user_id=outsider.id))
    refused(grpc.StatusCode.PERMISSION_DENIED, member.campaigns.GetMember,
            pb.GetMemberRequest(campaign_id=cid, user_id=manager.id))
    rest = gateway.get(f"/campaigns/{cid}/members/{member.id}",
                       headers={"authorization": f"Bearer {member.account.access_token}"})
    assert rest.status_code == 200 and rest.json()["state"] == "MEMBERSHIP_STATE_JOINED"
