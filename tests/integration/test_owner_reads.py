"""The owners' queries behind what the search service rebuilds from, on the migrated schemas: a user's parts in
campaigns (services/campaign/repository.py), every campaign with its tags and every idea of a campaign a page at a
time (services/idea/repository.py), and a rename's row lock (services/auth/repository.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from services.auth.repository import AuthRepository
from services.campaign.domain import Campaign, CampaignFields, CoinPolicy, Member, Standing
from services.campaign.repository import SqlCampaignRepository
from services.common.concepts import CampaignRole, CampaignStatus, CampaignType, IdeaStatus
from services.common.config import Settings
from services.common.db import Database
from services.idea.domain import Submission
from services.idea.repository import SqlIdeaRepository


@pytest.fixture(scope="module")
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(Settings.from_env("campaign", {"DATABASE_URL": database_url, "COINS_DB_POOL_SIZE": "4"}))
    yield db
    await db.close()


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements the block sends."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    sa.event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(database.engine.sync_engine, "before_cursor_execute", record)


def prefix() -> str:
    """Campaign ids of one test: nothing another test made sorts between them."""
    return f"it{uuid.uuid4().hex[:10]}"


async def new_campaign(campaigns: SqlCampaignRepository, campaign_id: str) -> Campaign:
    created = await campaigns.add_campaign(campaign_id, CampaignFields(title=campaign_id, type=CampaignType.OPEN),
                                           CoinPolicy(), str(uuid.uuid4()))
    assert created is not None
    return created


def member(campaign: Campaign, user_id: uuid.UUID, role: CampaignRole) -> Member:
    return Member(campaign.campaign_id, str(user_id), f"{user_id.hex[:8]}@example.org", "Someone", role,
                  datetime.now(UTC))


async def test_a_users_parts_are_its_memberships_and_sponsorships_in_one_query(database: Database):
    user, someone_else = uuid.uuid4(), uuid.uuid4()
    ids = prefix()
    async with database.unit_of_work() as session:
        campaigns = SqlCampaignRepository(session)
        managed, joined, sponsored, elsewhere = [await new_campaign(campaigns, f"{ids}-{n}") for n in "abcd"]
        await campaigns.add_member(managed, member(managed, user, CampaignRole.MANAGER))
        await campaigns.add_sponsor(managed, str(user))
        await campaigns.add_member(joined, member(joined, user, CampaignRole.MEMBER))
        await campaigns.save_campaign(replace(joined, status=CampaignStatus.ARCHIVED))
        await campaigns.add_sponsor(sponsored, str(user))
        await campaigns.add_member(elsewhere, member(elsewhere, someone_else, CampaignRole.MEMBER))
        await campaigns.add_sponsor(elsewhere, str(someone_else))

    async with database.unit_of_work() as session:
        with statements(database) as sent:
            parts = await SqlCampaignRepository(session).parts_of(str(user))
    assert parts == [(f"{ids}-a", Standing(CampaignRole.MANAGER, sponsor=True)),
                     (f"{ids}-b", Standing(CampaignRole.MEMBER)), (f"{ids}-c", Standing(None, sponsor=True))]
    assert len([s for s in sent if s.lstrip().upper().startswith("SELECT")]) == 1
    async with database.unit_of_work() as session:
        assert await SqlCampaignRepository(session).parts_of(str(uuid.uuid4())) == []


async def test_every_campaign_pages_by_campaign_id_with_its_tags(database: Database):
    ids = prefix()
    async with database.unit_of_work() as session:
        campaigns = SqlCampaignRepository(session)
        for n in "cab":  # created out of order: the campaign_id orders them
            created = await new_campaign(campaigns, f"{ids}-{n}")
            if n == "a":
                await campaigns.add_tag(created, "water", "", "")
                await campaigns.add_tag(created, "Energy", "", "#22cc44")
            if n == "c":
                await campaigns.save_campaign(replace(created, status=CampaignStatus.ACTIVE))

    async with database.unit_of_work() as session:
        first = await SqlCampaignRepository(session).campaigns_after(ids, 2)
        rest = await SqlCampaignRepository(session).campaigns_after(first[-1][0].campaign_id, 2)
    ours = [(c.campaign_id, c.status, [(t.name, t.color) for t in tags])
            for c, tags in first + rest if c.campaign_id.startswith(ids)]
    assert ours == [(f"{ids}-a", CampaignStatus.DRAFT, [("Energy", "#22cc44"), ("water", "")]),
                    (f"{ids}-b", CampaignStatus.DRAFT, []), (f"{ids}-c", CampaignStatus.ACTIVE, [])]
    assert [c.campaign_id for c, _ in first] == [f"{ids}-a", f"{ids}-b"]


async def test_a_campaigns_ideas_page_oldest_first_ties_broken_by_id_without_history(database: Database):
    campaign_id, submitter, tag = prefix(), uuid.uuid4(), str(uuid.uuid4())
    async with database.unit_of_work() as session:  # one transaction: one submit time for all three
        ideas = SqlIdeaRepository(session)
        same_time = [await ideas.add(str(uuid.uuid4()), campaign_id, str(submitter), "Sam", IdeaStatus.PENDING,
                                     Submission(f"Idea {n}", "", "", "", (tag,) if n == 0 else ()))
                     for n in range(3)]
        await ideas.move(same_time[1].id, IdeaStatus.REJECTED, str(submitter), "no", datetime.now(UTC))
        await ideas.add(str(uuid.uuid4()), "another-campaign", str(submitter), "Sam", IdeaStatus.PENDING,
                        Submission("Elsewhere", "", "", "", ()))
    async with database.unit_of_work() as session:
        later = await SqlIdeaRepository(session).add(str(uuid.uuid4()), campaign_id, str(submitter), "Sam",
                                                     IdeaStatus.COMPETING, Submission("Later", "", "", "", ()))

    read: list = []
    async with database.unit_of_work() as session:
        after = None
        while page := await SqlIdeaRepository(session).in_campaign(campaign_id, after, 2):
            read += page
            after = (page[-1].submitted_at, page[-1].id)
    assert [i.id for i in read] == sorted(i.id for i in same_time) + [later.id]
    assert {i.id: (i.status, i.tag_ids, i.history) for i in read}[same_time[0].id] == (
        IdeaStatus.PENDING, (tag,), ())
    assert {i.id: i.status for i in read}[same_time[1].id] == IdeaStatus.REJECTED
    assert all(i.history == () for i in read)


async def test_a_rename_holds_the_account_so_a_racing_one_sees_its_name_as_the_previous(database: Database):
    async with database.unit_of_work() as session:
        user_id = await AuthRepository(session).add_account(f"{prefix()}@example.org", "hash", "First")
    assert user_id is not None

    async def rename(to: str) -> str | None:
        async with database.unit_of_work() as racing:
            return await AuthRepository(racing).rename(user_id, to)

    async with database.unit_of_work() as session:
        assert await AuthRepository(session).rename(user_id, "Second") == "First"
        second = asyncio.create_task(rename("Third"))
        await asyncio.sleep(0.3)
        assert not second.done()  # waits for the first rename's commit
    assert await asyncio.wait_for(second, 5) == "Second"
    async with database.unit_of_work() as session:
        assert (await AuthRepository(session).account(user_id)).full_name == "Third"
        assert await AuthRepository(session).rename(user_id, "Third") == "Third"  # the same name: no change
        assert await AuthRepository(session).rename(uuid.uuid4(), "Nobody") is None
