"""PRODUCT.md "Accounts and abuse": throttling that holds under concurrency and cannot lock owners out, registration
limits, the first admin, deactivation, verified email addresses, and errors that keep internal addresses inside."""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import json
import time
import uuid
from urllib.parse import parse_qs, urlparse

import grpc
import httpx
import pytest

from coins.v1 import auth_service_pb2 as pb
from coins.v1 import auth_service_pb2_grpc as rpc
from coins.v1 import idea_service_pb2 as idea_pb
from coins.v1 import idea_service_pb2_grpc as idea_rpc
from coins.v1 import resources_pb2
from services.common.tokens import ServiceTokens
from tests.support.accounts import (
    PASSWORD,
    TEST_SETTINGS,
    VERIFICATION,
    mailed_link,
    sign_up,
    unique_email,
    verification_token,
)
from tests.support.errors import error_info, json_detail
from tools.devstack import DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD, free_port

GUESSES_PER_EMAIL = int(TEST_SETTINGS["COINS_LOGIN_ATTEMPTS_PER_EMAIL"])
GUESSES_PER_ADDRESS = int(TEST_SETTINGS["COINS_LOGIN_ATTEMPTS_PER_ADDRESS"])
STRICT_REGISTRATIONS = 3


def fresh_address() -> str:
    """A client address no other test has used: counters of an address outlive a test (one from a 1-in-250 draw
    once arrived with five failed guesses already counted)."""
    return str(ipaddress.IPv6Address((0x20010DB8 << 96) | uuid.uuid4().int >> 32))  # 2001:db8::/32, documentation


def from_address(*hops: str) -> list[tuple[str, str]]:
    return [("x-forwarded-for", ", ".join(hops))]


def claims(access_token: str) -> dict:
    payload = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@contextlib.contextmanager
def replica(stack, service: str, name: str, wait: bool = True, **settings: str):
    """An extra process of `service` beside the stack's own, with some settings changed."""
    port = free_port()
    saved = dict(stack.settings)
    stack.settings.update(settings)
    try:
        process = stack.start_service(service, name=name, port=port)
    finally:
        stack.settings.clear()
        stack.settings.update(saved)
    try:
        if wait:
            stack.wait_serving(service, name=name, port=port)
        yield process, port
    finally:
        stack.stop_process(name)


@pytest.fixture(scope="module")
def strict_auth(stack):
    """An auth replica behind two proxies (an ingress, then the gateway) that allows few registrations per address
    and whose verification links expire at once."""
    with replica(stack, "auth", "auth-strict", COINS_REGISTRATIONS_PER_ADDRESS=str(STRICT_REGISTRATIONS),
                 COINS_TRUSTED_PROXY_HOPS="2", COINS_EMAIL_VERIFICATION_TTL_S="0") as (_, port):
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield rpc.AuthServiceStub(channel)


def login_codes(stub, requests, metadata) -> list[grpc.StatusCode]:
    futures = [stub.Login.future(request, metadata=metadata, timeout=60) for request in requests]
    codes = []
    for future in futures:
        try:
            future.result()
            codes.append(grpc.StatusCode.OK)
        except grpc.RpcError as error:
            codes.append(error.code())
    return codes


# ---- 1. sign-in throttling -----------------------------------------------------------------------------------------

def test_parallel_guesses_are_counted_exactly_and_the_owner_still_signs_in(auth_channel):
    stub = rpc.AuthServiceStub(auth_channel)
    owner = sign_up(auth_channel, "owner")
    stranger = from_address(fresh_address())
    guesses = [pb.LoginRequest(email=owner.email, password=f"wrong guess {n:03d}") for n in range(100)]

    codes = login_codes(stub, guesses, stranger)

    assert codes.count(grpc.StatusCode.UNAUTHENTICATED) == GUESSES_PER_EMAIL  # only these were hashed
    assert codes.count(grpc.StatusCode.RESOURCE_EXHAUSTED) == 100 - GUESSES_PER_EMAIL
    # Even the right password waits out the window from the stranger's address...
    with pytest.raises(grpc.RpcError) as blocked:
        stub.Login(pb.LoginRequest(email=owner.email, password=PASSWORD), metadata=stranger)
    assert blocked.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    # ...but the owner, at their own address, is not locked out.
    assert stub.Login(pb.LoginRequest(email=owner.email, password=PASSWORD),
                      metadata=from_address(fresh_address())).access_token


