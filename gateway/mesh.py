"""Writes the Istio resources and the cluster's gateway config from the contracts and services/common/catalog.py, like
gateway/generate.py writes the dev gateway: a new RPC or a new caller cannot be forgotten in the mesh.

    python -m gateway.mesh write     # istio/*.yaml and k8s/base's generated files (committed)
    python -m gateway.mesh check     # fail when they differ from what the contracts make (make deploy-check)
    python -m gateway.mesh jwt --public-key jwt-public.pem --out DIR
                                     # per environment: DIR/jwks.json (ConfigMap coins-jwt, read by Envoy) and
                                     # DIR/request-authentication.yaml (Istio checks the same key at the gateway)

Every workload runs as the ServiceAccount named after it, in namespace `coins` (k8s/): the policies name callers as
`cluster.local/ns/coins/sa/<service>`.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from google.api import annotations_pb2

from gateway.generate import DESCRIPTOR_SET, GatewayOptions, jwks, render
from services.common import catalog
from services.common.catalog import Access, Method
from services.common.config import DEFAULT_PORTS, SERVICES
from services.common.tokens import AUDIENCE, ISSUER

ROOT = Path(__file__).resolve().parent.parent
GATEWAY_DIR = ROOT / "k8s" / "base" / "gateway"

NAMESPACE = "coins"
GATEWAY_PORT = 8080
INGRESS_PRINCIPAL = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"
# Where the gateway Deployment mounts its ConfigMaps (k8s/base/gateway/gateway.yaml).
ENVOY_CONFIG_DIR = "/etc/envoy"
JWKS_FILE = "/etc/coins/jwt/jwks.json"
TRACE_SAMPLING_PERCENT = 10.0
# Reads are retried on UNAVAILABLE (nothing ran); a mutation never is by the mesh: its caller retries with its
# request_id (services/common/clients.py), so a coin move cannot be applied twice behind the caller's back.
READ_PREFIXES = ("Get", "List", "BatchGet", "Lookup", "Search", "Find")
READ_TIMEOUT = "10s"
MUTATION_TIMEOUT = "30s"
# Operators' internal commands run for minutes (a reindex of a million ideas): the caller's deadline bounds them.
OPERATION_PREFIXES = ("Reindex", "Rebuild")


def host(service: str) -> str:
    return f"{service}.{NAMESPACE}.svc.cluster.local"


def principal(service: str) -> str:
    return f"cluster.local/ns/{NAMESPACE}/sa/{service}"


def is_read(method: Method) -> bool:
    descriptor = catalog.SERVICE_FILES[method.service].DESCRIPTOR.services_by_name[
        method.full_service.rsplit(".", 1)[1]].methods_by_name[method.name]
    options = descriptor.GetOptions()
    if options.HasExtension(annotations_pb2.http):
        return options.Extensions[annotations_pb2.http].WhichOneof("pattern") == "get"
    return method.name.startswith(READ_PREFIXES)


def _methods_of(service: str) -> list[Method]:
    return sorted((m for m in catalog.methods().values() if m.service == service), key=lambda m: m.path)


def _meta(name: str, component: str = "") -> dict[str, Any]:
    labels = {"app.kubernetes.io/part-of": "coins-for-change", "app.kubernetes.io/managed-by": "gateway.mesh"}
    if component:
        labels["app.kubernetes.io/component"] = component
    return {"name": name, "namespace": NAMESPACE, "labels": labels}


def peer_authentication() -> list[dict]:
    return [{"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication", "metadata": _meta("default"),
             "spec": {"mtls": {"mode": "STRICT"}}}]


def authorization_policies() -> list[dict]:
    """Deny everything in the namespace, then allow each service's paths to exactly their callers."""
    policies: list[dict] = [{"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
                             "metadata": _meta("allow-nothing"), "spec": {}}]
    for service in SERVICES:
        paths_by_callers: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for method in _methods_of(service):
            paths_by_callers[tuple(sorted(catalog.callers(method)))].append(method.path)
        rules = [{"from": [{"source": {"principals": [principal(c) for c in callers]}}],
                  "to": [{"operation": {"methods": ["POST"], "paths": paths}}]}
                 for callers, paths in sorted(paths_by_callers.items())]
        policies.append({"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
                         "metadata": _meta(service, service),
                         "spec": {"selector": {"matchLabels": {"app": service}}, "action": "ALLOW", "rules": rules}})
    policies.append({"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
                     "metadata": _meta(catalog.GATEWAY, catalog.GATEWAY),
                     "spec": {"selector": {"matchLabels": {"app": catalog.GATEWAY}}, "action": "ALLOW",
                              "rules": [{"from": [{"source": {"principals": [INGRESS_PRINCIPAL]}}],
                                         "to": [{"operation": {"ports": [str(GATEWAY_PORT)]}}]}]}})
    return policies


