"""The auth service's account events, end to end: real calls over gRPC change accounts, and each change reaches the
Redis stream coins:events:auth through the service's outbox and relay, with its fields and no secret in the clear:
the verification link a mail needs travels sealed, and only the mail the notification service sends carries it."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import grpc
import httpx
import redis
from google.protobuf.field_mask_pb2 import FieldMask

from coins.v1 import auth_service_pb2 as pb
from coins.v1 import auth_service_pb2_grpc as rpc
from coins.v1 import resources_pb2 as res
from coins.v1.events_pb2 import Event
from services.common import sealing
from tests.support.accounts import PASSWORD, Account, logs_holding, sign_up, unique_email, verification_token
from tests.support.errors import json_detail
from tests.support.notifications import mails_to
from tools.devstack import Stack

STREAM = "coins:events:auth"


def events_about(stack: Stack, subject: str, count: int, within_s: float = 5.0) -> list[tuple[dict, Event]]:
    """The stream's entries about `subject` (fields and decoded event), once `count` of them arrived."""
    client = redis.Redis.from_url(stack.redis_url)
    try:
        deadline = time.monotonic() + within_s
        while True:
            found = []
            for _, fields in client.xrange(STREAM, min="-", max="+"):
                event = Event.FromString(fields[b"event"])
                if event.subject == subject:
                    found.append((fields, event))
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)
    finally:
        client.close()


def test_account_changes_reach_the_auth_stream(stack: Stack, auth_channel: grpc.Channel, admin: Account):
    stub = rpc.AuthServiceStub(auth_channel)
    email = unique_email("events")
    user = stub.Register(pb.RegisterRequest(email=email, password=PASSWORD, full_name="Eve Events"),
                         metadata=[("x-request-id", "register-eve")])
    token = verification_token(email)
    stub.VerifyEmail(pb.VerifyEmailRequest(token=token))
    stub.DeactivateUser(pb.DeactivateUserRequest(user_id=user.id), metadata=admin.metadata)
    stub.ReactivateUser(pb.ReactivateUserRequest(user_id=user.id), metadata=admin.metadata)

    told = events_about(stack, f"users/{user.id}", count=5)
    assert [event.type for _, event in told] == [
        "coins.v1.UserRegistered", "coins.v1.EmailVerificationRequested", "coins.v1.UserEmailVerified",
        "coins.v1.UserDeactivated", "coins.v1.UserReactivated"]
    for fields, event in told:
        assert fields[b"event_id"].decode() == event.event_id
        assert fields[b"type"].decode() == event.type
        assert (event.source, event.campaign_id) == ("auth", "")
        assert event.occur_time.seconds > 0
        assert PASSWORD.encode() not in fields[b"event"] and token.encode() not in fields[b"event"]
    registered, _, verified, deactivated, reactivated = (event for _, event in told)
    assert (registered.user_registered.email, registered.user_registered.full_name) == (email, "Eve Events")
    assert (registered.actor_id, registered.request_id) == (user.id, "register-eve")
    assert (verified.user_email_verified.email, verified.actor_id) == (email, user.id)
    assert deactivated.WhichOneof("payload") == "user_deactivated" and deactivated.actor_id == admin.id
    assert reactivated.WhichOneof("payload") == "user_reactivated" and reactivated.actor_id == admin.id
    assert len({event.event_id for _, event in told}) == 5


def mailed_token(stack: Stack, event: Event) -> str:
    """The token of the verification link an EmailVerificationRequested event carries, opened as the notification
    service opens it, with the platform's secret."""
    sealing.configure(stack.service_env()["COINS_SERVICE_TOKEN_SECRET"])
    link = urlparse(sealing.open_sealed(event.email_verification_requested.sealed_link))
    assert link.path == "/verify-email"
    return parse_qs(link.query)["token"][0]


