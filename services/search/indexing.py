"""Keeps the read model in step with the owners: domain events in, versioned upserts out.

A batch of deliveries (one stream read) is applied in one transaction. Within a batch only the newest state of
each thing is written (the idea edited three times is written once), and every write is conditional on its
version (repository.py), so redeliveries, replays and a rebuild running alongside converge on the newest state.
With an external index, the ideas whose documents changed are queued for it in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timezone

from coins.v1 import events_pb2 as ev
from coins.v1 import resources_pb2 as res
from services.common.events import Delivery, entry_version, keep_newest
from services.common.proto_enums import CAMPAIGN_STATUS, CAMPAIGN_TYPE, IDEA_STATUS
from services.search import domain
from services.search.repository import (
    CampaignListing,
    CoinTotal,
    IdeaFields,
    PersonName,
    ReadModel,
    ReadModelWriter,
    TagName,
)

# Payloads that change a search document; the consumer acknowledges every other event unread.
_IDEA_EVENTS = ("idea_submitted", "idea_edited", "idea_status_changed")
_CAMPAIGN_EVENTS = ("campaign_changed", "campaign_started", "campaign_completed", "campaign_archived")
WANTED = frozenset({*_IDEA_EVENTS, *_CAMPAIGN_EVENTS, "coins_moved", "tag_changed", "tag_deleted", "user_renamed"})


def wants(event: ev.Event) -> bool:
    return (event.WhichOneof("payload") or "") in WANTED


def idea_fields(idea: res.Idea, version: int) -> IdeaFields:
    stored = res.Idea()
    stored.CopyFrom(idea)
    stored.ClearField("status_history")  # answers of search show the idea, not its history
    return IdeaFields(
        idea_id=idea.id, campaign_id=idea.campaign_id, submitter_id=idea.submitter_id,
        submitter_name=idea.submitter_name, title=idea.title, description=idea.description,
        status=IDEA_STATUS.from_proto("status", idea.status), context_id=idea.context_id, tag_ids=tuple(idea.tag_ids),
        submitted_at=idea.submit_time.ToDatetime(timezone.utc) if idea.HasField("submit_time") else None,
        idea=stored.SerializeToString(), version=version)


def campaign_listing(campaign: res.Campaign, version: int) -> CampaignListing:
    return CampaignListing(campaign.campaign_id, domain.campaign_listed(
        CAMPAIGN_TYPE.from_proto("type", campaign.type), CAMPAIGN_STATUS.from_proto("status", campaign.status)),
        version)


def known_tag(tag: res.Tag, campaign_id: str) -> TagName:
    """A tag as an idea event names it: version 0, so the campaign stream's own word on it always wins."""
    return TagName(tag.id, tag.campaign_id or campaign_id, tag.name, False, 0)


@dataclass
class Changes:
    """The newest state of each thing a batch touches, keyed by what it is about."""

    ideas: dict[str, IdeaFields] = field(default_factory=dict)
    coins: dict[str, CoinTotal] = field(default_factory=dict)
    tags: dict[str, TagName] = field(default_factory=dict)
    campaigns: dict[str, CampaignListing] = field(default_factory=dict)
    people: dict[str, PersonName] = field(default_factory=dict)

    def add(self, event: ev.Event, version: int) -> None:
        which = event.WhichOneof("payload") or ""
        if which in _IDEA_EVENTS:
            payload = getattr(event, which)
            keep_newest(self.ideas, payload.idea.id, idea_fields(payload.idea, version))
            for tag in getattr(payload, "tags", ()):
                self.tags.setdefault(tag.id, known_tag(tag, event.campaign_id))
        elif which in _CAMPAIGN_EVENTS:
            campaign = getattr(event, which).campaign
            keep_newest(self.campaigns, campaign.campaign_id, campaign_listing(campaign, version))
        elif which == "coins_moved":
            for total in event.coins_moved.idea_totals:
                keep_newest(self.coins, total.idea_id,
                           CoinTotal(total.idea_id, event.campaign_id, total.coin_total, version))
        elif which == "tag_changed":
            tag = event.tag_changed.tag
            keep_newest(self.tags, tag.id, TagName(tag.id, tag.campaign_id or event.campaign_id, tag.name, False,
                                                  version))
        elif which == "tag_deleted":
            tag_id = event.tag_deleted.tag_id
            keep_newest(self.tags, tag_id, TagName(tag_id, event.campaign_id, "", True, version))
        elif which == "user_renamed":
            user_id = event.subject.removeprefix("users/")
            keep_newest(self.people, user_id, PersonName(user_id, event.user_renamed.full_name, version))

    async def write(self, writer: ReadModelWriter) -> list[str]:
        """Writes everything; returns the ideas whose documents changed. Names and listings go first, so ideas
        written in the same batch already carry them."""
        changed = await writer.campaigns(list(self.campaigns.values()))
        changed += await writer.tags(list(self.tags.values()))
        changed += await writer.people(list(self.people.values()))
        changed += await writer.ideas(list(self.ideas.values()))
        changed += await writer.coin_totals(list(self.coins.values()))
        return changed


class Indexer:
    def __init__(self, read_model: ReadModel, queue_for_index: bool):
        self._read_model = read_model
        self._queue = queue_for_index

    async def apply(self, deliveries: Sequence[Delivery]) -> None:
        """The consumer's batch handler."""
        changes = Changes()
        for delivery in deliveries:
            changes.add(delivery.event, entry_version(delivery.entry_id))
        await self.write(changes)

    async def write(self, changes: Changes) -> int:
        async with self._read_model.writer() as writer:
            changed = await changes.write(writer)
            if self._queue:
                await writer.queue(changed)
        return len(set(changed))
