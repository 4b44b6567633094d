"""A full rebuild of the read model from the owning services: campaigns, tags, members and invitations (campaign
service), ideas (idea service), standings and every ledger entry (coin service).

It runs in one transaction that replaces the whole read model (ReadModel.replacing): reports read the old figures
until it commits, and the event consumer waits for it, then applies what it holds; the state written here carries
the version of each stream's newest entry at the start (events.stream_versions), so an event the consumer held is
older and loses, and a later one wins. Ledger entries carry their own ids: whichever side writes one first, it
counts once."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from services.analytics.ports import Owners
from services.analytics.projection import Changes, campaign_row, entry_row, idea_row
from services.analytics.repository import MemberRow, ReadModel, StandingRow, TagRow
from services.common.events import stream_versions

log = logging.getLogger("coins.analytics")

FAMILIES = ("campaign", "idea", "coin")


@dataclass(frozen=True)
class RebuildReport:
    campaigns: int
    ideas: int
    entries: int
    seconds: float


class Rebuilder:
    def __init__(self, owners: Owners, read_model: ReadModel, redis: Redis):
        self._owners = owners
        self._read_model = read_model
        self._redis = redis

    async def rebuild(self) -> RebuildReport:
        started = time.monotonic()
        versions = await stream_versions(self._redis, FAMILIES)
        campaigns = ideas = entries = 0
        async with self._read_model.replacing() as writer:
            async for owned in self._owners.campaigns():
                campaign_id = owned.campaign.campaign_id
                changes = Changes()
                changes.campaigns[campaign_id] = campaign_row(owned.campaign, versions["campaign"])
                for tag in owned.tags:
                    changes.tags[tag.id] = TagRow(tag.id, campaign_id, tag.name, False, versions["campaign"])
                async for members in self._owners.members(campaign_id):
                    for member in members:
                        changes.members[campaign_id, member.user_id] = MemberRow(
                            campaign_id, member.user_id, True, versions["campaign"])
                changes.invited[campaign_id] = set(await self._owners.invited_emails(campaign_id))
                async for page in self._owners.ideas(campaign_id):
                    for idea in page:
                        changes.ideas[idea.id] = idea_row(idea, versions["idea"])
                    ideas += len(page)
                for standing in await self._owners.standing(campaign_id):
                    changes.standings[standing.idea_id] = StandingRow(
                        standing.idea_id, campaign_id, standing.coins, standing.backers, versions["coin"])
                await changes.write(writer)
                async for ledger_page in self._owners.ledger(campaign_id):
                    await writer.entries([entry_row(entry) for entry in ledger_page])
                    entries += len(ledger_page)
                campaigns += 1
                log.info("analytics rebuild: campaign read", extra={"campaign_id": campaign_id})
        seconds = round(time.monotonic() - started, 2)
        log.info("analytics rebuild done", extra={"campaigns": campaigns, "ideas": ideas, "entries": entries,
                                                  "seconds": seconds})
        return RebuildReport(campaigns, ideas, entries, seconds)
