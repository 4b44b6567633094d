"""Tag use cases: a campaign's tags, managed by its managers. Ideas lose a deleted tag through the outbox."""

from __future__ import annotations

import uuid

from services.campaign import domain
from services.campaign.domain import Tag
from services.campaign.handlers.base import HandlerBase
from services.campaign.repository import CampaignRepository, CampaignRow, TagRow, tag_of
from services.common import paging, validation
from services.common.context import Caller
from services.common.errors import ALREADY_EXISTS, NOT_FOUND, AlreadyExists, NotFound

REMOVE_TAG = "idea.remove_tag"


class TagUseCases(HandlerBase):
    async def create_tag(self, caller: Caller, slug: str, name: str, description: str, color: str) -> Tag:
        name, color = domain.tag_name(name), domain.tag_color(color)
        description = validation.text("tag.description", description, max_length=1000, required=False)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, standing = await self._viewable(repo, caller, slug, lock=True)
            domain.require_manage(standing, caller, "manage tags")
            if earlier := await self._requests.replay(session):
                return tag_of(await repo.tag(row.id, uuid.UUID(earlier["tag_id"])), slug)
            if await repo.tag_name_taken(row.id, name):
                raise AlreadyExists(ALREADY_EXISTS, "the campaign already has a tag with this name", name=name)
            tag = await repo.add_tag(TagRow(id=uuid.uuid4(), campaign_id=row.id, name=name, description=description,
                                            color=color))
            await self._requests.remember(session, {"tag_id": str(tag.id)})
            return tag_of(tag, slug)

    async def list_tags(self, caller: Caller, slug: str, page_size: int, page_token: str) -> tuple[list[Tag], str]:
        limit, offset = validation.page_size(page_size), paging.offset(page_token)
        async with self._db.unit_of_work() as session:
            repo = CampaignRepository(session)
            row, _ = await self._viewable(repo, caller, slug)
            rows, token = paging.page(await repo.tags(row.id, offset, limit + 1), offset, limit)
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
