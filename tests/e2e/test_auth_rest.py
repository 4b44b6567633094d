"""Sign-up to sign-out through the Envoy gateway with a plain HTTP client."""

import uuid

from tests.support.accounts import PASSWORD, unique_email
from tests.support.errors import json_detail


def register(gateway, email, password=PASSWORD, **extra):
    return gateway.post("/auth/register", json={"email": email, "password": password, "fullName": "Ann", **extra})


def login(gateway, email, password=PASSWORD):
    return gateway.post("/auth/login", json={"email": email, "password": password})


def test_register_login_me_refresh_logout(gateway):
    email = unique_email("rest")
    created = register(gateway, email)
    assert created.status_code == 200, created.text
    assert created.json()["email"] == email and created.json()["roles"] == []

    signed_in = login(gateway, email.upper())  # emails match whatever their case
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    assert tokens["tokenType"] == "Bearer" and tokens["user"]["id"] == created.json()["id"]

    me = gateway.get("/auth/me", headers={"authorization": f"Bearer {tokens['accessToken']}"})
    assert me.status_code == 200 and me.json()["email"] == email
    assert "grpc-status" not in me.headers and me.headers["x-request-id"]

    refreshed = gateway.post("/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["refreshToken"] != tokens["refreshToken"]
    assert gateway.get("/auth/me", headers={"authorization": f"Bearer {new['accessToken']}"}).status_code == 200

    out = gateway.post("/auth/logout", json={"refreshToken": new["refreshToken"]},
                       headers={"authorization": f"Bearer {new['accessToken']}"})
    assert out.status_code == 200, out.text
    after = gateway.post("/auth/refresh", json={"refreshToken": new["refreshToken"]})
    assert after.status_code == 401
    assert json_detail(after.json(), "ErrorInfo")["reason"] == "AUTH_001"


def test_reusing_a_rotated_refresh_token_signs_out_the_whole_family(gateway):
    email = unique_email("reuse")
    register(gateway, email)
    first = login(gateway, email).json()["refreshToken"]
    second = gateway.post("/auth/refresh", json={"refreshToken": first}).json()["refreshToken"]

    replay = gateway.post("/auth/refresh", json={"refreshToken": first})
    assert replay.status_code == 401
    assert json_detail(replay.json(), "ErrorInfo")["metadata"]["reuse_detected"] == "true"
    # The thief's replay also kills the legitimate holder's newer token.
    assert gateway.post("/auth/refresh", json={"refreshToken": second}).status_code == 401
    # A fresh sign-in starts a new family.
    assert gateway.post("/auth/refresh", json={"refreshToken": login(gateway, email).json()["refreshToken"]}
                        ).status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(gateway):
    email = unique_email("wrong")
    register(gateway, email)
    wrong = login(gateway, email, "not the password at all")
    unknown = login(gateway, unique_email("ghost"))
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["message"] == unknown.json()["message"] == "email or password is wrong"
    assert json_detail(wrong.json(), "ErrorInfo")["reason"] == "AUTH_001"


def test_registration_errors_name_the_field_and_write_nothing(gateway):
    email = unique_email("bad")
    cases = [
        ({"email": "not-an-email", "password": PASSWORD, "fullName": "A"}, "email"),
        ({"email": email, "password": "short", "fullName": "A"}, "password"),
        ({"email": email, "password": PASSWORD, "fullName": ""}, "full_name"),
        ({"email": email, "password": PASSWORD, "fullName": "x" * 256}, "full_name"),
    ]
    for body, field in cases:
        reply = gateway.post("/auth/register", json=body)
        assert reply.status_code == 400, (body, reply.text)
        assert json_detail(reply.json(), "BadRequest")["fieldViolations"][0]["field"] == field
    assert login(gateway, email).status_code == 401  # none of them created the account


def test_emails_are_unique_whatever_their_case(gateway):
    email = unique_email("dup")
    assert register(gateway, email).status_code == 200
    again = register(gateway, email.upper())
    assert again.status_code == 409
    assert json_detail(again.json(), "ErrorInfo")["reason"] == "ALREADY_EXISTS"


def test_a_retried_registration_returns_the_first_account(gateway):
    email, request_id = unique_email("retry"), str(uuid.uuid4())
    first = register(gateway, email, requestId=request_id)
    second = register(gateway, email, requestId=request_id)
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]


def test_repeated_failed_sign_ins_are_throttled_per_email(gateway):
    email = unique_email("throttle")
    register(gateway, email)
    codes = [login(gateway, email, "wrong password!").status_code for _ in range(5)]
    assert codes == [401] * 5
    blocked = login(gateway, email)  # even the right password waits out the window
    assert blocked.status_code == 429
    assert json_detail(blocked.json(), "ErrorInfo")["reason"] == "RATE_LIMITED"
    assert json_detail(blocked.json(), "RetryInfo")["retryDelay"]
