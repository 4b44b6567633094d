"""The generated Istio resources against the descriptor set the gateway serves: every RPC is allowed to exactly its
intended callers and nobody else, and the mesh never retries a coin move."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import jwt
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from google.protobuf import descriptor_pb2

from gateway import mesh
from gateway.generate import DESCRIPTOR_SET
from services.auth.credentials import AccessTokenIssuer
from services.auth.domain import Account
from services.common import catalog

PRINCIPAL_PREFIX = "cluster.local/ns/coins/sa/"


def rpc_paths() -> dict[str, str]:
    """Every RPC of the coins.v1 contracts in the descriptor set -> the platform service whose file declares it."""
    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR_SET.read_bytes()).file
    found = {}
    for file in files:
        if file.package != catalog.PACKAGE or not file.name.endswith("_service.proto"):
            continue
        owner = file.name.rsplit("/", 1)[-1].removesuffix("_service.proto")
        for service in file.service:
            for method in service.method:
                found[f"/{file.package}.{service.name}/{method.name}"] = owner
    return found


def _policies(istio: list[dict]) -> dict[str, dict]:
    return {p["metadata"]["name"]: p for p in istio if p["kind"] == "AuthorizationPolicy"}


def allowed_callers(policy: dict, path: str) -> set[str]:
    callers = set()
    for rule in policy["spec"].get("rules", []):
        operations = [t["operation"] for t in rule.get("to", [])]
        if any(path in o.get("paths", []) for o in operations):
            for source in rule["from"]:
                callers |= {p.removeprefix(PRINCIPAL_PREFIX) for p in source["source"]["principals"]}
    return callers


def test_the_namespace_denies_what_no_policy_allows_and_requires_mtls(istio):
    assert _policies(istio)["allow-nothing"]["spec"] == {}
    peer = [p for p in istio if p["kind"] == "PeerAuthentication"]
    assert [p["spec"] for p in peer] == [{"mtls": {"mode": "STRICT"}}]


def test_every_rpc_is_allowed_to_exactly_its_intended_callers(istio):
    policies = _policies(istio)
    paths = rpc_paths()
    assert paths, "no RPC in the descriptor set"
    for path, owner in paths.items():
        method = catalog.methods()[path]
        expected = set(catalog.INTERNAL_CALLERS[method.full_service]) if method.access is catalog.Access.INTERNAL \
            else {catalog.GATEWAY}
        assert allowed_callers(policies[owner], path) == expected, path
        for name, policy in policies.items():
            if name != owner:
                assert not allowed_callers(policy, path), f"{name} also allows {path}"


def test_no_rule_opens_more_than_named_paths_to_named_principals(istio):
    for name, policy in _policies(istio).items():
        assert policy["spec"].get("action", "ALLOW") == "ALLOW", name
        for rule in policy["spec"].get("rules", []):
            sources = [s["source"] for s in rule["from"]]
            assert all(set(s) == {"principals"} and "*" not in str(s) for s in sources), name
            for target in rule["to"]:
                operation = target["operation"]
                assert not {"notPaths", "notPorts", "notMethods"} & set(operation), name
                assert all("*" not in path for path in operation.get("paths", [])), name


def test_the_mesh_never_retries_a_coin_move(istio):
    routes = {v["metadata"]["name"]: v["spec"]["http"] for v in istio
              if v["kind"] == "VirtualService" and v["metadata"]["name"] in catalog.SERVICE_FILES}

    def route_of(path: str, service: str) -> dict:
        for route in routes[service]:
            if "match" not in route or any(m["uri"]["exact"] == path for m in route["match"]):
                return route
        raise AssertionError(f"no route for {path}")

    moves = [m for m in catalog.methods().values()
             if m.service == "coin" and not m.name.startswith(("Get", "List"))]
    assert {"AllocateCoins", "ReallocateCoins", "WithdrawCoins"} <= {m.name for m in moves}
    for method in moves:
        assert route_of(method.path, "coin")["retries"] == {"attempts": 0}, method.path
    for service in routes.values():
        for route in service:
            retries = route["retries"]
            assert retries["attempts"] == 0 or retries["retryOn"] == "unavailable", route["name"]


def test_istio_and_envoy_accept_the_tokens_auth_issues(tmp_path):
    """The RequestAuthentication made per environment and the gateway's Envoy config check the same issuer,
    audience and key as the tokens the auth service mints."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = tmp_path / "jwt-public.pem"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    mesh.write_jwt(public, tmp_path / "jwt")
    (request_authentication,) = yaml.safe_load_all((tmp_path / "jwt" / "request-authentication.yaml").read_text())
    (rule,) = request_authentication["spec"]["jwtRules"]
    assert json.loads(rule["jwks"]) == json.loads((tmp_path / "jwt" / "jwks.json").read_text())

    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    account = Account("u-1", "member@example.org", "Member", (), True, True, datetime.now(timezone.utc))
    token, _ = AccessTokenIssuer(private, 900).issue(account)
    signing_key = jwt.PyJWKSet.from_json(rule["jwks"]).keys[0].key
    claims = jwt.decode(token, signing_key, algorithms=["ES256"], audience=rule["audiences"], issuer=rule["issuer"])
    assert claims["sub"] == "u-1"

    envoy = json.loads((mesh.GATEWAY_DIR / "envoy.json").read_text())
    manager = envoy["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    (jwt_filter,) = [f for f in manager["http_filters"] if f["name"] == "envoy.filters.http.jwt_authn"]
    provider = jwt_filter["typed_config"]["providers"]["coins"]
    assert (provider["issuer"], provider["audiences"]) == (rule["issuer"], rule["audiences"])
    assert provider["local_jwks"] == {"filename": mesh.JWKS_FILE}
