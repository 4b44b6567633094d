"""Membership use cases: joining, invitation links, members and their roles, sponsors."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime, timezone

from coins.v1 import resources_pb2
from services.campaign import domain
from services.campaign.domain import Invitation, Member, Sponsor
from services.campaign.handlers.base import HandlerBase
from services.campaign.repository import CampaignRepository, CampaignRow, MemberRow, invitation_of, member_of
from services.common import paging, validation
from services.common.context import Caller
from services.common.errors import NOT_A_SPONSOR, NOT_FOUND, FailedPrecondition, NotFound, PermissionDenied

log = logging.getLogger("coins.campaign")


class MembershipUseCases(HandlerBase):
    async def join(self, caller: Caller, slug: str) -> Member:
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, _ = await self._viewable(repo, caller, slug, lock=True)
            domain.join_allowed(row.campaign())
            member = await repo.member(row.id, caller.user_id)
            if member is None:
                member = await self._take_up(repo, row, caller.user_id, domain.MEMBER)
            return member_of(member, slug)  # joining twice changes nothing

    async def _take_up(self, repo: CampaignRepository, row: CampaignRow, user_id: str, role: str) -> MemberRow:
        """Adds the user to the campaign. In an active campaign its initial coins are granted inside this
        transaction, so the new member can move coins in its very next call."""
        account = (await self._directory.by_ids([user_id])).get(user_id)
        if account is None:
            raise NotFound(NOT_FOUND, "no account has this id", user_id=user_id)
        member = await repo.add_member(campaign_id=row.id, user_id=uuid.UUID(user_id), email=account.email,
                                       full_name=account.full_name, role=role, joined_at=datetime.now(timezone.utc))
        if row.status == domain.ACTIVE:
            await self._coins.grant(row.slug, user_id)
        return member

    # ---- invitations -------------------------------------------------------------------------------------------

    async def invite(self, caller: Caller, slug: str, emails: list[str], role: str) -> list[Invitation]:
        """One fresh link per email. No account is looked up: the link, not the address, admits its holder."""
        emails = domain.invite_emails(emails)
        now = datetime.now(timezone.utc)
        issued = []
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug, lock=True)
            domain.require_may_invite(standing, caller, role)
            domain.require_admitting(row.campaign())
            for email in emails:
                token = domain.new_invitation_token()
                invitation = await repo.issue_invitation(row.id, email, role, domain.token_digest(token),
                                                         uuid.UUID(caller.user_id), now, now + self._invitation_ttl)
                issued.append(invitation_of(invitation, slug, domain.invitation_link(self._public_url, token)))
        # Mail is not sent yet: the log carries each link (after the commit, so every logged link works).
        for invitation in issued:
            log.info(domain.INVITATION_LINK_MESSAGE, extra={
                "campaign_id": slug, "email": invitation.email, "role": invitation.role, "link": invitation.link,
                "expire_time": invitation.expires_at.isoformat()})
        return issued

    async def accept_invitation(self, caller: Caller, token: str, slug: str) -> Member:
        """`slug`, when given, must be the campaign the link invites to."""
        digest = domain.token_digest(domain.checked_token(token))
        if slug:
            validation.slug("campaign_id", slug)
        now = datetime.now(timezone.utc)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            invited_to = await repo.invited_campaign(digest)
            if invited_to is None or (slug and slug != invited_to):
                domain.require_acceptable(None, now)
            # The campaign first, as every membership change locks it: then the invitation, read after the lock.
            row = await repo.campaign(invited_to, lock=True)
            invitation = await repo.invitation(digest)
            member = await repo.member(row.id, caller.user_id)
            if member is not None and invitation.accepted_by == uuid.UUID(caller.user_id):
                return member_of(member, invited_to)  # the one who took it up, retrying: already in
            accepted = domain.require_acceptable(invitation_of(invitation, invited_to), now)
            domain.require_admitting(row.campaign())
            invitation.accepted_by, invitation.accepted_at = uuid.UUID(caller.user_id), now
            if member is None:
                member = await self._take_up(repo, row, caller.user_id, accepted.role)
            else:
                member.role = domain.role_on_accepting(member.role, accepted.role)
            log.info("invitation accepted", extra={"campaign_id": invited_to, "role": member.role})
            return member_of(member, invited_to)

    async def list_invitations(self, caller: Caller, slug: str, state: str | None, page_size: int,
                               page_token: str) -> tuple[list[Invitation], str]:
        limit, offset = validation.page_size(page_size), paging.offset(page_token)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug)
            domain.require_manage(standing, caller, "see invitations")
            rows = await repo.invitations(row.id, state, datetime.now(timezone.utc), offset, limit + 1)
            rows, token = paging.page(rows, offset, limit)
            return [invitation_of(i, slug) for i in rows], token

    async def revoke_invitation(self, caller: Caller, slug: str, email: str) -> Invitation:
        email = validation.email("email", email)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug, lock=True)
            domain.require_manage(standing, caller, "revoke invitations")
            invitation = await repo.open_invitation(row.id, email)
            if invitation is None:
                raise NotFound(NOT_FOUND, "no pending invitation to this email", email=email)
            invitation.revoked_at = datetime.now(timezone.utc)
            return invitation_of(invitation, slug)

    # ---- members -----------------------------------------------------------------------------------------------

    async def list_members(self, caller: Caller, slug: str, role: str | None, page_size: int,
                           page_token: str) -> tuple[list[Member], str]:
        limit, offset = validation.page_size(page_size), paging.offset(page_token)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug)
            if not domain.can_read_members(standing, caller):
                raise PermissionDenied("only members, managers and sponsors of this campaign see its members")
            rows, token = paging.page(await repo.members(row.id, role, offset, limit + 1), offset, limit)
            members = [member_of(m, slug) for m in rows]
            if not domain.can_see_emails(standing, caller):
                members = [replace(m, email="") for m in members]
            return members, token

    async def remove_member(self, caller: Caller, slug: str, user_id: str) -> None:
        validation.uuid_id("user_id", user_id)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug, lock=True)
            leaving = user_id == caller.user_id
            if not leaving:
                domain.require_manage(standing, caller, "remove members")
            member = await repo.member(row.id, user_id)
            if member is None:
                raise NotFound(NOT_FOUND, "this user is not in the campaign", user_id=user_id)
            if member.role == domain.MANAGER and not (caller.is_admin or leaving):
                raise PermissionDenied("only an admin may remove a manager")
            await repo.delete_member(member)
            await self._coins.close_account(slug, user_id)

    async def set_role(self, caller: Caller, slug: str, user_id: str, role: str) -> Member:
        domain.require_admin(caller, "name or remove managers")
        validation.uuid_id("user_id", user_id)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, _ = await self._viewable(repo, caller, slug, lock=True)
            member = await repo.member(row.id, user_id)
            if member is None:
                # Naming a manager who is not yet in the campaign brings them in.
                member = await self._take_up(repo, row, user_id, role)
            member.role = role
            return member_of(member, slug)

    # ---- sponsors ----------------------------------------------------------------------------------------------

    async def add_sponsor(self, caller: Caller, slug: str, user_id: str) -> list[str]:
        domain.require_admin(caller, "add sponsors")
        target = validation.uuid_id("user_id", user_id)
        account = (await self._directory.by_ids([user_id])).get(user_id)
        if account is None:
            raise NotFound(NOT_FOUND, "no account has this id", user_id=user_id)
        if resources_pb2.SYSTEM_ROLE_SPONSOR not in account.roles:
            raise FailedPrecondition(NOT_A_SPONSOR, "grant the user the sponsor role first", user_id=user_id)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, _ = await self._viewable(repo, caller, slug)
            await repo.add_sponsor(row.id, target)
            return await repo.sponsor_ids(row.id)

    async def remove_sponsor(self, caller: Caller, slug: str, user_id: str) -> None:
        domain.require_admin(caller, "remove sponsors")
        target = validation.uuid_id("user_id", user_id)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, _ = await self._viewable(repo, caller, slug)
            if not await repo.remove_sponsor(row.id, target):
                raise NotFound(NOT_FOUND, "this user does not sponsor the campaign", user_id=user_id)

    async def sponsors(self, caller: Caller, slug: str, page_size: int, page_token: str) -> tuple[list[Sponsor], str]:
        limit, offset = validation.page_size(page_size), paging.offset(page_token)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug)
            ids, token = paging.page(await repo.sponsor_ids(row.id, offset, limit + 1), offset, limit)
            with_emails = domain.can_see_emails(standing, caller)
        accounts = await self._directory.by_ids(ids)
        return [Sponsor(i, accounts[i].full_name, accounts[i].email if with_emails else "")
                for i in ids if i in accounts], token
