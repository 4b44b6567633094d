"""Writes the Envoy gateway's config from the contracts: one route and cluster per external service, JWT rules from
the methods' `public` option, REST transcoding from the google.api.http annotations in the descriptor set.

    python -m gateway.generate --out .dev/envoy.json [--port 8080] [--admin-port 9901]

Filter order matters (docs/gateway.md explains it): CORS answers preflights first; gRPC-Web comes next, turning
browser calls into plain gRPC before anything else looks at them (the transcoder would take them for REST); Lua sits
before the transcoder so that on the way out it runs after it; JWT and rate limit come after the transcoder so they
key on gRPC paths and guard REST, gRPC-Web and native gRPC alike.
"""

from __future__ import annotations

import argparse
import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from google.api import annotations_pb2

from services.common import catalog
from services.common.catalog import Access
from services.common.config import SERVICES, GatewaySettings, Settings
from services.common.interceptor import SERVICE_TOKEN_HEADER
from services.common.tokens import AUDIENCE, ISSUER

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTOR_SET = ROOT / "generated" / "coins.pb"
JWT_PROVIDER = "coins"

# Envoy's own replies (bad JSON, missing token, rate limit, upstream down) get the google.rpc.Status shape that
# the transcoder gives upstream errors, so clients parse one error format.
_LOCAL_REPLY_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 413: 8, 429: 8, 503: 14, 504: 4}

# On the way out, drop the gRPC status headers the transcoder leaves on REST responses; gRPC clients need them.
_LUA = """
function envoy_on_request(handle)
  local content_type = handle:headers():get("content-type") or ""
  local is_grpc = string.sub(content_type, 1, 16) == "application/grpc"
  handle:streamInfo():dynamicMetadata():set("coins.gateway", "grpc", is_grpc)
end
function envoy_on_response(handle)
  local meta = handle:streamInfo():dynamicMetadata():get("coins.gateway")
  if meta == nil or not meta["grpc"] then
    handle:headers():remove("grpc-status")
    handle:headers():remove("grpc-message")
  end
end
"""


@dataclass
class GatewayOptions:
    port: int = 8080
    admin_port: int = 9901
    bind_host: str = "127.0.0.1"
    targets: dict[str, str] = field(default_factory=dict)
    public_key_file: str = ".dev/keys/jwt-public.pem"
    rate_limit_per_s: int = 1000
    cors_origins: tuple[str, ...] = ("*",)
    descriptor_set: Path = DESCRIPTOR_SET
    # host:port of the web app's static server (tools/webserver.py); empty: the gateway serves the API alone.
    web_target: str = ""
    # Set in a cluster (gateway/mesh.py): Envoy reads the JWKS from this file, a ConfigMap made per environment from
    # the public key, so the generated config holds no key. Empty: the JWKS is inlined from public_key_file.
    jwks_file: str = ""
    # host:port of gateway/reflection.py (the public services' reflection); empty: reflection is not answered.
    reflection_target: str = ""
    # Serve GET /openapi.json and Swagger UI at /docs from this checkout's files (docs/, third_party/swagger-ui).
    api_docs: bool = False
    # OTLP/gRPC collector (OTEL_EXPORTER_OTLP_ENDPOINT, as the services read it): Envoy starts each request's trace
    # there and passes its W3C traceparent upstream. Empty: no tracing in the gateway.
    otlp_endpoint: str = ""

    @classmethod
    def from_env(cls) -> "GatewayOptions":
        settings, gateway = Settings.from_env("auth"), GatewaySettings.from_env()
        return cls(port=gateway.port, admin_port=gateway.admin_port, bind_host=gateway.bind_host,
                   targets=dict(settings.targets), public_key_file=settings.jwt_public_key_file,
                   rate_limit_per_s=gateway.rate_limit_per_s, cors_origins=gateway.cors_origins,
                   otlp_endpoint=gateway.otlp_endpoint)


def jwks(public_key_pem: bytes) -> str:
    """The auth service's ES256 public key as the JWKS Envoy checks signatures with."""
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("the access-token key must be an EC P-256 key (ES256)")
    numbers = key.public_numbers()

    def b64(number: int) -> str:
        return base64.urlsafe_b64encode(number.to_bytes(32, "big")).decode().rstrip("=")

    return json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
                                 "x": b64(numbers.x), "y": b64(numbers.y)}]})


def _typed(type_name: str, **config) -> dict:
    return {"@type": f"type.googleapis.com/{type_name}", **config}