def destination_rules() -> list[dict]:
    return [{"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": _meta(service, service),
             "spec": {"host": host(service), "trafficPolicy": {
                 "loadBalancer": {"simple": "LEAST_REQUEST"},
                 # gRPC multiplexes calls on few HTTP/2 connections: cap the calls, not the connections.
                 "connectionPool": {"tcp": {"maxConnections": 1024, "connectTimeout": "2s"},
                                    "http": {"http2MaxRequests": 1024, "maxRequestsPerConnection": 0,
                                             "idleTimeout": "300s"}},
                 "outlierDetection": {"consecutive5xxErrors": 5, "consecutiveGatewayErrors": 3, "interval": "10s",
                                      "baseEjectionTime": "30s", "maxEjectionPercent": 50}}}}
            for service in SERVICES]


def _route(name: str, service: str, paths: list[str], timeout: str | None, retried: bool) -> dict:
    """timeout None: none in the mesh (Istio's default for a route), the caller's deadline bounds the call."""
    route: dict[str, Any] = {"name": name}
    if paths:
        route["match"] = [{"uri": {"exact": path}} for path in paths]
    route["route"] = [{"destination": {"host": host(service), "port": {"number": DEFAULT_PORTS[service]}}}]
    if timeout is not None:
        route["timeout"] = timeout
    route["retries"] = ({"attempts": 2, "perTryTimeout": READ_TIMEOUT, "retryOn": "unavailable"} if retried
                        else {"attempts": 0})
    return route


def virtual_services() -> list[dict]:
    resources = []
    for service in SERVICES:
        methods = _methods_of(service)
        streams = [m.path for m in methods if m.server_streaming]
        unbounded = [m.path for m in methods if m.access is Access.INTERNAL and m.name.startswith(OPERATION_PREFIXES)]
        reads = [m.path for m in methods if not m.server_streaming and is_read(m)]
        routes = []
        if streams:  # open for as long as the client listens
            routes.append(_route("streams", service, streams, None, retried=False))
        if unbounded:
            routes.append(_route("operations", service, unbounded, None, retried=False))
        if reads:
            routes.append(_route("reads", service, reads, READ_TIMEOUT, retried=True))
        # Mutations, health and reflection.
        routes.append(_route("others", service, [], MUTATION_TIMEOUT, retried=False))
        resources.append({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                          "metadata": _meta(service, service),
                          "spec": {"hosts": [host(service)], "http": routes}})
    return resources


