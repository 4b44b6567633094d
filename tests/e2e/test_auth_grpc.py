"""The same flows over native gRPC, straight to the service and through the gateway."""

import uuid

import grpc
import pytest

from coins.v1 import auth_service_pb2 as pb
from coins.v1 import auth_service_pb2_grpc as rpc
from coins.v1 import resources_pb2
from tests.support.accounts import PASSWORD, sign_up, unique_email
from tests.support.errors import error_info, request_info


@pytest.fixture(params=["direct", "gateway"])
def channel(request, auth_channel, gateway_channel):
    return auth_channel if request.param == "direct" else gateway_channel


def test_full_session_over_grpc(channel):
    stub = rpc.AuthServiceStub(channel)
    email = unique_email("grpc")
    user = stub.Register(pb.RegisterRequest(email=email, password=PASSWORD, full_name="Grace"))
    tokens = stub.Login(pb.LoginRequest(email=email, password=PASSWORD))
    auth = [("authorization", f"Bearer {tokens.access_token}")]
    assert stub.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=auth).id == user.id
    renewed = stub.RefreshToken(pb.RefreshTokenRequest(refresh_token=tokens.refresh_token))
    stub.Logout(pb.LogoutRequest(refresh_token=renewed.refresh_token),
                metadata=[("authorization", f"Bearer {renewed.access_token}")])
    with pytest.raises(grpc.RpcError) as refused:
        stub.RefreshToken(pb.RefreshTokenRequest(refresh_token=renewed.refresh_token))
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED


def test_missing_token_is_unauthenticated(channel):
    with pytest.raises(grpc.RpcError) as refused:
        rpc.AuthServiceStub(channel).GetCurrentUser(pb.GetCurrentUserRequest())
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED


def test_errors_carry_reason_and_request_id(auth_channel):
    with pytest.raises(grpc.RpcError) as refused:
        rpc.AuthServiceStub(auth_channel).Login(pb.LoginRequest(email=unique_email(), password=PASSWORD),
                                                metadata=[("x-request-id", "trace-me-123")])
    assert error_info(refused.value).reason == "AUTH_001"
    assert error_info(refused.value).domain == "coins.v1"
    assert request_info(refused.value).request_id == "trace-me-123"


def test_admin_grants_and_revokes_roles(auth_channel, admin):
    stub = rpc.AuthServiceStub(auth_channel)
    someone = sign_up(auth_channel, "sponsor")
    granted = stub.GrantRole(pb.GrantRoleRequest(user_id=someone.id, role=resources_pb2.SYSTEM_ROLE_SPONSOR),
                             metadata=admin.metadata)
    assert list(granted.roles) == [resources_pb2.SYSTEM_ROLE_SPONSOR]
    # The role reaches the user's next access token.
    renewed = stub.RefreshToken(pb.RefreshTokenRequest(refresh_token=someone.refresh_token))
    assert list(renewed.user.roles) == [resources_pb2.SYSTEM_ROLE_SPONSOR]
    revoked = stub.RevokeRole(pb.RevokeRoleRequest(user_id=someone.id, role=resources_pb2.SYSTEM_ROLE_SPONSOR),
                              metadata=admin.metadata)
    assert list(revoked.roles) == []


def test_the_first_admin_exists_and_cannot_demote_itself(auth_channel, admin):
    stub = rpc.AuthServiceStub(auth_channel)
    me = stub.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=admin.metadata)
    assert resources_pb2.SYSTEM_ROLE_ADMIN in me.roles
    with pytest.raises(grpc.RpcError) as refused:
        stub.RevokeRole(pb.RevokeRoleRequest(user_id=admin.id, role=resources_pb2.SYSTEM_ROLE_ADMIN),
                        metadata=admin.metadata)
    assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(refused.value).reason == "AUTH_002"


def test_admin_lists_users_page_by_page(auth_channel, admin):
    stub = rpc.AuthServiceStub(auth_channel)
    tag = unique_email("pager").split("@")[0]
    for _ in range(3):
        stub.Register(pb.RegisterRequest(email=f"{tag}-{_}@example.org", password=PASSWORD, full_name="P"))
    first = stub.ListUsers(pb.ListUsersRequest(page_size=2, filter=tag), metadata=admin.metadata)
    second = stub.ListUsers(pb.ListUsersRequest(page_size=2, filter=tag, page_token=first.next_page_token),
                            metadata=admin.metadata)
    emails = [u.email for u in first.users] + [u.email for u in second.users]
    assert emails == [f"{tag}-{i}@example.org" for i in range(3)]
    assert second.next_page_token == ""


def test_internal_lookups_need_a_service_token(auth_channel, member):
    internal = rpc.AuthInternalServiceStub(auth_channel)
    for metadata in ([], member.metadata):
        with pytest.raises(grpc.RpcError) as refused:
            internal.BatchGetUsers(pb.BatchGetUsersRequest(user_ids=[member.id]), metadata=metadata)
        assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    forged = [("x-coins-service-token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZXJ2aWNlOmNvaW4ifQ.x")]
    with pytest.raises(grpc.RpcError) as refused:
        internal.BatchGetUsers(pb.BatchGetUsersRequest(user_ids=[member.id]), metadata=forged)
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED


def test_internal_services_are_not_reachable_through_the_gateway(gateway_channel, member):
    with pytest.raises(grpc.RpcError) as refused:
        rpc.AuthInternalServiceStub(gateway_channel).BatchGetUsers(
            pb.BatchGetUsersRequest(user_ids=[member.id]), metadata=member.metadata)
    assert refused.value.code() is grpc.StatusCode.UNIMPLEMENTED


def test_failed_sign_ins_are_throttled_per_client_address(auth_channel):
    stub = rpc.AuthServiceStub(auth_channel)
    address = [("x-forwarded-for", f"198.51.100.{uuid.uuid4().int % 250 + 1}")]
    real = unique_email("real")
    stub.Register(pb.RegisterRequest(email=real, password=PASSWORD, full_name="Real"))
    for _ in range(25):  # many accounts guessed from one address
        with pytest.raises(grpc.RpcError) as refused:
            stub.Login(pb.LoginRequest(email=unique_email("guess"), password=PASSWORD), metadata=address)
        assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as blocked:
        stub.Login(pb.LoginRequest(email=real, password=PASSWORD), metadata=address)
    assert blocked.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    # Another address is not affected.
    assert stub.Login(pb.LoginRequest(email=real, password=PASSWORD)).access_token
