"""Tag use cases: a campaign's tags, managed by its managers. Ideas lose a deleted tag through the outbox."""

from __future__ import annotations

import uuid
from dataclasses import replace

from coins.v1 import events_pb2 as ev
from services.campaign import domain
from services.campaign.domain import Campaign, Tag
from services.campaign.handlers.base import HandlerBase
from services.campaign.messages import tag_message
from services.campaign.ports import CampaignUnitOfWork
from services.common import paging, validation
from services.common.context import Caller
from services.common.errors import ALREADY_EXISTS, NOT_FOUND, AlreadyExists, NotFound

REMOVE_TAG = "idea.remove_tag"
DESCRIPTION_MAX = 1000


def name_taken(name: str) -> AlreadyExists:
    return AlreadyExists(ALREADY_EXISTS, "the campaign already has a tag with this name", name=name)


def no_such_tag(tag_id: str) -> NotFound:
    return NotFound(NOT_FOUND, "the campaign has no tag with this id", tag_id=tag_id)


class TagUseCases(HandlerBase):
    async def create_tag(self, caller: Caller, campaign_id: str, name: str, description: str, color: str) -> Tag:
        name, color = domain.tag_name(name), domain.tag_color(color)
        description = validation.text("tag.description", description, max_length=DESCRIPTION_MAX, required=False)
        async with self._units() as uow:
            campaign, standing = await self._viewable(uow, caller, campaign_id, lock=True)
            domain.require_manage(standing, caller, "manage tags")
            if earlier := await uow.requests.replay():
                tag = await uow.campaigns.tag(campaign, uuid.UUID(earlier["tag_id"]))
                if tag is None:  # deleted since
                    raise no_such_tag(earlier["tag_id"])
                return tag
            if await uow.campaigns.tag_name_taken(campaign, name):
                raise name_taken(name)
            tag = await uow.campaigns.add_tag(campaign, name, description, color)
            await self._emit(uow, campaign, ev.TagChanged(tag=tag_message(tag)), caller, subject=f"tags/{tag.id}")
            await uow.requests.remember({"tag_id": tag.id})
            return tag

    async def list_tags(self, caller: Caller, campaign_id: str, page_size: int,
                        page_token: str) -> tuple[list[Tag], str]:
        limit, offset = validation.page_size(page_size), paging.offset(page_token)
        async with self._units() as uow:
            campaign, _ = await self._viewable(uow, caller, campaign_id)
            return paging.page(await uow.campaigns.tags(campaign, offset, limit + 1), offset, limit)

    async def update_tag(self, caller: Caller, campaign_id: str, tag_id: str, name: str | None,
                         description: str | None, color: str | None) -> Tag:
        async with self._units() as uow:
            campaign, tag = await self._managed_tag(uow, caller, campaign_id, tag_id)
            if name is not None:
                name = domain.tag_name(name)
                if await uow.campaigns.tag_name_taken(campaign, name, except_id=uuid.UUID(tag.id)):
                    raise name_taken(name)
                tag = replace(tag, name=name)
            if description is not None:
                tag = replace(tag, description=validation.text("tag.description", description,
                                                               max_length=DESCRIPTION_MAX, required=False))
            if color is not None:
                tag = replace(tag, color=domain.tag_color(color))
            await uow.campaigns.save_tag(tag)
            await self._emit(uow, campaign, ev.TagChanged(tag=tag_message(tag)), caller, subject=f"tags/{tag.id}")
            return tag

    async def _managed_tag(self, uow: CampaignUnitOfWork, caller: Caller, campaign_id: str,
                           tag_id: str) -> tuple[Campaign, Tag]:
        tag_uuid = validation.uuid_id("tag_id", tag_id)
        campaign, standing = await self._viewable(uow, caller, campaign_id)
        domain.require_manage(standing, caller, "manage tags")
        tag = await uow.campaigns.tag(campaign, tag_uuid)
        if tag is None:
            raise no_such_tag(tag_id)
        return campaign, tag

    async def delete_tag(self, caller: Caller, campaign_id: str, tag_id: str) -> None:
        async with self._units() as uow:
            campaign, tag = await self._managed_tag(uow, caller, campaign_id, tag_id)
            await uow.campaigns.delete_tag(tag)
            await uow.outbox.put(REMOVE_TAG, {"campaign_id": campaign_id, "tag_id": tag_id})
            await self._emit(uow, campaign, ev.TagDeleted(tag_id=tag.id), caller, subject=f"tags/{tag.id}")
