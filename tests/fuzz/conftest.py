"""What both fuzzers share: a campaign with a manager, a member, a tag and an idea, so generated requests can name
real resources. The size of a run and its tally are in runs.py."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from coins.v1 import resources_pb2 as res
from tests.support.world import User


@dataclass
class FuzzWorld:
    member: User
    manager: User
    campaign_id: str
    idea_id: str
    tag_id: str


@pytest.fixture(scope="session")
def fuzz_world(admin_user, sign_in) -> FuzzWorld:
    manager, member = sign_in("fuzz-manager"), sign_in("fuzz-member")
    campaign_id = admin_user.create_campaign("mediated").campaign_id
    admin_user.name_manager(campaign_id, manager)
    member.join(campaign_id)
    tag_id = manager.tag(campaign_id).id
    idea_id = member.submit(campaign_id).id
    manager.set_status(idea_id, res.IDEA_STATUS_APPROVED)
    return FuzzWorld(member, manager, campaign_id, idea_id, tag_id)
