"""Campaign use cases: create, read, edit, the lifecycle (by hand and by date), and what other services ask."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from services.campaign import domain
from services.campaign.domain import Campaign, CampaignFields, Member, Standing, Tag
from services.campaign.handlers.base import HandlerBase
from services.campaign.repository import CampaignRepository, CampaignRow, member_of, tag_of
from services.common import paging, validation
from services.common.context import Caller
from services.common.errors import ALREADY_EXISTS, CAMPAIGN_NOT_FOUND, AlreadyExists, NotFound

log = logging.getLogger("coins.campaign")


@dataclass(frozen=True)
class Access:
    campaign: Campaign
    role: str | None
    sponsor: bool
    tags: list[Tag]
    visible: bool


class CampaignUseCases(HandlerBase):
    async def create(self, caller: Caller, slug: str, fields: CampaignFields) -> Campaign:
        domain.require_admin(caller, "create campaigns")
        validation.slug("campaign_id", slug)
        domain.checked_fields(fields, creating=True)
        domain.check_dates(fields.start_time, fields.end_time)
        policy = domain.CoinPolicy().changed(**fields.policy)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            if earlier := await self._requests.replay(session):
                return (await repo.campaign(earlier["campaign_id"])).campaign()
            row = CampaignRow(
                id=uuid.uuid4(), slug=slug, title=fields.title, description=fields.description or "",
                type=fields.type, status=domain.DRAFT, start_time=fields.start_time, end_time=fields.end_time,
                banner_image_url=fields.banner_image_url or "", icon_url=fields.icon_url or "",
                initial_allocation=policy.initial_allocation, idea_submission_reward=policy.idea_submission_reward,
                allow_reallocation=policy.allow_reallocation, allow_recycling=policy.allow_recycling,
                max_per_idea=policy.max_per_idea, max_rewarded_ideas=policy.max_rewarded_ideas,
                created_by=uuid.UUID(caller.user_id))
            if not await repo.add_campaign(row):
                raise AlreadyExists(ALREADY_EXISTS, "a campaign with this id already exists", campaign_id=slug)
            await self._requests.remember(session, {"campaign_id": slug})
            created = (await repo.campaign(slug)).campaign()
        log.info("campaign created", extra={"campaign_id": slug})
        return created

    async def get(self, caller: Caller, slug: str) -> Campaign:
        async with self._db.unit_of_work() as session:
            row, _ = await self._viewable(CampaignRepository(session), caller, slug)
            return row.campaign()

    async def list(self, caller: Caller, status: str | None, type_: str | None, page_size: int,
                   page_token: str) -> tuple[list[Campaign], str]:
        limit, offset = validation.page_size(page_size), paging.offset(page_token)
        async with self._db.unit_of_work() as session:
            rows = await CampaignRepository(session).visible_campaigns(
                caller.user_id, caller.is_admin, status, type_, offset, limit + 1)
        rows, token = paging.page(rows, offset, limit)
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
            for name in ("initial_allocation", "idea_submission_reward", "allow_reallocation", "allow_recycling",
                         "max_per_idea", "max_rewarded_ideas"):
                setattr(row, name, getattr(policy, name))
            row.updated_at = datetime.now(timezone.utc)
            await session.flush()
            return row.campaign()

    async def transition(self, caller: Caller, slug: str, target: str) -> Campaign:
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug, lock=True)
            domain.require_manage(standing, caller, f"make the campaign {target}")
            if await self._requests.replay(session) is None:
                await self._move(repo, row, target)
                await self._requests.remember(session, {"campaign_id": slug})
            return row.campaign()

    async def _move(self, repo: CampaignRepository, row: CampaignRow, target: str) -> None:
        """The coin side runs first, inside this transaction: when the call answers, coins already follow the new
        status. Should the commit fail after it, a retry (or the scheduler) repeats the idempotent coin call."""
        row.status = domain.next_status(row.status, target)
        row.updated_at = datetime.now(timezone.utc)
        await repo.session.flush()
        if target == domain.ACTIVE:
            await self._coins.open_campaign(row.slug, row.campaign().policy, await repo.joined_user_ids(row.id))
        elif target == domain.COMPLETED:
            await self._coins.complete(row.slug)
        elif target == domain.ARCHIVED:
            await self._coins.archive(row.slug)
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
        return moved

    # ---- for other services ------------------------------------------------------------------------------------

    async def access(self, slug: str, user_id: str, viewer: Caller | None) -> Access:
        """The campaign as `user_id` stands in it; `visible` applies the viewing rule to the forwarded caller."""
        validation.slug("campaign_id", slug)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row = await repo.campaign(slug)
            if row is None:
                raise NotFound(CAMPAIGN_NOT_FOUND, "no campaign with this id", campaign_id=slug)
            standing = await repo.standing(row.id, user_id) if user_id else Standing()
            visible = viewer is not None and domain.can_view(
                row.campaign(), await repo.standing(row.id, viewer.user_id), viewer)
            tags = [tag_of(t, slug) for t in await repo.tags(row.id)]
            return Access(row.campaign(), standing.role, standing.sponsor, tags, visible)

    async def joined_members(self, slug: str, page_size: int, page_token: str) -> tuple[list[Member], str]:
        limit, offset = validation.page_size(page_size, maximum=1000), paging.offset(page_token)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row = await repo.campaign(slug)
            if row is None:
                raise NotFound(CAMPAIGN_NOT_FOUND, "no campaign with this id", campaign_id=slug)
            rows, token = paging.page(await repo.members(row.id, None, offset, limit + 1), offset, limit)
            return [member_of(m, slug) for m in rows], token
