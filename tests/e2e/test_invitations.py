"""PRODUCT.md "Campaigns" (invitations) and "Accounts and abuse" (who sees emails), over the real stack: invitations
are single-use links, valid 14 days, that admit whoever signs in and presents them; an email address alone admits
nobody."""

import hashlib
import json
import subprocess
import uuid
from datetime import UTC, timedelta

import grpc

from coins.v1 import campaign_service_pb2 as pb
from coins.v1 import resources_pb2 as res
from tests.support.accounts import INVITATION, logs_holding, mailed_link
from tests.support.errors import error_info
from tests.support.world import refused, token_of


def nobody() -> str:
    """An address no account has."""
    return f"nobody-{uuid.uuid4().hex[:8]}@example.org"


def sql(database_url: str, statement: str) -> str:
    return subprocess.run(["psql", database_url, "-tAc", statement], capture_output=True, text=True,
                          check=True).stdout.strip()


def invitations(user, cid: str, state: int = pb.INVITATION_STATE_UNSPECIFIED) -> list[pb.Invitation]:
    return list(user.campaigns.ListInvitations(pb.ListInvitationsRequest(campaign_id=cid, state=state)).invitations)


def test_an_invitation_is_a_single_use_link_given_to_the_manager_and_mailed(stack, admin_user, sign_in):
    manager, invitee, other = sign_in("mgr"), sign_in("invitee"), sign_in("other")
    cid = admin_user.create_campaign("closed").campaign_id
    admin_user.name_manager(cid, manager)
    [invitation] = manager.invite(cid, invitee.email)
    assert invitation.state == pb.INVITATION_STATE_PENDING and invitation.role == res.CAMPAIGN_ROLE_MEMBER
    assert invitation.invited_by == manager.id and invitation.email == invitee.email
    assert "/invitations/" in invitation.link and len(token_of(invitation.link)) >= 40
    lifetime = invitation.expire_time.ToDatetime() - invitation.create_time.ToDatetime()
    assert lifetime == timedelta(days=14)

    assert mailed_link(invitee.email, INVITATION) == invitation.link
    # A bearer secret: the log tells operators an invitation mail was asked for, never its link.
    token = token_of(invitation.link)
    assert logs_holding(stack, token) == []
    [logged] = [entry for line in stack.log_lines("campaign") if "invitation mail requested" in line
                for entry in [json.loads(line)] if entry.get("campaign_id") == cid]
    assert (logged["level"], logged["role"], logged["expire_time"]) == (
        "info", "member", invitation.expire_time.ToDatetime(tzinfo=UTC).isoformat())

    # Only the token's digest is stored.
    stored = sql(stack.database_url,
                 f"SELECT row_to_json(i)::text FROM campaign.invitations i WHERE email = '{invitee.email}'")
    assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in stored

    joined = invitee.accept(invitation.link)
    assert (joined.user_id, joined.role, joined.state) == (invitee.id, res.CAMPAIGN_ROLE_MEMBER,
                                                           res.MEMBERSHIP_STATE_JOINED)
    assert invitee.accept(invitation.link).user_id == invitee.id  # its holder retrying: already in
    used = refused(grpc.StatusCode.FAILED_PRECONDITION, other.accept, invitation.link)
    assert error_info(used).reason == "INVITATION_USED" and cid not in used.details()
    refused(grpc.StatusCode.NOT_FOUND, other.campaigns.GetCampaign, pb.GetCampaignRequest(campaign_id=cid))

    [listed] = invitations(manager, cid)
    assert (listed.state, listed.accepted_by, listed.link) == (pb.INVITATION_STATE_ACCEPTED, invitee.id, "")