def test_registration_asks_once_for_the_verification_mail_even_when_retried(stack: Stack, auth_channel: grpc.Channel):
    stub = rpc.AuthServiceStub(auth_channel)
    email = unique_email("mailed")
    request = pb.RegisterRequest(email=email, password=PASSWORD, full_name="Mia Mailed", request_id="register-mia")
    user = stub.Register(request)
    assert stub.Register(request).id == user.id  # the retry replays the first answer

    told = events_about(stack, f"users/{user.id}", count=3, within_s=3)  # a third would be the retry's
    assert [event.type for _, event in told] == ["coins.v1.UserRegistered", "coins.v1.EmailVerificationRequested"]
    fields, requested = told[1]
    assert (requested.source, requested.actor_id, requested.campaign_id) == ("auth", user.id, "")
    mail = requested.email_verification_requested
    assert (mail.email, mail.full_name) == (email, "Mia Mailed")
    assert mail.expire_time.seconds - requested.occur_time.seconds == 48 * 3600  # COINS_EMAIL_VERIFICATION_TTL_S
    token = verification_token(email)
    assert mailed_token(stack, requested) == token  # the link the mail carries, which verifies the address
    assert len(mails_to(stack.mail_dir, email)) == 1  # the retry asked for no second mail
    assert token.encode() not in fields[b"event"] and b"verify-email" not in fields[b"event"]
    assert logs_holding(stack, token) == []  # a bearer secret: in the mail only


def test_each_resend_asks_for_a_mail_with_the_new_link(stack: Stack, auth_channel: grpc.Channel):
    stub = rpc.AuthServiceStub(auth_channel)
    user = sign_up(auth_channel, "resender", verified=False)
    first = verification_token(user.email)
    stub.ResendVerificationEmail(pb.ResendVerificationEmailRequest(), metadata=user.metadata)
    second = verification_token(user.email, count=2)

    told = events_about(stack, f"users/{user.id}", count=3)
    assert [event.type for _, event in told] == [
        "coins.v1.UserRegistered", "coins.v1.EmailVerificationRequested", "coins.v1.EmailVerificationRequested"]
    assert [mailed_token(stack, event) for _, event in told[1:]] == [first, second]
    assert first != second
    assert told[2][1].actor_id == user.id
    stub.VerifyEmail(pb.VerifyEmailRequest(token=mailed_token(stack, told[2][1])))  # the resent link works


def test_renames_over_grpc_and_rest_reach_the_auth_stream_once_each(stack: Stack, auth_channel: grpc.Channel,
                                                                     gateway: httpx.Client):
    stub = rpc.AuthServiceStub(auth_channel)
    user = sign_up(auth_channel, "renamer")  # registered as "Renamer", verified
    renamed = stub.UpdateCurrentUser(pb.UpdateCurrentUserRequest(
        user=res.User(full_name="Rita Renamed"), update_mask=FieldMask(paths=["full_name"])),
        metadata=[*user.metadata, ("x-request-id", "rename-rita")])
    assert (renamed.id, renamed.email, renamed.full_name) == (user.id, user.email, "Rita Renamed")
    again = stub.UpdateCurrentUser(pb.UpdateCurrentUserRequest(user=res.User(full_name="Rita Renamed")),
                                   metadata=user.metadata)  # the same name: nothing to tell
    assert again.full_name == "Rita Renamed"

    over_rest = gateway.patch("/auth/me", headers=user.bearer, json={"full_name": "Rita Rest"})
    assert over_rest.status_code == 200, over_rest.text
    assert (over_rest.json()["id"], over_rest.json()["fullName"]) == (user.id, "Rita Rest")
    assert gateway.get("/auth/me", headers=user.bearer).json()["fullName"] == "Rita Rest"
    refused = gateway.patch("/auth/me", headers=user.bearer, params={"updateMask": "email"},
                            json={"email": "someone-else@example.org"})
    assert refused.status_code == 400, refused.text
    assert json_detail(refused.json(), "BadRequest")["fieldViolations"][0]["field"] == "update_mask"
    assert "email" in refused.json()["message"]
    assert gateway.patch("/auth/me", json={"fullName": "Nobody"}).status_code == 401

    told = events_about(stack, f"users/{user.id}", count=6, within_s=3)  # a sixth would be a refused or same name
    assert [event.type for _, event in told] == [
        "coins.v1.UserRegistered", "coins.v1.EmailVerificationRequested", "coins.v1.UserEmailVerified",
        "coins.v1.UserRenamed", "coins.v1.UserRenamed"]
    first, second = (event for _, event in told[3:])
    assert (first.user_renamed.full_name, first.user_renamed.previous_full_name) == ("Rita Renamed", "Renamer")
    assert (second.user_renamed.full_name, second.user_renamed.previous_full_name) == ("Rita Rest", "Rita Renamed")
    assert (first.source, first.actor_id, first.campaign_id, first.request_id) == ("auth", user.id, "", "rename-rita")
    assert second.actor_id == user.id
