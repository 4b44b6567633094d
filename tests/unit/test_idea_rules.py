from datetime import datetime, timezone

import pytest

from services.common.context import Caller
from services.common.errors import FailedPrecondition, PermissionDenied
from services.idea import domain
from services.idea.domain import CampaignView, Idea

NOW = datetime(2026, 11, 25, tzinfo=timezone.utc)
MANAGER = Caller("m1", "m@x.org")
MEMBER = Caller("u1", "u@x.org")


def view(status="active", role="manager", type_="mediated") -> CampaignView:
    return CampaignView("c", type_, status, role, False, True, frozenset())


def idea(status: str, submitter: str = "u1") -> Idea:
    return Idea("i1", "c", submitter, "", "t", "", status, "", "", (), NOW, None, None, None, None, None, NOW)


@pytest.mark.parametrize("current,target,lands", [
    ("pending", "approved", "competing"), ("pending", "rejected", "rejected"), ("competing", "rejected", "rejected"),
    ("competing", "accepted", "accepted"), ("accepted", "in_progress", "in_progress"),
    ("in_progress", "complete", "complete")])
def test_the_workflow(current, target, lands):
    assert domain.next_status(idea(current), target, view(), MANAGER) == lands


@pytest.mark.parametrize("current,target,reason", [
    ("pending", "accepted", "IDEA_003"), ("accepted", "rejected", "IDEA_004"), ("complete", "accepted", "IDEA_004"),
    ("competing", "complete", "INVALID_TRANSITION"), ("rejected", "approved", "INVALID_TRANSITION")])
def test_illegal_moves(current, target, reason):
    with pytest.raises(FailedPrecondition) as refused:
        domain.next_status(idea(current), target, view(), MANAGER)
    assert refused.value.reason == reason


def test_after_completion_ideas_are_decided_but_not_moderated():
    completed = view("completed")
    assert domain.next_status(idea("accepted"), "in_progress", completed, MANAGER) == "in_progress"
    assert domain.next_status(idea("competing"), "accepted", completed, MANAGER) == "accepted"
    assert domain.next_status(idea("competing"), "rejected", completed, MANAGER) == "rejected"
    for current, target in (("pending", "approved"), ("pending", "rejected")):
        with pytest.raises(FailedPrecondition) as refused:
            domain.next_status(idea(current), target, completed, MANAGER)
        assert refused.value.reason == "CAMPAIGN_002"
    for current, target in (("accepted", "in_progress"), ("competing", "accepted")):
        with pytest.raises(FailedPrecondition):
            domain.next_status(idea(current), target, view("archived"), MANAGER)


def test_results_rank_by_coins_and_ties_share_a_rank():
    ideas = [idea("competing", submitter=f"u{i}") for i in range(4)]
    ranked = domain.ranked([(ideas[0], 10, 1), (ideas[1], 30, 2), (ideas[2], 10, 1), (ideas[3], 0, 0)])
    assert [(r.rank, r.coins) for r in ranked] == [(1, 30), (2, 10), (2, 10), (4, 0)]


def test_members_do_not_moderate():
    with pytest.raises(PermissionDenied):
        domain.next_status(idea("pending"), "approved", view(role="member"), MEMBER)


def test_visibility_of_unmoderated_ideas():
    member_view = view(role="member")
    assert domain.can_see(idea("pending", submitter="u1"), member_view, MEMBER)
    assert not domain.can_see(idea("pending", submitter="u2"), member_view, MEMBER)
    assert domain.can_see(idea("competing", submitter="u2"), member_view, MEMBER)
    assert domain.can_see(idea("rejected", submitter="u2"), view(), MANAGER)


def test_open_campaigns_skip_moderation():
    assert domain.first_status(view(type_="open")) == "competing"
    assert domain.first_status(view(type_="closed")) == "pending"