def test_revoked_expired_replaced_and_unknown_links_admit_nobody(stack, admin_user, sign_in):
    holder = sign_in("holder")
    cid = admin_user.create_campaign("closed").campaign_id
    revoked_email, expired_email, replaced_email = nobody(), nobody(), nobody()
    revoked, expired, replaced = admin_user.invite(cid, revoked_email, expired_email, replaced_email)

    # Revoked by email, for an address no account has; case does not matter.
    gone = admin_user.campaigns.RevokeInvitation(pb.RevokeInvitationRequest(campaign_id=cid,
                                                                            email=revoked_email.upper()))
    assert gone.state == pb.INVITATION_STATE_REVOKED and gone.email == revoked_email
    error = refused(grpc.StatusCode.FAILED_PRECONDITION, holder.accept, revoked.link)
    assert error_info(error).reason == "INVITATION_REVOKED"
    refused(grpc.StatusCode.NOT_FOUND, admin_user.campaigns.RevokeInvitation,
            pb.RevokeInvitationRequest(campaign_id=cid, email=revoked_email))  # nothing pending any more

    sql(stack.database_url, f"UPDATE campaign.invitations SET expires_at = now() - interval '1 second' "
               f"WHERE email = '{expired_email}'")
    error = refused(grpc.StatusCode.FAILED_PRECONDITION, holder.accept, expired.link)
    assert error_info(error).reason == "INVITATION_EXPIRED"

    # Inviting an address again gives a new link; the old one dies.
    [renewed] = admin_user.invite(cid, replaced_email)
    error = refused(grpc.StatusCode.NOT_FOUND, holder.accept, replaced.link)
    assert error_info(error).reason == "INVITATION_NOT_FOUND"
    assert renewed.link != replaced.link

    assert [i.email for i in invitations(admin_user, cid, pb.INVITATION_STATE_PENDING)] == [replaced_email]
    assert [i.email for i in invitations(admin_user, cid, pb.INVITATION_STATE_EXPIRED)] == [expired_email]
    assert [i.email for i in invitations(admin_user, cid, pb.INVITATION_STATE_REVOKED)] == [revoked_email]
    refused(grpc.StatusCode.NOT_FOUND, holder.campaigns.GetCampaign, pb.GetCampaignRequest(campaign_id=cid))

    bad = refused(grpc.StatusCode.INVALID_ARGUMENT, holder.accept, "https://x/invitations/not a token")
    assert error_info(bad).metadata["field"] == "invitation_token"
    # A link is accepted under its own campaign's route only.
    other = admin_user.create_campaign("closed").campaign_id
    refused(grpc.StatusCode.NOT_FOUND, holder.campaigns.AcceptInvitation, pb.AcceptInvitationRequest(
        campaign_id=other, invitation_token=token_of(renewed.link)))
    assert holder.campaigns.AcceptInvitation(pb.AcceptInvitationRequest(
        campaign_id=cid, invitation_token=token_of(renewed.link))).user_id == holder.id


def test_a_manager_invitation_gives_the_manager_role(admin_user, sign_in):
    manager, newcomer, member = sign_in("mgr"), sign_in("new-mgr"), sign_in("promoted")
    cid = admin_user.create_campaign("closed").campaign_id
    admin_user.name_manager(cid, manager)
    refused(grpc.StatusCode.PERMISSION_DENIED, manager.invite, cid, nobody(), role=res.CAMPAIGN_ROLE_MANAGER)

    [invitation] = admin_user.invite(cid, newcomer.email, role=res.CAMPAIGN_ROLE_MANAGER)
    assert invitation.role == res.CAMPAIGN_ROLE_MANAGER
    assert newcomer.accept(invitation.link).role == res.CAMPAIGN_ROLE_MANAGER
    assert invitations(newcomer, cid)  # it manages the campaign now

    # A member who takes up a manager invitation becomes a manager; a member invitation never demotes.
    assert admin_user.bring_in(cid, member).role == res.CAMPAIGN_ROLE_MEMBER
    assert admin_user.bring_in(cid, member, role=res.CAMPAIGN_ROLE_MANAGER).role == res.CAMPAIGN_ROLE_MANAGER
    assert manager.bring_in(cid, member).role == res.CAMPAIGN_ROLE_MANAGER


def test_the_invited_address_alone_grants_nothing(admin_user, sign_in):
    invitee = sign_in("addressee")  # its email is verified
    cid = admin_user.create_campaign("closed").campaign_id
    [invitation] = admin_user.invite(cid, invitee.email)
    listed = invitee.campaigns.ListCampaigns(pb.ListCampaignsRequest(page_size=200)).campaigns
    assert cid not in [c.campaign_id for c in listed]
    for call, request in ((invitee.campaigns.GetCampaign, pb.GetCampaignRequest(campaign_id=cid)),
                          (invitee.campaigns.JoinCampaign, pb.JoinCampaignRequest(campaign_id=cid)),
                          (invitee.campaigns.ListMembers, pb.ListMembersRequest(campaign_id=cid)),
                          (invitee.campaigns.ListTags, pb.ListTagsRequest(campaign_id=cid))):
        refused(grpc.StatusCode.NOT_FOUND, call, request)
    # The old way, accepting by campaign with no link, names the missing token.
    error = refused(grpc.StatusCode.INVALID_ARGUMENT, invitee.campaigns.AcceptInvitation,
                    pb.AcceptInvitationRequest(campaign_id=cid))
    assert error_info(error).metadata["field"] == "invitation_token"
    assert invitee.accept(invitation.link).user_id == invitee.id


def test_an_invitee_allocates_coins_in_the_very_next_call(admin_user, sign_in):
    author, invitee = sign_in("author"), sign_in("late-backer")
    cid = admin_user.create_campaign("open").campaign_id
    author.join(cid)
    idea = author.submit(cid)
    assert idea.status == res.IDEA_STATUS_COMPETING
    [invitation] = admin_user.invite(cid, invitee.email)
    invitee.accept(invitation.link)
    invitee.allocate(cid, idea.id, 10)
    balance = invitee.balance(cid)
    assert (balance.available, balance.allocated) == (90, 10)