def test_parallel_guesses_at_many_accounts_are_limited_per_address(auth_channel):
    stub = rpc.AuthServiceStub(auth_channel)
    address = from_address(fresh_address())
    guesses = [pb.LoginRequest(email=unique_email("sprayed"), password=PASSWORD) for _ in range(60)]

    codes = login_codes(stub, guesses, address)

    assert codes.count(grpc.StatusCode.UNAUTHENTICATED) == GUESSES_PER_ADDRESS
    assert codes.count(grpc.StatusCode.RESOURCE_EXHAUSTED) == 60 - GUESSES_PER_ADDRESS


def test_successful_sign_ins_are_never_refused(auth_channel):
    stub = rpc.AuthServiceStub(auth_channel)
    office = from_address(fresh_address())
    people = [sign_up(auth_channel, "colleague", verified=False) for _ in range(4)]
    for _ in range(GUESSES_PER_ADDRESS // 4 + 2):  # more sign-ins than the address limit, none failing
        codes = login_codes(stub, [pb.LoginRequest(email=p.email, password=PASSWORD) for p in people], office)
        assert codes == [grpc.StatusCode.OK] * 4
    # More parallel sign-ins of one account than its limit: they wait for each other, none is refused.
    many = GUESSES_PER_EMAIL * 2
    codes = login_codes(stub, [pb.LoginRequest(email=people[0].email, password=PASSWORD)] * many, office)
    assert codes == [grpc.StatusCode.OK] * many


# ---- 2. registration per client address ----------------------------------------------------------------------------

def test_registrations_are_limited_per_client_address_under_concurrency(strict_auth):
    address = from_address(fresh_address(), "10.1.0.1")
    futures = [strict_auth.Register.future(pb.RegisterRequest(email=unique_email("farm"), password=PASSWORD,
                                                                  full_name="Farm"), metadata=address, timeout=60)
               for _ in range(8)]
    outcomes = []
    for future in futures:
        try:
            future.result()
            outcomes.append(grpc.StatusCode.OK)
        except grpc.RpcError as error:
            outcomes.append(error.code())
            assert error_info(error).reason == "RATE_LIMITED"
    assert outcomes.count(grpc.StatusCode.OK) == STRICT_REGISTRATIONS
    assert outcomes.count(grpc.StatusCode.RESOURCE_EXHAUSTED) == 8 - STRICT_REGISTRATIONS


# ---- 4. trusted proxy hops -----------------------------------------------------------------------------------------

def test_the_client_address_is_the_one_the_trusted_proxies_vouch_for(strict_auth):
    ingress = "10.1.0.2"  # the same last hop for everyone: with two trusted hops it is not the client
    first_client, second_client = fresh_address(), fresh_address()
    for _ in range(STRICT_REGISTRATIONS):
        strict_auth.Register(pb.RegisterRequest(email=unique_email("hop"), password=PASSWORD, full_name="Hop"),
                             metadata=from_address(first_client, ingress))
    with pytest.raises(grpc.RpcError) as refused:
        strict_auth.Register(pb.RegisterRequest(email=unique_email("hop"), password=PASSWORD, full_name="Hop"),
                             metadata=from_address(first_client, ingress))
    assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    # What the client wrote in front of the trusted entries changes nothing...
    with pytest.raises(grpc.RpcError) as forged:
        strict_auth.Register(pb.RegisterRequest(email=unique_email("hop"), password=PASSWORD, full_name="Hop"),
                             metadata=from_address(fresh_address(), first_client, ingress))
    assert forged.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    # ...and another client behind the same ingress is someone else.
    assert strict_auth.Register(pb.RegisterRequest(email=unique_email("hop"), password=PASSWORD, full_name="Hop"),
                                metadata=from_address(second_client, ingress)).id


# ---- 5. the first admin --------------------------------------------------------------------------------------------

def test_auth_refuses_to_start_when_the_admin_email_belongs_to_a_non_admin(stack, auth_channel):
    squatter = sign_up(auth_channel, "squatter")
    with replica(stack, "auth", "auth-admin-taken", wait=False, COINS_ADMIN_EMAIL=squatter.email.upper(),
                 COINS_ADMIN_PASSWORD="the operator's password") as (process, _):
        assert process.wait(timeout=60) != 0
    refusal = [json.loads(line) for line in stack.log_lines("auth-admin-taken") if "refusing to start" in line]
    assert refusal and refusal[0]["level"] == "critical" and squatter.email in refusal[0]["msg"]
    # Nothing changed: the account keeps its password and gets no role.
    tokens = rpc.AuthServiceStub(auth_channel).Login(pb.LoginRequest(email=squatter.email, password=PASSWORD))
    assert list(tokens.user.roles) == []


def test_an_existing_first_admin_is_left_as_it_is(stack, auth_channel):
    with replica(stack, "auth", "auth-admin-again", COINS_ADMIN_EMAIL=DEV_ADMIN_EMAIL,
                 COINS_ADMIN_PASSWORD="a different password") as (process, _):
        assert process.poll() is None
    stub = rpc.AuthServiceStub(auth_channel)
    admin = stub.Login(pb.LoginRequest(email=DEV_ADMIN_EMAIL, password=DEV_ADMIN_PASSWORD))  # password not reset
    assert resources_pb2.SYSTEM_ROLE_ADMIN in admin.user.roles
    with pytest.raises(grpc.RpcError) as refused:
        stub.Login(pb.LoginRequest(email=DEV_ADMIN_EMAIL, password="a different password"))
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED


# ---- 6. deactivation -----------------------------------------------------------------------------------------------

def test_a_deactivated_account_can_neither_sign_in_nor_refresh(auth_channel, admin):
    stub = rpc.AuthServiceStub(auth_channel)
    user = sign_up(auth_channel, "leaver")
    second_session = stub.Login(pb.LoginRequest(email=user.email, password=PASSWORD))

    deactivated = stub.DeactivateUser(pb.DeactivateUserRequest(user_id=user.id), metadata=admin.metadata)

    assert deactivated.active is False
    for refresh_token in (user.refresh_token, second_session.refresh_token):  # every session's family
        with pytest.raises(grpc.RpcError) as refused:
            stub.RefreshToken(pb.RefreshTokenRequest(refresh_token=refresh_token))
        assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as refused:
        stub.Login(pb.LoginRequest(email=user.email, password=PASSWORD))
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "deactivated" in refused.value.details()
    assert stub.GetUser(pb.GetUserRequest(user_id=user.id), metadata=admin.metadata).active is False

    assert stub.ReactivateUser(pb.ReactivateUserRequest(user_id=user.id), metadata=admin.metadata).active
    assert stub.Login(pb.LoginRequest(email=user.email, password=PASSWORD)).access_token


def test_only_admins_deactivate_and_never_themselves(auth_channel, admin):
    stub = rpc.AuthServiceStub(auth_channel)
    member, other = sign_up(auth_channel, "member"), sign_up(auth_channel, "other")
    with pytest.raises(grpc.RpcError) as forbidden:
        stub.DeactivateUser(pb.DeactivateUserRequest(user_id=other.id), metadata=member.metadata)
    assert forbidden.value.code() is grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as own:
        stub.DeactivateUser(pb.DeactivateUserRequest(user_id=admin.id), metadata=admin.metadata)
    assert own.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.RpcError) as missing:
        stub.DeactivateUser(pb.DeactivateUserRequest(user_id=str(uuid.uuid4())), metadata=admin.metadata)
    assert missing.value.code() is grpc.StatusCode.NOT_FOUND