def ingress() -> list[dict]:
    """The Istio ingress gateway hands every request to the Envoy gateway, which transcodes REST and checks JWTs."""
    return [
        {"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": _meta("coins", "ingress"),
         "spec": {"selector": {"istio": "ingressgateway"},
                  "servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["*"]}]}},
        {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": _meta("ingress", "ingress"),
         "spec": {"hosts": ["*"], "gateways": ["coins"],
                  # No timeout: server streams (StreamNotifications) stay open; Envoy's routes time the rest.
                  "http": [{"name": "gateway", "route": [{"destination": {
                      "host": host(catalog.GATEWAY), "port": {"number": GATEWAY_PORT}}}]}]}},
    ]


def telemetry() -> list[dict]:
    # `otel-tracing` is the meshConfig extension provider the README's Deploy section installs Istio with.
    return [{"apiVersion": "telemetry.istio.io/v1", "kind": "Telemetry", "metadata": _meta("mesh-default"),
             "spec": {"tracing": [{"providers": [{"name": "otel-tracing"}],
                                   "randomSamplingPercentage": TRACE_SAMPLING_PERCENT}]}}]


def request_authentication(public_key_pem: bytes) -> list[dict]:
    return [{"apiVersion": "security.istio.io/v1", "kind": "RequestAuthentication",
             "metadata": _meta("gateway-jwt", catalog.GATEWAY),
             "spec": {"selector": {"matchLabels": {"app": catalog.GATEWAY}},
                      "jwtRules": [{"issuer": ISSUER, "audiences": [AUDIENCE], "jwks": jwks(public_key_pem),
                                    "forwardOriginalToken": True}]}}]


# --- k8s/base: one Deployment, Service, ServiceAccount, PodDisruptionBudget and HPA per service --------------------
IMAGE = "coins-for-change:0.1.0"  # the overlays point it at a registry (kustomize `images:`)
USER_ID = 10001  # the image's user (Dockerfile)
SECRETS = "coins-secrets"  # created per environment (README, Deploy); never in this repository
# Variable -> key in SECRETS, for every variable that is or holds a secret (config.py's repr=False fields).
SECRET_VARIABLES = {
    "DATABASE_URL": "database-url",
    "REDIS_URL": "redis-url",
    "COINS_SERVICE_TOKEN_SECRET": "service-token-secret",
}
# Optional: no first admin, or an SMTP relay without login.
SERVICE_SECRET_VARIABLES = {
    "auth": {"COINS_ADMIN_PASSWORD": "admin-password"},
    "notification": {"COINS_SMTP_PASSWORD": "smtp-password"},
}
JWT_DIR = "/etc/coins/jwt"  # ConfigMap coins-jwt: jwt-public.pem, jwks.json
JWT_PRIVATE_DIR = "/etc/coins/jwt-private"  # Secret coins-jwt-private: jwt-private.pem (auth only)
DATABASE_PORT = 5432


def _labels(name: str) -> dict[str, str]:
    return {"app": name, "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "coins-for-change"}


def _security() -> dict:
    return {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
            "runAsUser": USER_ID, "runAsGroup": USER_ID, "capabilities": {"drop": ["ALL"]}}


def _resources(cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> dict:
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu_limit, "memory": memory_limit}}


def _env(service: str) -> list[dict]:
    required = [{"name": name, "valueFrom": {"secretKeyRef": {"name": SECRETS, "key": key}}}
                for name, key in SECRET_VARIABLES.items()]
    optional = [{"name": name, "valueFrom": {"secretKeyRef": {"name": SECRETS, "key": key, "optional": True}}}
                for name, key in SERVICE_SECRET_VARIABLES.get(service, {}).items()]
    return required + optional


def _common(name: str) -> tuple[dict, dict]:
    """The ServiceAccount (the workload's mesh identity) and the PodDisruptionBudget of a workload."""
    account = {"apiVersion": "v1", "kind": "ServiceAccount",
               "metadata": {"name": name, "labels": _labels(name)}, "automountServiceAccountToken": False}
    budget = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
              "metadata": {"name": name, "labels": _labels(name)},
              "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": name}}}}
    return account, budget


