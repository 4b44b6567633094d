"""In-memory stand-ins for the campaign service's ports (services/campaign/ports.py): dict-backed storage behind a
unit of work that rolls back (events included), a coin side and a user directory that record what they were asked."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

from coins.v1.events_pb2 import Event
from services.campaign.domain import (
    Campaign,
    CampaignFields,
    CoinPolicy,
    Invitation,
    Member,
    Standing,
    Tag,
)
from services.campaign.handlers import CampaignHandlers
from services.common.concepts import CampaignRole, CampaignStatus, CampaignType, InvitationState, SystemRole
from services.common.directory import Account
from services.common.idempotency import current_key, refuse_reuse

PUBLIC_URL = "https://coins.example"
INVITATION_TTL = timedelta(days=14)
ENDING_NOTICE = timedelta(hours=24)


@dataclass
class Stored:
    """Everything the campaign service's database would hold."""

    campaigns: dict[str, Campaign] = field(default_factory=dict)  # by campaign_id
    members: dict[tuple[str, str], Member] = field(default_factory=dict)  # by (campaign_uuid, user_id), joined order
    invitations: dict[str, tuple[str, Invitation]] = field(default_factory=dict)  # digest → (campaign_uuid, it)
    sponsors: dict[str, list[str]] = field(default_factory=dict)  # campaign_uuid → user ids, added order
    tags: dict[str, tuple[str, Tag]] = field(default_factory=dict)  # tag id → (campaign_uuid, tag)
    answers: dict[str, tuple[str, dict]] = field(default_factory=dict)  # scoped request key → (fingerprint, answer)
    outbox: list[tuple[str, dict]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)  # the event outbox, in commit order
    name_versions: dict[tuple[str, str], int] = field(default_factory=dict)  # members' name versions (0 absent)