def test_emails_of_members_and_sponsors_go_to_managers_and_admins_only(admin_user, sign_in, promote):
    manager, member, stranger = sign_in("mgr"), sign_in("mem"), sign_in("str")
    sponsor = promote(sign_in("spo"), res.SYSTEM_ROLE_SPONSOR)
    cid = admin_user.create_campaign("mediated").campaign_id
    admin_user.name_manager(cid, manager)
    member.join(cid)
    admin_user.campaigns.AddSponsor(pb.AddSponsorRequest(campaign_id=cid, user_id=sponsor.id))

    def members_seen_by(viewer):
        return {m.user_id: m for m in viewer.campaigns.ListMembers(pb.ListMembersRequest(campaign_id=cid)).members}

    def sponsors_seen_by(viewer):
        return list(viewer.campaigns.ListSponsors(pb.ListSponsorsRequest(campaign_id=cid)).sponsors)

    for viewer in (admin_user, manager):
        seen = members_seen_by(viewer)
        assert (seen[member.id].email, seen[manager.id].email) == (member.email, manager.email)
        [listed] = sponsors_seen_by(viewer)
        assert (listed.id, listed.email, listed.full_name) == (sponsor.id, sponsor.email, "Spo")
    for viewer in (member, sponsor):
        seen = members_seen_by(viewer)
        assert seen[member.id].full_name == "Mem" and all(m.email == "" for m in seen.values())
    for viewer in (member, sponsor, stranger):
        [listed] = sponsors_seen_by(viewer)
        assert (listed.id, listed.full_name, listed.email) == (sponsor.id, "Spo", "")
        assert not listed.roles  # nothing beyond the name


def test_invitations_over_rest(gateway, admin, auth_channel):
    from tests.support.accounts import sign_up

    first, second = sign_up(auth_channel, "rest-invitee"), sign_up(auth_channel, "rest-invitee")
    A = admin.bearer
    cid = f"rest-inv-{uuid.uuid4().hex[:8]}"
    assert gateway.post("/campaigns", headers=A, json={
        "campaignId": cid, "campaign": {"title": "Invitations", "type": "CAMPAIGN_TYPE_CLOSED"}}).status_code == 200
    invited = gateway.post(f"/campaigns/{cid}/members", headers=A,
                           json={"emails": [first.email, second.email, "gone@example.org"]}).json()["invitations"]
    links = {i["email"]: i["link"] for i in invited}
    pending = gateway.get(f"/campaigns/{cid}/invitations", headers=A,
                          params={"state": "INVITATION_STATE_PENDING", "pageSize": 2}).json()
    assert len(pending["invitations"]) == 2 and pending["nextPageToken"]
    assert all(i["link"] == "" for i in pending["invitations"])
    revoked = gateway.post(f"/campaigns/{cid}/invitations:revoke", headers=A, json={"email": "gone@example.org"})
    assert revoked.status_code == 200 and revoked.json()["state"] == "INVITATION_STATE_REVOKED"

    token = token_of(links[first.email])
    accepted = gateway.post("/invitations:accept", headers=first.bearer, json={"invitationToken": token})
    assert accepted.status_code == 200 and accepted.json()["userId"] == first.id
    again = gateway.post("/invitations:accept", headers=second.bearer, json={"invitationToken": token})
    assert again.status_code == 400 and "INVITATION_USED" in again.text
    by_campaign = gateway.post(f"/campaigns/{cid}:acceptInvitation", headers=second.bearer,
                               json={"invitationToken": token_of(links[second.email])})
    assert by_campaign.status_code == 200 and by_campaign.json()["role"] == "CAMPAIGN_ROLE_MEMBER"
    assert gateway.post("/invitations:accept", json={"invitationToken": token}).status_code == 401


def test_old_email_invitations_are_carried_over_as_expired(stack):
    """Before links, an invitation was a member row matched by email: it moves to the invitations table, expired
    (it never had a link), and only people who joined stay members."""
    from services.common import migrations

    scratch = f"migrate_{uuid.uuid4().hex[:8]}"
    sql(stack.database_url, f"CREATE DATABASE {scratch}")
    url = f"{stack.database_url.rsplit('/', 1)[0]}/{scratch}"
    try:
        migrations.upgrade("campaign", url, "0002")
        campaign, joined = uuid.uuid4(), uuid.uuid4()
        sql(url, f"""
            INSERT INTO campaign.campaigns (id, slug, title, type) VALUES ('{campaign}', 'old-one', 'Old', 'closed');
            INSERT INTO campaign.members (id, campaign_id, user_id, email, email_key, role, state, invited_by,
                                          invited_at, joined_at)
            VALUES (gen_random_uuid(), '{campaign}', NULL, 'Bo@example.org', 'bo@example.org', 'manager', 'invited',
                    '{uuid.uuid4()}', now() - interval '1 day', NULL),
                   (gen_random_uuid(), '{campaign}', '{joined}', 'al@example.org', 'al@example.org', 'member',
                    'joined', NULL, NULL, now())""")
        migrations.upgrade("campaign", url)
        assert sql(url, "SELECT email, role, expires_at <= now(), accepted_at IS NULL, length(token_digest) "
                             "FROM campaign.invitations") == "Bo@example.org|manager|t|t|64"
        assert sql(url, "SELECT user_id, role FROM campaign.members") == f"{joined}|member"
    finally:
        sql(stack.database_url, f"DROP DATABASE {scratch} WITH (FORCE)")
