from datetime import datetime, timedelta, timezone

import pytest

from services.campaign import domain
from services.campaign.domain import Campaign, CoinPolicy, Standing
from services.common.context import Caller
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

NOW = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)
PLAIN = Caller("u1", "u1@x.org")
ADMIN = Caller("a1", "a1@x.org", frozenset({"admin"}))
SPONSOR = Caller("s1", "s1@x.org", frozenset({"sponsor"}))


def campaign(type_="mediated", status="active", start=None, end=None, told=None) -> Campaign:
    return Campaign("id", "slug", "t", "", type_, status, start, end, "", "", CoinPolicy(), NOW, NOW, told)


@pytest.mark.parametrize("type_,status,visible", [
    ("open", "active", True), ("mediated", "completed", True), ("open", "draft", False),
    ("closed", "active", False), ("closed", "archived", False)])
def test_strangers_see_running_open_and_mediated_campaigns_only(type_, status, visible):
    assert domain.can_view(campaign(type_, status), Standing(), PLAIN) is visible


def test_members_admins_and_sponsors_see_closed_drafts():
    draft = campaign("closed", "draft")
    assert domain.can_view(draft, Standing(role="member"), PLAIN)
    assert domain.can_view(draft, Standing(), ADMIN)
    assert domain.can_view(draft, Standing(sponsor=True), SPONSOR)
    # Listed as sponsor but no longer holding the role: nothing.
    assert not domain.can_view(draft, Standing(sponsor=True), PLAIN)
    with pytest.raises(NotFound):
        domain.require_view(draft, Standing(), PLAIN, "slug")


def test_lifecycle_moves_forward_one_step():
    assert domain.next_status("draft", "active") == "active"
    assert domain.next_status("completed", "archived") == "archived"
    for current, target in (("draft", "completed"), ("active", "draft"), ("archived", "active")):
        with pytest.raises(FailedPrecondition):
            domain.next_status(current, target)


def test_the_scheduler_moves_campaigns_whose_dates_passed():
    past, future = NOW - timedelta(minutes=1), NOW + timedelta(minutes=1)
    assert domain.due_transition(campaign(status="draft", start=past), NOW) == "active"
    assert domain.due_transition(campaign(status="draft", start=future), NOW) is None
    assert domain.due_transition(campaign(status="active", end=past), NOW) == "completed"
    assert domain.due_transition(campaign(status="completed", end=past), NOW) is None


DAY = timedelta(hours=24)


@pytest.mark.parametrize("status,end,told,due", [
    ("active", NOW + timedelta(hours=23), None, True),
    ("active", NOW + DAY, None, True),  # the window's last moment counts
    ("active", NOW + timedelta(minutes=1), None, True),  # activated already inside the window: told late, still told
    ("active", NOW + DAY + timedelta(seconds=1), None, False),  # not yet
    ("active", NOW + timedelta(hours=23), NOW - timedelta(hours=1), False),  # told already
    ("active", NOW, None, False),  # ended: it completes instead
    ("active", None, None, False),  # no end date, nothing ends
    ("draft", NOW + timedelta(hours=1), None, False),  # members have no coins to lose yet
    ("completed", NOW + timedelta(hours=1), None, False),
])
def test_an_active_campaign_is_told_once_when_its_end_comes_within_the_window(status, end, told, due):
    assert domain.ending_notice_due(campaign(status=status, end=end, told=told), NOW, DAY) is due


def test_an_end_moved_out_of_the_window_rearms_the_notice():
    told = NOW - timedelta(hours=1)
    later = campaign(end=NOW + DAY + timedelta(hours=1), told=told)
    assert domain.ending_notice_rearmed(later, NOW, DAY).ending_notice_at is None
    assert domain.ending_notice_rearmed(campaign(end=None, told=told), NOW, DAY).ending_notice_at is None
    # Moved within the window, or not moved at all: the members were told, and are not told again.
    sooner = campaign(end=NOW + timedelta(hours=2), told=told)
    assert domain.ending_notice_rearmed(sooner, NOW, DAY) == sooner
    untold = campaign(end=NOW + timedelta(days=3))
    assert domain.ending_notice_rearmed(untold, NOW, DAY) == untold


def test_only_managers_and_admins_manage():
    domain.require_manage(Standing(role="manager"), PLAIN, "x")
    domain.require_manage(Standing(), ADMIN, "x")
    with pytest.raises(PermissionDenied):
        domain.require_manage(Standing(role="member"), PLAIN, "x")


def test_closed_campaigns_take_no_walk_ins_and_finished_ones_no_one():
    with pytest.raises(PermissionDenied):
        domain.join_allowed(campaign("closed"))
    with pytest.raises(FailedPrecondition):
        domain.join_allowed(campaign("open", "completed"))
    domain.join_allowed(campaign("open", "active"))


def test_policy_values_are_bounded_and_frozen_after_draft():
    assert CoinPolicy().changed(max_per_idea=5).max_per_idea == 5
    with pytest.raises(InvalidArgument):
        CoinPolicy().changed(initial_allocation=-1)
    with pytest.raises(FailedPrecondition):
        domain.policy_editable(campaign(status="active"))


def test_tag_colours_and_invitations():
    assert domain.tag_color("#A0b1C2") == "#a0b1c2"
    with pytest.raises(InvalidArgument):
        domain.tag_color("#12345g")
    assert domain.invite_emails(["A@x.org", "a@X.org", "b@x.org"]) == ["A@x.org", "b@x.org"]
    with pytest.raises(InvalidArgument):
        domain.invite_emails([])