def _autoscaler(name: str, minimum: int, maximum: int) -> dict:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name, "labels": _labels(name)},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                     "minReplicas": minimum, "maxReplicas": maximum,
                     "metrics": [{"type": "Resource", "resource": {
                         "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}}


def service_manifests(service: str) -> list[dict]:
    from services.common.migrations import has_migrations  # alembic: only what writes k8s/ needs it

    port, ops_port = DEFAULT_PORTS[service], DEFAULT_PORTS[service] + 1000
    account, budget = _common(service)
    mounts = [{"name": "tmp", "mountPath": "/tmp"}, {"name": "jwt", "mountPath": JWT_DIR, "readOnly": True}]
    volumes: list[dict] = [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
                           {"name": "jwt", "configMap": {"name": "coins-jwt", "items": [
                               {"key": "jwt-public.pem", "path": "jwt-public.pem"}]}}]
    if service == "auth":
        mounts.append({"name": "jwt-private", "mountPath": JWT_PRIVATE_DIR, "readOnly": True})
        volumes.append({"name": "jwt-private", "secret": {"secretName": "coins-jwt-private", "defaultMode": 0o440}})
    environment = {"envFrom": [{"configMapRef": {"name": "coins-config"}}], "env": _env(service)}
    container = {
        "name": service, "image": IMAGE, "args": [f"services.{service}"], **environment,
        "ports": [{"name": "grpc", "containerPort": port}, {"name": "http-ops", "containerPort": ops_port}],
        # Native gRPC probes on grpc.health.v1 (services/common/server.py): NOT_SERVING from SIGTERM on.
        "readinessProbe": {"grpc": {"port": port}, "periodSeconds": 5, "failureThreshold": 2},
        "livenessProbe": {"grpc": {"port": port}, "initialDelaySeconds": 10, "periodSeconds": 10,
                          "failureThreshold": 3},
        "resources": _resources("100m", "192Mi", "1", "512Mi"),
        "securityContext": _security(), "volumeMounts": mounts,
    }
    pod: dict[str, Any] = {"serviceAccountName": service, "automountServiceAccountToken": False,
                           "securityContext": {"runAsNonRoot": True, "runAsUser": USER_ID, "runAsGroup": USER_ID,
                                               "fsGroup": USER_ID, "seccompProfile": {"type": "RuntimeDefault"}},
                           # SIGTERM: health NOT_SERVING, in-flight calls finish within COINS_SHUTDOWN_GRACE_S.
                           "terminationGracePeriodSeconds": 30}
    if has_migrations(service):
        # Runs before the service container of every new pod; a failing upgrade leaves the pod Init:Error, never
        # Ready, so the rolling update stops there and the old pods keep serving (maxUnavailable: 0).
        pod["initContainers"] = [{
            "name": "migrate", "image": IMAGE, "args": ["services.common.migrations", "upgrade", service],
            **environment, "resources": _resources("50m", "128Mi", "500m", "256Mi"),
            "securityContext": _security(), "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]}]
    pod["containers"] = [container]
    pod["volumes"] = volumes
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": service, "labels": _labels(service)},
        "spec": {
            "selector": {"matchLabels": {"app": service}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": _labels(service), "annotations": {
                    # The database is outside the mesh, and the migrations init container runs before the sidecar.
                    "traffic.sidecar.istio.io/excludeOutboundPorts": str(DATABASE_PORT),
                    # Istio merges these metrics into its agent's port: Prometheus scrapes them without mTLS.
                    "prometheus.io/scrape": "true", "prometheus.io/port": str(ops_port),
                    "prometheus.io/path": "/metrics"}},
                "spec": pod}}}
    kube_service = {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": service, "labels": _labels(service)},
        "spec": {"selector": {"app": service}, "ports": [
            {"name": "grpc", "port": port, "targetPort": "grpc", "appProtocol": "grpc"},
            {"name": "http-ops", "port": ops_port, "targetPort": "http-ops", "appProtocol": "http"}]}}
    return [account, kube_service, deployment, budget, _autoscaler(service, 2, 10)]


def gateway_manifests() -> list[dict]:
    name = catalog.GATEWAY
    account, budget = _common(name)
    container = {
        "name": "envoy", "image": IMAGE, "command": ["envoy"],
        "args": ["-c", f"{ENVOY_CONFIG_DIR}/envoy.json", "--log-level", "info"],
        "ports": [{"name": "http", "containerPort": GATEWAY_PORT}],
        # The admin port listens on 127.0.0.1 only: probe the listener.
        "readinessProbe": {"tcpSocket": {"port": GATEWAY_PORT}, "periodSeconds": 5},
        "livenessProbe": {"tcpSocket": {"port": GATEWAY_PORT}, "initialDelaySeconds": 5, "periodSeconds": 10},
        "resources": _resources("100m", "128Mi", "1", "256Mi"),
        "securityContext": _security(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"},
                         {"name": "config", "mountPath": ENVOY_CONFIG_DIR, "readOnly": True},
                         {"name": "jwt", "mountPath": JWT_DIR, "readOnly": True}],
    }
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": _labels(name)},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {"metadata": {"labels": _labels(name)}, "spec": {
                "serviceAccountName": name, "automountServiceAccountToken": False,
                "securityContext": {"runAsNonRoot": True, "runAsUser": USER_ID, "runAsGroup": USER_ID,
                                    "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [container],
                "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
                            {"name": "config", "configMap": {"name": "gateway-config"}},
                            {"name": "jwt", "configMap": {"name": "coins-jwt", "items": [
                                {"key": "jwks.json", "path": "jwks.json"}]}}]}}}}
    kube_service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": _labels(name)},
                    "spec": {"selector": {"app": name}, "ports": [
                        {"name": "http", "port": GATEWAY_PORT, "targetPort": "http", "appProtocol": "http"}]}}
    return [account, kube_service, deployment, budget, _autoscaler(name, 2, 10)]


