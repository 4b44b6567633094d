"""The Envoy gateway as an outside client meets it: routes from the contracts, tokens checked at the edge, JSON
errors for everything, and no way around the checks through query strings or bodies."""

import json
import re
import subprocess
import time
import uuid
from pathlib import Path

import grpc
import httpx
import jwt
import pytest
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2

from coins.v1 import auth_service_pb2 as pb
from coins.v1 import auth_service_pb2_grpc as rpc
from gateway.generate import DESCRIPTOR_SET
from services.common import catalog
from services.common.catalog import Access
from tests.support.accounts import sign_up
from tests.support.errors import json_detail
from tools.devstack import envoy_binary, free_port

ROUTE_FIELDS = ("get", "put", "post", "delete", "patch")
SAMPLE_PATH_VALUES = {"role": "SYSTEM_ROLE_SPONSOR"}  # enum path variables need a real name


def http_routes(access: Access) -> list[tuple[str, str, str]]:
    """(method path, HTTP verb, URL with sample path values) for every contract method of one access kind."""
    routes = []
    for method in catalog.methods().values():
        if method.access is not access:
            continue
        service = catalog.SERVICE_FILES[method.service].DESCRIPTOR.services_by_name[method.full_service.split(".")[-1]]
        rule = service.methods_by_name[method.name].GetOptions().Extensions[annotations_pb2.http]
        verb = next(v for v in ROUTE_FIELDS if getattr(rule, v))
        url = re.sub(r"\{([^}]+)\}", lambda var: SAMPLE_PATH_VALUES.get(var[1], str(uuid.uuid4())),
                     getattr(rule, verb))
        routes.append((method.path, verb.upper(), url))
    return routes


PROTECTED = http_routes(Access.USER)


def test_every_external_method_has_a_route_and_the_seed_routes_exist():
    urls = {(verb, re.sub(r"[0-9a-f-]{36}", "{id}", url)) for _, verb, url in PROTECTED + http_routes(Access.PUBLIC)}
    seed = [("POST", "/auth/login"), ("POST", "/auth/register"), ("POST", "/auth/refresh"), ("POST", "/campaigns"),
            ("PUT", "/campaigns/{id}"), ("POST", "/campaigns/{id}/members"), ("POST", "/campaigns/{id}/tags"),
            ("POST", "/campaigns/{id}/ideas"), ("GET", "/campaigns/{id}/ideas/similar"),
            ("PUT", "/ideas/{id}/status"), ("POST", "/campaigns/{id}/coins/allocate"),
            ("POST", "/campaigns/{id}/coins/reallocate"), ("GET", "/campaigns/{id}/coins/balance")]
    assert set(seed) <= urls
    assert len(PROTECTED) >= 40


def _tokens(stack, member) -> dict[str, str]:
    private_key = (stack.state_dir / "keys" / "jwt-private.pem").read_bytes()
    now = int(time.time())
    claims = {"iss": "coins-auth", "aud": "coins", "sub": member.id, "email": member.email, "roles": ["admin"]}
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    stranger_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    head, body, signature = member.access_token.split(".")
    forged_body = jwt.utils.base64url_encode(json.dumps({**claims, "exp": now + 600}).encode()).decode()
    return {
        "missing": "",
        "expired": jwt.encode({**claims, "exp": now - 60, "iat": now - 960}, private_key, algorithm="ES256"),
        "tampered": f"{head}.{forged_body}.{signature}",  # self-promoted to admin, signature of the original
        "foreign key": jwt.encode({**claims, "exp": now + 600}, stranger_key, algorithm="ES256"),
        "not a jwt": "opaque-garbage",
    }


@pytest.mark.parametrize("kind", ["missing", "expired", "tampered", "foreign key", "not a jwt"])
def test_every_protected_route_refuses_a_bad_token_with_401(stack, gateway, member, kind):
    token = _tokens(stack, member)[kind]
    headers = {"authorization": f"Bearer {token}"} if token else {}
    for path, verb, url in PROTECTED:
        body = "{}" if verb in ("POST", "PUT", "PATCH") else None
        reply = gateway.request(verb, url, headers={**headers, "content-type": "application/json"}, content=body)
        assert reply.status_code == 401, (kind, verb, url, reply.status_code, reply.text)
        assert reply.json()["code"] == 16, (kind, url)


def test_expired_and_tampered_tokens_are_refused_by_the_service_too(stack, auth_channel, member):
    # Inside the mesh calls skip the gateway: the service checks signatures itself.
    stub = rpc.AuthServiceStub(auth_channel)
    for kind in ("expired", "tampered", "foreign key"):
        with pytest.raises(grpc.RpcError) as refused:
            stub.GetCurrentUser(pb.GetCurrentUserRequest(),
                                metadata=[("authorization", f"Bearer {_tokens(stack, member)[kind]}")])
        assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED, kind


def test_malformed_json_is_a_json_400(gateway):
    reply = gateway.post("/auth/login", content=b'{"email": ', headers={"content-type": "application/json"})
    assert reply.status_code == 400
    assert reply.headers["content-type"] == "application/json"
    assert reply.json()["code"] == 3


