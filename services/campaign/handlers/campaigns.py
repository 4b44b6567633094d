"""Campaign use cases: create, read, edit, the lifecycle (by hand and by date), and what other services ask."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message

from coins.v1 import events_pb2 as ev
from services.campaign import domain
from services.campaign.domain import Campaign, CampaignFields, Member, Standing, Tag
from services.campaign.handlers.base import HandlerBase
from services.campaign.messages import campaign_message
from services.campaign.ports import CampaignUnitOfWork
from services.common import paging, validation
from services.common.concepts import CampaignRole, CampaignStatus, CampaignType
from services.common.context import Caller
from services.common.convert import timestamp
from services.common.errors import ALREADY_EXISTS, AlreadyExists, InvalidArgument

log = logging.getLogger("coins.campaign")

ALL_CAMPAIGNS_PAGE, ALL_CAMPAIGNS_MAX = 100, 500

EDITABLE = ("title", "description", "type", "start_time", "end_time", "banner_image_url", "icon_url")
POLICY = ("initial_allocation", "idea_submission_reward", "allow_reallocation", "allow_recycling", "max_per_idea",
          "max_rewarded_ideas")


def changed_paths(before: Campaign, after: Campaign) -> list[str]:
    """The fields an edit changed, named as in the Campaign message (a CampaignChanged event's update_mask)."""
    paths = [name for name in EDITABLE if getattr(before, name) != getattr(after, name)]
    return paths + [f"coin_policy.{name}" for name in POLICY
                    if getattr(before.policy, name) != getattr(after.policy, name)]


def moved_event(campaign: Campaign) -> Message:
    """What a move to the campaign's status tells: started, completed or archived."""
    message = campaign_message(campaign)
    if campaign.status == CampaignStatus.ACTIVE:
        return ev.CampaignStarted(campaign=message)
    if campaign.status == CampaignStatus.COMPLETED:
        return ev.CampaignCompleted(campaign=message)
    return ev.CampaignArchived(campaign=message)


@dataclass(frozen=True)
class Access:
    campaign: Campaign
    role: CampaignRole | None
    sponsor: bool
    tags: list[Tag]
    visible: bool


class CampaignUseCases(HandlerBase):
    async def create(self, caller: Caller, campaign_id: str, fields: CampaignFields) -> Campaign:
        domain.require_admin(caller, "create campaigns")
        validation.slug("campaign_id", campaign_id)
        domain.checked_fields(fields, creating=True)
        domain.check_dates(fields.start_time, fields.end_time)
        policy = domain.CoinPolicy().changed(**fields.policy)
        async with self._units() as uow:
            if earlier := await uow.requests.replay():
                return await self._campaign(uow, earlier["campaign_id"])
            created = await uow.campaigns.add_campaign(campaign_id, fields, policy, caller.user_id)
            if created is None:
                raise AlreadyExists(ALREADY_EXISTS, "a campaign with this id already exists", campaign_id=campaign_id)
            await self._emit(uow, created, ev.CampaignChanged(campaign=campaign_message(created)), caller)
            await uow.requests.remember({"campaign_id": campaign_id})
        log.info("campaign created", extra={"campaign_id": campaign_id})
        return created

    async def get(self, caller: Caller, campaign_id: str) -> Campaign:
        async with self._units() as uow:
            campaign, _ = await self._viewable(uow, caller, campaign_id)
            return campaign

    async def list_campaigns(self, caller: Caller, status: CampaignStatus | None, type_: CampaignType | None,
                             page_size: int, page_token: str) -> tuple[list[Campaign], str]:
        limit, offset = validation.page_size(page_size), paging.offset(page_token)
        async with self._units() as uow:
            campaigns = await uow.campaigns.visible_campaigns(caller.user_id, caller.is_admin, status, type_, offset,
                                                              limit + 1)
        return paging.page(campaigns, offset, limit)

    async def update(self, caller: Caller, campaign_id: str, fields: CampaignFields) -> Campaign:
        domain.checked_fields(fields, creating=False)
        async with self._units() as uow:
            campaign, standing = await self._viewable(uow, caller, campaign_id, lock=True)
            domain.require_manage(standing, caller, "edit the campaign")
            if fields.policy or (fields.type and fields.type != campaign.type):
                domain.policy_editable(campaign)
            given = {name: getattr(fields, name) for name in EDITABLE if getattr(fields, name) is not None}
            now = datetime.now(UTC)
            updated = replace(campaign, **given, policy=campaign.policy.changed(**fields.policy), updated_at=now)
            domain.check_dates(updated.start_time, updated.end_time)
            updated = domain.ending_notice_rearmed(updated, now, self._ending_notice)
            await uow.campaigns.save_campaign(updated)
            if paths := changed_paths(campaign, updated):
                await self._emit(uow, updated, ev.CampaignChanged(campaign=campaign_message(updated),
                                                                  update_mask=FieldMask(paths=paths)), caller)
            return updated

    async def transition(self, caller: Caller, campaign_id: str, target: CampaignStatus) -> Campaign:
        async with self._units() as uow:
            campaign, standing = await self._viewable(uow, caller, campaign_id, lock=True)
            domain.require_manage(standing, caller, f"make the campaign {target}")
            if await uow.requests.replay() is None:
                campaign = await self._move(uow, campaign, target, caller)
                await uow.requests.remember({"campaign_id": campaign_id})
            return campaign

    async def _move(self, uow: CampaignUnitOfWork, campaign: Campaign, target: CampaignStatus,
                    actor: Caller | None) -> Campaign:
        """The coin side runs first, inside this transaction: when the call answers, coins already follow the new
        status. Should the commit fail after it, a retry (or the scheduler) repeats the idempotent coin call. The
        move's event commits with it; `actor` None when the scheduler moves it."""
        moved = replace(campaign, status=domain.next_status(campaign.status, target),
                        updated_at=datetime.now(UTC))
        await uow.campaigns.save_campaign(moved)
        if target == CampaignStatus.ACTIVE:
            await self._coins.open_campaign(moved.campaign_id, moved.policy,
                                            await uow.campaigns.joined_user_ids(moved))
        elif target == CampaignStatus.COMPLETED:
            await self._coins.complete(moved.campaign_id)
        elif target == CampaignStatus.ARCHIVED:
            await self._coins.archive(moved.campaign_id)
        await self._emit(uow, moved, moved_event(moved), actor)
        log.info("campaign moved", extra={"campaign_id": moved.campaign_id, "status": target})
        return moved

    async def run_due_transitions(self, now: datetime | None = None) -> int:
        """One scheduler pass, one unit of work per campaign: one campaign that fails (its coin side unreachable, say)
        holds up none of the others and is tried again next pass. The row lock and the rules, read again under the
        lock, make each move and each "ends soon" notice happen once however many replicas run it. Answers how
        many campaigns moved."""
        now = now or datetime.now(UTC)
        async with self._units() as uow:
            due = [campaign.campaign_id for campaign in await uow.campaigns.due_campaigns(now, self._ending_notice)]
        moved = 0
        for campaign_id in due:
            try:
                async with self._units() as uow:
                    campaign = await self._campaign(uow, campaign_id, lock=True)
                    if target := domain.due_transition(campaign, now):
                        campaign = await self._move(uow, campaign, target, None)
                        moved += 1
                    # After the move: a campaign the scheduler just started inside the window is told in this pass.
                    if domain.ending_notice_due(campaign, now, self._ending_notice):
                        await self._tell_ending_soon(uow, campaign, now)
            except Exception:
                log.exception("scheduled work on a campaign failed; trying again next pass",
                              extra={"campaign_id": campaign_id})
        return moved

    async def _tell_ending_soon(self, uow: CampaignUnitOfWork, campaign: Campaign, now: datetime) -> None:
        """The notice and the mark that it was given commit together."""
        await uow.campaigns.save_campaign(replace(campaign, ending_notice_at=now))
        await self._emit(uow, campaign, ev.CampaignEndingSoon(campaign=campaign_message(campaign),
                                                              end_time=timestamp(campaign.end_time)), None)
        log.info("campaign ends soon", extra={"campaign_id": campaign.campaign_id})

    # ---- for other services ------------------------------------------------------------------------------------

    async def access(self, campaign_id: str, user_id: str, viewer: Caller | None) -> Access:
        """The campaign as `user_id` stands in it; `visible` applies the viewing rule to the forwarded caller."""
        validation.slug("campaign_id", campaign_id)
        async with self._units() as uow:
            campaign = await self._campaign(uow, campaign_id)
            standing = await uow.campaigns.standing(campaign, user_id) if user_id else Standing()
            visible = viewer is not None and domain.can_view(
                campaign, await uow.campaigns.standing(campaign, viewer.user_id), viewer)
            return Access(campaign, standing.role, standing.sponsor, await uow.campaigns.tags(campaign), visible)

    async def joined_members(self, campaign_id: str, page_size: int, page_token: str) -> tuple[list[Member], str]:
        limit, offset = validation.page_size(page_size, maximum=1000), paging.offset(page_token)
        async with self._units() as uow:
            campaign = await self._campaign(uow, campaign_id)
            return paging.page(await uow.campaigns.members(campaign, None, offset, limit + 1), offset, limit)

    async def invited_emails(self, campaign_id: str) -> list[str]:
        """Every address ever invited to the campaign, lower-cased, once each."""
        async with self._units() as uow:
            return await uow.campaigns.invited_emails(await self._campaign(uow, campaign_id))

    async def parts_of(self, user_id: str) -> list[tuple[str, Standing]]:
        """Every campaign the user has joined or sponsors, by campaign_id, whatever its status."""
        validation.uuid_id("user_id", user_id)
        async with self._units() as uow:
            return await uow.campaigns.parts_of(user_id)

    async def all_campaigns(self, page_size: int, page_token: str) -> tuple[list[tuple[Campaign, list[Tag]]], str]:
        """Every campaign, drafts too, with its tags, in campaign_id order. Keyed on the campaign_id rather than an
        offset, so that campaigns created while a reader pages through shift no page."""
        limit = validation.page_size(page_size, default=ALL_CAMPAIGNS_PAGE, maximum=ALL_CAMPAIGNS_MAX)
        position = paging.decode(page_token)
        if position and "after_campaign_id" not in position:
            # Signed by the platform, but issued by another list (ListCampaigns' offsets, say).
            raise InvalidArgument("page_token", "page_token is not one this list issued; start again without it")
        after = position.get("after_campaign_id", "")
        async with self._units() as uow:
            found = await uow.campaigns.campaigns_after(after, limit + 1)
        page = found[:limit]
        return page, paging.encode({"after_campaign_id": page[-1][0].campaign_id}) if len(found) > limit else ""