def _rate_limit(per_s: int) -> dict:
    return _typed("envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
                  stat_prefix="gateway_rate_limit",
                  token_bucket={"max_tokens": per_s, "tokens_per_fill": per_s, "fill_interval": "1s"},
                  filter_enabled={"default_value": {"numerator": 100, "denominator": "HUNDRED"},
                                  "runtime_key": "rate_limit_enabled"},
                  filter_enforced={"default_value": {"numerator": 100, "denominator": "HUNDRED"},
                                   "runtime_key": "rate_limit_enforced"},
                  rate_limited_as_resource_exhausted=True)


def _routes(options: GatewayOptions) -> list[dict]:
    methods = catalog.methods().values()
    routes: list[dict[str, Any]] = []
    # Streams stay open: no route timeout for them.
    for method in methods:
        if method.server_streaming and method.access is not Access.INTERNAL:
            routes.append({"match": {"path": method.path},
                           "route": {"cluster": method.service, "timeout": "0s", "idle_timeout": "3600s"}})
    for full_service, service in catalog.external_services().items():
        routes.append({
            "match": {"prefix": f"/{full_service}/"},
            "route": {"cluster": service, "timeout": "30s"},
            "typed_per_filter_config": {"envoy.filters.http.local_ratelimit": _rate_limit(options.rate_limit_per_s)},
        })
    if options.reflection_target:
        # Bidirectional streams, as long as a client's session.
        routes += [{"match": {"prefix": f"/{name}/"},
                    "route": {"cluster": "reflection", "timeout": "0s", "idle_timeout": "300s"},
                    "typed_per_filter_config": {"envoy.filters.http.local_ratelimit": _rate_limit(
                        options.rate_limit_per_s)}}
                   for name in REFLECTION_SERVICES]
    # Native gRPC to any other path (internal services, health, the services' own reflection) stops here.
    routes.append({"match": {"prefix": "/", "grpc": {}},
                   "direct_response": {"status": 404, "body": {"inline_string": "no such service"}}})
    if options.api_docs:
        routes += _docs_routes()
    if options.web_target:
        routes += _web_routes()
    # Everything else is REST: the transcoder resolves it to a gRPC path above (or answers 404), and CORS answers
    # preflights. The CORS filter skips direct responses, so this last route needs a cluster.
    routes.append({"match": {"prefix": "/"}, "route": {"cluster": "auth", "timeout": "30s"}})
    return routes


# The web app's own pages and files (web/src/main.tsx routes). Browsers GET them; the API never uses these paths,
# which _web_routes checks against every google.api.http route of the contracts.
WEB_PATHS = ("/", "/favicon.svg", "/signin", "/signup", "/verify-email", "/inbox", "/search", "/admin")
WEB_PREFIXES = ("/assets/", "/c/", "/i/", "/invitations/")


def api_paths() -> list[str]:
    """Every REST path template of the contracts (`/campaigns/{campaign_id}/ideas`), additional bindings included."""
    paths = []
    for module in catalog.SERVICE_FILES.values():
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                options = method.GetOptions()
                if options.HasExtension(annotations_pb2.http):
                    rule = options.Extensions[annotations_pb2.http]
                    for binding in [rule, *rule.additional_bindings]:
                        paths.append(getattr(binding, binding.WhichOneof("pattern")))
    return paths


def shadowed_api_paths(paths: list[str]) -> list[str]:
    """The API paths a web route would take: equal to a web path, or starting (literal part) with a web prefix."""
    def shadowed(template: str) -> bool:
        literal = template.split("{")[0]
        return (template in WEB_PATHS or any(literal.startswith(p) or (p.startswith(literal) and "{" in template)
                                             for p in WEB_PREFIXES))
    return [path for path in paths if shadowed(path)]


def _web_routes() -> list[dict]:
    shadowed = shadowed_api_paths(api_paths())
    if shadowed:
        raise ValueError(f"web app routes would shadow API routes: {shadowed}")
    # GET and HEAD only; the transcoder leaves these requests alone (it would answer 404: no such method).
    only_reads = [{"name": ":method", "string_match": {"safe_regex": {"regex": "GET|HEAD"}}}]
    off = {"envoy.filters.http.grpc_json_transcoder": _typed("envoy.config.route.v3.FilterConfig", disabled=True)}
    matches = [{"path": p} for p in WEB_PATHS] + [{"prefix": p} for p in WEB_PREFIXES]
    return [{"match": {**match, "headers": only_reads}, "route": {"cluster": "web", "timeout": "30s"},
             "typed_per_filter_config": off} for match in matches]


