"""Every REST route of the campaign and idea services, through the Envoy gateway with a plain HTTP client,
in the order a real campaign uses them."""

import time
import uuid

import httpx
import pytest

from tests.support.accounts import sign_up


def ok(reply: httpx.Response) -> dict:
    assert reply.status_code == 200, f"{reply.request.method} {reply.request.url}: {reply.status_code} {reply.text}"
    return reply.json()


@pytest.fixture
def people(auth_channel, admin):
    return admin, sign_up(auth_channel, "rest-manager"), sign_up(auth_channel, "rest-member")


def test_a_campaign_lives_its_whole_life_over_rest(gateway, people):
    admin, manager, member = people
    A, M, U = admin.bearer, manager.bearer, member.bearer
    cid = f"rest-{uuid.uuid4().hex[:8]}"

    created = ok(gateway.post("/campaigns", headers=A, json={
        "campaignId": cid, "campaign": {"title": "Greener office", "type": "CAMPAIGN_TYPE_MEDIATED",
                                        "coinPolicy": {"initialAllocation": "50", "maxPerIdea": "30"}}}))
    assert created["status"] == "CAMPAIGN_STATUS_DRAFT" and created["coinPolicy"]["initialAllocation"] == "50"
    assert ok(gateway.put(f"/campaigns/{cid}", headers=A, json={"description": "Ideas for a greener office"}
                          ))["description"] == "Ideas for a greener office"
    ok(gateway.put(f"/campaigns/{cid}/members/{manager.id}/role", headers=A, json={"role": "CAMPAIGN_ROLE_MANAGER"}))
    invited = ok(gateway.post(f"/campaigns/{cid}/members", headers=M, json={"emails": [member.email]}))
    assert invited["invitations"][0]["state"] == "INVITATION_STATE_PENDING"
    token = invited["invitations"][0]["link"].rsplit("/", 1)[1]
    ok(gateway.post("/invitations:accept", headers=U, json={"invitationToken": token}))
    assert ok(gateway.post(f"/campaigns/{cid}:activate", headers=M, json={}))["status"] == "CAMPAIGN_STATUS_ACTIVE"
    ok(gateway.post(f"/campaigns/{cid}:join", headers=U, json={}))  # already in: no change
    assert cid in [c["campaignId"] for c in ok(gateway.get("/campaigns", headers=U, params={"pageSize": 200}
                                                           ))["campaigns"]]
    assert ok(gateway.get(f"/campaigns/{cid}", headers=U))["title"] == "Greener office"
    members = ok(gateway.get(f"/campaigns/{cid}/members", headers=M))["members"]
    assert {m["userId"] for m in members} == {manager.id, member.id}

    tag = ok(gateway.post(f"/campaigns/{cid}/tags", headers=M, json={"tag": {"name": "Energy", "color": "#22cc44"}}))
    assert ok(gateway.patch(f"/campaigns/{cid}/tags/{tag['id']}", headers=M, json={"name": "Power"}))["name"] == "Power"
    assert [t["name"] for t in ok(gateway.get(f"/campaigns/{cid}/tags", headers=U))["tags"]] == ["Power"]

    link = ok(gateway.get(f"/campaigns/{cid}/permalink", headers=U, params={"contextId": "wiki-9"}))["url"]
    assert link.endswith(f"/c/{cid}/submit?context_id=wiki-9")
    idea = ok(gateway.post(f"/campaigns/{cid}/ideas", headers=U, json={
        "title": "Turn off monitors at night", "description": "Timers", "contextId": "wiki-9",
        "permalinkSource": "wiki", "requestId": str(uuid.uuid4())}))
    assert idea["status"] == "IDEA_STATUS_PENDING" and idea["contextId"] == "wiki-9"
    duplicate = gateway.post(f"/campaigns/{cid}/ideas", headers=U, json={"title": "monitors turned off at night"})
    assert duplicate.status_code == 400 and "IDEA_002" in duplicate.text
    similar = ok(gateway.get(f"/campaigns/{cid}/ideas/similar", headers=M, params={"title": "monitor off night"}))
    assert similar["similarIdeas"][0]["idea"]["id"] == idea["id"]
    assert ok(gateway.patch(f"/ideas/{idea['id']}", headers=U, json={"description": "Timers and plugs"}
                            ))["description"] == "Timers and plugs"
    assert ok(gateway.post(f"/ideas/{idea['id']}/tags", headers=U, json={"tagId": tag["id"]}))["tagIds"] == [tag["id"]]
    assert ok(gateway.delete(f"/ideas/{idea['id']}/tags/{tag['id']}", headers=M))["tagIds"] == []

    approved = ok(gateway.put(f"/ideas/{idea['id']}/status", headers=M, json={"status": "IDEA_STATUS_APPROVED"}))
    assert approved["status"] == "IDEA_STATUS_COMPETING" and approved["approveTime"]
    deadline = time.monotonic() + 10
    while ok(gateway.get(f"/campaigns/{cid}/coins/balance", headers=U))["available"] != "50":
        assert time.monotonic() < deadline, "the grant never arrived"
        time.sleep(0.1)
    allocated = ok(gateway.post(f"/campaigns/{cid}/coins/allocate", headers=U, json={
        "ideaId": idea["id"], "amount": "20", "requestId": str(uuid.uuid4())}))
    assert allocated["balance"]["available"] == "30" and allocated["allocation"]["amount"] == "20"
    capped = gateway.post(f"/campaigns/{cid}/coins/allocate", headers=U, json={
        "ideaId": idea["id"], "amount": "11", "requestId": str(uuid.uuid4())})
    assert capped.status_code == 400 and "MAX_PER_IDEA" in capped.text
    listed = ok(gateway.get(f"/campaigns/{cid}/ideas", headers=U, params={"orderBy": "IDEA_ORDER_MOST_COINS"}))
    assert listed["ideas"][0]["coinTotal"] == "20"
    accepted = ok(gateway.put(f"/ideas/{idea['id']}/status", headers=M, json={"status": "IDEA_STATUS_ACCEPTED"}))
    assert accepted["status"] == "IDEA_STATUS_ACCEPTED" and accepted["coinTotal"] == "20"
    assert ok(gateway.get(f"/ideas/{idea['id']}", headers=U))["acceptTime"]
    assert ok(gateway.get(f"/campaigns/{cid}/coins/balance", headers=U))["expended"] == "20"

    assert ok(gateway.post(f"/campaigns/{cid}:complete", headers=M, json={}))["status"] == "CAMPAIGN_STATUS_COMPLETED"
    ok(gateway.put(f"/ideas/{idea['id']}/status", headers=M, json={"status": "IDEA_STATUS_IN_PROGRESS"}))
    ok(gateway.put(f"/ideas/{idea['id']}/status", headers=M, json={"status": "IDEA_STATUS_COMPLETE"}))
    assert ok(gateway.post(f"/campaigns/{cid}:archive", headers=A, json={}))["status"] == "CAMPAIGN_STATUS_ARCHIVED"
    ok(gateway.delete(f"/campaigns/{cid}/tags/{tag['id']}", headers=A))
    ok(gateway.delete(f"/campaigns/{cid}/members/{member.id}", headers=M))


