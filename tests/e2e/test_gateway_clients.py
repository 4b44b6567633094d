"""What a team in another language meets at the gateway before writing code: reflection of exactly the public
services (grpcurl, Postman), gRPC-Web as a browser sends it, guarded like native gRPC, and the OpenAPI document with
its docs page. The client programs themselves run in `make clients-smoke` (clients/<lang>/)."""

import base64
import struct
import uuid

import grpc
import httpx
import pytest
from google.protobuf import descriptor_pool, message_factory
from google.rpc import error_details_pb2, status_pb2
from grpc_reflection.v1alpha import reflection_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from coins.v1 import coin_service_pb2 as coin_pb
from coins.v1 import resources_pb2 as res
from gateway.generate import DOCS_FILES
from services.common.catalog import external_services
from tools.devstack import DEV_ADMIN_EMAIL, DEV_ADMIN_PASSWORD

GRPC_WEB = {"content-type": "application/grpc-web+proto", "x-grpc-web": "1"}


def reflect(channel: grpc.Channel, request: reflection_pb2.ServerReflectionRequest,
            method: str = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"):
    call = channel.stream_stream(method, request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
                                 response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)
    [reply] = list(call(iter([request]), timeout=10))
    return reply


@pytest.mark.parametrize("version", ["v1", "v1alpha"])
def test_reflection_through_the_gateway_lists_exactly_the_public_services(gateway_channel, version):
    reply = reflect(gateway_channel, reflection_pb2.ServerReflectionRequest(list_services=""),
                    f"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo")
    assert {s.name for s in reply.list_services_response.service} == set(external_services())


def test_reflection_hides_internal_services_even_from_their_own_file(gateway_channel):
    hidden = reflect(gateway_channel, reflection_pb2.ServerReflectionRequest(
        file_containing_symbol="coins.v1.CoinInternalService"))
    assert hidden.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
    # The file defines both services; the gateway's copy of it has only the public one.
    database = ProtoReflectionDescriptorDatabase(gateway_channel)
    pool = descriptor_pool.DescriptorPool(database)
    file = pool.FindFileContainingSymbol("coins.v1.CoinService")
    assert file.name == "coins/v1/coin_service.proto" and list(file.services_by_name) == ["CoinService"]


def test_a_client_with_nothing_but_reflection_signs_in_through_the_gateway(gateway_channel):
    """As grpcurl does: describe the method, build the request from the served descriptors, call it."""
    pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(gateway_channel))
    login = pool.FindMethodByName("coins.v1.AuthService.Login")  # a method name, as `grpcurl describe` takes it
    request_class = message_factory.GetMessageClass(login.input_type)
    reply_class = message_factory.GetMessageClass(login.output_type)
    call = gateway_channel.unary_unary("/coins.v1.AuthService/Login",
                                       request_serializer=request_class.SerializeToString,
                                       response_deserializer=reply_class.FromString)
    tokens = call(request_class(email=DEV_ADMIN_EMAIL, password=DEV_ADMIN_PASSWORD), timeout=10)
    assert tokens.token_type == "Bearer" and tokens.access_token


# ---- gRPC-Web ----------------------------------------------------------------------------------------------------


def grpc_web_call(gateway: httpx.Client, path: str, request, token: str | None = None) -> tuple[httpx.Response,
                                                                                                 list[bytes], dict]:
    """One unary gRPC-Web call; returns the response, its message frames and its trailers (from the trailer frame,
    or from the headers of a trailers-only answer)."""
    body = request.SerializeToString()
    headers = {**GRPC_WEB, **({"authorization": f"Bearer {token}"} if token else {})}
    response = gateway.post(path, content=struct.pack(">BI", 0, len(body)) + body, headers=headers)
    messages, trailers, data = [], {}, response.content
    while data:
        flag, length = struct.unpack(">BI", data[:5])
        frame, data = data[5:5 + length], data[5 + length:]
        if flag & 0x80:
            for line in frame.decode().strip().split("\r\n"):
                name, _, value = line.partition(":")
                trailers[name.strip().lower()] = value.strip()
        else:
            messages.append(frame)
    if "grpc-status" not in trailers:
        trailers = {k: v for k, v in response.headers.items() if k.startswith("grpc-")}
    return response, messages, trailers