def test_deactivation_over_rest(gateway, auth_channel, admin):
    user = sign_up(auth_channel, "rest-leaver")
    as_user = {"authorization": f"Bearer {user.access_token}"}
    as_admin = {"authorization": f"Bearer {admin.access_token}"}
    assert gateway.post(f"/users/{user.id}:deactivate", json={}, headers=as_user).status_code == 403

    reply = gateway.post(f"/users/{user.id}:deactivate", json={}, headers=as_admin)
    assert reply.status_code == 200, reply.text
    assert reply.json()["active"] is False
    assert gateway.post("/auth/login", json={"email": user.email, "password": PASSWORD}).status_code == 401
    assert gateway.post("/auth/refresh", json={"refreshToken": user.refresh_token}).status_code == 401

    reply = gateway.post(f"/users/{user.id}:reactivate", json={}, headers=as_admin)
    assert reply.status_code == 200 and reply.json()["active"] is True
    assert gateway.post("/auth/login", json={"email": user.email, "password": PASSWORD}).status_code == 200


# ---- 7. verified email addresses -----------------------------------------------------------------------------------

def test_registration_sends_a_link_that_verifies_the_address_once(gateway, stack):
    email = unique_email("verify")
    created = gateway.post("/auth/register", json={"email": email, "password": PASSWORD, "fullName": "Vera"}).json()
    assert created["emailVerified"] is False
    first_token = gateway.post("/auth/login", json={"email": email, "password": PASSWORD}).json()["accessToken"]
    assert claims(first_token)["email_verified"] is False

    url = mailed_link(email, VERIFICATION)
    assert url.startswith(f"{stack.service_env().get('COINS_PUBLIC_URL', 'http://localhost:8080')}/verify-email?")
    token = parse_qs(urlparse(url).query)["token"][0]

    verified = gateway.post("/auth/verify-email", json={"token": token})
    assert verified.status_code == 200, verified.text
    assert verified.json()["emailVerified"] is True
    again = gateway.post("/auth/verify-email", json={"token": token})
    assert again.status_code == 400
    assert "already used" in again.json()["message"]
    assert json_detail(again.json(), "BadRequest")["fieldViolations"][0]["field"] == "token"
    unknown = gateway.post("/auth/verify-email", json={"token": "not-a-token-we-sent"})
    assert unknown.status_code == 400

    signed_in = gateway.post("/auth/login", json={"email": email, "password": PASSWORD}).json()
    assert signed_in["user"]["emailVerified"] is True
    assert claims(signed_in["accessToken"])["email_verified"] is True


