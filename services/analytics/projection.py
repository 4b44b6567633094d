"""Keeps the analytics read model in step with the owners: domain events in, versioned upserts and ledger entries
out. A batch of deliveries (one stream read) is applied in one transaction; within it only the newest state of each
thing is written, every state write is conditional on its version and every ledger entry on its id
(repository.py), so redeliveries, replays and a kill -9 halfway through converge on the same figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.protobuf import timestamp_pb2

from coins.v1 import events_pb2 as ev
from coins.v1 import resources_pb2 as res
from services.analytics.domain import Milestones
from services.analytics.repository import (
    CampaignRow,
    EntryRow,
    IdeaRow,
    MemberRow,
    ReadModel,
    ReadModelWriter,
    StandingRow,
    TagRow,
)
from services.common.events import Delivery, entry_version, keep_newest
from services.common.proto_enums import CAMPAIGN_STATUS, CAMPAIGN_TYPE, IDEA_STATUS, LEDGER_ENTRY_KIND

_IDEA_EVENTS = ("idea_submitted", "idea_edited", "idea_status_changed")
_CAMPAIGN_EVENTS = ("campaign_changed", "campaign_started", "campaign_completed", "campaign_archived")
_MEMBER_EVENTS = ("member_joined", "member_removed")
WANTED = frozenset({*_IDEA_EVENTS, *_CAMPAIGN_EVENTS, *_MEMBER_EVENTS, "member_invited", "coins_moved",
                    "tag_changed", "tag_deleted"})


def wants(event: ev.Event) -> bool:
    return (event.WhichOneof("payload") or "") in WANTED


def _moment(stamp: timestamp_pb2.Timestamp, present: bool) -> datetime | None:
    return stamp.ToDatetime(UTC) if present else None


def campaign_row(campaign: res.Campaign, version: int) -> CampaignRow:
    return CampaignRow(campaign.campaign_id, campaign.title, CAMPAIGN_TYPE.from_proto("type", campaign.type),
                       CAMPAIGN_STATUS.from_proto("status", campaign.status).value,
                       _moment(campaign.start_time, campaign.HasField("start_time")),
                       _moment(campaign.end_time, campaign.HasField("end_time")), version)


def idea_row(idea: res.Idea, version: int) -> IdeaRow:
    def at(name: str) -> datetime | None:
        return _moment(getattr(idea, name), idea.HasField(name))

    return IdeaRow(idea.id, idea.campaign_id, idea.title, IDEA_STATUS.from_proto("status", idea.status),
                   idea.submitter_id or None, idea.context_id, idea.permalink_source, tuple(idea.tag_ids),
                   Milestones(at("submit_time"), at("approve_time"), at("reject_time"), at("accept_time"),
                              at("start_time"), at("complete_time")), version)


def entry_row(entry: res.LedgerEntry) -> EntryRow:
    return EntryRow(int(entry.id), entry.campaign_id, entry.user_id, LEDGER_ENTRY_KIND.from_proto("kind", entry.kind),
                    entry.amount, entry.idea_id or None, entry.from_idea_id or None, entry.actor_id or None,
                    entry.request_id, entry.create_time.ToDatetime(UTC))


def known_tag(tag: res.Tag, campaign_id: str) -> TagRow:
    """A tag as an idea event names it: version 0, so the campaign stream's own word on it always wins."""
    return TagRow(tag.id, tag.campaign_id or campaign_id, tag.name, False, 0)


@dataclass
class Changes:
    """The newest state of each thing a batch touches, and every ledger entry it carries."""

    campaigns: dict[str, CampaignRow] = field(default_factory=dict)
    members: dict[tuple[str, str], MemberRow] = field(default_factory=dict)
    invited: dict[str, set[str]] = field(default_factory=dict)
    tags: dict[str, TagRow] = field(default_factory=dict)
    ideas: dict[str, IdeaRow] = field(default_factory=dict)
    standings: dict[str, StandingRow] = field(default_factory=dict)
    entries: dict[int, EntryRow] = field(default_factory=dict)

    def add(self, event: ev.Event, version: int) -> None:
        which = event.WhichOneof("payload") or ""
        campaign_id = event.campaign_id
        if which in _IDEA_EVENTS:
            payload = getattr(event, which)
            keep_newest(self.ideas, payload.idea.id, idea_row(payload.idea, version))
            for tag in getattr(payload, "tags", ()):
                self.tags.setdefault(tag.id, known_tag(tag, campaign_id))
        elif which in _CAMPAIGN_EVENTS:
            campaign = getattr(event, which).campaign
            keep_newest(self.campaigns, campaign.campaign_id, campaign_row(campaign, version))
        elif which in _MEMBER_EVENTS:
            user_id = getattr(event, which).user_id
            keep_newest(self.members, (campaign_id, user_id),
                       MemberRow(campaign_id, user_id, which == "member_joined", version))
        elif which == "member_invited":
            self.invited.setdefault(campaign_id, set()).add(event.member_invited.email.lower())
        elif which == "tag_changed":
            tag = event.tag_changed.tag
            keep_newest(self.tags, tag.id, TagRow(tag.id, tag.campaign_id or campaign_id, tag.name, False, version))
        elif which == "tag_deleted":
            tag_id = event.tag_deleted.tag_id
            keep_newest(self.tags, tag_id, TagRow(tag_id, campaign_id, "", True, version))
        elif which == "coins_moved":
            for entry in event.coins_moved.entries:
                self.entries[int(entry.id)] = entry_row(entry)
            for total in event.coins_moved.idea_totals:
                keep_newest(self.standings, total.idea_id, StandingRow(
                    total.idea_id, campaign_id, total.coin_total, total.backer_count, version))

    async def write(self, writer: ReadModelWriter) -> None:
        await writer.campaigns(list(self.campaigns.values()))
        await writer.members(list(self.members.values()))
        for campaign_id, emails in self.invited.items():
            await writer.invitations(campaign_id, sorted(emails))
        await writer.tags(list(self.tags.values()))
        await writer.ideas(list(self.ideas.values()))
        await writer.standings(list(self.standings.values()))
        await writer.entries(list(self.entries.values()))


class Projector:
    def __init__(self, read_model: ReadModel):
        self._read_model = read_model

    async def apply(self, deliveries: Sequence[Delivery]) -> None:
        """The consumer's batch handler."""
        changes = Changes()
        for delivery in deliveries:
            changes.add(delivery.event, entry_version(delivery.entry_id))
        async with self._read_model.writer() as writer:
            await changes.write(writer)
