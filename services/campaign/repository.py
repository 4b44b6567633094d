"""The campaign service's tables (schema "campaign") and every query it makes: the storage side of
services/campaign/ports.py. Rows stay in here; what leaves is domain values."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.campaign.domain import Campaign, CampaignFields, CoinPolicy, Invitation, Member, Standing, Tag
from services.common.concepts import CampaignRole, CampaignStatus, CampaignType, InvitationState
from services.common.events import event_outbox_table
from services.common.idempotency import requests_table
from services.common.outbox import outbox_table


class CampaignBase(DeclarativeBase):
    metadata = sa.MetaData(schema="campaign")


class CampaignRow(CampaignBase):
    __tablename__ = "campaigns"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    type: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), default=CampaignStatus.DRAFT)
    start_time: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    end_time: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    banner_image_url: Mapped[str] = mapped_column(sa.String(500), default="")
    icon_url: Mapped[str] = mapped_column(sa.String(500), default="")
    initial_allocation: Mapped[int] = mapped_column(sa.BigInteger, default=100)
    idea_submission_reward: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    allow_reallocation: Mapped[bool] = mapped_column(default=True)
    allow_recycling: Mapped[bool] = mapped_column(default=True)
    max_per_idea: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    max_rewarded_ideas: Mapped[int] = mapped_column(sa.BigInteger, default=3)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    # Set in the scheduler's unit of work that wrote CampaignEndingSoon, under the row lock: told once.
    ending_notice_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    def campaign(self) -> Campaign:
        policy = CoinPolicy(self.initial_allocation, self.idea_submission_reward, self.allow_reallocation,
                            self.allow_recycling, self.max_per_idea, self.max_rewarded_ideas)
        return Campaign(str(self.id), self.slug, self.title, self.description, CampaignType(self.type),
                        CampaignStatus(self.status),
                        self.start_time, self.end_time, self.banner_image_url, self.icon_url, policy, self.created_at,
                        self.updated_at, self.ending_notice_at)


# The scheduler's due drafts and due active campaigns, ending or ending soon (SqlCampaignRepository.due_campaigns).
sa.Index("ix_campaigns_due_start", CampaignRow.start_time, postgresql_where=sa.text("status = 'draft'"))
sa.Index("ix_campaigns_due_end", CampaignRow.end_time, postgresql_where=sa.text("status = 'active'"))


class MemberRow(CampaignBase):
    """Someone who joined: by joining an open or mediated campaign, by an invitation link, or named manager."""

    __tablename__ = "members"
    __table_args__ = (sa.UniqueConstraint("campaign_uuid", "user_id", name="uq_members_campaign_user"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    campaign_uuid: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("campaign.campaigns.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(UUID, index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    full_name: Mapped[str] = mapped_column(sa.String(255), default="")
    # The auth stream position (events.entry_version) of the rename that set full_name; 0 for the name taken at
    # joining. A rename only applies over an older one, so a late or replayed one never brings a name back.
    name_version: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    role: Mapped[str] = mapped_column(sa.String(16))
    joined_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=True)  # as migrated


class InvitationRow(CampaignBase):
    """One invitation link. Only the token's digest is stored; at most one open invitation per address."""

    __tablename__ = "invitations"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    campaign_uuid: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("campaign.campaigns.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254))
    email_key: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[str] = mapped_column(sa.String(16))
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by: Mapped[uuid.UUID] = mapped_column(UUID)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(UUID)
    accepted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @classmethod
    def is_open(cls) -> sa.ColumnElement[bool]:
        """Neither accepted nor revoked (possibly expired)."""
        return sa.and_(cls.accepted_at.is_(None), cls.revoked_at.is_(None))


sa.Index("ix_invitations_campaign", InvitationRow.campaign_uuid, InvitationRow.created_at)
sa.Index("ux_invitations_open", InvitationRow.campaign_uuid, InvitationRow.email_key, unique=True,
         postgresql_where=InvitationRow.is_open())


class SponsorRow(CampaignBase):
    __tablename__ = "sponsors"

    campaign_uuid: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("campaign.campaigns.id", ondelete="CASCADE"),
                                                     primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    added_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class TagRow(CampaignBase):
    __tablename__ = "tags"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    campaign_uuid: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("campaign.campaigns.id", ondelete="CASCADE"),
                                                     index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    color: Mapped[str] = mapped_column(sa.String(7), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


sa.Index("ux_tags_campaign_name", TagRow.campaign_uuid, sa.func.lower(TagRow.name), unique=True)


OUTBOX = outbox_table(CampaignBase.metadata)
EVENT_OUTBOX = event_outbox_table(CampaignBase.metadata)  # domain events (services/common/events.py)
REQUESTS = requests_table(CampaignBase.metadata)


def member_of(row: MemberRow, campaign: Campaign) -> Member:
    return Member(campaign.campaign_id, str(row.user_id), row.email, row.full_name, CampaignRole(row.role),
                  row.joined_at)


def invitation_of(row: InvitationRow, campaign: Campaign) -> Invitation:
    return Invitation(campaign.campaign_id, row.email, CampaignRole(row.role), str(row.invited_by), row.created_at,
                      row.expires_at, str(row.accepted_by) if row.accepted_by else None, row.accepted_at,
                      row.revoked_at, id=str(row.id))


def tag_of(row: TagRow, campaign: Campaign) -> Tag:
    return Tag(str(row.id), campaign.campaign_id, row.name, row.description, row.color, row.created_at)


def uuid_of(campaign: Campaign) -> uuid.UUID:
    return uuid.UUID(campaign.campaign_uuid)


class SqlCampaignRepository:
    """services/campaign/ports.py's CampaignRepository over one session."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def _row(self, campaign: Campaign) -> CampaignRow:
        """The campaign's row, already in the session when the unit of work read the campaign."""
        row = await self.session.get(CampaignRow, uuid_of(campaign))
        assert row is not None, "a campaign the unit of work read is gone"
        return row

    async def campaign(self, campaign_id: str, *, lock: bool = False) -> Campaign | None:
        query = sa.select(CampaignRow).where(CampaignRow.slug == campaign_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).scalar_one_or_none()
        return row.campaign() if row else None

    async def standing(self, campaign: Campaign, user_id: str) -> Standing:
        campaign_uuid, user_uuid = uuid_of(campaign), uuid.UUID(user_id)
        role = (await self.session.execute(sa.select(MemberRow.role).where(
            MemberRow.campaign_uuid == campaign_uuid, MemberRow.user_id == user_uuid))).scalar_one_or_none()
        sponsor = await self.session.get(SponsorRow, (campaign_uuid, user_uuid))
        return Standing(role=CampaignRole(role) if role else None, sponsor=sponsor is not None)

    async def visible_campaigns(self, user_id: str, admin: bool, status: CampaignStatus | None,
                                type_: CampaignType | None, offset: int, limit: int) -> list[Campaign]:
        query = (sa.select(CampaignRow).order_by(CampaignRow.created_at.desc(), CampaignRow.id)
                 .offset(offset).limit(limit))
        if status:
            query = query.where(CampaignRow.status == status)
        if type_:
            query = query.where(CampaignRow.type == type_)
        if not admin:
            user_uuid = uuid.UUID(user_id)
            mine = sa.select(MemberRow.campaign_uuid).where(MemberRow.user_id == user_uuid)
            sponsored = sa.select(SponsorRow.campaign_uuid).where(SponsorRow.user_id == user_uuid)
            discoverable = sa.and_(CampaignRow.status != CampaignStatus.DRAFT,
                                   CampaignRow.type.in_([CampaignType.OPEN, CampaignType.MEDIATED]))
            query = query.where(sa.or_(discoverable, CampaignRow.id.in_(mine), CampaignRow.id.in_(sponsored)))
        return [row.campaign() for row in (await self.session.execute(query)).scalars()]

    async def campaigns_after(self, after: str, limit: int) -> list[tuple[Campaign, list[Tag]]]:
        rows = (await self.session.execute(sa.select(CampaignRow).where(CampaignRow.slug > after)
                                           .order_by(CampaignRow.slug).limit(limit))).scalars().all()
        campaigns = {row.id: row.campaign() for row in rows}
        tags: dict[uuid.UUID, list[Tag]] = {campaign_uuid: [] for campaign_uuid in campaigns}
        if campaigns:
            tag_rows = await self.session.execute(sa.select(TagRow).where(TagRow.campaign_uuid.in_(campaigns))
                                                  .order_by(sa.func.lower(TagRow.name)))
            for tag in tag_rows.scalars():
                tags[tag.campaign_uuid].append(tag_of(tag, campaigns[tag.campaign_uuid]))
        return [(campaign, tags[campaign_uuid]) for campaign_uuid, campaign in campaigns.items()]

    async def parts_of(self, user_id: str) -> list[tuple[str, Standing]]:
        user_uuid = uuid.UUID(user_id)
        # The user's memberships and sponsorships side by side, one row per campaign with either or both.
        joined = sa.select(MemberRow.campaign_uuid, MemberRow.role).where(MemberRow.user_id == user_uuid).subquery()
        sponsored = sa.select(SponsorRow.campaign_uuid).where(SponsorRow.user_id == user_uuid).subquery()
        parts = (sa.select(sa.func.coalesce(joined.c.campaign_uuid, sponsored.c.campaign_uuid).label("campaign_uuid"),
                           joined.c.role, sponsored.c.campaign_uuid.is_not(None).label("sponsor"))
                 .select_from(joined.join(sponsored, joined.c.campaign_uuid == sponsored.c.campaign_uuid, full=True))
                 .subquery())
        rows = await self.session.execute(sa.select(CampaignRow.slug, parts.c.role, parts.c.sponsor)
                                          .join(parts, parts.c.campaign_uuid == CampaignRow.id)
                                          .order_by(CampaignRow.slug))
        return [(slug, Standing(CampaignRole(role) if role else None, sponsor)) for slug, role, sponsor in rows]

    async def add_campaign(self, campaign_id: str, fields: CampaignFields, policy: CoinPolicy,
                           created_by: str) -> Campaign | None:
        inserted = await self.session.execute(
            insert(CampaignRow).values(
                id=uuid.uuid4(), slug=campaign_id, title=fields.title, description=fields.description or "",
                type=fields.type, status=CampaignStatus.DRAFT, start_time=fields.start_time, end_time=fields.end_time,
                banner_image_url=fields.banner_image_url or "", icon_url=fields.icon_url or "",
                created_by=uuid.UUID(created_by), **_policy_columns(policy))
            .on_conflict_do_nothing().returning(CampaignRow))
        row = inserted.scalar_one_or_none()
        return row.campaign() if row else None

    async def save_campaign(self, campaign: Campaign) -> None:
        row = await self._row(campaign)
        for name in ("title", "description", "type", "status", "start_time", "end_time", "banner_image_url",
                     "icon_url", "updated_at", "ending_notice_at"):
            setattr(row, name, getattr(campaign, name))
        for name, value in _policy_columns(campaign.policy).items():
            setattr(row, name, value)
        await self.session.flush()

    async def due_campaigns(self, now: datetime, notice_window: timedelta, limit: int = 20) -> list[Campaign]:
        ends = sa.and_(CampaignRow.status == CampaignStatus.ACTIVE, CampaignRow.end_time <= now + notice_window,
                       sa.or_(CampaignRow.end_time <= now, CampaignRow.ending_notice_at.is_(None)))
        query = (sa.select(CampaignRow).where(sa.or_(
                     sa.and_(CampaignRow.status == CampaignStatus.DRAFT, CampaignRow.start_time <= now), ends))
                 .order_by(CampaignRow.id).limit(limit).with_for_update(skip_locked=True))
        return [row.campaign() for row in (await self.session.execute(query)).scalars()]

    # ---- members -----------------------------------------------------------------------------------------------

    async def _member_row(self, campaign: Campaign, user_id: str) -> MemberRow | None:
        query = sa.select(MemberRow).where(MemberRow.campaign_uuid == uuid_of(campaign),
                                           MemberRow.user_id == uuid.UUID(user_id)).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def member(self, campaign: Campaign, user_id: str) -> Member | None:
        row = await self._member_row(campaign, user_id)
        return member_of(row, campaign) if row else None

    async def add_member(self, campaign: Campaign, member: Member) -> None:
        self.session.add(MemberRow(campaign_uuid=uuid_of(campaign), user_id=uuid.UUID(member.user_id),
                                   email=member.email, full_name=member.full_name, role=member.role,
                                   joined_at=member.joined_at))
        await self.session.flush()

    async def set_member_role(self, campaign: Campaign, user_id: str, role: CampaignRole) -> None:
        await self.session.execute(sa.update(MemberRow).where(
            MemberRow.campaign_uuid == uuid_of(campaign), MemberRow.user_id == uuid.UUID(user_id)).values(role=role))

    async def delete_member(self, campaign: Campaign, user_id: str) -> None:
        await self.session.execute(sa.delete(MemberRow).where(
            MemberRow.campaign_uuid == uuid_of(campaign), MemberRow.user_id == uuid.UUID(user_id)))

    async def members(self, campaign: Campaign, role: CampaignRole | None, offset: int,
                      limit: int) -> list[Member]:
        query = (sa.select(MemberRow).where(MemberRow.campaign_uuid == uuid_of(campaign))
                 .order_by(MemberRow.joined_at, MemberRow.id).offset(offset).limit(limit))
        if role:
            query = query.where(MemberRow.role == role)
        return [member_of(row, campaign) for row in (await self.session.execute(query)).scalars()]

    async def joined_user_ids(self, campaign: Campaign) -> list[str]:
        rows = await self.session.execute(sa.select(MemberRow.user_id)
                                          .where(MemberRow.campaign_uuid == uuid_of(campaign)))
        return [str(user_id) for (user_id,) in rows]

    async def rename_member(self, user_id: str, full_name: str, version: int) -> int:
        result = await self.session.execute(
            sa.update(MemberRow).where(MemberRow.user_id == uuid.UUID(user_id), MemberRow.name_version < version)
            .values(full_name=full_name, name_version=version))
        return cast(CursorResult, result).rowcount

    # ---- invitations -------------------------------------------------------------------------------------------

    async def issue_invitation(self, campaign: Campaign, email: str, role: CampaignRole, token_digest: str,
                               invited_by: str, now: datetime, expires_at: datetime) -> Invitation:
        values = {"role": role, "token_digest": token_digest, "invited_by": uuid.UUID(invited_by), "created_at": now,
                  "expires_at": expires_at, "email": email}
        issued = await self.session.execute(
            insert(InvitationRow)
            .values(id=uuid.uuid4(), campaign_uuid=uuid_of(campaign), email_key=email.lower(), **values)
            .on_conflict_do_update(index_elements=[InvitationRow.campaign_uuid, InvitationRow.email_key],
                                   index_where=InvitationRow.is_open(), set_=values)
            .returning(InvitationRow)
            .execution_options(populate_existing=True))
        return invitation_of(issued.scalar_one(), campaign)

    async def invited_campaign(self, token_digest: str) -> str | None:
        return (await self.session.execute(
            sa.select(CampaignRow.slug).join(InvitationRow, InvitationRow.campaign_uuid == CampaignRow.id)
            .where(InvitationRow.token_digest == token_digest))).scalar_one_or_none()

    async def invitation(self, campaign: Campaign, token_digest: str) -> Invitation | None:
        query = sa.select(InvitationRow).where(InvitationRow.campaign_uuid == uuid_of(campaign),
                                               InvitationRow.token_digest == token_digest).with_for_update()
        row = (await self.session.execute(query)).scalar_one_or_none()
        return invitation_of(row, campaign) if row else None

    async def accept_invitation(self, token_digest: str, user_id: str, now: datetime) -> None:
        await self.session.execute(sa.update(InvitationRow).where(InvitationRow.token_digest == token_digest)
                                   .values(accepted_by=uuid.UUID(user_id), accepted_at=now))

    async def revoke_open_invitation(self, campaign: Campaign, email: str, now: datetime) -> Invitation | None:
        revoked = await self.session.execute(
            sa.update(InvitationRow).where(InvitationRow.campaign_uuid == uuid_of(campaign),
                                           InvitationRow.email_key == email.lower(), InvitationRow.is_open())
            .values(revoked_at=now).returning(InvitationRow).execution_options(populate_existing=True))
        row = revoked.scalar_one_or_none()
        return invitation_of(row, campaign) if row else None

    async def invitations(self, campaign: Campaign, state: InvitationState | None, now: datetime, offset: int,
                          limit: int) -> list[Invitation]:
        query = (sa.select(InvitationRow).where(InvitationRow.campaign_uuid == uuid_of(campaign))
                 .order_by(InvitationRow.created_at.desc(), InvitationRow.id).offset(offset).limit(limit))
        in_state = {
            InvitationState.PENDING: sa.and_(InvitationRow.is_open(), InvitationRow.expires_at > now),
            InvitationState.ACCEPTED: InvitationRow.accepted_at.is_not(None),
            InvitationState.REVOKED: InvitationRow.revoked_at.is_not(None),
            InvitationState.EXPIRED: sa.and_(InvitationRow.is_open(), InvitationRow.expires_at <= now),
        }
        if state:
            query = query.where(in_state[state])
        return [invitation_of(row, campaign) for row in (await self.session.execute(query)).scalars()]

    async def invited_emails(self, campaign: Campaign) -> list[str]:
        query = (sa.select(InvitationRow.email_key).distinct()
                 .where(InvitationRow.campaign_uuid == uuid_of(campaign)).order_by(InvitationRow.email_key))
        return list((await self.session.execute(query)).scalars())

    # ---- sponsors ----------------------------------------------------------------------------------------------

    async def add_sponsor(self, campaign: Campaign, user_id: str) -> None:
        await self.session.execute(insert(SponsorRow).values(campaign_uuid=uuid_of(campaign),
                                                             user_id=uuid.UUID(user_id)).on_conflict_do_nothing())

    async def remove_sponsor(self, campaign: Campaign, user_id: str) -> bool:
        result = await self.session.execute(sa.delete(SponsorRow).where(
            SponsorRow.campaign_uuid == uuid_of(campaign), SponsorRow.user_id == uuid.UUID(user_id)))
        return cast(CursorResult, result).rowcount > 0

    async def sponsor_ids(self, campaign: Campaign, offset: int = 0, limit: int = 1000) -> list[str]:
        rows = await self.session.execute(sa.select(SponsorRow.user_id)
                                          .where(SponsorRow.campaign_uuid == uuid_of(campaign))
                                          .order_by(SponsorRow.added_at, SponsorRow.user_id).offset(offset)
                                          .limit(limit))
        return [str(user_id) for (user_id,) in rows]

    # ---- tags --------------------------------------------------------------------------------------------------

    async def tags(self, campaign: Campaign, offset: int = 0, limit: int = 1000) -> list[Tag]:
        query = (sa.select(TagRow).where(TagRow.campaign_uuid == uuid_of(campaign))
                 .order_by(sa.func.lower(TagRow.name)).offset(offset).limit(limit))
        return [tag_of(row, campaign) for row in (await self.session.execute(query)).scalars()]

    async def tag(self, campaign: Campaign, tag_id: uuid.UUID) -> Tag | None:
        query = (sa.select(TagRow).where(TagRow.campaign_uuid == uuid_of(campaign), TagRow.id == tag_id)
                 .with_for_update())
        row = (await self.session.execute(query)).scalar_one_or_none()
        return tag_of(row, campaign) if row else None

    async def tag_name_taken(self, campaign: Campaign, name: str, except_id: uuid.UUID | None = None) -> bool:
        query = sa.select(TagRow.id).where(TagRow.campaign_uuid == uuid_of(campaign),
                                           sa.func.lower(TagRow.name) == name.lower())
        if except_id:
            query = query.where(TagRow.id != except_id)
        return (await self.session.execute(query)).first() is not None

    async def add_tag(self, campaign: Campaign, name: str, description: str, color: str) -> Tag:
        row = TagRow(id=uuid.uuid4(), campaign_uuid=uuid_of(campaign), name=name, description=description,
                     color=color)
        self.session.add(row)
        await self.session.flush()
        return tag_of(row, campaign)

    async def save_tag(self, tag: Tag) -> None:
        await self.session.execute(sa.update(TagRow).where(TagRow.id == uuid.UUID(tag.id))
                                   .values(name=tag.name, description=tag.description, color=tag.color))

    async def delete_tag(self, tag: Tag) -> None:
        await self.session.execute(sa.delete(TagRow).where(TagRow.id == uuid.UUID(tag.id)))


def _policy_columns(policy: CoinPolicy) -> dict:
    return {name: getattr(policy, name) for name in (
        "initial_allocation", "idea_submission_reward", "allow_reallocation", "allow_recycling", "max_per_idea",
        "max_rewarded_ideas")}