def rich_status(trailers: dict) -> status_pb2.Status:
    raw = trailers["grpc-status-details-bin"]
    return status_pb2.Status.FromString(base64.b64decode(raw + "=" * (-len(raw) % 4)))


def test_grpc_web_calls_reach_the_services_and_carry_rich_errors(gateway, admin_user, sign_in):
    member = sign_in("web")
    cid = admin_user.create_campaign("open").campaign_id
    member.join(cid)
    idea = member.submit(cid).id
    token = member.account.access_token

    response, [message], trailers = grpc_web_call(gateway, "/coins.v1.CoinService/GetCoinBalance",
                                                  coin_pb.GetCoinBalanceRequest(campaign_id=cid), token)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/grpc-web")
    assert trailers["grpc-status"] == "0" and res.CoinBalance.FromString(message).available == 100

    _, _, refused = grpc_web_call(gateway, "/coins.v1.CoinService/AllocateCoins", coin_pb.AllocateCoinsRequest(
        campaign_id=cid, idea_id=idea, amount=1000, request_id=str(uuid.uuid4())), token)
    assert refused["grpc-status"] == str(grpc.StatusCode.FAILED_PRECONDITION.value[0])
    [detail] = [d for d in rich_status(refused).details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    info = error_details_pb2.ErrorInfo()
    detail.Unpack(info)
    assert (info.reason, info.domain) == ("COIN_001", "coins.v1")


def test_grpc_web_is_guarded_like_native_grpc(gateway, sign_in):
    """The grpc_web filter runs first, so JWT rules keyed on gRPC paths see these calls too."""
    request = coin_pb.GetCoinBalanceRequest(campaign_id="any-campaign")
    for token in (None, "not-a-token"):
        _, messages, trailers = grpc_web_call(gateway, "/coins.v1.CoinService/GetCoinBalance", request, token)
        assert trailers["grpc-status"] == str(grpc.StatusCode.UNAUTHENTICATED.value[0]) and messages == []
    # Internal services have no route at the edge, whatever the token.
    token = sign_in("web").account.access_token
    _, messages, trailers = grpc_web_call(gateway, "/coins.v1.CoinInternalService/GetCampaignStanding",
                                          coin_pb.GetCampaignStandingRequest(campaign_id="x"), token)
    assert trailers["grpc-status"] == str(grpc.StatusCode.UNIMPLEMENTED.value[0]) and messages == []


def test_browsers_may_send_grpc_web_calls_from_another_origin(gateway):
    preflight = gateway.options("/coins.v1.AuthService/Login", headers={
        "origin": "https://app.example.org", "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-grpc-web,x-user-agent,authorization"})
    assert preflight.status_code == 200
    allowed = preflight.headers["access-control-allow-headers"]
    assert {"x-grpc-web", "x-user-agent", "authorization"} <= {h.strip() for h in allowed.split(",")}
    exposed = gateway.post("/coins.v1.AuthService/Login", headers={**GRPC_WEB, "origin": "https://app.example.org"},
                           content=b"\0\0\0\0\0").headers["access-control-expose-headers"]
    assert "grpc-status-details-bin" in exposed


# ---- OpenAPI and its docs page -----------------------------------------------------------------------------------


def test_the_openapi_document_is_served_as_generated(gateway):
    served = gateway.get("/openapi.json")
    assert served.status_code == 200 and served.headers["content-type"] == "application/json"
    path, _ = DOCS_FILES["/openapi.json"]
    assert served.content == path.read_bytes()
    assert "/campaigns/{campaignId}/coins/allocate" in served.json()["paths"]
    assert gateway.post("/openapi.json", json={}).status_code == 404  # a read-only file, not an API route


def test_the_docs_page_loads_swagger_ui_over_the_document(gateway):
    page = gateway.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'url: "/openapi.json"' in page.text
    for asset in ("/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"):
        assert f'"{asset}"' in page.text
        served = gateway.get(asset)
        assert served.status_code == 200 and served.content == DOCS_FILES[asset][0].read_bytes()
