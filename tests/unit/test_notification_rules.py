"""The notification service's rules (services/notification/domain.py): defaults, preference changes, who hears
what, digests, and the signed unsubscribe links."""

from datetime import UTC, datetime

import pytest

from services.common.concepts import Channel, EmailDelivery, IdeaStatus, LedgerEntryKind, NotificationKind
from services.common.errors import InvalidArgument
from services.notification import domain
from services.notification.domain import CampaignFacts, IdeaFacts, Links, Preferences, UnsubscribeTokens

K = NotificationKind
LINKS = Links("https://coins.example")
IDEA = IdeaFacts("i-1", "city", "City budget", "Bike lanes", "author")


def test_in_app_is_on_for_everything_and_email_only_for_invitations_and_own_idea_decisions():
    defaults = Preferences()
    assert all(defaults.enabled(kind, Channel.IN_APP) for kind in K)
    assert {kind for kind in K if defaults.enabled(kind, Channel.EMAIL)} == {
        K.INVITED, K.IDEA_APPROVED, K.IDEA_REJECTED, K.IDEA_ACCEPTED}
    assert len(defaults.every_pair()) == len(K) * len(Channel)
    chosen = Preferences({(K.CAMPAIGN_ENDING, Channel.EMAIL): True, (K.IDEA_APPROVED, Channel.IN_APP): False})
    assert chosen.enabled(K.CAMPAIGN_ENDING, Channel.EMAIL) and not chosen.enabled(K.IDEA_APPROVED, Channel.IN_APP)
    assert chosen.enabled(K.IDEA_APPROVED, Channel.EMAIL)


def test_a_preference_change_follows_its_mask():
    pairs = [(K.CAMPAIGN_STARTED, Channel.EMAIL, True)]
    both = domain.preference_change([], pairs, EmailDelivery.DAILY_DIGEST)
    assert both.pairs == {(K.CAMPAIGN_STARTED, Channel.EMAIL): True}
    assert both.email_delivery is EmailDelivery.DAILY_DIGEST
    only_delivery = domain.preference_change(["email_delivery"], pairs, EmailDelivery.IMMEDIATE)
    assert only_delivery.pairs == {} and only_delivery.email_delivery is EmailDelivery.IMMEDIATE
    only_pairs = domain.preference_change(["preferences"], pairs, EmailDelivery.DAILY_DIGEST)
    assert only_pairs.email_delivery is None
    with pytest.raises(InvalidArgument, match="colour"):
        domain.preference_change(["colour"], pairs, None)
    with pytest.raises(InvalidArgument, match="give preferences"):
        domain.preference_change([], [], None)
    with pytest.raises(InvalidArgument, match="required"):
        domain.preference_change(["email_delivery"], [], None)
    with pytest.raises(InvalidArgument, match="twice"):
        domain.preference_change([], pairs + [(K.CAMPAIGN_STARTED, Channel.EMAIL, False)], None)


def test_list_orders_are_newest_first_or_unread_first():
    assert domain.list_order("") == domain.list_order("create_time desc") == domain.ORDER_NEWEST
    assert domain.list_order("read,create_time desc") == domain.list_order("read,  create_time desc") == (
        domain.ORDER_UNREAD_FIRST)
    with pytest.raises(InvalidArgument):
        domain.list_order("title")


def test_a_submitter_hears_of_each_move_of_their_idea_but_not_of_it_being_submitted():
    assert [domain.status_kind(status) for status in IdeaStatus] == [
        None, K.IDEA_APPROVED, K.IDEA_REJECTED, None, K.IDEA_ACCEPTED, K.IDEA_STARTED, K.IDEA_COMPLETED]
    notice = domain.submitter_notice(IDEA, K.IDEA_REJECTED, "out of scope", LINKS)
    assert (notice.user_id, notice.campaign_title, notice.idea_id) == ("author", "City budget", "i-1")
    assert "“Bike lanes” was rejected in City budget. Reason: out of scope" == notice.body
    assert notice.link == "https://coins.example/c/city/ideas/i-1"


def test_backers_hear_what_became_of_their_coins_and_the_submitter_only_as_submitter():
    backers = {"b1": (5, LedgerEntryKind.RECYCLE), "b2": (1, LedgerEntryKind.BURN),
               "author": (3, LedgerEntryKind.RECYCLE)}
    notices = domain.backer_notices(IDEA, False, backers, LINKS)
    assert [(n.user_id, n.kind) for n in notices] == [("b1", K.BACKED_IDEA_REJECTED), ("b2", K.BACKED_IDEA_REJECTED)]
    assert notices[0].body.endswith("your 5 coins were back in your wallet.")
    assert notices[1].body.endswith("your 1 coin was burned.")
    [accepted] = domain.backer_notices(IDEA, True, {"b1": (7, LedgerEntryKind.EXPEND)}, LINKS)
    assert accepted.kind is K.BACKED_IDEA_ACCEPTED and "7 coins were spent on it" in accepted.body


def test_campaign_notices_name_the_end_and_link_the_result():
    ends = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    title, body, link = domain.campaign_notice(K.CAMPAIGN_ENDING, CampaignFacts("city", "City budget", ends), LINKS)
    assert title == "City budget ends within a day" and "01 Dec 2026 at 17:30 UTC" in body and "expire" in body
    assert domain.campaign_notice(K.CAMPAIGN_COMPLETED, CampaignFacts("city", "City"), LINKS)[2].endswith(
        "/c/city/result")
    with pytest.raises(ValueError):
        domain.campaign_notice(K.IDEA_STARTED, CampaignFacts("city", "City"), LINKS)


def test_mail_retries_back_off_up_to_a_cap():
    assert [domain.retry_delay(n, 2, 60).total_seconds() for n in (1, 2, 3, 6, 20)] == [2, 4, 8, 60, 60]


def test_unsubscribe_tokens_name_one_user_and_event_and_cannot_be_forged():
    tokens = UnsubscribeTokens("secret")
    token = tokens.token("user-1", K.CAMPAIGN_ENDING)
    assert tokens.read(token) == ("user-1", K.CAMPAIGN_ENDING)
    for forged in (UnsubscribeTokens("other").token("user-1", K.CAMPAIGN_ENDING), token[:-2] + "AA", "", "***"):
        with pytest.raises(InvalidArgument):
            tokens.read(forged)
