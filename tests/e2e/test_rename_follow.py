"""A rename (PATCH /auth/me) reaches the names the idea and campaign services keep a copy of: the submitter's name
on ideas (GetIdea, ListIdeas) and the member's name in every campaign it joined (ListMembers), through the stream
coins:events:auth within seconds; each service's consumer shows its lag on /healthz and /metrics."""

from __future__ import annotations

import httpx

from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import idea_service_pb2 as idea_pb
from tests.support.notifications import eventually
from tests.support.world import User
from tools.devstack import Stack


def shown_names(watcher: User, idea_id: str, campaign_id: str, campaign_ids: list[str], user_id: str) -> list[str]:
    """The user's name as others see it: on the idea (GetIdea, then ListIdeas) and in each campaign's members."""
    listed = watcher.ideas.ListIdeas(idea_pb.ListIdeasRequest(campaign_id=campaign_id, page_size=100)).ideas
    return [watcher.ideas.GetIdea(idea_pb.GetIdeaRequest(idea_id=idea_id)).submitter_name,
            *(i.submitter_name for i in listed if i.id == idea_id),
            *(m.full_name for cid in campaign_ids
              for m in watcher.campaigns.ListMembers(campaign_pb.ListMembersRequest(campaign_id=cid,
                                                                                    page_size=100)).members
              if m.user_id == user_id)]


def test_a_rename_reaches_the_users_ideas_and_memberships(gateway: httpx.Client, admin_user: User, sign_in):
    renamer, watcher = sign_in("renamer"), sign_in("watcher")
    spring = admin_user.create_campaign("open", title="Spring").campaign_id
    autumn = admin_user.create_campaign("open", title="Autumn").campaign_id
    for cid in (spring, autumn):
        renamer.join(cid)
        watcher.join(cid)
    idea = renamer.submit(spring, "Benches that stay dry")
    assert shown_names(watcher, idea.id, spring, [spring, autumn], renamer.id) == ["Renamer"] * 4

    renamed = gateway.patch("/auth/me", headers=renamer.account.bearer, json={"fullName": "Rhea Renamed"})
    assert renamed.status_code == 200, renamed.text
    names = eventually(lambda: shown_names(watcher, idea.id, spring, [spring, autumn], renamer.id),
                       lambda found: found == ["Rhea Renamed"] * 4, within_s=10)
    assert names == ["Rhea Renamed"] * 4

    # Two renames in a row: whichever order and batches the services take them in, the last one stays.
    for name in ("Rhea Second", "Rhea Third"):
        assert gateway.patch("/auth/me", headers=renamer.account.bearer, json={"fullName": name}).status_code == 200
    names = eventually(lambda: shown_names(watcher, idea.id, spring, [spring, autumn], renamer.id),
                       lambda found: found == ["Rhea Third"] * 4, within_s=10)
    assert names == ["Rhea Third"] * 4
    later = renamer.submit(autumn, "Shade sails for the playground")  # a new copy takes the name as it is now
    assert later.submitter_name == "Rhea Third"


def test_the_rename_consumers_lag_is_on_metrics_and_health(stack: Stack):
    for service in ("idea", "campaign"):
        ops = f"http://127.0.0.1:{stack.ports.ops[service]}"
        consumers = eventually(lambda: httpx.get(f"{ops}/healthz").json()["events"]["consumers"], bool, within_s=5)
        assert [(c["stream"], c["group"]) for c in consumers] == [("coins:events:auth", service)]
        assert (f'coins_event_consumer_lag_seconds{{group="{service}",stream="coins:events:auth"}}'
                in httpx.get(f"{ops}/metrics").text)
