"""Membership use cases: joining, invitation links, members and their roles, sponsors."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

from coins.v1 import events_pb2 as ev
from services.campaign import domain
from services.campaign.domain import Campaign, Invitation, Member, Sponsor
from services.campaign.handlers.base import HandlerBase
from services.campaign.ports import CampaignUnitOfWork
from services.common import paging, sealing, validation
from services.common.concepts import CampaignRole, CampaignStatus, InvitationState, SystemRole
from services.common.context import Caller
from services.common.convert import timestamp
from services.common.errors import NOT_A_SPONSOR, NOT_FOUND, FailedPrecondition, NotFound, PermissionDenied
from services.common.proto_enums import CAMPAIGN_ROLE

log = logging.getLogger("coins.campaign")


class MembershipUseCases(HandlerBase):
    async def join(self, caller: Caller, campaign_id: str) -> Member:
        async with self._units() as uow:
            campaign, _ = await self._viewable(uow, caller, campaign_id, lock=True)
            domain.join_allowed(campaign)
            # Joining twice changes nothing.
            member = await uow.campaigns.member(campaign, caller.user_id)
            return member or await self._take_up(uow, campaign, caller.user_id, CampaignRole.MEMBER, caller)

    async def _take_up(self, uow: CampaignUnitOfWork, campaign: Campaign, user_id: str, role: CampaignRole,
                       actor: Caller) -> Member:
        """Adds the user to the campaign. In an active campaign its initial coins are granted inside this
        transaction, so the new member can move coins in its very next call."""
        account = (await self._directory.by_ids([user_id])).get(user_id)
        if account is None:
            raise NotFound(NOT_FOUND, "no account has this id", user_id=user_id)
        member = Member(campaign.campaign_id, user_id, account.email, account.full_name, role,
                        datetime.now(UTC))
        await uow.campaigns.add_member(campaign, member)
        if campaign.status == CampaignStatus.ACTIVE:
            await self._coins.grant(campaign.campaign_id, user_id)
        await self._emit(uow, campaign, ev.MemberJoined(user_id=user_id, role=CAMPAIGN_ROLE.to_proto(role)), actor,
                         subject=f"users/{user_id}")
        return member

    async def _change_role(self, uow: CampaignUnitOfWork, campaign: Campaign, member: Member, role: CampaignRole,
                           actor: Caller) -> Member:
        if role == member.role:
            return member
        await uow.campaigns.set_member_role(campaign, member.user_id, role)
        await self._emit(uow, campaign, ev.MemberRoleChanged(
            user_id=member.user_id, from_role=CAMPAIGN_ROLE.to_proto(member.role),
            to_role=CAMPAIGN_ROLE.to_proto(role)), actor, subject=f"users/{member.user_id}")
        return replace(member, role=role)

    # ---- invitations -------------------------------------------------------------------------------------------

    async def invite(self, caller: Caller, campaign_id: str, emails: list[str],
                     role: CampaignRole) -> list[Invitation]:
        """One fresh link per email. No account is looked up: the link, not the address, admits its holder."""
        emails = domain.invite_emails(emails)
        now = datetime.now(UTC)
        issued = []
        async with self._units() as uow:
            campaign, standing = await self._viewable(uow, caller, campaign_id, lock=True)
            domain.require_may_invite(standing, caller, role)
            domain.require_admitting(campaign)
            for email in emails:
                token = domain.new_invitation_token()
                invitation = await uow.campaigns.issue_invitation(campaign, email, role, domain.token_digest(token),
                                                                  caller.user_id, now, now + self._invitation_ttl)
                link = domain.invitation_link(self._public_url, token)
                issued.append(replace(invitation, link=link))
                # The link is a bearer secret: the event carries it sealed, for the notification service to mail.
                await self._emit(uow, campaign, ev.MemberInvited(
                    email=invitation.email, role=CAMPAIGN_ROLE.to_proto(invitation.role),
                    campaign_title=campaign.title, sealed_link=sealing.seal(link),
                    expire_time=timestamp(invitation.expires_at)), caller, subject=f"invitations/{invitation.id}")
        # For operators, once committed: never the link, which admits whoever holds it.
        for invitation in issued:
            log.info("invitation mail requested", extra={
                "campaign_id": campaign_id, "invitation_id": invitation.id, "role": invitation.role,
                "expire_time": invitation.expires_at.isoformat()})
        return issued

    async def accept_invitation(self, caller: Caller, token: str, campaign_id: str) -> Member:
        """`campaign_id`, when given, must be the campaign the link invites to."""
        digest = domain.token_digest(domain.checked_token(token))
        if campaign_id:
            validation.slug("campaign_id", campaign_id)
        now = datetime.now(UTC)
        async with self._units() as uow:
            invited_to = await uow.campaigns.invited_campaign(digest)
            if invited_to is None or (campaign_id and campaign_id != invited_to):
                raise domain.unknown_invitation()
            # The campaign first, as every membership change locks it: then the invitation, read after the lock.
            campaign = await self._campaign(uow, invited_to, lock=True)
            invitation = await uow.campaigns.invitation(campaign, digest)
            member = await uow.campaigns.member(campaign, caller.user_id)
            if member is not None and invitation is not None and invitation.accepted_by == caller.user_id:
                return member  # the one who took it up, retrying: already in
            accepted = domain.require_acceptable(invitation, now)
            domain.require_admitting(campaign)
            await uow.campaigns.accept_invitation(digest, caller.user_id, now)
            if member is None:
                member = await self._take_up(uow, campaign, caller.user_id, accepted.role, caller)
            else:
                member = await self._change_role(uow, campaign, member,
                                                 domain.role_on_accepting(member.role, accepted.role), caller)
            log.info("invitation accepted", extra={"campaign_id": invited_to, "role": member.role})
            return member

    async def list_invitations(self, caller: Caller, campaign_id: str, state: InvitationState | None, page_size: int,
                               page_token: str) -> tuple[list[Invitation], str]:
        limit, offset = validation.page_size(page_size), paging.offset(page_token)
        async with self._units() as uow:
            campaign, standing = await self._viewable(uow, caller, campaign_id)
            domain.require_manage(standing, caller, "see invitations")
            invitations = await uow.campaigns.invitations(campaign, state, datetime.now(UTC), offset,
                                                          limit + 1)
            return paging.page(invitations, offset, limit)

    async def revoke_invitation(self, caller: Caller, campaign_id: str, email: str) -> Invitation:
        email = validation.email("email", email)
        async with self._units() as uow:
            campaign, standing = await self._viewable(uow, caller, campaign_id, lock=True)
            domain.require_manage(standing, caller, "revoke invitations")
            revoked = await uow.campaigns.revoke_open_invitation(campaign, email, datetime.now(UTC))
            if revoked is None:
                raise NotFound(NOT_FOUND, "no pending invitation to this email", email=email)
            return revoked

    # ---- members -----------------------------------------------------------------------------------------------

    async def list_members(self, caller: Caller, campaign_id: str, role: CampaignRole | None, page_size: int,
                           page_token: str) -> tuple[list[Member], str]:
        limit, offset = validation.page_size(page_size), paging.offset(page_token)
        async with self._units() as uow:
            campaign, standing = await self._viewable(uow, caller, campaign_id)
            if not domain.can_read_members(standing, caller):
                raise PermissionDenied("only members, managers and sponsors of this campaign see its members")
            members, token = paging.page(await uow.campaigns.members(campaign, role, offset, limit + 1), offset,
                                         limit)
        if not domain.can_see_emails(standing, caller):
            members = [replace(m, email="") for m in members]
        return members, token

    async def get_member(self, caller: Caller, campaign_id: str, user_id: str) -> Member:
        validation.uuid_id("user_id", user_id)
        async with self._units() as uow:
            campaign, standing = await self._viewable(uow, caller, campaign_id)
            if user_id != caller.user_id:
                domain.require_manage(standing, caller, "read other members' memberships")
            member = await uow.campaigns.member(campaign, user_id)
        if member is None:
            raise NotFound(NOT_FOUND, "this user is not in the campaign", user_id=user_id)
        return member

    async def remove_member(self, caller: Caller, campaign_id: str, user_id: str) -> None:
        validation.uuid_id("user_id", user_id)
        async with self._units() as uow:
            campaign, standing = await self._viewable(uow, caller, campaign_id, lock=True)
            leaving = user_id == caller.user_id
            if not leaving:
                domain.require_manage(standing, caller, "remove members")
            member = await uow.campaigns.member(campaign, user_id)
            if member is None:
                raise NotFound(NOT_FOUND, "this user is not in the campaign", user_id=user_id)
            if member.role == CampaignRole.MANAGER and not (caller.is_admin or leaving):
                raise PermissionDenied("only an admin may remove a manager")
            await uow.campaigns.delete_member(campaign, user_id)
            await self._coins.close_account(campaign_id, user_id)
            await self._emit(uow, campaign, ev.MemberRemoved(user_id=user_id), caller, subject=f"users/{user_id}")

    async def set_role(self, caller: Caller, campaign_id: str, user_id: str, role: CampaignRole) -> Member:
        domain.require_admin(caller, "name or remove managers")
        validation.uuid_id("user_id", user_id)
        async with self._units() as uow:
            campaign, _ = await self._viewable(uow, caller, campaign_id, lock=True)
            member = await uow.campaigns.member(campaign, user_id)
            if member is None:
                # Naming a manager who is not yet in the campaign brings them in.
                return await self._take_up(uow, campaign, user_id, role, caller)
            return await self._change_role(uow, campaign, member, role, caller)

    # ---- sponsors ----------------------------------------------------------------------------------------------

    async def add_sponsor(self, caller: Caller, campaign_id: str, user_id: str) -> list[str]:
        domain.require_admin(caller, "add sponsors")
        validation.uuid_id("user_id", user_id)
        account = (await self._directory.by_ids([user_id])).get(user_id)
        if account is None:
            raise NotFound(NOT_FOUND, "no account has this id", user_id=user_id)
        if SystemRole.SPONSOR not in account.roles:
            raise FailedPrecondition(NOT_A_SPONSOR, "grant the user the sponsor role first", user_id=user_id)
        async with self._units() as uow:
            campaign, _ = await self._viewable(uow, caller, campaign_id)
            await uow.campaigns.add_sponsor(campaign, user_id)
            return await uow.campaigns.sponsor_ids(campaign)

    async def remove_sponsor(self, caller: Caller, campaign_id: str, user_id: str) -> None:
        domain.require_admin(caller, "remove sponsors")
        validation.uuid_id("user_id", user_id)
        async with self._units() as uow:
            campaign, _ = await self._viewable(uow, caller, campaign_id)
            if not await uow.campaigns.remove_sponsor(campaign, user_id):
                raise NotFound(NOT_FOUND, "this user does not sponsor the campaign", user_id=user_id)

    async def sponsors(self, caller: Caller, campaign_id: str, page_size: int,
                       page_token: str) -> tuple[list[Sponsor], str]:
        limit, offset = validation.page_size(page_size), paging.offset(page_token)
        async with self._units() as uow:
            campaign, standing = await self._viewable(uow, caller, campaign_id)
            ids, token = paging.page(await uow.campaigns.sponsor_ids(campaign, offset, limit + 1), offset, limit)
        with_emails = domain.can_see_emails(standing, caller)
        accounts = await self._directory.by_ids(ids)
        return [Sponsor(i, accounts[i].full_name, accounts[i].email if with_emails else "")
                for i in ids if i in accounts], token