def test_sponsor_routes(gateway, people, auth_channel):
    admin, _, _ = people
    sponsor = sign_up(auth_channel, "rest-sponsor")
    ok(gateway.post(f"/users/{sponsor.id}/roles", headers=admin.bearer, json={"role": "SYSTEM_ROLE_SPONSOR"}))
    cid = f"rest-{uuid.uuid4().hex[:8]}"
    ok(gateway.post("/campaigns", headers=admin.bearer, json={
        "campaignId": cid, "campaign": {"title": "Sponsored", "type": "CAMPAIGN_TYPE_OPEN"}}))
    assert ok(gateway.post(f"/campaigns/{cid}/sponsors", headers=admin.bearer, json={"userId": sponsor.id}
                           ))["sponsorIds"] == [sponsor.id]
    assert [s["id"] for s in ok(gateway.get(f"/campaigns/{cid}/sponsors", headers=admin.bearer))["sponsors"]] \
        == [sponsor.id]
    ok(gateway.delete(f"/campaigns/{cid}/sponsors/{sponsor.id}", headers=admin.bearer))
    assert ok(gateway.get(f"/campaigns/{cid}/sponsors", headers=admin.bearer))["sponsors"] == []


def test_a_path_id_cannot_be_redirected_by_the_query_string(gateway, people, auth_channel):
    admin, _, member = people
    secret = f"secret-{uuid.uuid4().hex[:8]}"
    ok(gateway.post("/campaigns", headers=admin.bearer, json={
        "campaignId": secret, "campaign": {"title": "Closed", "type": "CAMPAIGN_TYPE_CLOSED"}}))
    ok(gateway.post(f"/campaigns/{secret}:activate", headers=admin.bearer, json={}))
    public = f"public-{uuid.uuid4().hex[:8]}"
    ok(gateway.post("/campaigns", headers=admin.bearer, json={
        "campaignId": public, "campaign": {"title": "Open", "type": "CAMPAIGN_TYPE_OPEN"}}))
    ok(gateway.post(f"/campaigns/{public}:activate", headers=admin.bearer, json={}))
    reply = gateway.get(f"/campaigns/{public}/tags", headers=member.bearer, params={"campaignId": secret})
    assert reply.status_code == 404 and "Closed" not in reply.text  # the service authorised what it was asked
