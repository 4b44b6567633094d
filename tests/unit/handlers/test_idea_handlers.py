"""The idea service's use cases over in-memory ports: every handler, its answers and its refusals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from coins.v1 import resources_pb2 as res
from services.common import errors, paging
from services.common.concepts import CampaignRole, CampaignStatus, CampaignType, IdeaStatus
from services.common.context import ADMIN, SPONSOR, Caller
from services.common.errors import Aborted, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.common.idempotency import RequestKey
from services.idea.domain import Idea
from services.idea.handlers import IdeaHandlers
from services.idea.ports import CoinsRefused
from tests.unit.handlers.fakes_idea import (
    FakeCampaign,
    FakeCampaignAccess,
    FakeCoinMoves,
    FakeUserDirectory,
    IdeaWorld,
)

CAMPAIGN = "green-city"
PUBLIC_URL = "https://coins.example.org"
UPDATE_STATUS = "/coins.v1.IdeaService/UpdateIdeaStatus"


def person(name: str, *roles: str) -> Caller:
    return Caller(str(uuid.uuid5(uuid.NAMESPACE_DNS, name)), f"{name}@example.org", frozenset(roles))


MANAGER, MEMBER, OTHER = person("manager"), person("member"), person("other")
OUTSIDER, ADMIN_USER, SPONSOR_USER = person("outsider"), person("admin", ADMIN), person("sponsor", SPONSOR)
TAG, OTHER_TAG = str(uuid.uuid4()), str(uuid.uuid4())


@dataclass
class Ideas:
    handlers: IdeaHandlers
    world: IdeaWorld
    coins: FakeCoinMoves

    @property
    def campaign(self) -> FakeCampaign:
        return self.world.campaigns[CAMPAIGN]

    async def submit(self, caller: Caller, title: str, *, tags: tuple[str, ...] = (), context_id: str = "",
                     force: bool = False) -> Idea:
        return await self.handlers.create(caller, CAMPAIGN, title, "why it matters", context_id, "", list(tags),
                                          force)

    async def competing(self, title: str, caller: Caller = MEMBER) -> Idea:
        """An idea approved by the manager, open for coins."""
        pending = await self.submit(caller, title)
        return (await self.handlers.change_status(MANAGER, pending.id, IdeaStatus.APPROVED, ""))[0]

    def stored(self, idea_id: str) -> Idea:
        return self.world.stored.ideas[idea_id]


@pytest.fixture
def ideas() -> Ideas:
    world = IdeaWorld()
    world.campaigns[CAMPAIGN] = FakeCampaign(
        CAMPAIGN, roles={MANAGER.user_id: CampaignRole.MANAGER, MEMBER.user_id: CampaignRole.MEMBER,
                         OTHER.user_id: CampaignRole.MEMBER, SPONSOR_USER.user_id: CampaignRole.MEMBER},
        sponsors={SPONSOR_USER.user_id}, tag_ids={TAG, OTHER_TAG})
    world.names.update({MEMBER.user_id: "Mia Member", OTHER.user_id: "Otto Other"})
    coins = FakeCoinMoves()
    handlers = IdeaHandlers(world.unit_of_work, FakeCampaignAccess(world), coins, FakeUserDirectory(world),
                            PUBLIC_URL)
    return Ideas(handlers, world, coins)


def request(request_id: str, fingerprint: str = "body", caller: Caller = MANAGER,
            method: str = UPDATE_STATUS) -> RequestKey:
    return RequestKey(caller.user_id, method, request_id, fingerprint)


# ---- create ------------------------------------------------------------------------------------------------------

async def test_a_member_submits_and_a_mediated_campaign_queues_the_idea(ideas: Ideas):
    idea = await ideas.submit(MEMBER, "Bike lanes on Main Street", tags=(TAG,), context_id="street/main")
    assert (idea.status, idea.submitter_name, idea.tag_ids, idea.context_id) == (
        IdeaStatus.PENDING, "Mia Member", (TAG,), "street/main")
    assert ideas.stored(idea.id) == idea
    assert ideas.coins.moves == []  # a pending idea takes no coins yet


async def test_an_open_campaign_opens_a_new_idea_for_coins(ideas: Ideas):
    ideas.campaign.type = CampaignType.OPEN
    idea = await ideas.submit(MEMBER, "Bike lanes on Main Street")
    assert idea.status == IdeaStatus.COMPETING
    assert ideas.coins.moves == [("open", idea.id, CAMPAIGN, MEMBER.user_id)]


async def test_submissions_need_a_joined_member_an_active_visible_campaign_and_its_tags(ideas: Ideas):
    with pytest.raises(PermissionDenied):
        await ideas.submit(OUTSIDER, "Bike lanes")
    assert (await ideas.submit(ADMIN_USER, "Bike lanes")).submitter_name == ""  # admins need not join
    with pytest.raises(InvalidArgument) as unknown_tag:
        await ideas.submit(MEMBER, "Trees", tags=(str(uuid.uuid4()),))
    assert unknown_tag.value.field == "tag_ids"
    ideas.campaign.hidden_from.add(MEMBER.user_id)
    with pytest.raises(NotFound) as hidden:
        await ideas.submit(MEMBER, "Trees")
    assert hidden.value.reason == errors.CAMPAIGN_NOT_FOUND
    ideas.campaign.hidden_from.clear()
    ideas.campaign.status = CampaignStatus.COMPLETED
    with pytest.raises(FailedPrecondition) as closed:
        await ideas.submit(MEMBER, "Trees")
    assert closed.value.reason == errors.CAMPAIGN_INACTIVE
    with pytest.raises(InvalidArgument):
        await ideas.handlers.create(MEMBER, "Not A Slug!", "Trees", "", "", "", [], False)
    assert len(ideas.world.stored.ideas) == 1


async def test_a_near_duplicate_of_a_visible_idea_is_refused_unless_forced(ideas: Ideas):
    first = await ideas.competing("Bike lanes on Main Street", caller=OTHER)
    with pytest.raises(FailedPrecondition) as refused:
        await ideas.submit(MEMBER, "Bike lanes on Main street")
    assert refused.value.reason == errors.DUPLICATE_IDEA_DETECTED
    assert refused.value.metadata["existing_idea_id"] == first.id
    assert len(ideas.world.stored.ideas) == 1
    forced = await ideas.submit(MEMBER, "Bike lanes on Main street", force=True)
    assert forced.id in ideas.world.stored.ideas


async def test_only_ideas_the_submitter_may_see_count_as_duplicates(ideas: Ideas):
    await ideas.submit(OTHER, "Bike lanes on Main Street")  # pending: members other than Otto do not see it
    assert (await ideas.submit(MEMBER, "Bike lanes on Main Street")).status == IdeaStatus.PENDING
    for sees_everything in (MANAGER, SPONSOR_USER, MEMBER):  # MEMBER now sees its own pending idea
        with pytest.raises(FailedPrecondition) as refused:
            await ideas.submit(sees_everything, "Bike lanes on Main Street")
        assert refused.value.reason == errors.DUPLICATE_IDEA_DETECTED


async def test_a_repeated_create_returns_the_first_idea(ideas: Ideas):
    ideas.campaign.type = CampaignType.OPEN
    ideas.world.request = request("r1", caller=MEMBER, method="/coins.v1.IdeaService/CreateIdea")
    first = await ideas.submit(MEMBER, "Bike lanes")
    again = await ideas.submit(MEMBER, "Bike lanes")
    assert again == first and len(ideas.world.stored.ideas) == 1
    assert len(ideas.coins.moves) == 1
    ideas.world.request = request("r1", "another body", caller=MEMBER, method="/coins.v1.IdeaService/CreateIdea")
    with pytest.raises(InvalidArgument) as reused:
        await ideas.submit(MEMBER, "Trees")
    assert reused.value.reason == errors.REQUEST_ID_REUSED


async def test_a_submission_retried_after_its_commit_was_lost_lands_on_the_same_coin_idea(ideas: Ideas):
    """The coin side commits first: if the idea's own commit is lost, the retry must reuse the idea id the coin
    service already opened (and paid the reward for), not mint a new one."""
    ideas.campaign.type = CampaignType.OPEN
    ideas.world.request = request("r1", caller=MEMBER, method="/coins.v1.IdeaService/CreateIdea")
    first = await ideas.submit(MEMBER, "Bike lanes")
    ideas.world.stored.ideas.clear()  # the commit never happened
    ideas.world.stored.answers.clear()
    again = await ideas.submit(MEMBER, "Bike lanes")
    assert again.id == first.id
    assert {move[1:] for move in ideas.coins.moves} == {ideas.coins.moves[0][1:]}  # one coin idea, opened twice


async def test_an_idea_the_coin_service_could_not_open_is_not_stored(ideas: Ideas):
    ideas.campaign.type = CampaignType.OPEN
    ideas.coins.failing = ConnectionError("coin service unreachable")
    with pytest.raises(ConnectionError):
        await ideas.submit(MEMBER, "Bike lanes")
    assert ideas.world.stored.ideas == {} and ideas.world.rollbacks == 1


# ---- reading -----------------------------------------------------------------------------------------------------

async def test_a_pending_idea_is_seen_by_its_submitter_managers_admins_and_sponsors(ideas: Ideas):
    idea = await ideas.submit(MEMBER, "Bike lanes")
    for reader in (MEMBER, MANAGER, ADMIN_USER, SPONSOR_USER):
        assert (await ideas.handlers.get(reader, idea.id)) == (idea, 0)
    for stranger in (OTHER, OUTSIDER):
        with pytest.raises(NotFound) as hidden:
            await ideas.handlers.get(stranger, idea.id)
        assert hidden.value.reason == errors.IDEA_NOT_FOUND
    with pytest.raises(NotFound):
        await ideas.handlers.get(MEMBER, str(uuid.uuid4()))
    with pytest.raises(InvalidArgument):
        await ideas.handlers.get(MEMBER, "not-a-uuid")


async def test_a_competing_idea_is_seen_by_every_viewer_with_its_coins(ideas: Ideas):
    idea = await ideas.competing("Bike lanes")
    ideas.coins.coins[idea.id] = 12
    assert (await ideas.handlers.get(OUTSIDER, idea.id))[1] == 12
    ideas.campaign.hidden_from.add(OUTSIDER.user_id)  # ideas of a campaign one may not see are not found
    with pytest.raises(NotFound):
        await ideas.handlers.get(OUTSIDER, idea.id)


async def _listed(ideas: Ideas, caller: Caller, **options) -> list[str]:
    arguments = {"status": None, "tag_id": "", "submitter_id": "", "context_id": "", "order": "newest",
                 "page_size": 0, "page_token": "", **options}
    found, _ = await ideas.handlers.listing(caller, CAMPAIGN, **arguments)
    return [idea.title for idea, _ in found]


async def test_a_list_shows_what_the_caller_may_see_and_filters(ideas: Ideas):
    await ideas.submit(MEMBER, "Mine", tags=(TAG,))
    await ideas.submit(OTHER, "Benches in the park", context_id="park")
    await ideas.competing("Trees along the river", caller=OTHER)
    assert await _listed(ideas, MEMBER) == ["Trees along the river", "Mine"]
    assert await _listed(ideas, MANAGER) == ["Trees along the river", "Benches in the park", "Mine"]
    assert await _listed(ideas, MANAGER, status=IdeaStatus.PENDING, submitter_id=OTHER.user_id) == [
        "Benches in the park"]
    assert await _listed(ideas, MANAGER, tag_id=TAG) == ["Mine"]
    assert await _listed(ideas, MANAGER, context_id="park") == ["Benches in the park"]
    assert await _listed(ideas, MANAGER, order="title") == ["Benches in the park", "Mine", "Trees along the river"]
    for bad in ({"tag_id": "x"}, {"submitter_id": "x"}, {"context_id": "no spaces"}, {"page_size": 1000},
                {"page_token": "forged"}):
        with pytest.raises(InvalidArgument):
            await _listed(ideas, MANAGER, **bad)


async def test_most_coins_first_in_pages(ideas: Ideas):
    ideas.campaign.type = CampaignType.OPEN
    few, many, _ = [await ideas.submit(MEMBER, title) for title in ("Few", "Many", "None")]
    ideas.coins.coins.update({few.id: 3, many.id: 40})
    first, token = await ideas.handlers.listing(MEMBER, CAMPAIGN, None, "", "", "", "most_coins", 2, "")
    assert [(i.title, coins) for i, coins in first] == [("Many", 40), ("Few", 3)]
    assert paging.offset(token) == 2
    rest, last = await ideas.handlers.listing(MEMBER, CAMPAIGN, None, "", "", "", "most_coins", 2, token)
    assert [(i.title, coins) for i, coins in rest] == [("None", 0)] and last == ""


async def test_similar_titles_only_among_visible_ideas(ideas: Ideas):
    await ideas.submit(OTHER, "Bike lanes on Main Street")
    near = await ideas.submit(OTHER, "Bike lane on Main Street", force=True)
    shown, _ = await ideas.handlers.change_status(MANAGER, near.id, IdeaStatus.APPROVED, "")
    assert [i.id for i, _ in await ideas.handlers.similar(MEMBER, CAMPAIGN, "Bike lanes on Main St", 0)] == [
        shown.id]
    assert len(await ideas.handlers.similar(MANAGER, CAMPAIGN, "Bike lanes on Main St", 0)) == 2
    assert len(await ideas.handlers.similar(MANAGER, CAMPAIGN, "Bike lanes on Main St", 1)) == 1
    with pytest.raises(InvalidArgument):
        await ideas.handlers.similar(MEMBER, CAMPAIGN, "", 0)


# ---- changes -----------------------------------------------------------------------------------------------------

async def test_only_the_submitter_edits_and_only_while_pending(ideas: Ideas):
    idea = await ideas.submit(MEMBER, "Bike lanes")
    edited = await ideas.handlers.update(MEMBER, idea.id, "Protected bike lanes", None)
    assert (edited.title, edited.description) == ("Protected bike lanes", "why it matters")
    assert edited.updated_at > idea.updated_at and ideas.stored(idea.id) == edited
    assert (await ideas.handlers.update(MEMBER, idea.id, None, "")).description == ""
    for stranger in (MANAGER, ADMIN_USER):
        with pytest.raises(PermissionDenied):
            await ideas.handlers.update(stranger, idea.id, "Mine now", None)
    with pytest.raises(InvalidArgument):
        await ideas.handlers.update(MEMBER, idea.id, "", None)
    await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.APPROVED, "")
    with pytest.raises(FailedPrecondition) as locked:
        await ideas.handlers.update(MEMBER, idea.id, "Too late", None)
    assert locked.value.reason == errors.IDEA_LOCKED


async def test_approval_opens_the_idea_for_coins_and_lands_in_competing(ideas: Ideas):
    idea = await ideas.submit(MEMBER, "Bike lanes")
    approved, coins = await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.APPROVED, "good one")
    assert (approved.status, coins) == (IdeaStatus.COMPETING, 0)
    assert approved.approved_at is not None
    assert [(h.from_status, h.to_status, h.actor_id, h.reason) for h in approved.history] == [
        (IdeaStatus.PENDING, IdeaStatus.COMPETING, MANAGER.user_id, "good one")]
    assert ideas.coins.moves == [("open", idea.id, CAMPAIGN, MEMBER.user_id)]


async def test_the_workflow_and_who_may_move_ideas(ideas: Ideas):
    idea = await ideas.submit(MEMBER, "Bike lanes")
    with pytest.raises(PermissionDenied):
        await ideas.handlers.change_status(MEMBER, idea.id, IdeaStatus.APPROVED, "")
    with pytest.raises(FailedPrecondition) as not_competing:
        await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "")
    assert not_competing.value.reason == errors.IDEA_NOT_COMPETING
    with pytest.raises(InvalidArgument):
        await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.PENDING, "")
    rejected, _ = await ideas.handlers.change_status(ADMIN_USER, idea.id, IdeaStatus.REJECTED, "off topic")
    assert rejected.status == IdeaStatus.REJECTED and rejected.rejected_at is not None
    assert ideas.coins.moves == []  # a pending idea holds no coins
    with pytest.raises(FailedPrecondition) as stuck:
        await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.APPROVED, "")
    assert stuck.value.reason == errors.INVALID_TRANSITION


async def test_moderation_ends_with_the_vote_but_decisions_go_on_until_archived(ideas: Ideas):
    waiting = await ideas.submit(MEMBER, "Bike lanes")
    competing = await ideas.competing("Trees")
    ideas.campaign.status = CampaignStatus.COMPLETED
    with pytest.raises(FailedPrecondition) as over:
        await ideas.handlers.change_status(MANAGER, waiting.id, IdeaStatus.APPROVED, "")
    assert over.value.reason == errors.CAMPAIGN_INACTIVE
    accepted, _ = await ideas.handlers.change_status(MANAGER, competing.id, IdeaStatus.ACCEPTED, "")
    assert accepted.status == IdeaStatus.ACCEPTED
    ideas.campaign.status = CampaignStatus.ARCHIVED
    with pytest.raises(FailedPrecondition) as archived:
        await ideas.handlers.change_status(MANAGER, competing.id, IdeaStatus.IN_PROGRESS, "")
    assert archived.value.reason == errors.CAMPAIGN_INACTIVE


async def test_accepting_spends_the_coins_through_a_decision_then_moves_on_without_coins(ideas: Ideas):
    idea = await ideas.competing("Bike lanes")
    ideas.coins.coins[idea.id] = 25
    accepted, coins = await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "funded")
    assert (accepted.status, coins) == (IdeaStatus.ACCEPTED, 25) and accepted.accepted_at is not None
    assert ideas.coins.moves[-1] == ("expend", idea.id, MANAGER.user_id)
    [decision] = ideas.world.stored.decisions.values()
    assert decision.done and (decision.target, decision.reason) == (IdeaStatus.ACCEPTED, "funded")
    with pytest.raises(FailedPrecondition) as twice:
        await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "")
    assert twice.value.reason == errors.IDEA_ALREADY_ACCEPTED
    for step in (IdeaStatus.IN_PROGRESS, IdeaStatus.COMPLETE):
        assert (await ideas.handlers.change_status(MANAGER, idea.id, step, ""))[0].status == step
    assert len(ideas.coins.moves) == 2 and len(ideas.world.stored.decisions) == 1
    assert ideas.stored(idea.id).completed_at is not None


async def test_rejecting_a_competing_idea_recycles_its_coins(ideas: Ideas):
    idea = await ideas.competing("Bike lanes")
    rejected, _ = await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.REJECTED, "no budget")
    assert rejected.status == IdeaStatus.REJECTED
    assert ideas.coins.moves[-1] == ("recycle", idea.id, MANAGER.user_id)


async def test_a_coin_refusal_drops_the_decision_and_leaves_the_idea(ideas: Ideas):
    idea = await ideas.competing("Bike lanes")
    ideas.coins.refusing[idea.id] = errors.COINS_ALREADY_EXPENDED
    with pytest.raises(CoinsRefused) as refused:
        await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "")
    assert refused.value.reason == errors.COINS_ALREADY_EXPENDED
    assert ideas.stored(idea.id).status == IdeaStatus.COMPETING
    [decision] = ideas.world.stored.decisions.values()
    assert decision.done and ideas.world.stored.refusals[decision.id] == "the coin service refused"
    del ideas.coins.refusing[idea.id]  # a dropped decision blocks nothing: the manager decides again
    assert (await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.REJECTED, ""))[0].status == \
        IdeaStatus.REJECTED


async def test_a_repeated_status_change_replays_the_answer(ideas: Ideas):
    idea = await ideas.competing("Bike lanes")
    ideas.world.request = request("accept-1")
    first, _ = await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "")
    again, _ = await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "")
    assert again == first and [m[0] for m in ideas.coins.moves] == ["open", "expend"]
    ideas.world.request = None
    other = await ideas.submit(MEMBER, "Trees")
    ideas.world.request = request("approve-1")  # a change without coins is remembered too
    await ideas.handlers.change_status(MANAGER, other.id, IdeaStatus.APPROVED, "")
    assert (await ideas.handlers.change_status(MANAGER, other.id, IdeaStatus.APPROVED, ""))[0].status == \
        IdeaStatus.COMPETING


async def test_a_manager_who_lost_the_role_gets_no_stored_answer(ideas: Ideas):
    idea = await ideas.competing("Bike lanes")
    ideas.world.request = request("accept-1")
    await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "")
    ideas.campaign.roles.pop(MANAGER.user_id)
    with pytest.raises(PermissionDenied):
        await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "")


async def test_an_open_decision_answers_its_own_request_and_aborts_any_other(ideas: Ideas):
    idea = await ideas.competing("Bike lanes")
    ideas.world.request = request("accept-1")
    ideas.coins.failing = ConnectionError("coin service unreachable")
    with pytest.raises(ConnectionError):
        await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "")
    [decision] = ideas.world.stored.decisions.values()
    assert not decision.done and ideas.stored(idea.id).status == IdeaStatus.COMPETING
    ideas.world.request = request("reject-1")
    with pytest.raises(Aborted) as busy:
        await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.REJECTED, "")
    assert busy.value.reason == errors.CONFLICT
    ideas.world.request = request("accept-1")  # the client's retry finishes what it started
    accepted, _ = await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "")
    assert accepted.status == IdeaStatus.ACCEPTED and len(ideas.world.stored.decisions) == 1
    assert (await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, ""))[0] == accepted


async def test_the_sweeper_finishes_a_decision_left_open_exactly_once(ideas: Ideas):
    idea = await ideas.competing("Bike lanes")
    ideas.world.request = request("accept-1")
    ideas.coins.failing = ConnectionError("coin service unreachable")
    with pytest.raises(ConnectionError):
        await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "funded")
    ideas.world.request = None  # the sweeper runs outside any call
    ideas.coins.failing = ConnectionError("still unreachable")
    assert await ideas.handlers.resume_decisions(0) == 1  # tried, left open for the next pass
    assert ideas.stored(idea.id).status == IdeaStatus.COMPETING
    assert await ideas.handlers.resume_decisions(0) == 1
    assert await ideas.handlers.resume_decisions(0) == 0
    [decision] = ideas.world.stored.decisions.values()
    await ideas.handlers.finish_decision(decision.id)  # a second replica arriving late changes nothing
    finished = ideas.stored(idea.id)
    assert finished.status == IdeaStatus.ACCEPTED and len(finished.history) == 2
    assert [m[0] for m in ideas.coins.moves] == ["open", "expend"]
    ideas.world.request = request("accept-1")  # the client's retry gets the answer the sweeper stored
    assert (await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "funded"))[0] == finished


async def test_a_decision_another_replica_finished_meanwhile_moves_the_idea_once(ideas: Ideas):
    idea = await ideas.competing("Bike lanes")

    async def sweeper_of_another_replica() -> None:
        assert await ideas.handlers.resume_decisions(0) == 1

    ideas.coins.meanwhile = sweeper_of_another_replica
    accepted, _ = await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "")
    assert accepted.status == IdeaStatus.ACCEPTED and len(accepted.history) == 2
    assert [m[0] for m in ideas.coins.moves] == ["open", "expend", "expend"]  # the coin service applies it once


async def test_a_young_decision_is_left_to_the_call_driving_it(ideas: Ideas):
    idea = await ideas.competing("Bike lanes")
    ideas.coins.failing = ConnectionError("coin service unreachable")
    with pytest.raises(ConnectionError):
        await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "")
    assert await ideas.handlers.resume_decisions(3600) == 0


# ---- tags, permalinks, results -------------------------------------------------------------------------------------

async def test_the_submitter_and_managers_tag_ideas_with_the_campaigns_tags(ideas: Ideas):
    idea = await ideas.submit(MEMBER, "Bike lanes")
    assert (await ideas.handlers.tag(MEMBER, idea.id, TAG, adding=True)).tag_ids == (TAG,)
    assert (await ideas.handlers.tag(MANAGER, idea.id, OTHER_TAG, adding=True)).tag_ids == (TAG, OTHER_TAG)
    assert (await ideas.handlers.tag(MEMBER, idea.id, TAG, adding=True)).tag_ids == (TAG, OTHER_TAG)
    assert (await ideas.handlers.tag(MANAGER, idea.id, TAG, adding=False)).tag_ids == (OTHER_TAG,)
    with pytest.raises(InvalidArgument):
        await ideas.handlers.tag(MEMBER, idea.id, str(uuid.uuid4()), adding=True)
    with pytest.raises(InvalidArgument):
        await ideas.handlers.tag(MEMBER, idea.id, "not-a-uuid", adding=False)
    shown = await ideas.competing("Trees")
    with pytest.raises(PermissionDenied):
        await ideas.handlers.tag(OTHER, shown.id, TAG, adding=True)


async def test_a_permalink_names_the_campaigns_submit_page(ideas: Ideas):
    assert await ideas.handlers.permalink(MEMBER, CAMPAIGN, "", "") == f"{PUBLIC_URL}/c/{CAMPAIGN}/submit"
    assert await ideas.handlers.permalink(OUTSIDER, CAMPAIGN, "street/main", "poster 1") == (
        f"{PUBLIC_URL}/c/{CAMPAIGN}/submit?context_id=street%2Fmain&source=poster+1")
    with pytest.raises(InvalidArgument):
        await ideas.handlers.permalink(MEMBER, CAMPAIGN, "no spaces", "")
    with pytest.raises(NotFound):
        await ideas.handlers.permalink(MEMBER, "no-such-campaign", "", "")


async def test_results_rank_by_coins_share_ranks_and_say_when_final(ideas: Ideas):
    ideas.campaign.type = CampaignType.OPEN
    first, second, third = [await ideas.submit(MEMBER, t) for t in ("Bike lanes", "Trees", "Benches")]
    ideas.coins.coins.update({first.id: 10, second.id: 30, third.id: 10})
    ideas.coins.backers.update({first.id: 1, second.id: 3, third.id: 2})
    final, ended, ranking = await ideas.handlers.result(OUTSIDER, CAMPAIGN)
    assert (final, ended) == (False, None)
    assert [(r.rank, r.idea.title, r.coins, r.backers) for r in ranking] == [
        (1, "Trees", 30, 3), (2, "Bike lanes", 10, 1), (2, "Benches", 10, 2)]
    ideas.coins.final_at = datetime(2026, 12, 1, tzinfo=timezone.utc)
    await ideas.handlers.change_status(MANAGER, second.id, IdeaStatus.ACCEPTED, "")
    final, ended, ranking = await ideas.handlers.result(OUTSIDER, CAMPAIGN)
    assert (final, ended) == (True, ideas.coins.final_at)
    assert ranking[0].idea.status == IdeaStatus.ACCEPTED  # decisions after the vote show in the result


# ---- for other services --------------------------------------------------------------------------------------------

async def test_batch_returns_the_ideas_that_exist(ideas: Ideas):
    idea = await ideas.submit(MEMBER, "Bike lanes")
    assert await ideas.handlers.batch([idea.id, str(uuid.uuid4())]) == [idea]
    with pytest.raises(InvalidArgument):
        await ideas.handlers.batch(["not-a-uuid"])


async def test_a_removed_tag_leaves_every_idea_of_its_campaign(ideas: Ideas):
    tagged = await ideas.submit(MEMBER, "Bike lanes", tags=(TAG, OTHER_TAG))
    also = await ideas.submit(OTHER, "Trees", tags=(TAG,))
    untagged = await ideas.submit(OTHER, "Benches")
    assert await ideas.handlers.drop_tag(CAMPAIGN, TAG) == 2
    assert [ideas.stored(i.id).tag_ids for i in (tagged, also, untagged)] == [(OTHER_TAG,), (), ()]
    assert await ideas.handlers.drop_tag("other-campaign", OTHER_TAG) == 0
    with pytest.raises(InvalidArgument):
        await ideas.handlers.drop_tag(CAMPAIGN, "not-a-uuid")


async def test_other_services_page_through_every_idea_of_a_campaign_oldest_first(ideas: Ideas):
    pending = await ideas.submit(MEMBER, "Bike lanes", tags=(TAG,))
    competing = await ideas.competing("Trees on every street", caller=OTHER)
    rejected = await ideas.submit(OTHER, "Benches")
    await ideas.handlers.change_status(MANAGER, rejected.id, IdeaStatus.REJECTED, "no room")
    ideas.world.campaigns["elsewhere"] = FakeCampaign("elsewhere", roles={MEMBER.user_id: CampaignRole.MEMBER})
    await ideas.handlers.create(MEMBER, "elsewhere", "Not this campaign", "", "", "", [], False)

    first, token = await ideas.handlers.campaign_ideas(CAMPAIGN, 2, "")
    later = await ideas.submit(MEMBER, "Fountains")  # submitted meanwhile: lands on a later page, shifts nothing
    rest, last = await ideas.handlers.campaign_ideas(CAMPAIGN, 2, token)
    assert [i.id for i in first + rest] == [pending.id, competing.id, rejected.id, later.id] and last == ""
    assert [i.status for i in first + rest] == [IdeaStatus.PENDING, IdeaStatus.COMPETING, IdeaStatus.REJECTED,
                                                IdeaStatus.PENDING]
    assert first[0].tag_ids == (TAG,) and first[0].submitter_name == "Mia Member"
    assert ideas.stored(rejected.id).history and all(i.history == () for i in first + rest)
    everything, none_left = await ideas.handlers.campaign_ideas(CAMPAIGN, 0, "")  # 500 by default
    assert len(everything) == 4 and none_left == ""
    assert await ideas.handlers.campaign_ideas("no-ideas-here", 0, "") == ([], "")


async def test_listing_a_campaigns_ideas_refuses_a_bad_page(ideas: Ideas):
    for title in ("Bike lanes", "Trees", "Benches"):
        await ideas.submit(MEMBER, title)
    _, token = await ideas.handlers.campaign_ideas(CAMPAIGN, 1, "")
    _, listing_token = await ideas.handlers.listing(MANAGER, CAMPAIGN, None, "", "", "", "newest", 1, "")
    assert token and listing_token
    for campaign_id, page_size, page_token, field in (
            (CAMPAIGN, 1001, "", "page_size"), (CAMPAIGN, -1, "", "page_size"),
            (CAMPAIGN, 1, "forged", "page_token"), (CAMPAIGN, 1, listing_token, "page_token"),
            ("other-campaign", 1, token, "page_token"), ("Not A Slug", 1, "", "campaign_id")):
        with pytest.raises(InvalidArgument) as bad:
            await ideas.handlers.campaign_ideas(campaign_id, page_size, page_token)
        assert bad.value.field == field, (campaign_id, page_size, page_token)
    assert len((await ideas.handlers.campaign_ideas(CAMPAIGN, 1000, ""))[0]) == 3


# ---- events (issue 9): written in the unit of work of the change, gone with it on a rollback ------------------------

def status_moves(ideas: Ideas, idea_id: str) -> list[tuple[int, int]]:
    return [(e.idea_status_changed.from_status, e.idea_status_changed.to_status)
            for e in ideas.world.events("idea_status_changed") if e.idea_status_changed.idea.id == idea_id]


async def test_a_submission_tells_the_idea_with_its_tags_named(ideas: Ideas):
    ideas.campaign.tag_names[TAG] = "Energy"
    idea = await ideas.submit(MEMBER, "Bike lanes on Main Street", tags=(TAG,), context_id="street/main")
    [event] = ideas.world.events()
    assert (event.type, event.source, event.campaign_id, event.actor_id, event.subject) == (
        "coins.v1.IdeaSubmitted", "idea", CAMPAIGN, MEMBER.user_id, f"ideas/{idea.id}")
    uuid.UUID(event.event_id)
    told = event.idea_submitted
    assert (told.idea.id, told.idea.title, told.idea.description, told.idea.status, told.idea.submitter_name,
            list(told.idea.tag_ids), told.idea.context_id) == (
        idea.id, "Bike lanes on Main Street", "why it matters", res.IDEA_STATUS_PENDING, "Mia Member", [TAG],
        "street/main")
    assert [(t.id, t.name, t.campaign_id) for t in told.tags] == [(TAG, "Energy", CAMPAIGN)]
    assert not told.idea.status_history


async def test_an_open_campaigns_submission_is_told_competing_and_a_lost_one_not_at_all(ideas: Ideas):
    ideas.campaign.type = CampaignType.OPEN
    ideas.coins.failing = ConnectionError("coin service unreachable")
    with pytest.raises(ConnectionError):
        await ideas.submit(MEMBER, "Bike lanes")
    assert ideas.world.events() == []  # rolled back with the idea
    ideas.world.request = request("r1", caller=MEMBER, method="/coins.v1.IdeaService/CreateIdea")
    idea = await ideas.submit(MEMBER, "Bike lanes")
    await ideas.submit(MEMBER, "Bike lanes")  # the repeat replays the answer and tells nothing again
    [event] = ideas.world.events()
    assert (event.idea_submitted.idea.id, event.idea_submitted.idea.status) == (idea.id, res.IDEA_STATUS_COMPETING)


async def test_an_edit_tells_the_fields_that_changed(ideas: Ideas):
    idea = await ideas.submit(MEMBER, "Bike lanes")
    edited = await ideas.handlers.update(MEMBER, idea.id, "Bike lanes everywhere", "why it matters")
    [event] = ideas.world.events("idea_edited")
    assert (event.type, event.actor_id, event.subject) == ("coins.v1.IdeaEdited", MEMBER.user_id, f"ideas/{idea.id}")
    assert list(event.idea_edited.update_mask.paths) == ["title"]  # the description was sent unchanged
    assert (event.idea_edited.idea.title, event.idea_edited.idea.description) == ("Bike lanes everywhere",
                                                                                   "why it matters")
    assert event.idea_edited.idea.update_time.ToDatetime(timezone.utc) == edited.updated_at
    await ideas.handlers.update(MEMBER, idea.id, "Bike lanes everywhere", None)
    assert len(ideas.world.events("idea_edited")) == 1  # nothing changed, nothing told
    with pytest.raises(PermissionDenied):
        await ideas.handlers.update(MANAGER, idea.id, "Mine now", None)
    assert len(ideas.world.events("idea_edited")) == 1


async def test_each_status_move_is_told_once_with_its_reason_and_mover(ideas: Ideas):
    idea = await ideas.submit(MEMBER, "Bike lanes")
    await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.APPROVED, "good one")
    [approval] = ideas.world.events("idea_status_changed")
    assert (approval.type, approval.actor_id, approval.campaign_id, approval.subject) == (
        "coins.v1.IdeaStatusChanged", MANAGER.user_id, CAMPAIGN, f"ideas/{idea.id}")
    told = approval.idea_status_changed
    # "approved" is a moment: the event says APPROVED, the idea it carries is competing
    assert (told.from_status, told.to_status, told.reason, told.idea.status, told.idea.submitter_id) == (
        res.IDEA_STATUS_PENDING, res.IDEA_STATUS_APPROVED, "good one", res.IDEA_STATUS_COMPETING, MEMBER.user_id)
    for step in (IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS, IdeaStatus.COMPLETE):
        await ideas.handlers.change_status(MANAGER, idea.id, step, "")
    assert status_moves(ideas, idea.id) == [
        (res.IDEA_STATUS_PENDING, res.IDEA_STATUS_APPROVED), (res.IDEA_STATUS_COMPETING, res.IDEA_STATUS_ACCEPTED),
        (res.IDEA_STATUS_ACCEPTED, res.IDEA_STATUS_IN_PROGRESS),
        (res.IDEA_STATUS_IN_PROGRESS, res.IDEA_STATUS_COMPLETE)]
    last = ideas.world.events("idea_status_changed")[-1].idea_status_changed.idea
    assert last.complete_time.ToDatetime(timezone.utc) == ideas.stored(idea.id).completed_at
    pending = await ideas.submit(OTHER, "Trees")
    await ideas.handlers.change_status(MANAGER, pending.id, IdeaStatus.REJECTED, "off topic")
    assert status_moves(ideas, pending.id) == [(res.IDEA_STATUS_PENDING, res.IDEA_STATUS_REJECTED)]


async def test_a_decision_is_told_when_it_closes_and_a_refused_one_never(ideas: Ideas):
    idea = await ideas.competing("Bike lanes")
    ideas.coins.refusing[idea.id] = errors.COINS_ALREADY_EXPENDED
    with pytest.raises(CoinsRefused):
        await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "")
    assert status_moves(ideas, idea.id) == [(res.IDEA_STATUS_PENDING, res.IDEA_STATUS_APPROVED)]
    del ideas.coins.refusing[idea.id]
    await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.REJECTED, "no budget")
    rejection = ideas.world.events("idea_status_changed")[-1]
    assert (rejection.actor_id, rejection.idea_status_changed.reason, rejection.idea_status_changed.to_status,
            rejection.idea_status_changed.idea.status) == (
        MANAGER.user_id, "no budget", res.IDEA_STATUS_REJECTED, res.IDEA_STATUS_REJECTED)


async def test_a_decision_the_sweeper_finishes_is_told_exactly_once(ideas: Ideas):
    idea = await ideas.competing("Bike lanes")
    ideas.world.request = request("accept-1")
    ideas.coins.failing = ConnectionError("coin service unreachable")
    with pytest.raises(ConnectionError):
        await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "funded")
    assert len(status_moves(ideas, idea.id)) == 1  # the approval only: the decision is open
    ideas.world.request = None
    ideas.coins.failing = ConnectionError("still unreachable")
    await ideas.handlers.resume_decisions(0)
    assert len(status_moves(ideas, idea.id)) == 1
    await ideas.handlers.resume_decisions(0)
    [decision] = ideas.world.stored.decisions.values()
    await ideas.handlers.finish_decision(decision.id)  # late replica
    ideas.world.request = request("accept-1")
    await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "funded")  # the client's retry
    assert status_moves(ideas, idea.id)[1:] == [(res.IDEA_STATUS_COMPETING, res.IDEA_STATUS_ACCEPTED)]
    accepted = ideas.world.events("idea_status_changed")[-1]
    assert (accepted.actor_id, accepted.idea_status_changed.reason) == (MANAGER.user_id, "funded")


async def test_a_decision_two_replicas_race_for_is_told_once(ideas: Ideas):
    idea = await ideas.competing("Bike lanes")

    async def sweeper_of_another_replica() -> None:
        assert await ideas.handlers.resume_decisions(0) == 1

    ideas.coins.meanwhile = sweeper_of_another_replica
    await ideas.handlers.change_status(MANAGER, idea.id, IdeaStatus.ACCEPTED, "")
    assert status_moves(ideas, idea.id)[1:] == [(res.IDEA_STATUS_COMPETING, res.IDEA_STATUS_ACCEPTED)]


async def test_tags_added_and_removed_are_told_with_the_tags_named(ideas: Ideas):
    ideas.campaign.tag_names.update({TAG: "Energy", OTHER_TAG: "Water"})
    idea = await ideas.submit(MEMBER, "Bike lanes", tags=(TAG,))
    tagged = await ideas.handlers.tag(MANAGER, idea.id, OTHER_TAG, adding=True)
    [added] = ideas.world.events("idea_edited")
    assert (added.actor_id, list(added.idea_edited.update_mask.paths)) == (MANAGER.user_id, ["tag_ids"])
    assert list(added.idea_edited.idea.tag_ids) == [TAG, OTHER_TAG]
    assert [t.name for t in added.idea_edited.tags] == ["Energy", "Water"]
    assert added.idea_edited.idea.update_time.ToDatetime(timezone.utc) == tagged.updated_at != idea.updated_at
    await ideas.handlers.tag(MEMBER, idea.id, OTHER_TAG, adding=True)  # it has it: nothing changes, nothing told
    await ideas.handlers.tag(MEMBER, idea.id, str(uuid.uuid4()), adding=False)
    assert len(ideas.world.events("idea_edited")) == 1
    await ideas.handlers.tag(MEMBER, idea.id, TAG, adding=False)
    removed = ideas.world.events("idea_edited")[-1].idea_edited
    assert (list(removed.idea.tag_ids), [t.name for t in removed.tags]) == ([OTHER_TAG], ["Water"])