REFLECTION_SERVICES = ("grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection")
SWAGGER_UI = ROOT / "third_party" / "swagger-ui"
# What GET answers with the api_docs option: path -> (file, content type). Envoy reads each file once, at start.
DOCS_FILES = {
    "/openapi.json": (ROOT / "docs" / "openapi.json", "application/json"),
    "/docs": (ROOT / "gateway" / "docs.html", "text/html; charset=utf-8"),
    "/docs/swagger-ui-bundle.js": (SWAGGER_UI / "swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "/docs/swagger-ui.css": (SWAGGER_UI / "swagger-ui.css", "text/css; charset=utf-8"),
}
MAX_DOCS_FILE = 4 * 1024 * 1024  # Envoy refuses a direct response body above 4 KiB unless told


def _docs_routes() -> list[dict]:
    only_reads = [{"name": ":method", "string_match": {"safe_regex": {"regex": "GET|HEAD"}}}]
    off = {"envoy.filters.http.grpc_json_transcoder": _typed("envoy.config.route.v3.FilterConfig", disabled=True)}
    return [{"match": {"path": path, "headers": only_reads},
             "direct_response": {"status": 200, "body": {"filename": str(file)}},
             "typed_per_filter_config": off}
            for path, (file, _) in DOCS_FILES.items()]


def _docs_replies(options: GatewayOptions) -> list[dict]:
    """Envoy sends a direct response as a local reply, which the JSON error format would wrap: the docs files keep
    their bytes and get their content type."""
    if not options.api_docs:
        return []
    return [{"filter": {"and_filter": {"filters": [
                {"status_code_filter": {"comparison": {
                    "op": "EQ", "value": {"default_value": 200, "runtime_key": "local_reply_docs"}}}},
                {"header_filter": {"header": {"name": ":path", "string_match": {"exact": path}}}}]}},
             "body_format_override": {"text_format": "%LOCAL_REPLY_BODY%", "content_type": content_type}}
            for path, (_, content_type) in DOCS_FILES.items()]


def _docs_limit(options: GatewayOptions) -> dict:
    return {"max_direct_response_body_size_bytes": MAX_DOCS_FILE} if options.api_docs else {}


def _jwt_rules() -> list[dict]:
    rules = [{"match": {"path": m.path}} for m in catalog.methods().values() if m.access is Access.PUBLIC]
    rules.append({"match": {"prefix": "/coins.v1."}, "requires": {"provider_name": JWT_PROVIDER}})
    return rules


def _local_reply(options: GatewayOptions) -> dict:
    def body(code: int) -> dict:
        return {"json_format": {"code": code, "message": "%LOCAL_REPLY_BODY%", "details": []}}

    mappers = [{"filter": {"status_code_filter": {"comparison": {
                   "op": "EQ", "value": {"default_value": status, "runtime_key": f"local_reply_{status}"}}}},
                "body_format_override": body(code)}
               for status, code in _LOCAL_REPLY_CODES.items()]
    # gRPC clients read grpc-message: give them the plain text. The Lua filter marked native gRPC requests before
    # the transcoder rewrote every request's content-type to application/grpc.
    grpc_mapper = {"filter": {"metadata_filter": {"matcher": {
                       "filter": "coins.gateway", "path": [{"key": "grpc"}], "value": {"bool_match": True}}}},
                   "body_format_override": {"text_format": "%LOCAL_REPLY_BODY%"}}
    return {"mappers": [grpc_mapper, *_docs_replies(options), *mappers], "body_format": body(2)}


def _cluster(service: str, target: str) -> dict:
    host, _, port = target.rpartition(":")
    return {
        "name": service,
        "type": "STRICT_DNS",
        "connect_timeout": "2s",
        "dns_lookup_family": "V4_PREFERRED",
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": _typed(
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                explicit_http_config={"http2_protocol_options": {}}),
        },
        "load_assignment": {"cluster_name": service, "endpoints": [{"lb_endpoints": [
            {"endpoint": {"address": {"socket_address": {"address": host, "port_value": int(port)}}}}]}]},
    }


TRACE_CLUSTER = "otel_collector"
TRACE_SERVICE_NAME = "coins-gateway"  # beside the services' coins-<name> (services/common/telemetry.py)


def otlp_target(endpoint: str) -> str:
    """host:port of an OTLP endpoint written as the OTel SDKs take it (`http://collector:4317` or `collector:4317`)."""
    scheme, found, rest = endpoint.partition("://")
    if found and scheme != "http":
        raise ValueError(f"the gateway sends traces in plain gRPC (http://host:port), not {scheme}: {endpoint}")
    target = (rest if found else endpoint).rstrip("/")
    if not target.rpartition(":")[2].isdigit():
        raise ValueError(f"the OTLP endpoint needs a port (http://host:4317), got {endpoint!r}")
    return target


def _tracing(options: GatewayOptions) -> dict:
    """Envoy's OpenTelemetry tracer: a server span for each request and a client span for its upstream call, so the
    trace shows the time spent in the gateway; the services continue the trace from the traceparent header."""
    if not options.otlp_endpoint:
        return {}
    return {"tracing": {
        "spawn_upstream_span": True,
        "provider": {"name": "envoy.tracers.opentelemetry", "typed_config": _typed(
            "envoy.config.trace.v3.OpenTelemetryConfig",
            grpc_service={"envoy_grpc": {"cluster_name": TRACE_CLUSTER}, "timeout": "1s"},
            service_name=TRACE_SERVICE_NAME)}}}