def test_an_expired_link_is_refused(strict_auth):
    email = unique_email("late")
    strict_auth.Register(pb.RegisterRequest(email=email, password=PASSWORD, full_name="Late"),
                         metadata=from_address(fresh_address(), "10.1.0.3"))
    with pytest.raises(grpc.RpcError) as expired:  # the replica's mail reaches the same mailbox, already expired
        strict_auth.VerifyEmail(pb.VerifyEmailRequest(token=verification_token(email)))
    assert expired.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "expired" in expired.value.details()


def test_a_signed_in_user_asks_for_a_new_link(auth_channel):
    stub = rpc.AuthServiceStub(auth_channel)
    user = sign_up(auth_channel, "resend", verified=False)
    old_token = verification_token(user.email)
    stub.ResendVerificationEmail(pb.ResendVerificationEmailRequest(), metadata=user.metadata)
    new_token = verification_token(user.email, count=2)
    assert new_token != old_token
    with pytest.raises(grpc.RpcError) as stale:
        stub.VerifyEmail(pb.VerifyEmailRequest(token=old_token))  # only the newest link works
    assert stale.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert stub.VerifyEmail(pb.VerifyEmailRequest(token=new_token)).email_verified
    with pytest.raises(grpc.RpcError) as done:
        stub.ResendVerificationEmail(pb.ResendVerificationEmailRequest(), metadata=user.metadata)
    assert done.value.code() is grpc.StatusCode.FAILED_PRECONDITION


