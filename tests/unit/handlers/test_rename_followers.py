"""The idea and campaign services follow renames (services/idea/renames.py, services/campaign/renames.py) over
in-memory ports: within a batch each user's newest rename is the one written, across batches an older rename
(late, redelivered, replayed) never brings an older name back, and what users see (ideas, members) shows it."""

from __future__ import annotations

import uuid

import pytest

from coins.v1 import events_pb2 as ev
from services.campaign import renames as campaign_renames
from services.campaign.domain import CampaignFields
from services.common import renames
from services.common.concepts import CampaignRole, CampaignType, SystemRole
from services.common.context import Caller
from services.common.events import Delivery, new_event
from services.idea import renames as idea_renames
from services.idea.handlers import IdeaHandlers
from tests.unit.handlers.fakes_campaign import FakeUnitOfWork, campaign_world
from tests.unit.handlers.fakes_idea import FakeCampaign, FakeCampaignAccess, FakeCoinMoves, FakeUserDirectory, IdeaWorld

STREAM = "coins:events:auth"
MIA, OTTO = str(uuid.uuid5(uuid.NAMESPACE_DNS, "mia")), str(uuid.uuid5(uuid.NAMESPACE_DNS, "otto"))


def renamed(user_id: str, full_name: str, entry_id: str) -> Delivery:
    """A UserRenamed as the consumer hands it over, first seen at `entry_id` in the auth stream."""
    event = new_event(ev.UserRenamed(full_name=full_name), source="auth", subject=f"users/{user_id}",
                      actor_id=user_id)
    return Delivery(STREAM, entry_id, event)


def deactivated(user_id: str, entry_id: str) -> Delivery:
    return Delivery(STREAM, entry_id, new_event(ev.UserDeactivated(), source="auth", subject=f"users/{user_id}"))


def test_a_batch_keeps_each_users_newest_rename_whatever_order_it_arrives_in():
    batch = [renamed(OTTO, "Otto One", "1764121234500-0"), renamed(MIA, "Mia Two", "1764121234600-1"),
             deactivated(MIA, "1764121234700-0"), renamed(MIA, "Mia One", "1764121234600-0"),
             renamed(OTTO, "Otto Two", "1764121234501-0")]
    assert [(r.user_id, r.full_name, r.version) for r in renames.newest_renames(batch)] == sorted([
        (MIA, "Mia Two", 1764121234600_000_001), (OTTO, "Otto Two", 1764121234501_000_000)])
    assert renames.newest_renames([deactivated(MIA, "1-0")]) == []
    with pytest.raises(ValueError):  # dead-lettered by the consumer: no user to rename
        renames.newest_renames([Delivery(STREAM, "1-0", new_event(ev.UserRenamed(full_name="X"), subject="users/"))])


async def test_ideas_show_their_submitters_newest_name_and_an_older_rename_changes_nothing():
    world = IdeaWorld()
    member = Caller(MIA, "mia@example.org", frozenset())
    other = Caller(OTTO, "otto@example.org", frozenset())
    world.campaigns["green"] = FakeCampaign("green", CampaignType.OPEN,
                                            roles={MIA: CampaignRole.MEMBER, OTTO: CampaignRole.MEMBER})
    world.names.update({MIA: "Mia Member", OTTO: "Otto Other"})
    handlers = IdeaHandlers(world.unit_of_work, FakeCampaignAccess(world), FakeCoinMoves(), FakeUserDirectory(world),
                            "https://coins.example.org")
    for caller, title in ((member, "Bike racks"), (member, "Rain gardens"), (other, "Solar benches")):
        await handlers.create(caller, "green", title, "", "", "", [], False)
    follower = idea_renames.RenameFollower(world.unit_of_work)

    async def names() -> dict[str, str]:
        listed, _ = await handlers.listing(member, "green", None, "", "", "", "title", 10, "")
        return {idea.title: idea.submitter_name for idea, _ in listed}

    commits = world.commits
    await follower.apply([renamed(MIA, "Mia Two", "200-0"), renamed(MIA, "Mia One", "100-0"),
                          renamed(OTTO, "Otto New", "150-0")])
    assert world.commits == commits + 1  # one transaction for the batch
    assert await names() == {"Bike racks": "Mia Two", "Rain gardens": "Mia Two", "Solar benches": "Otto New"}

    await follower.apply([renamed(MIA, "Mia One", "100-0")])  # redelivered
    await follower.apply([renamed(MIA, "Mia Late", "199-9"), renamed(OTTO, "Otto New", "150-0")])
    assert await names() == {"Bike racks": "Mia Two", "Rain gardens": "Mia Two", "Solar benches": "Otto New"}

    await follower.apply([renamed(MIA, "Mia Three", "200-1")])
    idea_id = next(i.id for i in world.stored.ideas.values() if i.title == "Bike racks")
    assert (await handlers.get(other, idea_id))[0].submitter_name == "Mia Three"


async def test_members_show_their_newest_name_in_every_campaign_and_an_older_rename_changes_nothing():
    fakes = campaign_world()
    handlers = fakes.handlers
    admin_account = fakes.directory.add("admin@example.org", roles=frozenset({SystemRole.ADMIN}))
    admin = Caller(admin_account.id, admin_account.email, admin_account.roles)
    mia = fakes.directory.add("mia@example.org", "Mia Member")
    otto = fakes.directory.add("otto@example.org", "Otto Other")
    for campaign_id in ("spring", "autumn"):
        await handlers.create(admin, campaign_id, CampaignFields(title=campaign_id.title(), type=CampaignType.OPEN))
        await handlers.set_role(admin, campaign_id, mia.id, CampaignRole.MEMBER)
    await handlers.set_role(admin, "spring", otto.id, CampaignRole.MANAGER)
    follower = campaign_renames.RenameFollower(lambda: FakeUnitOfWork(fakes.stored))

    async def names(campaign_id: str) -> dict[str, str]:
        members, _ = await handlers.list_members(admin, campaign_id, None, 10, "")
        return {m.user_id: m.full_name for m in members}

    await follower.apply([renamed(mia.id, "Mia Two", "300-0"), renamed(otto.id, "Otto New", "250-0"),
                          renamed(mia.id, "Mia One", "299-0")])
    assert await names("spring") == {mia.id: "Mia Two", otto.id: "Otto New"}
    assert await names("autumn") == {mia.id: "Mia Two"}

    await follower.apply([renamed(mia.id, "Mia One", "299-0"), renamed(otto.id, "Otto Old", "249-7")])
    assert await names("spring") == {mia.id: "Mia Two", otto.id: "Otto New"}

    await follower.apply([renamed(mia.id, "Mia Three", "301-0")])
    assert await names("autumn") == {mia.id: "Mia Three"}