def test_unknown_routes_and_query_parameters_are_refused(gateway, member):
    assert gateway.get("/no/such/thing").status_code == 404
    unknown_param = gateway.get("/auth/me?verbose=1", headers=member.bearer)
    assert unknown_param.status_code == 400 and "verbose" in unknown_param.json()["message"]


def test_out_of_range_enum_numbers_are_400(gateway, admin, member):
    reply = gateway.post(f"/users/{member.id}/roles", json={"role": 9}, headers=admin.bearer)
    assert reply.status_code == 400
    assert json_detail(reply.json(), "BadRequest")["fieldViolations"][0]["field"] == "role"


def test_a_member_calling_admin_methods_gets_403(gateway, member, admin):
    calls = [("GET", "/users", None), ("POST", f"/users/{member.id}/roles", {"role": "SYSTEM_ROLE_ADMIN"}),
             ("DELETE", f"/users/{admin.id}/roles/SYSTEM_ROLE_ADMIN", None), ("GET", f"/users/{admin.id}", None)]
    for verb, url, body in calls:
        reply = gateway.request(verb, url, json=body, headers=member.bearer)
        assert reply.status_code == 403, (verb, url, reply.text)
        assert json_detail(reply.json(), "ErrorInfo")["reason"] == "AUTH_002"


def test_overriding_a_path_id_cannot_reach_another_users_data(gateway, auth_channel, member, admin):
    other = sign_up(auth_channel, "victim")
    by_query = gateway.get(f"/users/{member.id}", params={"userId": other.id}, headers=member.bearer)
    assert by_query.status_code == 403 and other.email not in by_query.text
    # An admin's body naming a second user: only one user is touched, never the one smuggled in the body.
    by_body = gateway.post(f"/users/{member.id}/roles", json={"userId": other.id, "role": "SYSTEM_ROLE_SPONSOR"},
                           headers=admin.bearer)
    assert by_body.status_code in (200, 400)
    victim = gateway.get(f"/users/{other.id}", headers=admin.bearer).json()
    assert victim["roles"] == [] or by_body.json().get("id") == other.id


def test_encoded_slashes_in_ids_are_refused(gateway, member, admin):
    # %2F decodes into the path variable: the service validates the id's characters.
    reply = gateway.get("/users/abc%2F..%2Fadmin", headers=admin.bearer)
    assert reply.status_code == 400
    assert json_detail(reply.json(), "BadRequest")["fieldViolations"][0]["field"] == "user_id"
    assert gateway.get("/users/abc%2F..%2Fadmin", headers=member.bearer).status_code == 403


def test_request_ids_tie_replies_to_logs(stack, gateway):
    reply = gateway.post("/auth/login", json={"email": "nobody-here@example.org", "password": "whatever-long"})
    request_id = reply.headers["x-request-id"]
    assert json_detail(reply.json(), "RequestInfo")["requestId"] == request_id
    time.sleep(0.2)
    logged = [json.loads(line) for line in stack.log_lines("auth") if request_id in line]
    assert any(entry.get("method") == "/coins.v1.AuthService/Login" and entry["code"] == "UNAUTHENTICATED"
               for entry in logged)


def test_cors_preflight_is_answered(gateway):
    reply = gateway.options("/campaigns", headers={"origin": "https://ideas.example.org",
                                                   "access-control-request-method": "POST",
                                                   "access-control-request-headers": "authorization,content-type"})
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == "https://ideas.example.org"
    assert "authorization" in reply.headers["access-control-allow-headers"]


def test_the_gateway_rate_limits_rest_and_grpc(stack, member):
    options = stack.gateway_options(port=free_port(), admin_port=free_port(), rate_limit_per_s=3)
    stack.start_gateway(options, name="gateway-limited")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{options.port}") as client:
            codes = [client.get("/auth/me", headers=member.bearer).status_code for _ in range(10)]
            assert 200 in codes and 429 in codes
            limited = client.get("/auth/me", headers=member.bearer)
            assert limited.status_code == 429 and limited.json()["code"] == 8
        with grpc.insecure_channel(f"127.0.0.1:{options.port}") as channel:
            stub = rpc.AuthServiceStub(channel)
            outcomes = set()
            for _ in range(10):
                try:
                    stub.GetCurrentUser(pb.GetCurrentUserRequest(), metadata=member.metadata)
                    outcomes.add(grpc.StatusCode.OK)
                except grpc.RpcError as error:
                    outcomes.add(error.code())
            assert grpc.StatusCode.RESOURCE_EXHAUSTED in outcomes
    finally:
        stack.stop_process("gateway-limited")


def test_the_generated_config_passes_envoy_validation(stack):
    result = subprocess.run([envoy_binary(), "--mode", "validate", "-c", str(stack.state_dir / "gateway.json")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "OK" in result.stdout


def test_the_descriptor_set_carries_error_details_for_rest_error_bodies():
    files = descriptor_pb2.FileDescriptorSet.FromString(Path(DESCRIPTOR_SET).read_bytes())
    names = {f.name for f in files.file}
    assert {"google/rpc/error_details.proto", "google/api/annotations.proto", "coins/v1/coin_service.proto"} <= names
    assert all(f.HasField("source_code_info") for f in files.file if f.name.startswith("coins/"))