def test_other_services_see_which_addresses_are_verified(stack, auth_channel):
    verified, unverified = sign_up(auth_channel, "proved"), sign_up(auth_channel, "unproved", verified=False)
    assert claims(verified.access_token)["email_verified"] is True
    assert claims(unverified.access_token)["email_verified"] is False
    service = [("x-coins-service-token",
                ServiceTokens(stack.service_env()["COINS_SERVICE_TOKEN_SECRET"], "campaign").token())]
    internal = rpc.AuthInternalServiceStub(auth_channel)
    by_email = internal.LookupUsersByEmail(pb.LookupUsersByEmailRequest(emails=[verified.email, unverified.email]),
                                           metadata=service)
    assert {u.email: u.email_verified for u in by_email.users} == {verified.email: True, unverified.email: False}
    by_id = internal.BatchGetUsers(pb.BatchGetUsersRequest(user_ids=[verified.id, unverified.id]), metadata=service)
    assert {u.id: u.email_verified for u in by_id.users} == {verified.id: True, unverified.id: False}


# ---- 8. idempotent registration -----------------------------------------------------------------------------------

def test_a_registration_request_id_names_one_request(gateway):
    request_id = str(uuid.uuid4())
    body = {"email": unique_email("idem"), "password": PASSWORD, "fullName": "Ida", "requestId": request_id}
    first = gateway.post("/auth/register", json=body)
    again = gateway.post("/auth/register", json=body)
    assert first.status_code == again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    other = gateway.post("/auth/register", json={**body, "email": unique_email("idem")})
    assert other.status_code == 400
    assert json_detail(other.json(), "ErrorInfo")["reason"] == "REQUEST_ID_REUSED"


# ---- 9. unreachable services ---------------------------------------------------------------------------------------

def test_an_unreachable_service_is_reported_without_internal_addresses(stack, auth_channel):
    closed_port = free_port()
    user = sign_up(auth_channel, "cut-off")
    with replica(stack, "idea", "idea-cut-off", COINS_CAMPAIGN_TARGET=f"127.0.0.1:{closed_port}") as (_, port):
        gateway_port, admin_port = free_port(), free_port()
        targets = {**stack.gateway_options().targets, "idea": f"127.0.0.1:{port}"}
        stack.start_gateway(stack.gateway_options(port=gateway_port, admin_port=admin_port, targets=targets),
                            name="gateway-cut-off")
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                with pytest.raises(grpc.RpcError) as failed:
                    idea_rpc.IdeaServiceStub(channel).ListIdeas(idea_pb.ListIdeasRequest(campaign_id="some-campaign"),
                                                                metadata=user.metadata, timeout=30)
            assert failed.value.code() is grpc.StatusCode.UNAVAILABLE
            assert str(closed_port) not in failed.value.details() and "127.0.0.1" not in failed.value.details()
            assert error_info(failed.value).reason == "UNAVAILABLE"

            reply = httpx.get(f"http://127.0.0.1:{gateway_port}/campaigns/some-campaign/ideas",
                              headers={"authorization": f"Bearer {user.access_token}"}, timeout=30)
            assert reply.status_code == 503
            assert str(closed_port) not in reply.text and "127.0.0.1" not in reply.text
            assert reply.json()["message"] == "a platform service is unavailable; retry shortly"
        finally:
            stack.stop_process("gateway-cut-off")
    time.sleep(0.1)
    logged = [line for line in stack.log_lines("idea-cut-off") if "downstream call failed" in line]
    assert logged and str(closed_port) in logged[0]  # the operator still sees where it failed
