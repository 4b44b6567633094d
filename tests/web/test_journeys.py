"""The web app in a real headless Chromium against the real stack: one journey per persona, the permalink landing
page, similar ideas while typing, a coin allocation whose answer is lost and replayed, a refused allocation's
sentence, and axe-core on every page visited."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

from playwright.sync_api import Page, Route, expect

from coins.v1 import auth_service_pb2 as auth_pb
from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import idea_service_pb2 as idea_pb
from coins.v1 import resources_pb2 as res
from tests.support.accounts import INVITATION, PASSWORD, VERIFICATION, mailed_link, unique_email
from tests.support.world import User
from tests.web.conftest import check_accessibility, local, shot
from tests.web.conftest import sign_in as browser_sign_in
from tools.devstack import DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD

MakeUser = Callable[..., User]


def open_campaign(admin: User, kind: str = "open", **fields) -> res.Campaign:
    return admin.create_campaign(kind, coin_policy=res.CoinPolicy(initial_allocation=100), **fields)


def test_member_signs_up_verifies_joins_backs_an_idea_searches_and_is_told_live(
        page: Page, base_url: str, admin_user: User, sign_in: MakeUser) -> None:
    campaign = open_campaign(admin_user, title="Greener office", description="Ideas for a greener office")
    author = sign_in("author")
    author.join(campaign.campaign_id)
    tag = admin_user.tag(campaign.campaign_id, "Energy")
    bikes = author.submit(campaign.campaign_id, "Covered bike racks by the entrance", tag_ids=[tag.id])
    author.submit(campaign.campaign_id, "Turn monitors off at night")

    email = unique_email("web-member")
    page.goto("/signup")
    check_accessibility(page)
    page.get_by_label("Full name").fill("Mia Member")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Campaigns")).to_be_visible()
    page.goto(local(mailed_link(email, VERIFICATION), base_url))
    expect(page.get_by_text("your email address is verified")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Go to the campaigns").click()
    page.get_by_role("link", name="Greener office").click()
    check_accessibility(page)
    page.get_by_role("button", name="Join this campaign").click()
    expect(page.get_by_test_id("wallet-available")).to_contain_text("100")
    page.get_by_label("Tag").select_option(label="Energy")
    ideas = page.get_by_role("list", name="Ideas")
    expect(ideas.get_by_role("listitem")).to_have_count(1)
    shot(page, "campaign")

    ideas.get_by_role("link", name=bikes.title).click()
    page.get_by_label("Number of coins").fill("10")
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_test_id("wallet-available")).to_contain_text("90")
    expect(page.get_by_test_id("idea-total")).to_have_text("10 coins")
    check_accessibility(page)
    shot(page, "idea")

    page.get_by_role("link", name="Search").click()
    page.get_by_label("Search for").fill("bike racks")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name=re.compile("Covered bike racks"))).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    check_accessibility(page)
    # The campaign's completion reaches the open page over the live stream, without a reload.
    admin_user.move(campaign.campaign_id, "completed")
    expect(page.get_by_test_id("notifications").get_by_role("listitem").first).to_contain_text(
        re.compile("Greener office|completed|ended", re.I), timeout=15_000)
    shot(page, "notifications")


def test_permalink_signs_in_joins_and_records_the_context(
        page: Page, admin_user: User, sign_in: MakeUser) -> None:
    campaign = open_campaign(admin_user, "mediated", title="Wiki improvements")
    author = sign_in("author")
    author.join(campaign.campaign_id)
    existing = author.submit(campaign.campaign_id, "Add a dark mode to the wiki")
    admin_user.set_status(existing.id, res.IDEA_STATUS_APPROVED)
    visitor = sign_in("visitor")

    page.goto(f"/c/{campaign.campaign_id}/submit?context_id=wiki-9&source=wiki")
    expect(page).to_have_url(re.compile("/signin"))
    check_accessibility(page)
    page.get_by_label("Email").fill(visitor.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("context")).to_contain_text("wiki-9")
    expect(page.get_by_test_id("context")).to_contain_text("wiki")
    check_accessibility(page)
    page.get_by_role("button", name="Join and continue").click()

    # Similar ideas appear while typing: a typo and another word order still find the existing one.
    page.get_by_label("Title").press_sequentially("dark mode for the wikki", delay=30)
    expect(page.get_by_test_id("similar")).to_contain_text("Add a dark mode to the wiki")
    check_accessibility(page)
    shot(page, "permalink-submit")
    page.get_by_label("Title").fill("Keyboard shortcuts in the wiki editor")
    expect(page.get_by_test_id("similar")).not_to_contain_text("Add a dark mode to the wiki")
    page.get_by_label("Description").fill("Ctrl+K for links")
    page.get_by_role("button", name="Submit the idea").click()
    expect(page.get_by_role("heading", name="Keyboard shortcuts in the wiki editor")).to_be_visible()
    expect(page.get_by_text("context “wiki-9”")).to_be_visible()

    ideas = visitor.ideas.ListIdeas(idea_pb.ListIdeasRequest(
        campaign_id=campaign.campaign_id, context_id="wiki-9")).ideas
    assert [(i.title, i.context_id, i.permalink_source) for i in ideas] == [
        ("Keyboard shortcuts in the wiki editor", "wiki-9", "wiki")]


def test_a_lost_allocation_answer_is_replayed_with_the_same_request_id_and_counted_once(
        page: Page, admin_user: User, sign_in: MakeUser) -> None:
    campaign = open_campaign(admin_user, title="Replay")
    member = sign_in("member")
    member.join(campaign.campaign_id)
    idea = member.submit(campaign.campaign_id, "Solar panels on the roof")
    bodies: list[dict] = []

    def lose_the_first_answer(route: Route) -> None:
        bodies.append(json.loads(route.request.post_data or "{}"))
        if len(bodies) == 1:
            route.fetch()  # the platform applies it ...
            route.abort("connectionreset")  # ... and the answer never reaches the browser
        else:
            route.continue_()

    page.route("**/coins/allocate", lose_the_first_answer)
    sign_in_page(page, member)
    page.goto(f"/i/{idea.id}")
    page.get_by_label("Number of coins").fill("25")
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text("You put 25 coins on this idea.")).to_be_visible()
    expect(page.get_by_test_id("wallet-available")).to_contain_text("75")
    assert len(bodies) == 2 and bodies[0]["requestId"] == bodies[1]["requestId"]
    balance = member.balance(campaign.campaign_id)
    assert (balance.available, balance.allocated) == (75, 25)


def test_a_refused_allocation_reads_as_a_sentence(page: Page, admin_user: User, sign_in: MakeUser) -> None:
    campaign = open_campaign(admin_user, title="Refusals")
    member = sign_in("member")
    member.join(campaign.campaign_id)
    idea = member.submit(campaign.campaign_id, "Plant trees in the car park")
    sign_in_page(page, member)
    page.goto(f"/i/{idea.id}")
    page.get_by_label("Number of coins").fill("500")
    page.get_by_role("button", name="Allocate").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("You do not have enough coins for that. You have 100 coins available, not 500.")
    check_accessibility(page)
    assert member.balance(campaign.campaign_id).available == 100


def sign_in_page(page: Page, user: User) -> None:
    browser_sign_in(page, user.email, PASSWORD)


def test_manager_runs_a_campaign_moderates_decides_and_reads_the_result(
        page: Page, base_url: str, admin_user: User, sign_in: MakeUser) -> None:
    campaign = admin_user.create_campaign("mediated", active=False, title="Canteen ideas",
                                          coin_policy=res.CoinPolicy(initial_allocation=50))
    manager = sign_in("manager")
    member = sign_in("member")
    [invitation] = admin_user.invite(campaign.campaign_id, manager.email, role=res.CAMPAIGN_ROLE_MANAGER)

    sign_in_page(page, manager)
    page.goto(local(invitation.link, base_url))
    check_accessibility(page)
    page.get_by_role("button", name="Accept the invitation").click()
    page.get_by_role("link", name="Manage").click()
    check_accessibility(page)
    page.get_by_label("New tag").fill("Food")
    page.get_by_role("button", name="Add tag").click()
    expect(page.get_by_text("Food", exact=True)).to_be_visible()
    page.get_by_label("Invite by email").fill(member.email)
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("Invitations sent")).to_be_visible()
    page.get_by_role("button", name="Activate the campaign").click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("Active")

    member.accept(mailed_link(member.email, INVITATION))
    soup = member.submit(campaign.campaign_id, "A soup of the day")
    member.submit(campaign.campaign_id, "Buy a better coffee machine")
    page.reload()
    queue = page.get_by_role("region", name="Moderation queue")
    queue.get_by_role("button", name="Approve “A soup of the day”").click()
    queue.get_by_label("Reason").last.fill("We have one already")
    queue.get_by_role("button", name="Reject “Buy a better coffee machine”").click()
    expect(queue.get_by_text("No idea waits for moderation.")).to_be_visible()
    shot(page, "manage")
    member.allocate(campaign.campaign_id, soup.id, 30)

    page.get_by_role("button", name="Complete the campaign").click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("Completed")
    decisions = page.get_by_role("region", name="Decisions and progress")
    decisions.get_by_role("button", name="Accept “A soup of the day”").click()
    decisions.get_by_role("button", name="Start “A soup of the day”").click()
    expect(decisions.get_by_role("button", name="Mark complete “A soup of the day”")).to_be_visible()
    check_accessibility(page)

    page.goto(f"/c/{campaign.campaign_id}/result")
    expect(page.get_by_test_id("result-state")).to_contain_text("Final result")
    expect(page.get_by_role("row", name=re.compile("A soup of the day 30 1 In progress"))).to_be_visible()
    check_accessibility(page)
    shot(page, "result")

    page.goto(f"/c/{campaign.campaign_id}/analytics")
    # Charts when the analytics service answers, a sentence while it cannot: never a blank page.
    expect(page.get_by_role("heading", name="Ideas by status").or_(
        page.get_by_role("heading", name="The analytics cannot be shown"))).to_be_visible()
    check_accessibility(page)
    shot(page, "analytics")


def test_sponsor_reads_the_campaign_without_voting_and_downloads_the_result(
        page: Page, admin_user: User, sign_in: MakeUser, promote: Callable[[User, int], User]) -> None:
    campaign = open_campaign(admin_user, title="Sponsored")
    member = sign_in("member")
    member.join(campaign.campaign_id)
    idea = member.submit(campaign.campaign_id, "Free fruit on Fridays")
    member.allocate(campaign.campaign_id, idea.id, 40)
    sponsor = promote(sign_in("sponsor"), res.SYSTEM_ROLE_SPONSOR)
    admin_user.campaigns.AddSponsor(campaign_pb.AddSponsorRequest(campaign_id=campaign.campaign_id,
                                                                  user_id=sponsor.id))

    sign_in_page(page, sponsor)
    page.goto(f"/c/{campaign.campaign_id}")
    expect(page.get_by_text("You sponsor this campaign")).to_be_visible()
    expect(page.get_by_role("button", name="Join this campaign")).to_have_count(0)
    check_accessibility(page)
    page.get_by_role("link", name="Free fruit on Fridays").click()
    expect(page.get_by_test_id("idea-total")).to_have_text("40 coins")
    expect(page.get_by_role("button", name="Allocate")).to_have_count(0)
    page.go_back()
    page.get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("heading", name="Ideas by status").or_(
        page.get_by_role("heading", name="The analytics cannot be shown"))).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Result").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the result (CSV)").click()
    lines = open(download.value.path()).read().splitlines()
    assert lines[0] == "rank,idea_id,title,coins,backers,status"
    assert lines[1].endswith(",Free fruit on Fridays,40,1,Competing")
    check_accessibility(page)


def test_admin_creates_a_campaign_and_manages_people(page: Page, admin_user: User, sign_in: MakeUser) -> None:
    person = sign_in("person")
    browser_sign_in(page, DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD)
    page.get_by_role("link", name="Admin").click()
    check_accessibility(page)
    slug = f"web-{uuid.uuid4().hex[:8]}"
    page.get_by_label("Title").fill("Cleaner commute")
    page.get_by_label("Address name").fill(slug)
    page.get_by_label("Who may join").select_option(label="Closed: by invitation; managers approve ideas")
    page.get_by_label("Coins each member receives").fill("30")
    page.get_by_role("button", name="Create the campaign").click()
    expect(page.get_by_role("heading", name="Manage Cleaner commute")).to_be_visible()
    created = admin_user.campaigns.GetCampaign(campaign_pb.GetCampaignRequest(campaign_id=slug))
    assert (created.type, created.coin_policy.initial_allocation) == (res.CAMPAIGN_TYPE_CLOSED, 30)

    page.get_by_role("link", name="Admin").click()
    page.get_by_label("Find by name or email").fill(person.email)
    page.get_by_role("button", name="Find").click()
    row = page.get_by_role("row", name=re.compile(re.escape(person.email)))
    row.get_by_role("button", name=re.compile("Make sponsor")).click()
    expect(row).to_contain_text("Sponsor")
    row.get_by_role("button", name=re.compile("^Deactivate")).click()
    expect(row).to_contain_text("Deactivated")
    check_accessibility(page)
    shot(page, "admin")
    fetched = admin_user.auth.GetUser(auth_pb.GetUserRequest(user_id=person.id))
    assert res.SYSTEM_ROLE_SPONSOR in fetched.roles and not fetched.active