def _web_cluster(target: str) -> dict:
    """The static server speaks HTTP/1.1."""
    cluster = _cluster("web", target)
    del cluster["typed_extension_protocol_options"]
    return cluster


def render(options: GatewayOptions) -> dict:
    cors = _typed("envoy.extensions.filters.http.cors.v3.CorsPolicy",
                  allow_origin_string_match=[{"safe_regex": {"regex": ".*"}} if o == "*" else {"exact": o}
                                             for o in options.cors_origins],
                  allow_methods="GET, POST, PUT, PATCH, DELETE, OPTIONS",
                  allow_headers="authorization, content-type, x-request-id, x-grpc-web, x-user-agent, grpc-timeout",
                  expose_headers="x-request-id, grpc-status, grpc-message, grpc-status-details-bin",
                  max_age="600")
    http_filters = [
        {"name": "envoy.filters.http.cors", "typed_config": _typed("envoy.extensions.filters.http.cors.v3.Cors")},
        {"name": "envoy.filters.http.grpc_web",
         "typed_config": _typed("envoy.extensions.filters.http.grpc_web.v3.GrpcWeb")},
        {"name": "envoy.filters.http.lua", "typed_config": _typed(
            "envoy.extensions.filters.http.lua.v3.Lua", default_source_code={"inline_string": _LUA})},
        {"name": "envoy.filters.http.grpc_json_transcoder", "typed_config": _typed(
            "envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder",
            proto_descriptor=str(options.descriptor_set),
            services=sorted(catalog.external_services()),
            # Server streams reach REST clients as one JSON object per line (`curl -N`), not one endless array.
            print_options={"add_whitespace": False, "always_print_primitive_fields": True,
                           "always_print_enums_as_ints": False, "preserve_proto_field_names": False,
                           "stream_newline_delimited": True},
            convert_grpc_status=True,
            query_param_unescape_plus=True,
            request_validation_options={"reject_unknown_method": True, "reject_unknown_query_parameters": True,
                                        "reject_binding_body_field_collisions": True})},
        {"name": "envoy.filters.http.jwt_authn", "typed_config": _typed(
            "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
            providers={JWT_PROVIDER: {
                "issuer": ISSUER, "audiences": [AUDIENCE],
                "local_jwks": ({"filename": options.jwks_file} if options.jwks_file else
                               {"inline_string": jwks(Path(options.public_key_file).read_bytes())}),
                "from_headers": [{"name": "authorization", "value_prefix": "Bearer "}],
                "forward": True,  # the services verify again: inside the mesh, calls skip the gateway
                "clock_skew_seconds": 5}},
            rules=_jwt_rules())},
        {"name": "envoy.filters.http.local_ratelimit", "typed_config": _typed(
            "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit", stat_prefix="gateway_rate_limit")},
        {"name": "envoy.filters.http.router", "typed_config": _typed("envoy.extensions.filters.http.router.v3.Router")},
    ]
    connection_manager = _typed(
        "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        stat_prefix="gateway",
        codec_type="AUTO",
        use_remote_address=True,
        generate_request_id=True,
        always_set_request_id_in_response=True,
        **_tracing(options),
        local_reply_config=_local_reply(options),
        route_config={"name": "coins", **_docs_limit(options), "virtual_hosts": [{
            "name": "coins",
            "domains": ["*"],
            "routes": _routes(options),
            # Only services mint these; one arriving from outside is forged.
            "request_headers_to_remove": [SERVICE_TOKEN_HEADER],
            "typed_per_filter_config": {"envoy.filters.http.cors": cors},
        }]},
        http_filters=http_filters,
    )
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": options.admin_port}}},
        "static_resources": {
            "listeners": [{
                "name": "gateway",
                "address": {"socket_address": {"address": options.bind_host, "port_value": options.port}},
                "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager",
                                                "typed_config": connection_manager}]}],
            }],
            "clusters": [_cluster(service, options.targets[service]) for service in SERVICES]
                        + ([_web_cluster(options.web_target)] if options.web_target else [])
                        + ([_cluster("reflection", options.reflection_target)] if options.reflection_target else [])
                        + ([_cluster(TRACE_CLUSTER, otlp_target(options.otlp_endpoint))]
                           if options.otlp_endpoint else []),
        },
    }


def write(options: GatewayOptions, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(render(options), indent=2))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / ".dev" / "envoy.json")
    args = parser.parse_args()
    print(write(GatewayOptions.from_env(), args.out))


if __name__ == "__main__":
    main()
