"""A full rebuild of the read model from the owning services, while events keep flowing.

Each field group is written with the version of its stream's last entry id at the start (XINFO STREAM
last-generated-id): any event already in the stream is older than what the rebuild reads afterwards and cannot
overwrite it, and any later event is newer and wins. So the rebuild never needs the consumer stopped."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from services.common.events import stream_versions
from services.search.domain import ReindexReport
from services.search.indexing import Changes, Indexer, campaign_listing, idea_fields
from services.search.ports import Owners, SearchBackend
from services.search.repository import CoinTotal, PersonName, TagName

log = logging.getLogger("coins.search")

FAMILIES = ("campaign", "idea", "coin", "auth")


@dataclass(frozen=True)
class RebuildReport:
    campaigns: int
    ideas: int
    reindex: ReindexReport


class Rebuilder:
    def __init__(self, owners: Owners, indexer: Indexer, redis: Redis, backend: SearchBackend):
        self._owners = owners
        self._indexer = indexer
        self._redis = redis
        self._backend = backend

    async def rebuild(self) -> RebuildReport:
        started = time.monotonic()
        versions = await stream_versions(self._redis, FAMILIES)
        campaigns = ideas = 0
        async for owned in self._owners.campaigns():
            campaign_id = owned.campaign.campaign_id
            changes = Changes()
            changes.campaigns[campaign_id] = campaign_listing(owned.campaign, versions["campaign"])
            for tag in owned.tags:
                changes.tags[tag.id] = TagName(tag.id, campaign_id, tag.name, False, versions["campaign"])
            await self._indexer.write(changes)
            async for page in self._owners.ideas(campaign_id):
                changes = Changes()
                for idea in page:
                    changes.ideas[idea.id] = idea_fields(idea, versions["idea"])
                names = await self._owners.names(sorted({i.submitter_id for i in page if i.submitter_id}))
                for user_id, full_name in names.items():
                    changes.people[user_id] = PersonName(user_id, full_name, versions["auth"])
                await self._indexer.write(changes)
                ideas += len(page)
            changes = Changes()
            for idea_id, total in (await self._owners.coin_totals(campaign_id)).items():
                changes.coins[idea_id] = CoinTotal(idea_id, campaign_id, total, versions["coin"])
            await self._indexer.write(changes)
            campaigns += 1
            log.info("search rebuild: campaign read", extra={"campaign_id": campaign_id, "ideas": ideas})
        report = await self._backend.reindex()
        log.info("search rebuild done", extra={"campaigns": campaigns, "ideas": ideas,
                                               "seconds": round(time.monotonic() - started, 2)})
        return RebuildReport(campaigns, ideas, report)
