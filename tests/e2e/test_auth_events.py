"""The auth service's account events, end to end: real calls over gRPC change accounts, and each change reaches the
Redis stream coins:events:auth through the service's outbox and relay, with its fields and no secret."""

from __future__ import annotations

import time

import grpc
import redis

from coins.v1 import auth_service_pb2 as pb
from coins.v1 import auth_service_pb2_grpc as rpc
from coins.v1.events_pb2 import Event
from tests.support.accounts import PASSWORD, Account, unique_email, verification_token
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
    token = verification_token(user.id)
    stub.VerifyEmail(pb.VerifyEmailRequest(token=token))
    stub.DeactivateUser(pb.DeactivateUserRequest(user_id=user.id), metadata=admin.metadata)
    stub.ReactivateUser(pb.ReactivateUserRequest(user_id=user.id), metadata=admin.metadata)

    told = events_about(stack, f"users/{user.id}", count=4)
    assert [event.type for _, event in told] == [
        "coins.v1.UserRegistered", "coins.v1.UserEmailVerified", "coins.v1.UserDeactivated",
        "coins.v1.UserReactivated"]
    for fields, event in told:
        assert fields[b"event_id"].decode() == event.event_id
        assert fields[b"type"].decode() == event.type
        assert (event.source, event.campaign_id) == ("auth", "")
        assert event.occur_time.seconds > 0
        assert PASSWORD.encode() not in fields[b"event"] and token.encode() not in fields[b"event"]
    registered, verified, deactivated, reactivated = (event for _, event in told)
    assert (registered.user_registered.email, registered.user_registered.full_name) == (email, "Eve Events")
    assert (registered.actor_id, registered.request_id) == (user.id, "register-eve")
    assert (verified.user_email_verified.email, verified.actor_id) == (email, user.id)
    assert deactivated.WhichOneof("payload") == "user_deactivated" and deactivated.actor_id == admin.id
    assert reactivated.WhichOneof("payload") == "user_reactivated" and reactivated.actor_id == admin.id
    assert len({event.event_id for _, event in told}) == 4