class FakeCampaignRepository:
    def __init__(self, stored: Stored):
        self._stored = stored

    async def campaign(self, campaign_id: str, *, lock: bool = False) -> Campaign | None:
        return self._stored.campaigns.get(campaign_id)

    async def standing(self, campaign: Campaign, user_id: str) -> Standing:
        member = self._stored.members.get((campaign.campaign_uuid, user_id))
        return Standing(member.role if member else None,
                        user_id in self._stored.sponsors.get(campaign.campaign_uuid, []))

    async def visible_campaigns(self, user_id: str, admin: bool, status: CampaignStatus | None,
                                type_: CampaignType | None, offset: int, limit: int) -> list[Campaign]:
        def visible(campaign: Campaign) -> bool:
            if admin or (campaign.campaign_uuid, user_id) in self._stored.members:
                return True
            if user_id in self._stored.sponsors.get(campaign.campaign_uuid, []):
                return True
            return campaign.status != CampaignStatus.DRAFT and campaign.type != CampaignType.CLOSED

        found = [c for c in reversed(self._stored.campaigns.values())
                 if visible(c) and status in (None, c.status) and type_ in (None, c.type)]
        return found[offset:offset + limit]

    async def campaigns_after(self, after: str, limit: int) -> list[tuple[Campaign, list[Tag]]]:
        found = sorted((c for c in self._stored.campaigns.values() if c.campaign_id > after),
                       key=lambda c: c.campaign_id)[:limit]
        return [(c, await self.tags(c)) for c in found]

    async def parts_of(self, user_id: str) -> list[tuple[str, Standing]]:
        found = [(c.campaign_id, await self.standing(c, user_id)) for c in self._stored.campaigns.values()]
        return sorted((campaign_id, standing) for campaign_id, standing in found
                      if standing.role is not None or standing.sponsor)

    async def add_campaign(self, campaign_id: str, fields: CampaignFields, policy: CoinPolicy,
                           created_by: str) -> Campaign | None:
        if campaign_id in self._stored.campaigns:
            return None
        now = datetime.now(UTC)
        assert fields.title is not None and fields.type is not None
        campaign = Campaign(str(uuid.uuid4()), campaign_id, fields.title, fields.description or "", fields.type,
                            CampaignStatus.DRAFT, fields.start_time, fields.end_time, fields.banner_image_url or "",
                            fields.icon_url or "", policy, now, now)
        self._stored.campaigns[campaign_id] = campaign
        return campaign

    async def save_campaign(self, campaign: Campaign) -> None:
        self._stored.campaigns[campaign.campaign_id] = campaign

    async def due_campaigns(self, now: datetime, notice_window: timedelta, limit: int = 20) -> list[Campaign]:
        return [c for c in self._stored.campaigns.values()
                if (c.status == CampaignStatus.DRAFT and c.start_time and c.start_time <= now)
                or (c.status == CampaignStatus.ACTIVE and c.end_time and c.end_time <= now + notice_window
                    and (c.end_time <= now or c.ending_notice_at is None))][:limit]

    # ---- members -----------------------------------------------------------------------------------------------

    async def member(self, campaign: Campaign, user_id: str) -> Member | None:
        return self._stored.members.get((campaign.campaign_uuid, user_id))

    async def add_member(self, campaign: Campaign, member: Member) -> None:
        key = (campaign.campaign_uuid, member.user_id)
        assert key not in self._stored.members, "uq_members_campaign_user"
        self._stored.members[key] = member

    async def set_member_role(self, campaign: Campaign, user_id: str, role: CampaignRole) -> None:
        key = (campaign.campaign_uuid, user_id)
        self._stored.members[key] = replace(self._stored.members[key], role=role)

    async def delete_member(self, campaign: Campaign, user_id: str) -> None:
        del self._stored.members[(campaign.campaign_uuid, user_id)]
        self._stored.name_versions.pop((campaign.campaign_uuid, user_id), None)  # a new membership starts at 0

    async def members(self, campaign: Campaign, role: CampaignRole | None, offset: int,
                      limit: int) -> list[Member]:
        found = [m for (campaign_uuid, _), m in self._stored.members.items()
                 if campaign_uuid == campaign.campaign_uuid and role in (None, m.role)]
        return found[offset:offset + limit]

    async def joined_user_ids(self, campaign: Campaign) -> list[str]:
        return [m.user_id for m in await self.members(campaign, None, 0, len(self._stored.members))]

    async def rename_member(self, user_id: str, full_name: str, version: int) -> int:
        versions = self._stored.name_versions
        renamed = [key for key, m in self._stored.members.items()
                   if m.user_id == user_id and versions.get(key, 0) < version]
        for key in renamed:
            self._stored.members[key] = replace(self._stored.members[key], full_name=full_name)
            versions[key] = version
        return len(renamed)

    # ---- invitations -------------------------------------------------------------------------------------------

    async def issue_invitation(self, campaign: Campaign, email: str, role: CampaignRole, token_digest: str,
                               invited_by: str, now: datetime, expires_at: datetime) -> Invitation:
        for digest, (campaign_uuid, earlier) in list(self._stored.invitations.items()):
            if (campaign_uuid == campaign.campaign_uuid and earlier.email.lower() == email.lower()
                    and not (earlier.accepted_at or earlier.revoked_at)):
                del self._stored.invitations[digest]  # the open one gets the new link
        invitation = Invitation(campaign.campaign_id, email, role, invited_by, now, expires_at, id=str(uuid.uuid4()))
        self._stored.invitations[token_digest] = (campaign.campaign_uuid, invitation)
        return invitation

    async def invited_campaign(self, token_digest: str) -> str | None:
        found = self._stored.invitations.get(token_digest)
        return found[1].campaign_id if found else None

    async def invitation(self, campaign: Campaign, token_digest: str) -> Invitation | None:
        found = self._stored.invitations.get(token_digest)
        return found[1] if found and found[0] == campaign.campaign_uuid else None

    async def accept_invitation(self, token_digest: str, user_id: str, now: datetime) -> None:
        campaign_uuid, invitation = self._stored.invitations[token_digest]
        self._stored.invitations[token_digest] = (campaign_uuid, replace(invitation, accepted_by=user_id,
                                                                         accepted_at=now))

    async def revoke_open_invitation(self, campaign: Campaign, email: str, now: datetime) -> Invitation | None:
        for digest, (campaign_uuid, invitation) in self._stored.invitations.items():
            if (campaign_uuid == campaign.campaign_uuid and invitation.email.lower() == email.lower()
                    and not (invitation.accepted_at or invitation.revoked_at)):
                revoked = replace(invitation, revoked_at=now)
                self._stored.invitations[digest] = (campaign_uuid, revoked)
                return revoked
        return None

    async def invitations(self, campaign: Campaign, state: InvitationState | None, now: datetime, offset: int,
                          limit: int) -> list[Invitation]:
        found = [i for campaign_uuid, i in reversed(self._stored.invitations.values())
                 if campaign_uuid == campaign.campaign_uuid and state in (None, i.state(now))]
        return found[offset:offset + limit]

    # ---- sponsors ----------------------------------------------------------------------------------------------

    async def add_sponsor(self, campaign: Campaign, user_id: str) -> None:
        sponsors = self._stored.sponsors.setdefault(campaign.campaign_uuid, [])
        if user_id not in sponsors:
            sponsors.append(user_id)

    async def remove_sponsor(self, campaign: Campaign, user_id: str) -> bool:
        sponsors = self._stored.sponsors.get(campaign.campaign_uuid, [])
        if user_id not in sponsors:
            return False
        sponsors.remove(user_id)
        return True

    async def sponsor_ids(self, campaign: Campaign, offset: int = 0, limit: int = 1000) -> list[str]:
        return self._stored.sponsors.get(campaign.campaign_uuid, [])[offset:offset + limit]

    # ---- tags --------------------------------------------------------------------------------------------------

    async def tags(self, campaign: Campaign, offset: int = 0, limit: int = 1000) -> list[Tag]:
        found = sorted((t for campaign_uuid, t in self._stored.tags.values()
                        if campaign_uuid == campaign.campaign_uuid), key=lambda t: t.name.lower())
        return found[offset:offset + limit]

    async def tag(self, campaign: Campaign, tag_id: uuid.UUID) -> Tag | None:
        found = self._stored.tags.get(str(tag_id))
        return found[1] if found and found[0] == campaign.campaign_uuid else None

    async def tag_name_taken(self, campaign: Campaign, name: str, except_id: uuid.UUID | None = None) -> bool:
        return any(t.name.lower() == name.lower() and t.id != str(except_id) for t in await self.tags(campaign))

    async def add_tag(self, campaign: Campaign, name: str, description: str, color: str) -> Tag:
        tag = Tag(str(uuid.uuid4()), campaign.campaign_id, name, description, color, datetime.now(UTC))
        self._stored.tags[tag.id] = (campaign.campaign_uuid, tag)
        return tag

    async def save_tag(self, tag: Tag) -> None:
        campaign_uuid, _ = self._stored.tags[tag.id]
        self._stored.tags[tag.id] = (campaign_uuid, tag)

    async def delete_tag(self, tag: Tag) -> None:
        del self._stored.tags[tag.id]


