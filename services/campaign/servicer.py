"""gRPC face of the campaign service: proto in, handler call, proto out."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf import empty_pb2

from coins.v1 import campaign_service_pb2 as pb
from coins.v1 import campaign_service_pb2_grpc as rpc
from coins.v1 import resources_pb2 as res
from services.campaign.domain import CampaignFields, Invitation, Member, Sponsor
from services.campaign.handlers import CampaignHandlers
from services.campaign.messages import campaign_message, tag_message
from services.common.concepts import CampaignRole, CampaignStatus
from services.common.context import caller, current_call
from services.common.convert import moment, timestamp
from services.common.errors import InvalidArgument
from services.common.proto_enums import CAMPAIGN_ROLE, CAMPAIGN_STATUS, CAMPAIGN_TYPE, INVITATION_STATE

EDITABLE = {"title", "description", "type", "start_time", "end_time", "banner_image_url", "icon_url"}
POLICY_FIELDS = ("initial_allocation", "idea_submission_reward", "allow_reallocation", "allow_recycling",
                 "max_per_idea", "max_rewarded_ideas")


def member_message(member: Member) -> res.CampaignMember:
    return res.CampaignMember(campaign_id=member.campaign_id, user_id=member.user_id, email=member.email,
                              full_name=member.full_name, role=CAMPAIGN_ROLE.to_proto(member.role),
                              state=res.MEMBERSHIP_STATE_JOINED, join_time=timestamp(member.joined_at))


def invitation_message(invitation: Invitation, now: datetime) -> pb.Invitation:
    return pb.Invitation(campaign_id=invitation.campaign_id, email=invitation.email,
                         role=CAMPAIGN_ROLE.to_proto(invitation.role),
                         state=INVITATION_STATE.to_proto(invitation.state(now)), invited_by=invitation.invited_by,
                         create_time=timestamp(invitation.created_at), expire_time=timestamp(invitation.expires_at),
                         accepted_by=invitation.accepted_by or "", accept_time=timestamp(invitation.accepted_at),
                         link=invitation.link)


def sponsor_message(sponsor: Sponsor) -> res.User:
    return res.User(id=sponsor.user_id, full_name=sponsor.full_name, email=sponsor.email)


def fields_from(campaign: res.Campaign, mask_paths: list[str]) -> CampaignFields:
    """Only the fields named by the mask, or, without a mask, every field the message sets."""
    paths = set(mask_paths)
    unknown = {p for p in paths if p not in EDITABLE and p != "coin_policy"
               and not (p.startswith("coin_policy.") and p.split(".", 1)[1] in POLICY_FIELDS)}
    if unknown:
        raise InvalidArgument("update_mask", f"update_mask names fields that cannot change: {sorted(unknown)}")

    def wanted(name: str, present: bool) -> bool:
        return name in paths if paths else present

    fields = CampaignFields()
    for name in ("title", "description", "banner_image_url", "icon_url"):
        if wanted(name, bool(getattr(campaign, name))):
            setattr(fields, name, getattr(campaign, name))
    if wanted("type", campaign.type != 0):
        fields.type = CAMPAIGN_TYPE.from_proto("campaign.type", campaign.type)
    for name in ("start_time", "end_time"):
        if wanted(name, campaign.HasField(name)):
            setattr(fields, name, moment(f"campaign.{name}", getattr(campaign, name)) if campaign.HasField(name)
                    else None)
    policy = campaign.coin_policy
    for name in POLICY_FIELDS:
        if wanted(f"coin_policy.{name}", policy.HasField(name)) or (paths and "coin_policy" in paths
                                                                    and policy.HasField(name)):
            fields.policy[name] = getattr(policy, name)
    return fields


class CampaignServicer(rpc.CampaignServiceServicer):
    def __init__(self, handlers: CampaignHandlers):
        self._handlers = handlers

    async def CreateCampaign(self, request: pb.CreateCampaignRequest, context) -> res.Campaign:
        return campaign_message(await self._handlers.create(
            caller(), request.campaign_id, fields_from(request.campaign, [])))

    async def GetCampaign(self, request: pb.GetCampaignRequest, context) -> res.Campaign:
        return campaign_message(await self._handlers.get(caller(), request.campaign_id))

    async def ListCampaigns(self, request: pb.ListCampaignsRequest, context) -> pb.ListCampaignsResponse:
        campaigns, token = await self._handlers.list_campaigns(
            caller(), CAMPAIGN_STATUS.from_proto("status", request.status, required=False),
            CAMPAIGN_TYPE.from_proto("type", request.type, required=False),
            request.page_size, request.page_token)
        return pb.ListCampaignsResponse(campaigns=[campaign_message(c) for c in campaigns], next_page_token=token)

    async def UpdateCampaign(self, request: pb.UpdateCampaignRequest, context) -> res.Campaign:
        fields = fields_from(request.campaign, list(request.update_mask.paths))
        return campaign_message(await self._handlers.update(caller(), request.campaign_id, fields))

    async def ActivateCampaign(self, request: pb.ActivateCampaignRequest, context) -> res.Campaign:
        return campaign_message(await self._handlers.transition(caller(), request.campaign_id,
                                                                CampaignStatus.ACTIVE))

    async def CompleteCampaign(self, request: pb.CompleteCampaignRequest, context) -> res.Campaign:
        return campaign_message(await self._handlers.transition(caller(), request.campaign_id,
                                                                CampaignStatus.COMPLETED))

    async def ArchiveCampaign(self, request: pb.ArchiveCampaignRequest, context) -> res.Campaign:
        return campaign_message(await self._handlers.transition(caller(), request.campaign_id,
                                                                CampaignStatus.ARCHIVED))

    async def JoinCampaign(self, request: pb.JoinCampaignRequest, context) -> res.CampaignMember:
        return member_message(await self._handlers.join(caller(), request.campaign_id))

    async def InviteMembers(self, request: pb.InviteMembersRequest, context) -> pb.InviteMembersResponse:
        role = CAMPAIGN_ROLE.from_proto("role", request.role, required=False) or CampaignRole.MEMBER
        invitations = await self._handlers.invite(caller(), request.campaign_id, list(request.emails), role)
        now = datetime.now(UTC)
        return pb.InviteMembersResponse(invitations=[invitation_message(i, now) for i in invitations])

    async def AcceptInvitation(self, request: pb.AcceptInvitationRequest, context) -> res.CampaignMember:
        return member_message(await self._handlers.accept_invitation(caller(), request.invitation_token,
                                                                     request.campaign_id))

    async def ListInvitations(self, request: pb.ListInvitationsRequest, context) -> pb.ListInvitationsResponse:
        invitations, token = await self._handlers.list_invitations(
            caller(), request.campaign_id, INVITATION_STATE.from_proto("state", request.state, required=False),
            request.page_size, request.page_token)
        now = datetime.now(UTC)
        return pb.ListInvitationsResponse(invitations=[invitation_message(i, now) for i in invitations],
                                          next_page_token=token)

    async def GetMember(self, request: pb.GetMemberRequest, context) -> res.CampaignMember:
        return member_message(await self._handlers.get_member(caller(), request.campaign_id, request.user_id))

    async def RevokeInvitation(self, request: pb.RevokeInvitationRequest, context) -> pb.Invitation:
        return invitation_message(await self._handlers.revoke_invitation(caller(), request.campaign_id, request.email),
                                  datetime.now(UTC))

    async def ListMembers(self, request: pb.ListMembersRequest, context) -> pb.ListMembersResponse:
        members, token = await self._handlers.list_members(
            caller(), request.campaign_id, CAMPAIGN_ROLE.from_proto("role", request.role, required=False),
            request.page_size, request.page_token)
        return pb.ListMembersResponse(members=[member_message(m) for m in members], next_page_token=token)

    async def RemoveMember(self, request: pb.RemoveMemberRequest, context) -> empty_pb2.Empty:
        await self._handlers.remove_member(caller(), request.campaign_id, request.user_id)
        return empty_pb2.Empty()

    async def SetMemberRole(self, request: pb.SetMemberRoleRequest, context) -> res.CampaignMember:
        role = CAMPAIGN_ROLE.from_proto("role", request.role)
        return member_message(await self._handlers.set_role(caller(), request.campaign_id, request.user_id, role))

    async def AddSponsor(self, request: pb.AddSponsorRequest, context) -> pb.AddSponsorResponse:
        return pb.AddSponsorResponse(sponsor_ids=await self._handlers.add_sponsor(caller(), request.campaign_id,
                                                                                  request.user_id))

    async def RemoveSponsor(self, request: pb.RemoveSponsorRequest, context) -> empty_pb2.Empty:
        await self._handlers.remove_sponsor(caller(), request.campaign_id, request.user_id)
        return empty_pb2.Empty()

    async def ListSponsors(self, request: pb.ListSponsorsRequest, context) -> pb.ListSponsorsResponse:
        sponsors, token = await self._handlers.sponsors(caller(), request.campaign_id, request.page_size,
                                                        request.page_token)
        return pb.ListSponsorsResponse(sponsors=[sponsor_message(s) for s in sponsors], next_page_token=token)

    async def CreateTag(self, request: pb.CreateTagRequest, context) -> res.Tag:
        tag = request.tag
        return tag_message(await self._handlers.create_tag(caller(), request.campaign_id, tag.name, tag.description,
                                                           tag.color))

    async def ListTags(self, request: pb.ListTagsRequest, context) -> pb.ListTagsResponse:
        tags, token = await self._handlers.list_tags(caller(), request.campaign_id, request.page_size,
                                                     request.page_token)
        return pb.ListTagsResponse(tags=[tag_message(t) for t in tags], next_page_token=token)

    async def UpdateTag(self, request: pb.UpdateTagRequest, context) -> res.Tag:
        paths = set(request.update_mask.paths)
        if paths - {"name", "description", "color"}:
            raise InvalidArgument("update_mask", "a tag's name, description and color can change")
        tag = request.tag

        def wanted(name: str):
            value = getattr(tag, name)
            return value if (name in paths if paths else bool(value)) else None

        return tag_message(await self._handlers.update_tag(caller(), request.campaign_id, request.tag_id,
                                                           wanted("name"), wanted("description"), wanted("color")))

    async def DeleteTag(self, request: pb.DeleteTagRequest, context) -> empty_pb2.Empty:
        await self._handlers.delete_tag(caller(), request.campaign_id, request.tag_id)
        return empty_pb2.Empty()


class CampaignInternalServicer(rpc.CampaignInternalServiceServicer):
    def __init__(self, handlers: CampaignHandlers):
        self._handlers = handlers

    async def GetCampaignAccess(self, request: pb.GetCampaignAccessRequest, context) -> pb.CampaignAccess:
        call = current_call()
        access = await self._handlers.access(request.campaign_id, request.user_id, call.caller if call else None)
        return pb.CampaignAccess(campaign=campaign_message(access.campaign),
                                 role=CAMPAIGN_ROLE.to_proto(access.role),
                                 sponsor=access.sponsor, tags=[tag_message(t) for t in access.tags],
                                 visible=access.visible)

    async def ListJoinedMembers(self, request: pb.ListJoinedMembersRequest, context) -> pb.ListJoinedMembersResponse:
        members, token = await self._handlers.joined_members(request.campaign_id, request.page_size,
                                                             request.page_token)
        return pb.ListJoinedMembersResponse(members=[member_message(m) for m in members], next_page_token=token)

    async def ListInvitedEmails(self, request: pb.ListInvitedEmailsRequest, context) -> pb.ListInvitedEmailsResponse:
        return pb.ListInvitedEmailsResponse(emails=await self._handlers.invited_emails(request.campaign_id))

    async def ListUserCampaignRoles(self, request: pb.ListUserCampaignRolesRequest,
                                    context) -> pb.ListUserCampaignRolesResponse:
        parts = await self._handlers.parts_of(request.user_id)
        return pb.ListUserCampaignRolesResponse(roles=[
            pb.UserCampaignRole(campaign_id=campaign_id, role=CAMPAIGN_ROLE.to_proto(standing.role),
                                sponsor=standing.sponsor) for campaign_id, standing in parts])

    async def ListAllCampaigns(self, request: pb.ListAllCampaignsRequest, context) -> pb.ListAllCampaignsResponse:
        campaigns, token = await self._handlers.all_campaigns(request.page_size, request.page_token)
        return pb.ListAllCampaignsResponse(campaigns=[
            pb.CampaignWithTags(campaign=campaign_message(c), tags=[tag_message(t) for t in tags])
            for c, tags in campaigns], next_page_token=token)
