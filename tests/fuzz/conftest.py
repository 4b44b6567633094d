"""What both fuzzers share: a campaign with a manager, a member, a tag and an idea (so generated requests can name
real resources), the size of a run, and the per-route table of what was tried."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

import pytest

from coins.v1 import resources_pb2 as res
from tests.world import User

# The default suite replays the same few cases on every run; `make fuzz` explores with many more.
DERANDOMIZE = "COINS_FUZZ_EXAMPLES" not in os.environ


def examples(in_suite: int) -> int:
    """Examples per route and caller: `in_suite` in the default suite, COINS_FUZZ_EXAMPLES with `make fuzz`."""
    return int(os.environ.get("COINS_FUZZ_EXAMPLES", in_suite))


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


@dataclass
class Tally:
    """Requests tried and failures found per route; failures keep their first reproduction."""

    title: str
    tried: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    reproductions: dict[str, str] = field(default_factory=dict)

    def record(self, route: str, failure: str | None = None) -> None:
        self.tried[route] += 1
        if failure is not None:
            self.failed[route] += 1
            self.reproductions.setdefault(route, failure)

    def table(self) -> str:
        width = max(map(len, self.tried), default=5)
        lines = [self.title, f"{'route':<{width}}  {'tried':>6}  {'failed':>6}"]
        lines += [f"{route:<{width}}  {self.tried[route]:>6}  {self.failed[route]:>6}" for route in sorted(self.tried)]
        lines.append(f"{'total':<{width}}  {sum(self.tried.values()):>6}  {sum(self.failed.values()):>6}")
        return "\n".join(lines)

    def report(self) -> str:
        return "\n\n".join([self.table(), *(f"{route}:\n{text}" for route, text in sorted(self.reproductions.items()))])
