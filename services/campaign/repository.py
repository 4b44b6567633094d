"""The campaign service's tables (schema "campaign") and every query it makes."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.campaign import domain
from services.campaign.domain import Campaign, CoinPolicy, Invitation, Member, Standing, Tag
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
    status: Mapped[str] = mapped_column(sa.String(16), default=domain.DRAFT)
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

    def campaign(self) -> Campaign:
        policy = CoinPolicy(self.initial_allocation, self.idea_submission_reward, self.allow_reallocation,
                            self.allow_recycling, self.max_per_idea, self.max_rewarded_ideas)
        return Campaign(str(self.id), self.slug, self.title, self.description, self.type, self.status,
                        self.start_time, self.end_time, self.banner_image_url, self.icon_url, policy,
                        self.created_at, self.updated_at)


class MemberRow(CampaignBase):
    """Someone who joined: by joining an open or mediated campaign, by an invitation link, or named manager."""

    __tablename__ = "members"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "user_id", name="uq_members_campaign_user"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("campaign.campaigns.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(UUID, index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    full_name: Mapped[str] = mapped_column(sa.String(255), default="")
    role: Mapped[str] = mapped_column(sa.String(16))
    joined_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class InvitationRow(CampaignBase):
    """One invitation link. Only the token's digest is stored; at most one open invitation per address."""

    __tablename__ = "invitations"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("campaign.campaigns.id", ondelete="CASCADE"))
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


sa.Index("ix_invitations_campaign", InvitationRow.campaign_id, InvitationRow.created_at)
sa.Index("ux_invitations_open", InvitationRow.campaign_id, InvitationRow.email_key, unique=True,
         postgresql_where=InvitationRow.is_open())