class FakeRequests:
    """Keyed like the real store, by the call's RequestKey (services/common/idempotency.py)."""

    def __init__(self, stored: Stored):
        self._stored = stored

    async def replay(self) -> dict | None:
        key = current_key()
        if key is None or key.scoped not in self._stored.answers:
            return None
        fingerprint, answer = self._stored.answers[key.scoped]
        if fingerprint != key.fingerprint:
            raise refuse_reuse(key.request_id)
        return answer

    async def remember(self, answer: dict) -> None:
        key = current_key()
        if key is not None:
            self._stored.answers[key.scoped] = (key.fingerprint, answer)


class FakeOutbox:
    def __init__(self, stored: Stored):
        self._stored = stored

    async def put(self, topic: str, payload: dict) -> None:
        self._stored.outbox.append((topic, payload))


class FakeEvents:
    def __init__(self, stored: Stored):
        self._stored = stored

    async def add(self, event: Event) -> None:
        if not event.source:  # as services/common/events.py's EventOutbox fills it in
            event.source = "campaign"
        self._stored.events.append(event)


class FakeUnitOfWork:
    """Commits by keeping what the block changed; an error puts the stored state back as it was."""

    def __init__(self, stored: Stored):
        self._stored = stored
        self.campaigns = FakeCampaignRepository(stored)
        self.requests = FakeRequests(stored)
        self.outbox = FakeOutbox(stored)
        self.events = FakeEvents(stored)
        self.committed = False

    async def __aenter__(self) -> Self:
        self._before = copy.deepcopy(self._stored)
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        if kind is None:
            self.committed = True
        else:
            self._stored.__dict__.update(self._before.__dict__)


class FakeCoinAccounts:
    """Records each call as (method, campaign_id, details); `fail` makes the next calls raise, `failing` only those
    for the campaigns it names."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.fail: Exception | None = None
        self.failing: set[str] = set()

    def _record(self, *call: object) -> None:
        if self.fail:
            raise self.fail
        if call[1] in self.failing:
            raise RuntimeError(f"coin side unreachable for {call[1]}")
        self.calls.append(call)

    async def open_campaign(self, campaign_id: str, policy: CoinPolicy, member_ids: list[str]) -> None:
        self._record("open_campaign", campaign_id, policy, sorted(member_ids))

    async def grant(self, campaign_id: str, user_id: str) -> None:
        self._record("grant", campaign_id, user_id)

    async def complete(self, campaign_id: str) -> None:
        self._record("complete", campaign_id)

    async def archive(self, campaign_id: str) -> None:
        self._record("archive", campaign_id)

    async def close_account(self, campaign_id: str, user_id: str) -> None:
        self._record("close_account", campaign_id, user_id)


class FakeUserDirectory:
    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}

    def add(self, email: str, full_name: str = "", roles: frozenset[SystemRole] = frozenset()) -> Account:
        account = Account(str(uuid.uuid4()), email, full_name or email.split("@")[0].title(), roles)
        self.accounts[account.id] = account
        return account

    async def by_ids(self, user_ids: list[str]) -> dict[str, Account]:
        return {i: self.accounts[i] for i in user_ids if i in self.accounts}


@dataclass
class CampaignWorld:
    """The handlers over fakes, and the fakes to look into."""

    handlers: CampaignHandlers
    stored: Stored
    coins: FakeCoinAccounts
    directory: FakeUserDirectory


def campaign_world() -> CampaignWorld:
    stored, coins, directory = Stored(), FakeCoinAccounts(), FakeUserDirectory()
    def units() -> FakeUnitOfWork:
        return FakeUnitOfWork(stored)
    handlers = CampaignHandlers(units, directory, coins, public_url=PUBLIC_URL, invitation_ttl=INVITATION_TTL,
                                ending_notice=ENDING_NOTICE)
    return CampaignWorld(handlers, stored, coins, directory)
