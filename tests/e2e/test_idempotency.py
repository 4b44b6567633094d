"""PRODUCT.md "Coins", idempotency: every create and every coin-moving call takes a request_id. A repeat returns the
first answer and changes nothing; the same id with another body is refused; the id belongs to one caller and one
method (another user's repeat is that user's own request, checked for its own rights first). Tested per RPC."""

import uuid
from dataclasses import dataclass
from typing import Callable

import grpc
import pytest

from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import coin_service_pb2 as coin_pb
from coins.v1 import idea_service_pb2 as idea_pb
from coins.v1 import resources_pb2 as res
from tests.support.errors import error_info
from tests.support.world import refused, slug


@dataclass
class Case:
    call: Callable  # (user, request_id, variant) -> answer; variant 1 is another body
    owner: object  # the user whose request it is
    same: Callable  # (first answer, repeated answer) -> bool
    other_user: object  # someone else sending the same id
    other_user_code: grpc.StatusCode | None  # None: it is that user's own new request and succeeds


def _arena(admin_user, sign_in):
    member, stranger = sign_in("member"), sign_in("stranger")
    cid = admin_user.create_campaign("open").campaign_id
    member.join(cid)
    ideas = [member.submit(cid).id for _ in range(3)]
    member.allocate(cid, ideas[0], 10)
    return cid, member, stranger, ideas


def cases(admin_user, sign_in) -> dict[str, Case]:
    cid, member, stranger, (a, b, decided) = _arena(admin_user, sign_in)
    draft = admin_user.create_campaign("open", active=False).campaign_id
    active = admin_user.create_campaign("open").campaign_id
    slugs = [slug("idem"), slug("idem")]
    ended = [admin_user.create_campaign("open").campaign_id for _ in range(2)]
    for campaign_id in ended:
        admin_user.move(campaign_id, "completed")

    def campaign(user, request_id, variant):
        return user.campaigns.CreateCampaign(campaign_pb.CreateCampaignRequest(
            campaign_id=slugs[variant], request_id=request_id,
            campaign=res.Campaign(title="Idempotent", type=res.CAMPAIGN_TYPE_OPEN)))

    def activate(user, request_id, variant):
        return user.campaigns.ActivateCampaign(campaign_pb.ActivateCampaignRequest(
            campaign_id=[draft, cid][variant], request_id=request_id))

    def complete(user, request_id, variant):
        return user.campaigns.CompleteCampaign(campaign_pb.CompleteCampaignRequest(
            campaign_id=[active, draft][variant], request_id=request_id))

    def archive(user, request_id, variant):
        return user.campaigns.ArchiveCampaign(campaign_pb.ArchiveCampaignRequest(
            campaign_id=ended[variant], request_id=request_id))

    def tag(user, request_id, variant):
        return user.campaigns.CreateTag(campaign_pb.CreateTagRequest(
            campaign_id=cid, request_id=request_id, tag=res.Tag(name=f"t{variant}-{request_id[:8]}",
                                                                 color="#112233")))

    def idea(user, request_id, variant):
        return user.ideas.CreateIdea(idea_pb.CreateIdeaRequest(
            campaign_id=cid, title=f"Idempotent idea {variant} {request_id}", force=True, request_id=request_id))

    def decide(user, request_id, variant):
        return user.ideas.UpdateIdeaStatus(idea_pb.UpdateIdeaStatusRequest(
            idea_id=decided, status=[res.IDEA_STATUS_ACCEPTED, res.IDEA_STATUS_REJECTED][variant],
            request_id=request_id))

    def allocate(user, request_id, variant):
        return user.coins.AllocateCoins(coin_pb.AllocateCoinsRequest(
            campaign_id=cid, idea_id=b, amount=1 + variant, request_id=request_id))

    def reallocate(user, request_id, variant):
        return user.coins.ReallocateCoins(coin_pb.ReallocateCoinsRequest(
            campaign_id=cid, from_idea_id=a, to_idea_id=b, amount=1 + variant, request_id=request_id))

    def withdraw(user, request_id, variant):
        return user.coins.WithdrawCoins(coin_pb.WithdrawCoinsRequest(
            campaign_id=cid, idea_id=a, amount=1 + variant, request_id=request_id))

    joined = sign_in("joined")
    joined.join(cid)
    by_id = lambda first, again: first.id == again.id  # noqa: E731
    by_campaign = lambda first, again: first == again  # noqa: E731
    by_balance = lambda first, again: first.balance == again.balance  # noqa: E731
    return {
        "CreateCampaign": Case(campaign, admin_user, by_campaign, member, grpc.StatusCode.PERMISSION_DENIED),
        "ActivateCampaign": Case(activate, admin_user, by_campaign, member, grpc.StatusCode.PERMISSION_DENIED),
        "CompleteCampaign": Case(complete, admin_user, by_campaign, member, grpc.StatusCode.PERMISSION_DENIED),
        "ArchiveCampaign": Case(archive, admin_user, by_campaign, member, grpc.StatusCode.PERMISSION_DENIED),
        "CreateTag": Case(tag, admin_user, by_id, member, grpc.StatusCode.PERMISSION_DENIED),
        "CreateIdea": Case(idea, member, by_id, stranger, grpc.StatusCode.PERMISSION_DENIED),
        "UpdateIdeaStatus": Case(decide, admin_user, lambda f, g: (f.status, f.coin_total) == (g.status, g.coin_total),
                                 member, grpc.StatusCode.PERMISSION_DENIED),
        "AllocateCoins": Case(allocate, member, by_balance, joined, None),
        "ReallocateCoins": Case(reallocate, member, by_balance, stranger, grpc.StatusCode.PERMISSION_DENIED),
        "WithdrawCoins": Case(withdraw, member, by_balance, stranger, grpc.StatusCode.PERMISSION_DENIED),
    }


@pytest.fixture(scope="module")
def all_cases(admin_user, sign_in):
    return cases(admin_user, sign_in)


RPCS = ["CreateCampaign", "ActivateCampaign", "CompleteCampaign", "ArchiveCampaign", "CreateTag", "CreateIdea",
        "UpdateIdeaStatus", "AllocateCoins", "ReallocateCoins", "WithdrawCoins"]


@pytest.mark.parametrize("rpc", RPCS)
def test_a_repeat_returns_the_first_answer_and_another_body_is_refused(rpc, all_cases):
    case = all_cases[rpc]
    request_id = str(uuid.uuid4())
    first = case.call(case.owner, request_id, 0)
    again = case.call(case.owner, request_id, 0)
    assert case.same(first, again), f"{rpc} replayed a different answer"
    error = refused(grpc.StatusCode.INVALID_ARGUMENT, case.call, case.owner, request_id, 1)
    assert error_info(error).reason == "REQUEST_ID_REUSED"
    assert error_info(error).metadata["field"] == "request_id"

    # The same id from another user is that user's request: its rights are checked, nobody's answer leaks.
    if case.other_user_code is None:
        theirs = case.call(case.other_user, request_id, 0)
        assert not case.same(first, theirs)
    else:
        refused(case.other_user_code, case.call, case.other_user, request_id, 0)
