"""The campaign service's use cases over in-memory ports: campaigns and their lifecycle, membership, invitations,
sponsors, tags, and what other services read. What a user would notice: answers, refusals and their reasons, what
was stored, which coin moves were asked for."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from coins.v1 import events_pb2 as ev
from coins.v1 import resources_pb2 as res
from services.campaign import domain
from services.campaign.domain import Campaign, CampaignFields, CoinPolicy
from services.campaign.handlers import REMOVE_TAG
from services.common import errors, sealing
from services.common.concepts import CampaignRole, CampaignStatus, CampaignType, InvitationState, SystemRole
from services.common.context import CallContext, Caller, reset_call, set_call
from services.common.errors import (
    AlreadyExists,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from services.common.idempotency import RequestKey
from tests.unit.handlers.fakes_campaign import PUBLIC_URL, CampaignWorld, campaign_world

ACTIVE, COMPLETED, ARCHIVED = CampaignStatus.ACTIVE, CampaignStatus.COMPLETED, CampaignStatus.ARCHIVED
MEMBER, MANAGER = CampaignRole.MEMBER, CampaignRole.MANAGER


class World:
    """A campaign service over fakes with an admin, a manager, a member and a stranger."""

    def __init__(self) -> None:
        self.fakes: CampaignWorld = campaign_world()
        self.handlers = self.fakes.handlers
        self.admin = self.person("admin@example.org", SystemRole.ADMIN)
        self.manager = self.person("manager@example.org")
        self.member = self.person("member@example.org")
        self.stranger = self.person("stranger@example.org")

    def person(self, email: str, *roles: SystemRole) -> Caller:
        account = self.fakes.directory.add(email, roles=frozenset(roles))
        return Caller(account.id, email, frozenset(roles))

    async def campaign(self, campaign_id: str = "spring-ideas", type_: CampaignType = CampaignType.OPEN,
                       status: CampaignStatus = CampaignStatus.DRAFT, **policy: int) -> Campaign:
        """A campaign with the manager and the member in it, moved to `status`."""
        await self.handlers.create(self.admin, campaign_id, CampaignFields(title="Spring ideas", type=type_,
                                                                           policy=dict(policy)))
        await self.handlers.set_role(self.admin, campaign_id, self.manager.user_id, MANAGER)
        await self.handlers.set_role(self.admin, campaign_id, self.member.user_id, MEMBER)
        for target in (ACTIVE, COMPLETED, ARCHIVED)[:list(CampaignStatus).index(status)]:
            await self.handlers.transition(self.admin, campaign_id, target)
        self.fakes.coins.calls.clear()
        return await self.handlers.get(self.admin, campaign_id)

    def stored(self, campaign_id: str) -> Campaign:
        return self.fakes.stored.campaigns[campaign_id]

    def roles(self, campaign_id: str) -> dict[str, CampaignRole]:
        campaign = self.stored(campaign_id)
        return {user_id: m.role for (campaign_uuid, user_id), m in self.fakes.stored.members.items()
                if campaign_uuid == campaign.campaign_uuid}

    def events(self) -> list[ev.Event]:
        """The events committed since the last look, oldest first."""
        found, self.fakes.stored.events[:] = list(self.fakes.stored.events), []
        return found

    async def invite(self, email: str, role: CampaignRole = MEMBER, campaign_id: str = "spring-ideas") -> str:
        """The token of a fresh invitation link."""
        [invitation] = await self.handlers.invite(self.manager if role == MEMBER else self.admin, campaign_id,
                                                  [email], role)
        return invitation.link.rsplit("/", 1)[1]


@pytest.fixture
def world() -> World:
    return World()


@contextlib.contextmanager
def request(caller: Caller, request_id: str, method: str = "/coins.v1.CampaignService/X",
            body: str = "body") -> Iterator[None]:
    """A call carrying a request_id, as the interceptor would set it up."""
    token = set_call(CallContext(request_id="test", caller=caller,
                                 request_key=RequestKey(caller.user_id, method, request_id, body)))
    try:
        yield
    finally:
        reset_call(token)


def refused(error: DomainError, reason: str) -> None:
    assert error.reason == reason, (error.reason, str(error))


# ---- creating and editing ------------------------------------------------------------------------------------

async def test_an_admin_creates_a_draft_with_its_coin_policy(world: World):
    created = await world.handlers.create(world.admin, "spring-ideas", CampaignFields(
        title=" Spring ideas ", type=CampaignType.MEDIATED, policy={"initial_allocation": 40}))
    assert (created.campaign_id, created.title, created.type, created.status) == (
        "spring-ideas", "Spring ideas", CampaignType.MEDIATED, CampaignStatus.DRAFT)
    assert created.policy == CoinPolicy(initial_allocation=40)
    assert world.stored("spring-ideas") == created
    with pytest.raises(PermissionDenied):
        await world.handlers.create(world.manager, "other-ideas", CampaignFields(title="x", type=CampaignType.OPEN))


@pytest.mark.parametrize("campaign_id,fields", [
    ("No Caps", CampaignFields(title="t", type=CampaignType.OPEN)),
    ("spring-ideas", CampaignFields(title="", type=CampaignType.OPEN)),
    ("spring-ideas", CampaignFields(title="t")),
    ("spring-ideas", CampaignFields(title="t", type=CampaignType.OPEN, icon_url="ftp://x")),
    ("spring-ideas", CampaignFields(title="t", type=CampaignType.OPEN, policy={"max_per_idea": -1})),
    ("spring-ideas", CampaignFields(title="t", type=CampaignType.OPEN, start_time=datetime(2027, 1, 2, tzinfo=UTC),
                                    end_time=datetime(2027, 1, 1, tzinfo=UTC))),
])
async def test_creating_checks_every_field(world: World, campaign_id: str, fields: CampaignFields):
    with pytest.raises(InvalidArgument):
        await world.handlers.create(world.admin, campaign_id, fields)
    assert not world.fakes.stored.campaigns


async def test_a_repeated_create_gets_the_first_answer_and_a_taken_id_is_refused(world: World):
    fields = CampaignFields(title="Spring ideas", type=CampaignType.OPEN)
    with request(world.admin, "r1"):
        first = await world.handlers.create(world.admin, "spring-ideas", replace(fields))
        assert await world.handlers.create(world.admin, "spring-ideas", replace(fields)) == first
    with request(world.admin, "r1", body="another body"), pytest.raises(InvalidArgument) as reused:
        await world.handlers.create(world.admin, "spring-ideas", replace(fields))
    refused(reused.value, errors.REQUEST_ID_REUSED)
    with pytest.raises(AlreadyExists) as taken:
        await world.handlers.create(world.admin, "spring-ideas", replace(fields))
    refused(taken.value, errors.ALREADY_EXISTS)
    assert list(world.fakes.stored.campaigns) == ["spring-ideas"]


async def test_managers_edit_and_the_policy_locks_after_the_draft(world: World):
    await world.campaign()
    edited = await world.handlers.update(world.manager, "spring-ideas", CampaignFields(
        description="Bring ideas", policy={"max_per_idea": 10}))
    assert (edited.title, edited.description, edited.policy.max_per_idea) == ("Spring ideas", "Bring ideas", 10)
    assert world.stored("spring-ideas") == edited
    with pytest.raises(PermissionDenied):
        await world.handlers.update(world.member, "spring-ideas", CampaignFields(title="Mine"))
    with pytest.raises(InvalidArgument):
        await world.handlers.update(world.manager, "spring-ideas", CampaignFields(
            start_time=datetime(2027, 1, 2, tzinfo=UTC), end_time=datetime(2027, 1, 1, tzinfo=UTC)))

    await world.handlers.transition(world.admin, "spring-ideas", ACTIVE)
    for locked in (CampaignFields(policy={"initial_allocation": 5}), CampaignFields(type=CampaignType.CLOSED)):
        with pytest.raises(FailedPrecondition) as error:
            await world.handlers.update(world.manager, "spring-ideas", locked)
        refused(error.value, errors.POLICY_LOCKED)
    renamed = await world.handlers.update(world.manager, "spring-ideas", CampaignFields(title="Summer ideas"))
    assert (renamed.title, renamed.policy.max_per_idea, renamed.status) == ("Summer ideas", 10, ACTIVE)


async def test_strangers_find_neither_drafts_nor_closed_campaigns(world: World):
    await world.campaign("open-draft")
    await world.campaign("closed-one", CampaignType.CLOSED, ACTIVE)
    await world.campaign("open-one", CampaignType.OPEN, ACTIVE)
    for hidden in ("open-draft", "closed-one", "no-such-one"):
        with pytest.raises(NotFound) as error:
            await world.handlers.get(world.stranger, hidden)
        refused(error.value, errors.CAMPAIGN_NOT_FOUND)
    assert (await world.handlers.get(world.member, "closed-one")).campaign_id == "closed-one"

    seen, token = await world.handlers.list_campaigns(world.stranger, None, None, 0, "")
    assert ([c.campaign_id for c in seen], token) == (["open-one"], "")
    first, token = await world.handlers.list_campaigns(world.member, None, None, 2, "")
    rest, last = await world.handlers.list_campaigns(world.member, None, None, 2, token)
    assert [c.campaign_id for c in first + rest] == ["open-one", "closed-one", "open-draft"] and last == ""
    drafts, _ = await world.handlers.list_campaigns(world.admin, CampaignStatus.DRAFT, CampaignType.OPEN, 0, "")
    assert [c.campaign_id for c in drafts] == ["open-draft"]


# ---- the lifecycle -------------------------------------------------------------------------------------------

async def test_activation_opens_the_coins_of_every_member_before_it_answers(world: World):
    await world.campaign(initial_allocation=25)
    active = await world.handlers.transition(world.manager, "spring-ideas", ACTIVE)
    assert active.status == ACTIVE and world.stored("spring-ideas").status == ACTIVE
    assert world.fakes.coins.calls == [("open_campaign", "spring-ideas", CoinPolicy(initial_allocation=25),
                                        sorted([world.manager.user_id, world.member.user_id]))]
    assert (await world.handlers.transition(world.manager, "spring-ideas", COMPLETED)).status == COMPLETED
    assert (await world.handlers.transition(world.admin, "spring-ideas", ARCHIVED)).status == ARCHIVED
    assert world.fakes.coins.calls[1:] == [("complete", "spring-ideas"), ("archive", "spring-ideas")]


async def test_only_managers_move_a_campaign_and_only_one_step_forward(world: World):
    await world.campaign()
    with pytest.raises(PermissionDenied):
        await world.handlers.transition(world.member, "spring-ideas", ACTIVE)
    for target in (COMPLETED, ARCHIVED, CampaignStatus.DRAFT):
        with pytest.raises(FailedPrecondition) as error:
            await world.handlers.transition(world.manager, "spring-ideas", target)
        refused(error.value, errors.INVALID_TRANSITION)
    assert world.stored("spring-ideas").status == CampaignStatus.DRAFT and world.fakes.coins.calls == []


async def test_a_failing_coin_side_leaves_the_campaign_as_it_was(world: World):
    await world.campaign()
    world.fakes.coins.fail = RuntimeError("coin service down")
    with pytest.raises(RuntimeError):
        await world.handlers.transition(world.manager, "spring-ideas", ACTIVE)
    assert world.stored("spring-ideas").status == CampaignStatus.DRAFT


async def test_a_repeated_transition_answers_again_without_moving_coins_again(world: World):
    await world.campaign()
    with request(world.manager, "activate-1"):
        first = await world.handlers.transition(world.manager, "spring-ideas", ACTIVE)
        again = await world.handlers.transition(world.manager, "spring-ideas", ACTIVE)
    assert again.status == first.status == ACTIVE
    assert [call[0] for call in world.fakes.coins.calls] == ["open_campaign"]


async def test_the_scheduler_moves_campaigns_whose_dates_passed(world: World):
    now = datetime.now(UTC)
    await world.campaign("starts-now")
    await world.campaign("ends-now", status=ACTIVE)
    await world.campaign("starts-later")
    await world.handlers.update(world.admin, "starts-now", CampaignFields(start_time=now - timedelta(minutes=1)))
    await world.handlers.update(world.admin, "ends-now", CampaignFields(end_time=now - timedelta(minutes=1)))
    await world.handlers.update(world.admin, "starts-later", CampaignFields(start_time=now + timedelta(hours=1)))

    assert await world.handlers.run_due_transitions(now) == 2
    assert [world.stored(c).status for c in ("starts-now", "ends-now", "starts-later")] == [
        ACTIVE, COMPLETED, CampaignStatus.DRAFT]
    assert sorted(call[:2] for call in world.fakes.coins.calls) == [("complete", "ends-now"),
                                                                     ("open_campaign", "starts-now")]
    assert await world.handlers.run_due_transitions(now) == 0


async def test_a_campaign_that_cannot_move_holds_up_no_other(world: World):
    now = datetime.now(UTC)
    for campaign_id in ("stuck", "starts-now"):
        await world.campaign(campaign_id)
        await world.handlers.update(world.admin, campaign_id, CampaignFields(start_time=now - timedelta(minutes=1)))
    world.fakes.coins.failing = {"stuck"}
    assert await world.handlers.run_due_transitions(now) == 1
    assert [world.stored(c).status for c in ("stuck", "starts-now")] == [CampaignStatus.DRAFT, ACTIVE]
    world.fakes.coins.failing = set()
    assert await world.handlers.run_due_transitions(now) == 1  # tried again on the next pass
    assert world.stored("stuck").status == ACTIVE


# ---- joining -------------------------------------------------------------------------------------------------

async def test_joining_an_active_campaign_grants_the_initial_coins_once(world: World):
    await world.campaign(status=ACTIVE)
    joined = await world.handlers.join(world.stranger, "spring-ideas")
    assert (joined.campaign_id, joined.user_id, joined.email, joined.role) == (
        "spring-ideas", world.stranger.user_id, world.stranger.email, MEMBER)
    assert await world.handlers.join(world.stranger, "spring-ideas") == joined
    assert world.fakes.coins.calls == [("grant", "spring-ideas", world.stranger.user_id)]


async def test_joining_a_draft_grants_nothing_yet(world: World):
    await world.campaign()  # strangers do not see drafts: an admin does
    await world.handlers.join(world.admin, "spring-ideas")
    assert world.roles("spring-ideas")[world.admin.user_id] == MEMBER and world.fakes.coins.calls == []


async def test_closed_and_ended_campaigns_take_nobody_by_joining(world: World):
    await world.campaign("closed-one", CampaignType.CLOSED, ACTIVE)
    await world.campaign("ended-one", CampaignType.OPEN, COMPLETED)
    with pytest.raises(NotFound):  # a stranger does not see a closed campaign at all
        await world.handlers.join(world.stranger, "closed-one")
    await world.handlers.add_sponsor(world.admin, "closed-one",
                                     (sponsor := world.person("sp@example.org", SystemRole.SPONSOR)).user_id)
    with pytest.raises(PermissionDenied):
        await world.handlers.join(sponsor, "closed-one")
    with pytest.raises(FailedPrecondition) as error:
        await world.handlers.join(world.stranger, "ended-one")
    refused(error.value, errors.CAMPAIGN_INACTIVE)
    assert world.fakes.coins.calls == []


# ---- invitations ---------------------------------------------------------------------------------------------

async def test_an_invitation_link_admits_whoever_holds_it(world: World):
    await world.campaign("closed-one", CampaignType.CLOSED, ACTIVE)
    [invitation] = await world.handlers.invite(world.manager, "closed-one", ["Bo@Example.org"], MEMBER)
    assert invitation.link.startswith(f"{PUBLIC_URL}/invitations/")
    assert (invitation.email, invitation.role, invitation.invited_by) == ("Bo@Example.org", MEMBER,
                                                                          world.manager.user_id)
    token = invitation.link.rsplit("/", 1)[1]
    assert list(world.fakes.stored.invitations) == [domain.token_digest(token)]  # only the digest is kept

    bo = world.person("someone.else@example.org")  # the link, not the address, admits
    joined = await world.handlers.accept_invitation(bo, token, "")
    assert (joined.campaign_id, joined.user_id, joined.role) == ("closed-one", bo.user_id, MEMBER)
    assert await world.handlers.accept_invitation(bo, token, "closed-one") == joined  # its holder retrying
    assert world.fakes.coins.calls == [("grant", "closed-one", bo.user_id)]
    with pytest.raises(FailedPrecondition) as used:
        await world.handlers.accept_invitation(world.stranger, token, "")
    refused(used.value, errors.INVITATION_USED)
    assert world.stranger.user_id not in world.roles("closed-one")


async def test_dead_links_are_refused_for_what_they_are(world: World):
    await world.campaign("closed-one", CampaignType.CLOSED, ACTIVE)
    await world.campaign("other-one", CampaignType.CLOSED, ACTIVE)
    expired, revoked, elsewhere = [await world.invite(e, campaign_id="closed-one")
                                   for e in ("a@example.org", "b@example.org", "c@example.org")]
    campaign_uuid, invitation = world.fakes.stored.invitations[domain.token_digest(expired)]
    world.fakes.stored.invitations[domain.token_digest(expired)] = (
        campaign_uuid, replace(invitation, expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    await world.handlers.revoke_invitation(world.manager, "closed-one", "B@example.org")
    unknown = domain.new_invitation_token()
    for token, campaign_id, reason in ((expired, "", errors.INVITATION_EXPIRED),
                                       (revoked, "", errors.INVITATION_REVOKED),
                                       (unknown, "", errors.INVITATION_NOT_FOUND),
                                       (elsewhere, "other-one", errors.INVITATION_NOT_FOUND)):
        with pytest.raises(DomainError) as error:
            await world.handlers.accept_invitation(world.stranger, token, campaign_id)
        refused(error.value, reason)
        assert "closed-one" not in str(error.value.metadata)
    with pytest.raises(InvalidArgument):
        await world.handlers.accept_invitation(world.stranger, "too short", "")
    assert world.stranger.user_id not in world.roles("closed-one")


async def test_only_admins_invite_managers_and_an_invitation_never_demotes(world: World):
    await world.campaign(status=ACTIVE)
    with pytest.raises(PermissionDenied):
        await world.handlers.invite(world.manager, "spring-ideas", ["x@example.org"], MANAGER)
    with pytest.raises(PermissionDenied):
        await world.handlers.invite(world.member, "spring-ideas", ["x@example.org"], MEMBER)
    promote = await world.invite(world.member.email, MANAGER)
    assert (await world.handlers.accept_invitation(world.member, promote, "")).role == MANAGER
    keep = await world.invite(world.manager.email, MEMBER)
    assert (await world.handlers.accept_invitation(world.manager, keep, "")).role == MANAGER
    assert world.roles("spring-ideas")[world.member.user_id] == MANAGER
    assert world.fakes.coins.calls == []  # both were members already


async def test_inviting_checks_the_addresses_and_the_campaign(world: World):
    await world.campaign("ended-one", status=COMPLETED)
    await world.campaign()
    for emails in ([], ["not an email"], [f"{n}@example.org" for n in range(201)]):
        with pytest.raises(InvalidArgument):
            await world.handlers.invite(world.manager, "spring-ideas", emails, MEMBER)
    twice = await world.handlers.invite(world.manager, "spring-ideas", ["a@example.org", "A@example.org"], MEMBER)
    assert [i.email for i in twice] == ["a@example.org"]
    with pytest.raises(FailedPrecondition) as error:
        await world.handlers.invite(world.manager, "ended-one", ["a@example.org"], MEMBER)
    refused(error.value, errors.CAMPAIGN_INACTIVE)


async def test_managers_list_and_revoke_invitations(world: World):
    await world.campaign()
    first = await world.invite("a@example.org")
    await world.invite("b@example.org")
    renewed = await world.invite("a@example.org")  # inviting again replaces the open link
    assert first != renewed
    with pytest.raises(NotFound):
        await world.handlers.accept_invitation(world.stranger, first, "")
    await world.handlers.accept_invitation(world.stranger, renewed, "")
    await world.handlers.revoke_invitation(world.manager, "spring-ideas", "b@example.org")

    listed, _ = await world.handlers.list_invitations(world.manager, "spring-ideas", None, 0, "")
    assert sorted((i.email, i.state(datetime.now(UTC))) for i in listed) == [
        ("a@example.org", InvitationState.ACCEPTED), ("b@example.org", InvitationState.REVOKED)]
    revoked, _ = await world.handlers.list_invitations(world.admin, "spring-ideas", InvitationState.REVOKED, 0, "")
    assert [i.email for i in revoked] == ["b@example.org"]
    with pytest.raises(PermissionDenied):
        await world.handlers.list_invitations(world.member, "spring-ideas", None, 0, "")
    with pytest.raises(PermissionDenied):
        await world.handlers.revoke_invitation(world.member, "spring-ideas", "a@example.org")
    with pytest.raises(NotFound) as error:
        await world.handlers.revoke_invitation(world.manager, "spring-ideas", "b@example.org")
    refused(error.value, errors.NOT_FOUND)


# ---- members -------------------------------------------------------------------------------------------------

async def test_members_see_names_and_managers_see_emails(world: World):
    await world.campaign(status=ACTIVE)
    as_member, _ = await world.handlers.list_members(world.member, "spring-ideas", None, 0, "")
    as_manager, _ = await world.handlers.list_members(world.manager, "spring-ideas", None, 0, "")
    assert [(m.user_id, m.email) for m in as_member] == [(world.manager.user_id, ""), (world.member.user_id, "")]
    assert [m.email for m in as_manager] == [world.manager.email, world.member.email]
    assert all(m.full_name for m in as_member)
    managers, _ = await world.handlers.list_members(world.admin, "spring-ideas", MANAGER, 0, "")
    assert [m.user_id for m in managers] == [world.manager.user_id]
    with pytest.raises(PermissionDenied):
        await world.handlers.list_members(world.stranger, "spring-ideas", None, 0, "")


async def test_a_member_reads_its_own_membership_managers_read_anyones(world: World):
    await world.campaign(status=ACTIVE)
    own = await world.handlers.get_member(world.member, "spring-ideas", world.member.user_id)
    assert (own.user_id, own.role) == (world.member.user_id, domain.CampaignRole.MEMBER)
    assert (await world.handlers.get_member(world.manager, "spring-ideas", world.member.user_id)).user_id == \
        world.member.user_id
    with pytest.raises(PermissionDenied):
        await world.handlers.get_member(world.member, "spring-ideas", world.manager.user_id)
    with pytest.raises(NotFound) as error:
        await world.handlers.get_member(world.stranger, "spring-ideas", world.stranger.user_id)
    refused(error.value, errors.NOT_FOUND)


async def test_removing_a_member_closes_its_coin_account(world: World):
    await world.campaign(status=ACTIVE)
    await world.handlers.remove_member(world.manager, "spring-ideas", world.member.user_id)
    assert world.member.user_id not in world.roles("spring-ideas")
    assert world.fakes.coins.calls == [("close_account", "spring-ideas", world.member.user_id)]
    with pytest.raises(NotFound) as error:
        await world.handlers.remove_member(world.manager, "spring-ideas", world.member.user_id)
    refused(error.value, errors.NOT_FOUND)


async def test_who_may_remove_whom(world: World):
    await world.campaign(status=ACTIVE)
    other_manager = world.person("m2@example.org")
    await world.handlers.set_role(world.admin, "spring-ideas", other_manager.user_id, MANAGER)
    with pytest.raises(PermissionDenied):
        await world.handlers.remove_member(world.member, "spring-ideas", world.manager.user_id)
    with pytest.raises(PermissionDenied):  # managers do not remove each other
        await world.handlers.remove_member(world.manager, "spring-ideas", other_manager.user_id)
    await world.handlers.remove_member(world.manager, "spring-ideas", world.manager.user_id)  # leaving
    await world.handlers.remove_member(world.admin, "spring-ideas", other_manager.user_id)
    await world.handlers.remove_member(world.member, "spring-ideas", world.member.user_id)
    assert world.roles("spring-ideas") == {}
    with pytest.raises(InvalidArgument):
        await world.handlers.remove_member(world.admin, "spring-ideas", "not-a-uuid")


async def test_admins_name_managers_and_bring_them_in(world: World):
    await world.campaign(status=ACTIVE)
    promoted = await world.handlers.set_role(world.admin, "spring-ideas", world.member.user_id, MANAGER)
    assert promoted.role == MANAGER and world.roles("spring-ideas")[world.member.user_id] == MANAGER
    newcomer = await world.handlers.set_role(world.admin, "spring-ideas", world.stranger.user_id, MANAGER)
    assert newcomer.role == MANAGER and newcomer.email == world.stranger.email
    assert world.fakes.coins.calls == [("grant", "spring-ideas", world.stranger.user_id)]
    with pytest.raises(PermissionDenied):
        await world.handlers.set_role(world.manager, "spring-ideas", world.member.user_id, MEMBER)
    with pytest.raises(NotFound):
        await world.handlers.set_role(world.admin, "spring-ideas", str(uuid.uuid4()), MANAGER)


# ---- sponsors ------------------------------------------------------------------------------------------------

async def test_sponsors_need_the_sponsor_role_and_only_managers_see_their_emails(world: World):
    await world.campaign("closed-one", CampaignType.CLOSED)
    sponsor = world.person("sponsor@example.org", SystemRole.SPONSOR)
    with pytest.raises(FailedPrecondition) as not_one:
        await world.handlers.add_sponsor(world.admin, "closed-one", world.stranger.user_id)
    refused(not_one.value, errors.NOT_A_SPONSOR)
    with pytest.raises(NotFound):
        await world.handlers.add_sponsor(world.admin, "closed-one", str(uuid.uuid4()))
    with pytest.raises(PermissionDenied):
        await world.handlers.add_sponsor(world.manager, "closed-one", sponsor.user_id)
    assert await world.handlers.add_sponsor(world.admin, "closed-one", sponsor.user_id) == [sponsor.user_id]
    assert await world.handlers.add_sponsor(world.admin, "closed-one", sponsor.user_id) == [sponsor.user_id]

    assert (await world.handlers.get(sponsor, "closed-one")).campaign_id == "closed-one"  # a sponsor sees it
    as_manager, _ = await world.handlers.sponsors(world.manager, "closed-one", 0, "")
    as_member, _ = await world.handlers.sponsors(world.member, "closed-one", 0, "")
    assert [(s.user_id, s.email) for s in as_manager] == [(sponsor.user_id, sponsor.email)]
    assert [(s.user_id, s.email) for s in as_member] == [(sponsor.user_id, "")] and as_member[0].full_name

    await world.handlers.remove_sponsor(world.admin, "closed-one", sponsor.user_id)
    with pytest.raises(NotFound):
        await world.handlers.get(sponsor, "closed-one")
    with pytest.raises(NotFound):
        await world.handlers.remove_sponsor(world.admin, "closed-one", sponsor.user_id)
    with pytest.raises(PermissionDenied):
        await world.handlers.remove_sponsor(world.manager, "closed-one", sponsor.user_id)


# ---- tags ----------------------------------------------------------------------------------------------------

async def test_managers_create_tags_once_per_name(world: World):
    await world.campaign()
    with request(world.manager, "tag-1"):
        tag = await world.handlers.create_tag(world.manager, "spring-ideas", "Energy", "", "#A0B1C2")
        assert await world.handlers.create_tag(world.manager, "spring-ideas", "Energy", "", "#A0B1C2") == tag
    assert (tag.campaign_id, tag.name, tag.color) == ("spring-ideas", "Energy", "#a0b1c2")
    with pytest.raises(AlreadyExists) as taken:
        await world.handlers.create_tag(world.manager, "spring-ideas", "energy", "", "")
    refused(taken.value, errors.ALREADY_EXISTS)
    with pytest.raises(PermissionDenied):
        await world.handlers.create_tag(world.member, "spring-ideas", "Water", "", "")
    with pytest.raises(InvalidArgument):
        await world.handlers.create_tag(world.manager, "spring-ideas", "Water", "", "blue")
    await world.handlers.create_tag(world.manager, "spring-ideas", "air", "", "")
    listed, _ = await world.handlers.list_tags(world.member, "spring-ideas", 0, "")
    assert [t.name for t in listed] == ["air", "Energy"]


async def test_managers_edit_tags_and_a_deleted_tag_leaves_the_ideas_through_the_outbox(world: World):
    await world.campaign()
    energy = await world.handlers.create_tag(world.manager, "spring-ideas", "Energy", "", "")
    await world.handlers.create_tag(world.manager, "spring-ideas", "Water", "", "")
    edited = await world.handlers.update_tag(world.manager, "spring-ideas", energy.id, "Power", "Watts", None)
    assert (edited.name, edited.description, edited.color) == ("Power", "Watts", "")
    recolored = await world.handlers.update_tag(world.manager, "spring-ideas", energy.id, None, None, "#00FF00")
    assert (recolored.name, recolored.color) == ("Power", "#00ff00")
    assert world.fakes.stored.tags[energy.id][1] == recolored
    with pytest.raises(AlreadyExists):
        await world.handlers.update_tag(world.manager, "spring-ideas", energy.id, "water", None, None)
    with pytest.raises(PermissionDenied):
        await world.handlers.delete_tag(world.member, "spring-ideas", energy.id)

    await world.handlers.delete_tag(world.manager, "spring-ideas", energy.id)
    assert energy.id not in world.fakes.stored.tags
    assert world.fakes.stored.outbox == [(REMOVE_TAG, {"campaign_id": "spring-ideas", "tag_id": energy.id})]
    with pytest.raises(NotFound) as gone:
        await world.handlers.delete_tag(world.manager, "spring-ideas", energy.id)
    refused(gone.value, errors.NOT_FOUND)
    assert len(world.fakes.stored.outbox) == 1


async def test_a_repeated_create_of_a_deleted_tag_finds_no_tag(world: World):
    await world.campaign()
    with request(world.manager, "tag-1"):
        tag = await world.handlers.create_tag(world.manager, "spring-ideas", "Energy", "", "")
    await world.handlers.delete_tag(world.manager, "spring-ideas", tag.id)
    with request(world.manager, "tag-1"), pytest.raises(NotFound):
        await world.handlers.create_tag(world.manager, "spring-ideas", "Energy", "", "")
    assert world.fakes.stored.tags == {}


# ---- domain events --------------------------------------------------------------------------------------------

def told(event: ev.Event) -> tuple[str, str, str, str]:
    """What an event says in its envelope: its payload field, campaign, actor and subject."""
    assert event.source == "campaign" and event.type == getattr(event, event.WhichOneof("payload")).DESCRIPTOR.full_name
    uuid.UUID(event.event_id)
    return event.WhichOneof("payload") or "", event.campaign_id, event.actor_id, event.subject


async def test_creating_and_editing_a_campaign_tell_search_what_changed(world: World):
    with request(world.admin, "create-1"):
        await world.handlers.create(world.admin, "spring-ideas", CampaignFields(title="Spring ideas",
                                                                                type=CampaignType.CLOSED))
        await world.handlers.create(world.admin, "spring-ideas", CampaignFields(title="Spring ideas",
                                                                                type=CampaignType.CLOSED))
    [created] = world.events()  # the replay tells nothing again
    assert told(created) == ("campaign_changed", "spring-ideas", world.admin.user_id, "campaigns/spring-ideas")
    assert created.request_id == "test"
    changed = created.campaign_changed
    assert (changed.campaign.campaign_id, changed.campaign.title, changed.campaign.type, changed.campaign.status,
            list(changed.update_mask.paths)) == ("spring-ideas", "Spring ideas", res.CAMPAIGN_TYPE_CLOSED,
                                                 res.CAMPAIGN_STATUS_DRAFT, [])

    await world.handlers.set_role(world.admin, "spring-ideas", world.manager.user_id, MANAGER)
    world.events()
    await world.handlers.update(world.manager, "spring-ideas", CampaignFields(
        title="Spring ideas", type=CampaignType.OPEN, description="More", policy={"max_per_idea": 5}))
    [edited] = world.events()
    assert told(edited) == ("campaign_changed", "spring-ideas", world.manager.user_id, "campaigns/spring-ideas")
    assert list(edited.campaign_changed.update_mask.paths) == ["description", "type", "coin_policy.max_per_idea"]
    assert (edited.campaign_changed.campaign.type, edited.campaign_changed.campaign.description,
            edited.campaign_changed.campaign.coin_policy.max_per_idea) == (res.CAMPAIGN_TYPE_OPEN, "More", 5)

    await world.handlers.update(world.manager, "spring-ideas", CampaignFields(title="Spring ideas"))
    await world.handlers.transition(world.admin, "spring-ideas", ACTIVE)
    world.events()
    with pytest.raises(FailedPrecondition):  # the policy is locked: nothing changed, nothing told
        await world.handlers.update(world.manager, "spring-ideas", CampaignFields(type=CampaignType.CLOSED))
    assert world.events() == []


async def test_each_move_of_a_campaign_is_told_once_with_who_moved_it(world: World):
    await world.campaign()
    world.events()
    world.fakes.coins.fail = RuntimeError("coin service down")
    with pytest.raises(RuntimeError):
        await world.handlers.transition(world.manager, "spring-ideas", ACTIVE)
    assert world.events() == []  # rolled back with the move
    world.fakes.coins.fail = None
    with request(world.manager, "activate-1"):
        await world.handlers.transition(world.manager, "spring-ideas", ACTIVE)
        await world.handlers.transition(world.manager, "spring-ideas", ACTIVE)
    await world.handlers.transition(world.manager, "spring-ideas", COMPLETED)
    await world.handlers.transition(world.admin, "spring-ideas", ARCHIVED)
    started, completed, archived = world.events()
    assert [told(e) for e in (started, completed, archived)] == [
        ("campaign_started", "spring-ideas", world.manager.user_id, "campaigns/spring-ideas"),
        ("campaign_completed", "spring-ideas", world.manager.user_id, "campaigns/spring-ideas"),
        ("campaign_archived", "spring-ideas", world.admin.user_id, "campaigns/spring-ideas")]
    assert [started.campaign_started.campaign.status, completed.campaign_completed.campaign.status,
            archived.campaign_archived.campaign.status] == [res.CAMPAIGN_STATUS_ACTIVE, res.CAMPAIGN_STATUS_COMPLETED,
                                                           res.CAMPAIGN_STATUS_ARCHIVED]
    assert started.campaign_started.campaign.title == "Spring ideas"


async def test_moves_by_date_are_told_with_no_actor(world: World):
    now = datetime.now(UTC)
    await world.campaign("starts-now")
    await world.campaign("ends-now", status=ACTIVE)
    await world.handlers.update(world.admin, "starts-now", CampaignFields(start_time=now - timedelta(minutes=1)))
    await world.handlers.update(world.admin, "ends-now", CampaignFields(end_time=now - timedelta(minutes=1)))
    world.events()
    assert await world.handlers.run_due_transitions(now) == 2
    assert sorted(told(e) for e in world.events()) == [
        ("campaign_completed", "ends-now", "", "campaigns/ends-now"),
        ("campaign_started", "starts-now", "", "campaigns/starts-now")]


def ending_soon(world: World) -> list[tuple[str, datetime]]:
    """The "ends soon" notices committed since the last look: campaign and end time."""
    found = []
    for event in world.events():
        assert event.WhichOneof("payload") == "campaign_ending_soon", event
        assert told(event)[2:] == ("", f"campaigns/{event.campaign_id}")  # the scheduler told it
        notice = event.campaign_ending_soon
        assert notice.campaign.campaign_id == event.campaign_id and notice.campaign.end_time == notice.end_time
        found.append((event.campaign_id, notice.end_time.ToDatetime(UTC)))
    return found


async def ending_campaign(world: World, campaign_id: str, end_time: datetime,
                          status: CampaignStatus = ACTIVE) -> None:
    await world.campaign(campaign_id, status=status)
    await world.handlers.update(world.admin, campaign_id, CampaignFields(end_time=end_time))
    world.events()


async def test_the_scheduler_tells_once_that_an_active_campaign_ends_within_a_day(world: World):
    now = datetime.now(UTC)
    await ending_campaign(world, "ends-tonight", now + timedelta(hours=23))
    await ending_campaign(world, "ends-tomorrow", now + timedelta(hours=30))
    await ending_campaign(world, "draft-ends-soon", now + timedelta(hours=2), status=CampaignStatus.DRAFT)

    assert await world.handlers.run_due_transitions(now) == 0  # told, not moved
    assert ending_soon(world) == [("ends-tonight", now + timedelta(hours=23))]
    assert world.stored("ends-tonight").ending_notice_at == now
    assert world.stored("ends-tonight").status == ACTIVE and world.fakes.coins.calls == []
    # The next passes, by this replica or another one, find it told.
    assert await world.handlers.run_due_transitions(now) == 0
    assert await world.handlers.run_due_transitions(now + timedelta(hours=1)) == 0
    assert ending_soon(world) == []

    await world.handlers.run_due_transitions(now + timedelta(hours=6))
    assert ending_soon(world) == [("ends-tomorrow", now + timedelta(hours=30))]
    assert world.stored("draft-ends-soon").ending_notice_at is None


async def test_a_campaign_started_by_date_inside_the_window_is_told_after_it_starts(world: World):
    now = datetime.now(UTC)
    await world.campaign("short-vote")
    await world.handlers.update(world.admin, "short-vote", CampaignFields(
        start_time=now - timedelta(minutes=1), end_time=now + timedelta(hours=3)))
    world.events()
    assert await world.handlers.run_due_transitions(now) == 1
    started, ending = world.events()
    assert [told(started)[0], told(ending)[0]] == ["campaign_started", "campaign_ending_soon"]
    assert ending.campaign_ending_soon.campaign.status == res.CAMPAIGN_STATUS_ACTIVE


async def test_a_campaign_whose_end_passed_completes_without_being_told_it_ends_soon(world: World):
    now = datetime.now(UTC)
    await ending_campaign(world, "ended", now - timedelta(minutes=1))
    assert await world.handlers.run_due_transitions(now) == 1
    [completed] = world.events()
    assert told(completed)[0] == "campaign_completed"


async def test_a_told_campaign_completes_at_its_end(world: World):
    now = datetime.now(UTC)
    await ending_campaign(world, "spring-ideas", now + timedelta(hours=1))
    await world.handlers.run_due_transitions(now)
    assert len(ending_soon(world)) == 1
    assert await world.handlers.run_due_transitions(now + timedelta(hours=1)) == 1
    assert world.stored("spring-ideas").status == COMPLETED
    assert [told(e)[0] for e in world.events()] == ["campaign_completed"]


async def test_an_end_moved_out_of_the_window_is_told_again_when_it_nears(world: World):
    now = datetime.now(UTC)
    await ending_campaign(world, "spring-ideas", now + timedelta(hours=20))
    await world.handlers.run_due_transitions(now)
    assert len(ending_soon(world)) == 1

    # Moved within the window: the members were told already.
    await world.handlers.update(world.admin, "spring-ideas", CampaignFields(end_time=now + timedelta(hours=22)))
    assert world.stored("spring-ideas").ending_notice_at == now
    world.events()
    await world.handlers.run_due_transitions(now)
    assert ending_soon(world) == []

    # Extended by a week: the notice is re-armed, and given again a day before the new end.
    extended = now + timedelta(days=7)
    await world.handlers.update(world.admin, "spring-ideas", CampaignFields(end_time=extended))
    assert world.stored("spring-ideas").ending_notice_at is None
    world.events()
    await world.handlers.run_due_transitions(now)
    assert ending_soon(world) == []
    await world.handlers.run_due_transitions(extended - timedelta(hours=12))
    assert ending_soon(world) == [("spring-ideas", extended)]


async def test_a_notice_that_fails_is_given_at_a_later_pass(world: World):
    now = datetime.now(UTC)
    await ending_campaign(world, "spring-ideas", now + timedelta(hours=2))
    outbox = world.fakes.stored.events

    class Unavailable(list):
        """An event outbox whose writes fail, as when the database connection breaks mid-transaction."""

        def append(self, event: ev.Event) -> None:
            raise ConnectionError("database went away")

    world.fakes.stored.events = Unavailable()
    assert await world.handlers.run_due_transitions(now) == 0
    assert world.stored("spring-ideas").ending_notice_at is None  # rolled back with the event
    world.fakes.stored.events = outbox
    await world.handlers.run_due_transitions(now)
    assert ending_soon(world) == [("spring-ideas", now + timedelta(hours=2))]


async def test_joining_inviting_and_roles_are_told(world: World):
    await world.campaign(status=ACTIVE)
    world.events()
    await world.handlers.join(world.stranger, "spring-ideas")
    await world.handlers.join(world.stranger, "spring-ideas")  # joining twice tells nothing more
    [joined] = world.events()
    assert told(joined) == ("member_joined", "spring-ideas", world.stranger.user_id, f"users/{world.stranger.user_id}")
    assert (joined.member_joined.user_id, joined.member_joined.role) == (world.stranger.user_id,
                                                                        res.CAMPAIGN_ROLE_MEMBER)

    [invitation] = await world.handlers.invite(world.admin, "spring-ideas", ["Bo@Example.org"], MANAGER)
    [invited] = world.events()
    assert told(invited) == ("member_invited", "spring-ideas", world.admin.user_id, f"invitations/{invitation.id}")
    assert invitation.id
    assert (invited.member_invited.email, invited.member_invited.role, invited.member_invited.campaign_title,
            invited.member_invited.user_id, invited.member_invited.expire_time.ToDatetime(UTC)) == (
        "Bo@Example.org", res.CAMPAIGN_ROLE_MANAGER, "Spring ideas", "", invitation.expires_at)
    token = invitation.link.rsplit("/", 1)[1]
    assert token.encode() not in invited.SerializeToString()  # the link is a secret: sealed in the event
    assert sealing.open_sealed(invited.member_invited.sealed_link) == invitation.link  # for the mail to carry

    bo = world.person("bo@example.org")
    await world.handlers.accept_invitation(bo, token, "")
    [bo_joined] = world.events()
    assert told(bo_joined)[1:] == ("spring-ideas", bo.user_id, f"users/{bo.user_id}")
    assert (bo_joined.member_joined.user_id, bo_joined.member_joined.role) == (bo.user_id, res.CAMPAIGN_ROLE_MANAGER)

    promote = await world.invite(world.member.email, MANAGER)
    world.events()
    await world.handlers.accept_invitation(world.member, promote, "")
    [promoted] = world.events()
    assert told(promoted) == ("member_role_changed", "spring-ideas", world.member.user_id,
                              f"users/{world.member.user_id}")
    assert (promoted.member_role_changed.user_id, promoted.member_role_changed.from_role,
            promoted.member_role_changed.to_role) == (world.member.user_id, res.CAMPAIGN_ROLE_MEMBER,
                                                      res.CAMPAIGN_ROLE_MANAGER)
    keep = await world.invite(world.manager.email, MEMBER)
    world.events()
    await world.handlers.accept_invitation(world.manager, keep, "")  # an invitation never demotes: no change
    assert world.events() == []

    await world.handlers.set_role(world.admin, "spring-ideas", world.member.user_id, MEMBER)
    await world.handlers.set_role(world.admin, "spring-ideas", world.member.user_id, MEMBER)  # no change: untold
    [demoted] = world.events()
    assert told(demoted)[:3] == ("member_role_changed", "spring-ideas", world.admin.user_id)
    assert (demoted.member_role_changed.from_role, demoted.member_role_changed.to_role) == (
        res.CAMPAIGN_ROLE_MANAGER, res.CAMPAIGN_ROLE_MEMBER)


async def test_removing_a_member_is_told_and_a_refused_removal_tells_nothing(world: World):
    await world.campaign(status=ACTIVE)
    world.events()
    with pytest.raises(PermissionDenied):
        await world.handlers.remove_member(world.member, "spring-ideas", world.manager.user_id)
    world.fakes.coins.fail = RuntimeError("coin service down")
    with pytest.raises(RuntimeError):
        await world.handlers.remove_member(world.manager, "spring-ideas", world.member.user_id)
    assert world.events() == []
    world.fakes.coins.fail = None
    await world.handlers.remove_member(world.manager, "spring-ideas", world.member.user_id)
    [removed] = world.events()
    assert told(removed) == ("member_removed", "spring-ideas", world.manager.user_id, f"users/{world.member.user_id}")
    assert removed.member_removed.user_id == world.member.user_id


async def test_tag_changes_and_deletions_are_told(world: World):
    await world.campaign()
    world.events()
    energy = await world.handlers.create_tag(world.manager, "spring-ideas", "Energy", "Watts", "#00ff00")
    [created] = world.events()
    assert told(created) == ("tag_changed", "spring-ideas", world.manager.user_id, f"tags/{energy.id}")
    assert (created.tag_changed.tag.id, created.tag_changed.tag.campaign_id, created.tag_changed.tag.name,
            created.tag_changed.tag.description, created.tag_changed.tag.color) == (
        energy.id, "spring-ideas", "Energy", "Watts", "#00ff00")
    await world.handlers.update_tag(world.manager, "spring-ideas", energy.id, "Power", None, None)
    [renamed] = world.events()
    assert (told(renamed)[0], renamed.tag_changed.tag.name, renamed.tag_changed.tag.description) == (
        "tag_changed", "Power", "Watts")
    await world.handlers.delete_tag(world.manager, "spring-ideas", energy.id)
    [deleted] = world.events()
    assert told(deleted) == ("tag_deleted", "spring-ideas", world.manager.user_id, f"tags/{energy.id}")
    assert deleted.tag_deleted.tag_id == energy.id


# ---- what other services read --------------------------------------------------------------------------------

async def test_access_tells_how_a_user_stands_and_whether_the_caller_may_look(world: World):
    await world.campaign("closed-one", CampaignType.CLOSED, ACTIVE)
    await world.handlers.create_tag(world.manager, "closed-one", "Energy", "", "")
    access = await world.handlers.access("closed-one", world.manager.user_id, world.member)
    assert (access.campaign.campaign_id, access.role, access.sponsor, access.visible) == (
        "closed-one", MANAGER, False, True)
    assert [t.name for t in access.tags] == ["Energy"]
    stranger = await world.handlers.access("closed-one", world.stranger.user_id, world.stranger)
    assert (stranger.role, stranger.visible) == (None, False)
    assert not (await world.handlers.access("closed-one", "", None)).visible
    with pytest.raises(NotFound) as error:
        await world.handlers.access("no-such-one", "", None)
    refused(error.value, errors.CAMPAIGN_NOT_FOUND)


async def test_other_services_page_through_every_joined_member(world: World):
    await world.campaign(status=ACTIVE)
    first, token = await world.handlers.joined_members("spring-ideas", 1, "")
    rest, last = await world.handlers.joined_members("spring-ideas", 1, token)
    assert [m.user_id for m in first + rest] == [world.manager.user_id, world.member.user_id] and last == ""
    assert all(m.email for m in first + rest)
    with pytest.raises(NotFound):
        await world.handlers.joined_members("no-such-one", 0, "")


async def test_a_users_parts_are_every_campaign_it_joined_or_sponsors_whatever_the_status(world: World):
    await world.campaign("b-archived", status=ARCHIVED)
    await world.campaign("a-draft")
    await world.campaign("c-closed", CampaignType.CLOSED, ACTIVE)
    sponsor = world.person("sponsor@example.org", SystemRole.SPONSOR)
    await world.handlers.add_sponsor(world.admin, "c-closed", sponsor.user_id)
    await world.handlers.add_sponsor(world.admin, "a-draft", sponsor.user_id)
    await world.handlers.set_role(world.admin, "a-draft", sponsor.user_id, MEMBER)  # a member there as well
    await world.handlers.remove_member(world.member, "c-closed", world.member.user_id)  # left: no part any more

    assert await world.handlers.parts_of(world.manager.user_id) == [
        ("a-draft", domain.Standing(MANAGER)), ("b-archived", domain.Standing(MANAGER)),
        ("c-closed", domain.Standing(MANAGER))]
    assert await world.handlers.parts_of(world.member.user_id) == [
        ("a-draft", domain.Standing(MEMBER)), ("b-archived", domain.Standing(MEMBER))]
    assert await world.handlers.parts_of(sponsor.user_id) == [
        ("a-draft", domain.Standing(MEMBER, sponsor=True)), ("c-closed", domain.Standing(None, sponsor=True))]
    assert await world.handlers.parts_of(world.stranger.user_id) == []
    with pytest.raises(InvalidArgument) as bad:
        await world.handlers.parts_of("not-a-uuid")
    assert bad.value.field == "user_id"


async def test_other_services_page_through_every_campaign_with_its_tags_in_campaign_id_order(world: World):
    for campaign_id, status in (("c-active", ACTIVE), ("a-draft", CampaignStatus.DRAFT), ("b-archived", ARCHIVED),
                                ("d-closed", COMPLETED)):
        await world.campaign(campaign_id, CampaignType.CLOSED if campaign_id == "d-closed" else CampaignType.OPEN,
                             status)
    for name in ("Water", "energy"):
        await world.handlers.create_tag(world.manager, "c-active", name, "", "")
    first, token = await world.handlers.all_campaigns(3, "")
    await world.campaign("b-created-meanwhile")  # sorts into the page already read: shifts nothing after it
    rest, last = await world.handlers.all_campaigns(3, token)
    assert [c.campaign_id for c, _ in first + rest] == ["a-draft", "b-archived", "c-active", "d-closed"]
    assert last == ""
    assert [c.status for c, _ in first + rest] == [CampaignStatus.DRAFT, ARCHIVED, ACTIVE, COMPLETED]
    assert {c.campaign_id: [t.name for t in tags] for c, tags in first + rest} == {
        "a-draft": [], "b-archived": [], "c-active": ["energy", "Water"], "d-closed": []}
    everything, none_left = await world.handlers.all_campaigns(0, "")  # 100 by default
    assert len(everything) == 5 and none_left == ""


@pytest.mark.parametrize("page_size,token", [(501, ""), (-1, ""), (10, "forged"), (10, "of ListCampaigns")])
async def test_listing_every_campaign_refuses_a_bad_page(world: World, page_size: int, token: str):
    if token == "of ListCampaigns":
        for campaign_id in ("one-campaign", "two-campaign"):
            await world.campaign(campaign_id)
        _, token = await world.handlers.list_campaigns(world.admin, None, None, 1, "")  # signed, but an offset
    with pytest.raises(InvalidArgument) as bad:
        await world.handlers.all_campaigns(page_size, token)
    assert bad.value.field == ("page_token" if token else "page_size")
    assert (await world.handlers.all_campaigns(500, ""))[1] == ""  # the largest page is fine