class SponsorRow(CampaignBase):
    __tablename__ = "sponsors"

    campaign_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("campaign.campaigns.id", ondelete="CASCADE"),
                                                   primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    added_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class TagRow(CampaignBase):
    __tablename__ = "tags"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("campaign.campaigns.id", ondelete="CASCADE"),
                                                   index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    color: Mapped[str] = mapped_column(sa.String(7), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


sa.Index("ux_tags_campaign_name", TagRow.campaign_id, sa.func.lower(TagRow.name), unique=True)


OUTBOX = outbox_table(CampaignBase.metadata)
REQUESTS = requests_table(CampaignBase.metadata)


def member_of(row: MemberRow, slug: str) -> Member:
    return Member(slug, str(row.user_id), row.email, row.full_name, row.role, row.joined_at)


def invitation_of(row: InvitationRow, slug: str, link: str = "") -> Invitation:
    return Invitation(slug, row.email, row.role, str(row.invited_by), row.created_at, row.expires_at,
                      str(row.accepted_by) if row.accepted_by else None, row.accepted_at, row.revoked_at, link)


def tag_of(row: TagRow, slug: str) -> Tag:
    return Tag(str(row.id), slug, row.name, row.description, row.color, row.created_at)


class CampaignRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def campaign(self, slug: str, *, lock: bool = False) -> CampaignRow | None:
        query = sa.select(CampaignRow).where(CampaignRow.slug == slug)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def standing(self, campaign_id: uuid.UUID, user_id: str) -> Standing:
        role = (await self.session.execute(sa.select(MemberRow.role).where(
            MemberRow.campaign_id == campaign_id, MemberRow.user_id == uuid.UUID(user_id)))).scalar_one_or_none()
        sponsor = await self.session.get(SponsorRow, (campaign_id, uuid.UUID(user_id)))
        return Standing(role=role, sponsor=sponsor is not None)

    async def visible_campaigns(self, user_id: str, admin: bool, status: str | None, type_: str | None,
                                offset: int, limit: int) -> list[CampaignRow]:
        query = sa.select(CampaignRow).order_by(CampaignRow.created_at.desc(), CampaignRow.id).offset(offset).limit(limit)
        if status:
            query = query.where(CampaignRow.status == status)
        if type_:
            query = query.where(CampaignRow.type == type_)
        if not admin:
            uid = uuid.UUID(user_id)
            mine = sa.select(MemberRow.campaign_id).where(MemberRow.user_id == uid)
            sponsored = sa.select(SponsorRow.campaign_id).where(SponsorRow.user_id == uid)
            discoverable = sa.and_(CampaignRow.status != domain.DRAFT,
                                   CampaignRow.type.in_([domain.OPEN, domain.MEDIATED]))
            query = query.where(sa.or_(discoverable, CampaignRow.id.in_(mine), CampaignRow.id.in_(sponsored)))
        return list((await self.session.execute(query)).scalars())

    async def add_campaign(self, row: CampaignRow) -> bool:
        """False when the slug is taken."""
        values = {c.name: getattr(row, c.key) for c in CampaignRow.__table__.columns
                  if getattr(row, c.key) is not None}
        inserted = await self.session.execute(insert(CampaignRow).values(**values).on_conflict_do_nothing()
                                              .returning(CampaignRow.id))
        return inserted.scalar_one_or_none() is not None

    async def due_campaigns(self, now: datetime, limit: int = 20) -> list[CampaignRow]:
        """Campaigns whose start or end time has passed, locked so that one replica moves each."""
        query = (sa.select(CampaignRow).where(sa.or_(
                     sa.and_(CampaignRow.status == domain.DRAFT, CampaignRow.start_time <= now),
                     sa.and_(CampaignRow.status == domain.ACTIVE, CampaignRow.end_time <= now)))
                 .order_by(CampaignRow.id).limit(limit).with_for_update(skip_locked=True))
        return list((await self.session.execute(query)).scalars())

    # ---- members -----------------------------------------------------------------------------------------------

    async def member(self, campaign_id: uuid.UUID, user_id: str) -> MemberRow | None:
        query = sa.select(MemberRow).where(MemberRow.campaign_id == campaign_id,
                                           MemberRow.user_id == uuid.UUID(user_id)).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add_member(self, **values) -> MemberRow:
        row = MemberRow(**values)
        self.session.add(row)
        await self.session.flush()
        return row

    async def members(self, campaign_id: uuid.UUID, role: str | None, offset: int, limit: int) -> list[MemberRow]:
        query = (sa.select(MemberRow).where(MemberRow.campaign_id == campaign_id)
                 .order_by(MemberRow.joined_at, MemberRow.id).offset(offset).limit(limit))
        if role:
            query = query.where(MemberRow.role == role)
        return list((await self.session.execute(query)).scalars())

    async def joined_user_ids(self, campaign_id: uuid.UUID) -> list[str]:
        rows = await self.session.execute(sa.select(MemberRow.user_id).where(MemberRow.campaign_id == campaign_id))
        return [str(user_id) for (user_id,) in rows]

    async def delete_member(self, row: MemberRow) -> None:
        await self.session.delete(row)

    # ---- invitations -------------------------------------------------------------------------------------------

    async def issue_invitation(self, campaign_id: uuid.UUID, email: str, role: str, token_digest: str,
                               invited_by: uuid.UUID, now: datetime, expires_at: datetime) -> InvitationRow:
        """A new open invitation to `email`; an open one it already had gets the new link (the old one dies)."""
        values = dict(role=role, token_digest=token_digest, invited_by=invited_by, created_at=now,
                      expires_at=expires_at, email=email)
        issued = await self.session.execute(
            insert(InvitationRow).values(id=uuid.uuid4(), campaign_id=campaign_id, email_key=email.lower(), **values)
            .on_conflict_do_update(index_elements=[InvitationRow.campaign_id, InvitationRow.email_key],
                                   index_where=InvitationRow.is_open(), set_=values)
            .returning(InvitationRow)
            .execution_options(populate_existing=True))
        return issued.scalar_one()

    async def invited_campaign(self, token_digest: str) -> str | None:
        """The slug of the campaign a link invites to."""
        return (await self.session.execute(
            sa.select(CampaignRow.slug).join(InvitationRow, InvitationRow.campaign_id == CampaignRow.id)
            .where(InvitationRow.token_digest == token_digest))).scalar_one_or_none()

    async def invitation(self, token_digest: str) -> InvitationRow | None:
        query = sa.select(InvitationRow).where(InvitationRow.token_digest == token_digest).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def open_invitation(self, campaign_id: uuid.UUID, email: str) -> InvitationRow | None:
        query = sa.select(InvitationRow).where(InvitationRow.campaign_id == campaign_id,
                                               InvitationRow.email_key == email.lower(),
                                               InvitationRow.is_open()).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def invitations(self, campaign_id: uuid.UUID, state: str | None, now: datetime, offset: int,
                          limit: int) -> list[InvitationRow]:
        query = (sa.select(InvitationRow).where(InvitationRow.campaign_id == campaign_id)
                 .order_by(InvitationRow.created_at.desc(), InvitationRow.id).offset(offset).limit(limit))
        in_state = {
            domain.PENDING: sa.and_(InvitationRow.is_open(), InvitationRow.expires_at > now),
            domain.ACCEPTED: InvitationRow.accepted_at.is_not(None),
            domain.REVOKED: InvitationRow.revoked_at.is_not(None),
            domain.EXPIRED: sa.and_(InvitationRow.is_open(), InvitationRow.expires_at <= now),
        }
        if state:
            query = query.where(in_state[state])
        return list((await self.session.execute(query)).scalars())

    # ---- sponsors ----------------------------------------------------------------------------------------------

    async def add_sponsor(self, campaign_id: uuid.UUID, user_id: uuid.UUID) -> None:
        await self.session.execute(insert(SponsorRow).values(campaign_id=campaign_id, user_id=user_id)
                                   .on_conflict_do_nothing())

    async def remove_sponsor(self, campaign_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        result = await self.session.execute(sa.delete(SponsorRow).where(SponsorRow.campaign_id == campaign_id,
                                                                       SponsorRow.user_id == user_id))
        return result.rowcount > 0

    async def sponsor_ids(self, campaign_id: uuid.UUID, offset: int = 0, limit: int = 1000) -> list[str]:
        rows = await self.session.execute(sa.select(SponsorRow.user_id).where(SponsorRow.campaign_id == campaign_id)
                                          .order_by(SponsorRow.added_at, SponsorRow.user_id).offset(offset)
                                          .limit(limit))
        return [str(user_id) for (user_id,) in rows]

    # ---- tags --------------------------------------------------------------------------------------------------

    async def tags(self, campaign_id: uuid.UUID, offset: int = 0, limit: int = 1000) -> list[TagRow]:
        query = (sa.select(TagRow).where(TagRow.campaign_id == campaign_id).order_by(sa.func.lower(TagRow.name))
                 .offset(offset).limit(limit))
        return list((await self.session.execute(query)).scalars())

    async def tag(self, campaign_id: uuid.UUID, tag_id: uuid.UUID) -> TagRow | None:
        query = sa.select(TagRow).where(TagRow.campaign_id == campaign_id, TagRow.id == tag_id).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def tag_name_taken(self, campaign_id: uuid.UUID, name: str, except_id: uuid.UUID | None = None) -> bool:
        query = sa.select(TagRow.id).where(TagRow.campaign_id == campaign_id,
                                           sa.func.lower(TagRow.name) == name.lower())
        if except_id:
            query = query.where(TagRow.id != except_id)
        return (await self.session.execute(query)).first() is not None

    async def add_tag(self, row: TagRow) -> TagRow:
        self.session.add(row)
        await self.session.flush()
        return row

    async def delete_tag(self, row: TagRow) -> None:
        await self.session.delete(row)

    # ---- idempotency -------------------------------------------------------------------------------------------
