"""Renames followed into the names other services keep (services/idea/repository.py rename_submitter,
services/campaign/repository.py rename_member) on the migrated schemas: a rename rewrites every copy of the user's
name, and an older one (by its auth stream version) never overwrites a newer name, even when both race."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from services.campaign.domain import Campaign, CampaignFields, CoinPolicy, Member
from services.campaign.repository import SqlCampaignRepository
from services.common.concepts import CampaignRole, CampaignType, IdeaStatus
from services.common.config import Settings
from services.common.db import Database
from services.idea.domain import Submission
from services.idea.repository import SqlIdeaRepository


@pytest.fixture(scope="module")
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(Settings.from_env("idea", {"DATABASE_URL": database_url, "COINS_DB_POOL_SIZE": "4"}))
    yield db
    await db.close()


def prefix() -> str:
    return f"rn{uuid.uuid4().hex[:10]}"


async def submitter_names(database: Database, idea_ids: list[str]) -> list[str]:
    async with database.unit_of_work() as session:
        found = {idea.id: idea.submitter_name for idea in await SqlIdeaRepository(session).many(idea_ids)}
    return [found[idea_id] for idea_id in idea_ids]


async def test_a_rename_rewrites_the_users_ideas_and_an_older_one_never_comes_back(database: Database):
    campaign_id, user, someone_else = prefix(), str(uuid.uuid4()), str(uuid.uuid4())
    async with database.unit_of_work() as session:
        ideas = SqlIdeaRepository(session)
        ids = [(await ideas.add(str(uuid.uuid4()), campaign_id, submitter, name, IdeaStatus.PENDING,
                                Submission(title, "", "", "", ()))).id
               for submitter, name, title in ((user, "Una", "Bike racks"), (user, "Una", "Rain gardens"),
                                              (someone_else, "Sam", "Solar benches"))]

    async def rename(to: str, version: int) -> int:
        async with database.unit_of_work() as session:
            return await SqlIdeaRepository(session).rename_submitter(user, to, version)

    assert await rename("Una Newer", 200) == 2
    assert await submitter_names(database, ids) == ["Una Newer", "Una Newer", "Sam"]
    assert await rename("Una Older", 100) == 0  # late, or replayed from the dead letters
    assert await rename("Una Again", 200) == 0  # the same event redelivered
    assert await submitter_names(database, ids) == ["Una Newer", "Una Newer", "Sam"]

    async with database.unit_of_work() as session:  # the newer rename holds the rows while the older one waits
        assert await SqlIdeaRepository(session).rename_submitter(user, "Una Newest", 300) == 2
        older = asyncio.create_task(rename("Una Racing", 250))
        await asyncio.sleep(0.3)
        assert not older.done()
    assert await asyncio.wait_for(older, 5) == 0  # rechecked the version after the wait
    assert await submitter_names(database, ids) == ["Una Newest", "Una Newest", "Sam"]


async def new_campaign(campaigns: SqlCampaignRepository, campaign_id: str) -> Campaign:
    created = await campaigns.add_campaign(campaign_id, CampaignFields(title=campaign_id, type=CampaignType.OPEN),
                                           CoinPolicy(), str(uuid.uuid4()))
    assert created is not None
    return created


async def test_a_rename_rewrites_the_users_memberships_and_an_older_one_never_comes_back(database: Database):
    ids, user, someone_else = prefix(), str(uuid.uuid4()), str(uuid.uuid4())
    async with database.unit_of_work() as session:
        campaigns = SqlCampaignRepository(session)
        spring, autumn = [await new_campaign(campaigns, f"{ids}-{n}") for n in ("spring", "autumn")]
        for campaign, user_id, name in ((spring, user, "Una"), (autumn, user, "Una"), (spring, someone_else, "Sam")):
            await campaigns.add_member(campaign, Member(campaign.campaign_id, user_id, f"{user_id[:8]}@example.org",
                                                        name, CampaignRole.MEMBER, datetime.now(UTC)))

    async def rename(to: str, version: int) -> int:
        async with database.unit_of_work() as session:
            return await SqlCampaignRepository(session).rename_member(user, to, version)

    async def names() -> list[dict[str, str]]:
        async with database.unit_of_work() as session:
            campaigns = SqlCampaignRepository(session)
            return [{m.user_id: m.full_name for m in await campaigns.members(c, None, 0, 10)} for c in (spring, autumn)]

    assert await rename("Una Newer", 200) == 2
    assert await rename("Una Older", 100) == 0
    assert await rename("Una Again", 200) == 0
    assert await names() == [{user: "Una Newer", someone_else: "Sam"}, {user: "Una Newer"}]

    async with database.unit_of_work() as session:
        assert await SqlCampaignRepository(session).rename_member(user, "Una Newest", 300) == 2
        older = asyncio.create_task(rename("Una Racing", 250))
        await asyncio.sleep(0.3)
        assert not older.done()
    assert await asyncio.wait_for(older, 5) == 0
    assert await names() == [{user: "Una Newest", someone_else: "Sam"}, {user: "Una Newest"}]