def config_map() -> list[dict]:
    """What every service reads that is not a secret; the overlays change the values that differ per environment."""
    data = {"COINS_BIND_HOST": "0.0.0.0",
            **{f"COINS_{s.upper()}_TARGET": f"{host(s)}:{DEFAULT_PORTS[s]}" for s in SERVICES},
            "COINS_JWT_PUBLIC_KEY_FILE": f"{JWT_DIR}/jwt-public.pem",
            "COINS_JWT_PRIVATE_KEY_FILE": f"{JWT_PRIVATE_DIR}/jwt-private.pem",
            "COINS_LOG_LEVEL": "INFO",
            # Client -> Istio ingress gateway -> Envoy gateway -> service.
            "COINS_TRUSTED_PROXY_HOPS": "2",
            "COINS_PUBLIC_URL": "https://coins.example.org",
            "COINS_ADMIN_EMAIL": "",
            "COINS_SMTP_HOST": "smtp.example.org", "COINS_SMTP_PORT": "587", "COINS_SMTP_STARTTLS": "true",
            "COINS_SMTP_USERNAME": "", "COINS_MAIL_FROM": "Coins for Change <no-reply@coins.example.org>",
            "COINS_SEARCH_BACKEND": "postgres", "COINS_OPENSEARCH_URL": "http://opensearch:9200",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector:4317"}
    return [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coins-config"}, "data": data}]


ISTIO_FILES = {
    "peer-authentication.yaml": peer_authentication,
    "authorization-policies.yaml": authorization_policies,
    "destination-rules.yaml": destination_rules,
    "virtual-services.yaml": virtual_services,
    "ingress.yaml": ingress,
    "telemetry.yaml": telemetry,
}


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # a reader sees each container's env whole, not `*id001`
        return True


def dump(resources: list[dict]) -> str:
    header = "# Generated by `make mesh-config` (gateway/mesh.py) from the contracts: do not edit.\n"
    return header + "---\n".join(yaml.dump(r, Dumper=_Dumper, sort_keys=False, width=120) for r in resources)


def gateway_options() -> GatewayOptions:
    return GatewayOptions(bind_host="0.0.0.0", port=GATEWAY_PORT,
                          targets={s: f"{host(s)}:{DEFAULT_PORTS[s]}" for s in SERVICES},
                          descriptor_set=Path(ENVOY_CONFIG_DIR) / DESCRIPTOR_SET.name, jwks_file=JWKS_FILE)


def write(root: Path) -> list[Path]:
    istio, gateway = root / "istio", root / "k8s" / "base" / "gateway"
    istio.mkdir(parents=True, exist_ok=True)
    gateway.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in ISTIO_FILES.items():
        (istio / name).write_text(dump(make()))
        written.append(istio / name)
    (gateway / "envoy.json").write_text(json.dumps(render(gateway_options()), indent=2) + "\n")
    shutil.copyfile(DESCRIPTOR_SET, gateway / DESCRIPTOR_SET.name)
    (gateway / "gateway.yaml").write_text(dump(gateway_manifests()))
    written += [gateway / "envoy.json", gateway / DESCRIPTOR_SET.name, gateway / "gateway.yaml"]
    services = root / "k8s" / "base" / "services"
    services.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        (services / f"{service}.yaml").write_text(dump(service_manifests(service)))
        written.append(services / f"{service}.yaml")
    (root / "k8s" / "base" / "config.yaml").write_text(dump(config_map()))
    written.append(root / "k8s" / "base" / "config.yaml")
    return written


def check() -> list[str]:
    """The committed files that differ from a fresh write, relative to the repository."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh = write(Path(scratch))
        return [str(p.relative_to(scratch)) for p in fresh
                if not (ROOT / p.relative_to(scratch)).is_file()
                or not filecmp.cmp(p, ROOT / p.relative_to(scratch), shallow=False)]


def write_jwt(public_key_file: Path, out: Path) -> list[Path]:
    key = public_key_file.read_bytes()
    out.mkdir(parents=True, exist_ok=True)
    (out / "jwks.json").write_text(jwks(key) + "\n")
    (out / "request-authentication.yaml").write_text(dump(request_authentication(key)))
    return [out / "jwks.json", out / "request-authentication.yaml"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.mesh", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("write")
    commands.add_parser("check")
    jwt = commands.add_parser("jwt")
    jwt.add_argument("--public-key", type=Path, required=True)
    jwt.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "check":
        stale = check()
        for name in stale:
            print(f"{name} differs from what the contracts make: run `make mesh-config`", file=sys.stderr)
        return 1 if stale else 0
    written = write(ROOT) if args.command == "write" else write_jwt(args.public_key, args.out)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
