"""Use cases of the campaign service: one unit of work per call. Effects on other services (coin grants and
expiry, ideas losing a deleted tag) leave through the outbox in the same transaction."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from coins.v1 import resources_pb2
from services.campaign import domain
from services.campaign.domain import Campaign, CampaignFields, Member, Standing, Tag
from services.campaign.repository import CampaignRepository, CampaignRow, TagRow, member_of, tag_of
from services.common import validation
from services.common.context import Caller
from services.common.db import Database
from services.common.directory import UserDirectory
from services.common.errors import (
    ALREADY_EXISTS, CAMPAIGN_NOT_FOUND, NOT_FOUND, AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied,
)
from services.common.outbox import Outbox

log = logging.getLogger("coins.campaign")

GRANT, EXPIRE, CLOSE_ACCOUNT, REMOVE_TAG = "coin.grant", "coin.expire", "coin.close_account", "idea.remove_tag"


@dataclass(frozen=True)
class Access:
    campaign: Campaign
    role: str | None
    sponsor: bool
    tags: list[Tag]
    visible: bool


def _offset(page_token: str) -> int:
    position = validation.decode_page_token(page_token) or {}
    offset = position.get("offset", 0)
    if not isinstance(offset, int) or offset < 0:
        raise InvalidArgument("page_token", "page_token is not one this service issued")
    return offset


def _page(rows: list, offset: int, limit: int) -> tuple[list, str]:
    """Rows were fetched with limit + 1: the extra one only says whether a next page exists."""
    token = validation.encode_page_token({"offset": offset + limit}) if len(rows) > limit else ""
    return rows[:limit], token


class CampaignHandlers:
    def __init__(self, database: Database, outbox: Outbox, directory: UserDirectory):
        self._db = database
        self._outbox = outbox
        self._directory = directory

    async def _viewable(self, repo: CampaignRepository, caller: Caller, slug: str,
                        lock: bool = False) -> tuple[CampaignRow, Standing]:
        validation.slug("campaign_id", slug)
        row = await repo.campaign(slug, lock=lock)
        standing = await repo.standing(row.id, caller.user_id, caller.email) if row else Standing()
        domain.require_view(row.campaign() if row else None, standing, caller, slug)
        return row, standing

    # ---- campaigns ---------------------------------------------------------------------------------------------

    async def create(self, caller: Caller, slug: str, fields: CampaignFields, request_id: str) -> Campaign:
        domain.require_admin(caller, "create campaigns")
        validation.slug("campaign_id", slug)
        domain.checked_fields(fields, creating=True)
        domain.check_dates(fields.start_time, fields.end_time)
        policy = domain.CoinPolicy().changed(**fields.policy)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            if request_id and (earlier := await repo.request_result(request_id)):
                return (await repo.campaign(earlier)).campaign()
            row = CampaignRow(
                id=uuid.uuid4(), slug=slug, title=fields.title, description=fields.description or "",
                type=fields.type, status=domain.DRAFT, start_time=fields.start_time, end_time=fields.end_time,
                banner_image_url=fields.banner_image_url or "", icon_url=fields.icon_url or "",
                initial_allocation=policy.initial_allocation, idea_submission_reward=policy.idea_submission_reward,
                allow_reallocation=policy.allow_reallocation, allow_recycling=policy.allow_recycling,
                max_per_idea=policy.max_per_idea, created_by=uuid.UUID(caller.user_id))
            if not await repo.add_campaign(row):
                raise AlreadyExists(ALREADY_EXISTS, "a campaign with this id already exists", campaign_id=slug)
            if request_id:
                await repo.remember_request(request_id, slug)
            created = (await repo.campaign(slug)).campaign()
        log.info("campaign created", extra={"campaign_id": slug})
        return created

    async def get(self, caller: Caller, slug: str) -> Campaign:
        async with self._db.unit_of_work() as session:
            row, _ = await self._viewable(CampaignRepository(session), caller, slug)
            return row.campaign()

    async def list(self, caller: Caller, status: str | None, type_: str | None, page_size: int,
                   page_token: str) -> tuple[list[Campaign], str]:
        limit, offset = validation.page_size(page_size), _offset(page_token)
        async with self._db.unit_of_work() as session:
            rows = await CampaignRepository(session).visible_campaigns(
                caller.user_id, caller.email, caller.is_admin, status, type_, offset, limit + 1)
        rows, token = _page(rows, offset, limit)
        return [row.campaign() for row in rows], token

    async def update(self, caller: Caller, slug: str, fields: CampaignFields) -> Campaign:
        domain.checked_fields(fields, creating=False)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug, lock=True)
            domain.require_manage(standing, caller, "edit the campaign")
            campaign = row.campaign()
            if fields.policy or (fields.type and fields.type != row.type):
                domain.policy_editable(campaign)
            policy = campaign.policy.changed(**fields.policy)
            start = fields.start_time if fields.start_time is not None else row.start_time
            end = fields.end_time if fields.end_time is not None else row.end_time
            domain.check_dates(start, end)
            for name in ("title", "description", "type", "start_time", "end_time", "banner_image_url", "icon_url"):
                value = getattr(fields, name)
                if value is not None:
                    setattr(row, name, value)
            row.initial_allocation, row.idea_submission_reward = policy.initial_allocation, policy.idea_submission_reward
            row.allow_reallocation, row.allow_recycling = policy.allow_reallocation, policy.allow_recycling
            row.max_per_idea = policy.max_per_idea
            row.updated_at = datetime.now(timezone.utc)
            await session.flush()
            return row.campaign()

    async def transition(self, caller: Caller, slug: str, target: str) -> Campaign:
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug, lock=True)
            domain.require_manage(standing, caller, f"make the campaign {target}")
            await self._move(repo, row, target)
            campaign = row.campaign()
        self._outbox.kick()
        return campaign

    async def _move(self, repo: CampaignRepository, row: CampaignRow, target: str) -> None:
        row.status = domain.next_status(row.status, target)
        row.updated_at = datetime.now(timezone.utc)
        await repo.session.flush()
        if target == domain.ACTIVE:
            members = await repo.joined_user_ids(row.id)
            if members:
                await self._outbox.put(repo.session, GRANT, {"campaign_id": row.slug, "user_ids": members})
        elif target == domain.COMPLETED:
            await self._outbox.put(repo.session, EXPIRE, {"campaign_id": row.slug})
        log.info("campaign moved", extra={"campaign_id": row.slug, "status": target})

    async def run_due_transitions(self, now: datetime | None = None) -> int:
        """One scheduler pass. Row locks with SKIP LOCKED and the status check make each move happen once, however
        many replicas run it."""
        now = now or datetime.now(timezone.utc)
        moved = 0
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            for row in await repo.due_campaigns(now):
                target = domain.due_transition(row.campaign(), now)
                if target:
                    await self._move(repo, row, target)
                    moved += 1
        if moved:
            self._outbox.kick()
        return moved

    # ---- membership --------------------------------------------------------------------------------------------

    async def join(self, caller: Caller, slug: str) -> Member:
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, _ = await self._viewable(repo, caller, slug, lock=True)
            domain.join_allowed(row.campaign())
            member = await repo.member(row.id, email=caller.email)
            if member is not None and member.state == domain.JOINED:
                return member_of(member, slug)  # joining twice changes nothing
            return await self._take_up(repo, row, caller, member)

    async def accept_invitation(self, caller: Caller, slug: str) -> Member:
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, _ = await self._viewable(repo, caller, slug, lock=True)
            member = await repo.member(row.id, email=caller.email)
            if member is None:
                raise NotFound(NOT_FOUND, "there is no invitation for you in this campaign", campaign_id=slug)
            if member.state == domain.JOINED:
                return member_of(member, slug)
            if row.status in (domain.COMPLETED, domain.ARCHIVED):
                domain.require_active(row.campaign(), "accept invitations")
            return await self._take_up(repo, row, caller, member)

    async def _take_up(self, repo: CampaignRepository, row: CampaignRow, caller: Caller, member) -> Member:
        account = (await self._directory.by_ids([caller.user_id])).get(caller.user_id)
        now = datetime.now(timezone.utc)
        if member is None:
            member = await repo.add_member(campaign_id=row.id, user_id=uuid.UUID(caller.user_id), email=caller.email,
                                           email_key=caller.email.lower(), role=domain.MEMBER, state=domain.JOINED,
                                           full_name=account.full_name if account else "", joined_at=now)
        else:
            member.user_id, member.state, member.joined_at = uuid.UUID(caller.user_id), domain.JOINED, now
            member.full_name = account.full_name if account else member.full_name
        if row.status == domain.ACTIVE:
            await self._outbox.put(repo.session, GRANT, {"campaign_id": row.slug, "user_ids": [caller.user_id]})
            self._outbox.kick()
        return member_of(member, row.slug)

    async def invite(self, caller: Caller, slug: str, emails: list[str], role: str) -> list[Member]:
        emails = domain.invite_emails(emails)
        if role == domain.MANAGER:
            domain.require_admin(caller, "invite managers")
        accounts = await self._directory.by_emails(emails)
        invited = []
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug, lock=True)
            domain.require_manage(standing, caller, "invite members")
            if row.status == domain.ARCHIVED:
                domain.require_active(row.campaign(), "invite members")
            known = await repo.members_by_email(row.id, emails)
            for email in emails:
                existing = known.get(email.lower())
                if existing is not None:
                    invited.append(member_of(existing, slug))  # already invited or joined: nothing to do
                    continue
                account = accounts.get(email.lower())
                created = await repo.add_member(
                    campaign_id=row.id, user_id=uuid.UUID(account.id) if account else None, email=email,
                    email_key=email.lower(), full_name=account.full_name if account else "", role=role,
                    state=domain.INVITED, invited_by=uuid.UUID(caller.user_id), invited_at=datetime.now(timezone.utc))
                invited.append(member_of(created, slug))
        return invited

    async def list_members(self, caller: Caller, slug: str, role: str | None, page_size: int,
                           page_token: str) -> tuple[list[Member], str, bool]:
        """The page, the next token, and whether the caller may see emails and invitations."""
        limit, offset = validation.page_size(page_size), _offset(page_token)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug)
            if not domain.can_read_members(standing, caller):
                raise PermissionDenied("only members, managers and sponsors of this campaign see its members")
            full_view = domain.can_manage(standing, caller) or domain.is_sponsor(caller, standing)
            rows = await repo.members(row.id, role, not full_view, offset, limit + 1)
            rows, token = _page(rows, offset, limit)
            return [member_of(m, slug) for m in rows], token, full_view

    async def remove_member(self, caller: Caller, slug: str, user_id: str) -> None:
        validation.uuid_id("user_id", user_id)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug, lock=True)
            leaving = user_id == caller.user_id
            if not leaving:
                domain.require_manage(standing, caller, "remove members")
            member = await repo.member(row.id, user_id=user_id)
            if member is None:
                raise NotFound(NOT_FOUND, "this user is not in the campaign", user_id=user_id)
            if member.role == domain.MANAGER and not (caller.is_admin or leaving):
                raise PermissionDenied("only an admin may remove a manager")
            await repo.delete_member(member)
            if member.state == domain.JOINED:
                await self._outbox.put(session, CLOSE_ACCOUNT, {"campaign_id": slug, "user_id": user_id})
        self._outbox.kick()

    async def set_role(self, caller: Caller, slug: str, user_id: str, role: str) -> Member:
        domain.require_admin(caller, "name or remove managers")
        validation.uuid_id("user_id", user_id)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, _ = await self._viewable(repo, caller, slug, lock=True)
            member = await repo.member(row.id, user_id=user_id)
            if member is None:
                account = (await self._directory.by_ids([user_id])).get(user_id)
                if account is None:
                    raise NotFound(NOT_FOUND, "no account has this id", user_id=user_id)
                # Naming a manager who is not yet in the campaign brings them in.
                member = await repo.add_member(
                    campaign_id=row.id, user_id=uuid.UUID(user_id), email=account.email,
                    email_key=account.email.lower(), full_name=account.full_name, role=role, state=domain.JOINED,
                    joined_at=datetime.now(timezone.utc))
                if row.status == domain.ACTIVE:
                    await self._outbox.put(session, GRANT, {"campaign_id": slug, "user_ids": [user_id]})
                    self._outbox.kick()
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
            raise FailedPrecondition("NOT_A_SPONSOR", "grant the user the sponsor role first", user_id=user_id)
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

    async def sponsors(self, caller: Caller, slug: str) -> list[str]:
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, _ = await self._viewable(repo, caller, slug)
            return await repo.sponsor_ids(row.id)

    # ---- tags --------------------------------------------------------------------------------------------------

    async def create_tag(self, caller: Caller, slug: str, name: str, description: str, color: str,
                         request_id: str) -> Tag:
        name, color = domain.tag_name(name), domain.tag_color(color)
        description = validation.text("tag.description", description, max_length=1000, required=False)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug, lock=True)
            domain.require_manage(standing, caller, "manage tags")
            if request_id and (earlier := await repo.request_result(request_id)):
                return tag_of(await repo.tag(row.id, uuid.UUID(earlier)), slug)
            if await repo.tag_name_taken(row.id, name):
                raise AlreadyExists(ALREADY_EXISTS, "the campaign already has a tag with this name", name=name)
            tag = await repo.add_tag(TagRow(id=uuid.uuid4(), campaign_id=row.id, name=name, description=description,
                                            color=color))
            if request_id:
                await repo.remember_request(request_id, str(tag.id))
            return tag_of(tag, slug)

    async def list_tags(self, caller: Caller, slug: str, page_size: int, page_token: str) -> tuple[list[Tag], str]:
        limit, offset = validation.page_size(page_size), _offset(page_token)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, _ = await self._viewable(repo, caller, slug)
            rows, token = _page(await repo.tags(row.id, offset, limit + 1), offset, limit)
            return [tag_of(t, slug) for t in rows], token

    async def update_tag(self, caller: Caller, slug: str, tag_id: str, name: str | None, description: str | None,
                         color: str | None) -> Tag:
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, tag = await self._managed_tag(repo, caller, slug, tag_id)
            if name is not None:
                name = domain.tag_name(name)
                if await repo.tag_name_taken(row.id, name, except_id=tag.id):
                    raise AlreadyExists(ALREADY_EXISTS, "the campaign already has a tag with this name", name=name)
                tag.name = name
            if description is not None:
                tag.description = validation.text("tag.description", description, max_length=1000, required=False)
            if color is not None:
                tag.color = domain.tag_color(color)
            return tag_of(tag, slug)

    async def _managed_tag(self, repo: CampaignRepository, caller: Caller, slug: str,
                           tag_id: str) -> tuple[CampaignRow, TagRow]:
        tag_uuid = validation.uuid_id("tag_id", tag_id)
        row, standing = await self._viewable(repo, caller, slug)
        domain.require_manage(standing, caller, "manage tags")
        tag = await repo.tag(row.id, tag_uuid)
        if tag is None:
            raise NotFound(NOT_FOUND, "the campaign has no tag with this id", tag_id=tag_id)
        return row, tag

    async def delete_tag(self, caller: Caller, slug: str, tag_id: str) -> None:
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            _, tag = await self._managed_tag(repo, caller, slug, tag_id)
            await repo.delete_tag(tag)
            await self._outbox.put(session, REMOVE_TAG, {"campaign_id": slug, "tag_id": tag_id})
        self._outbox.kick()

    # ---- for other services ------------------------------------------------------------------------------------

    async def access(self, slug: str, user_id: str, viewer: Caller | None) -> Access:
        """The campaign as `user_id` stands in it; `visible` applies the viewing rule to the forwarded caller."""
        validation.slug("campaign_id", slug)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row = await repo.campaign(slug)
            if row is None:
                raise NotFound(CAMPAIGN_NOT_FOUND, "no campaign with this id", campaign_id=slug)
            standing = await repo.standing(row.id, user_id, "") if user_id else Standing()
            visible = viewer is not None and domain.can_view(
                row.campaign(), await repo.standing(row.id, viewer.user_id, viewer.email), viewer)
            tags = [tag_of(t, slug) for t in await repo.tags(row.id)]
            return Access(row.campaign(), standing.role, standing.sponsor, tags, visible)

    async def joined_members(self, slug: str, page_size: int, page_token: str) -> tuple[list[Member], str]:
        limit, offset = validation.page_size(page_size, maximum=1000), _offset(page_token)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row = await repo.campaign(slug)
            if row is None:
                raise NotFound(CAMPAIGN_NOT_FOUND, "no campaign with this id", campaign_id=slug)
            rows, token = _page(await repo.members(row.id, None, True, offset, limit + 1), offset, limit)
            return [member_of(m, slug) for m in rows], token
