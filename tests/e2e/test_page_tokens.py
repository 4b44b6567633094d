"""PRODUCT.md "Errors": page tokens are opaque and tamper-proof. On every paged list route, through the gateway, a
token the service did not issue (crafted, changed, or decoded and re-encoded) is a 400 with the field named, never
a 500; a token the service issued still pages on."""

import base64
import json

import pytest

from tests.support.errors import json_detail

CRAFTED = [
    base64.urlsafe_b64encode(json.dumps({"before": "x"}).encode()).decode().rstrip("="),
    base64.urlsafe_b64encode(json.dumps({"offset": 2}).encode()).decode().rstrip("="),
    "not-base64-!!",
    "A" * 300,
]

ROUTES = ["/campaigns", "/campaigns/{cid}/members", "/campaigns/{cid}/tags", "/campaigns/{cid}/ideas",
          "/campaigns/{cid}/coins/allocations", "/campaigns/{cid}/coins/ledger", "/campaigns/{cid}/invitations",
          "/users"]


@pytest.fixture(scope="module")
def world(admin_user, sign_in):
    member = sign_in("pager")
    cid = admin_user.create_campaign("open").campaign_id
    member.join(cid)
    ideas = [member.submit(cid).id for _ in range(3)]
    for idea in ideas:
        member.allocate(cid, idea, 1)
    for _ in range(3):
        admin_user.tag(cid)
    return cid, member


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("token", CRAFTED)
def test_a_token_the_service_did_not_issue_is_a_400(route, token, world, gateway, admin):
    response = gateway.get(route.format(cid=world[0]), params={"pageToken": token}, headers=admin.bearer)
    assert response.status_code == 400, response.text
    assert json_detail(response.json(), "ErrorInfo")["metadata"]["field"] == "page_token"


@pytest.mark.parametrize("route", ["/campaigns/{cid}/ideas", "/campaigns/{cid}/tags", "/campaigns/{cid}/coins/ledger"])
def test_an_issued_token_pages_on_and_a_changed_one_does_not(route, world, gateway):
    cid, member = world
    url, bearer = route.format(cid=cid), member.account.bearer
    first = gateway.get(url, params={"pageSize": 1}, headers=bearer)
    assert first.status_code == 200, first.text
    token = first.json()["nextPageToken"]
    assert gateway.get(url, params={"pageSize": 1, "pageToken": token}, headers=bearer).status_code == 200
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[-2] ^= 1  # one bit of the position changed
    changed = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    assert gateway.get(url, params={"pageSize": 1, "pageToken": changed}, headers=bearer).status_code == 400
