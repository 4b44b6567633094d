"""What a reviewer checks by hand in every overlay's rendered objects: nobody runs as root, images are pinned, every
container has limits (and probes), Service ports are named, no secret is written down, and every selector finds
the workload it means (neither kubeconform nor istioctl notices one that matches nothing)."""

from __future__ import annotations

import json
import re

from gateway import mesh
from services.common.config import DEFAULT_PORTS, SERVICES
from services.common.migrations import has_migrations

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
# Variables that are or hold a secret (config.py's repr=False fields, and the dependencies' own).
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE|^DATABASE_URL$|^REDIS_URL$|_KEY$")


def _of(objects: list[dict], kind: str) -> list[dict]:
    return [o for o in objects if o["kind"] == kind]


def _pod(workload: dict) -> dict:
    spec = workload["spec"]
    return spec["jobTemplate"]["spec"]["template"] if workload["kind"] == "CronJob" else spec["template"]


def _containers(workload: dict) -> list[tuple[str, dict, bool]]:
    """(workload/container, container, is_init) for every container of the workload's pods."""
    spec = _pod(workload)["spec"]
    name = f"{workload['kind']}/{workload['metadata']['name']}"
    return ([(f"{name}/{c['name']}", c, True) for c in spec.get("initContainers", [])]
            + [(f"{name}/{c['name']}", c, False) for c in spec["containers"]])


def _every_container(objects: list[dict]):
    for workload in (o for o in objects if o["kind"] in WORKLOADS):
        for name, container, is_init in _containers(workload):
            yield workload, name, container, is_init


def test_no_container_runs_as_root_or_writes_its_root_filesystem(rendered):
    for workload, name, container, _ in _every_container(rendered):
        pod = _pod(workload)["spec"].get("securityContext", {})
        own = container.get("securityContext", {})
        assert own.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, name
        assert own.get("runAsUser", pod.get("runAsUser")) not in (None, 0), name
        assert own.get("allowPrivilegeEscalation") is False, name
        assert own.get("readOnlyRootFilesystem") is True, name
        assert own.get("capabilities", {}).get("drop") == ["ALL"], name
        assert not own.get("privileged", False), name


def test_images_are_pinned(rendered):
    for _, name, container, _ in _every_container(rendered):
        image = container["image"]
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        assert tag and tag != "latest", f"{name}: {image}"


def test_every_container_has_requests_and_limits_and_every_server_its_probes(rendered):
    for _, name, container, is_init in _every_container(rendered):
        for bound in ("requests", "limits"):
            assert set(container.get("resources", {}).get(bound, {})) >= {"cpu", "memory"}, f"{name}: {bound}"
        if not is_init:
            assert "readinessProbe" in container and "livenessProbe" in container, name


def test_everything_lands_in_the_platform_namespace(rendered):
    for resource in rendered:
        if resource["kind"] != "Namespace":
            assert resource["metadata"].get("namespace") == mesh.NAMESPACE, resource["metadata"]["name"]


def test_every_service_port_is_named(rendered):
    for service in _of(rendered, "Service"):
        for port in service["spec"]["ports"]:
            assert port.get("name"), f"Service/{service['metadata']['name']} port {port['port']}"


def test_no_secret_is_written_down(rendered):
    assert not _of(rendered, "Secret"), "Secrets are created per environment (README, Deploy), never rendered"
    for config in _of(rendered, "ConfigMap"):
        for key in config.get("data", {}):
            written_down = SECRET_NAME.search(key) and not key.endswith("_FILE")
            assert not written_down, f"ConfigMap/{config['metadata']['name']}: {key}"
    for _, name, container, _ in _every_container(rendered):
        for variable in container.get("env", []):
            if SECRET_NAME.search(variable["name"]):
                assert "secretKeyRef" in variable.get("valueFrom", {}), f"{name}: {variable['name']}"


def test_every_selector_finds_its_workload(rendered, istio):
    workloads = [o for o in rendered if o["kind"] in WORKLOADS]
    templates = [_pod(w)["metadata"].get("labels", {}) for w in workloads]

    def matched(selector: dict) -> bool:
        return any(selector.items() <= labels.items() for labels in templates)

    for workload in workloads:
        selector = workload["spec"]["selector"]["matchLabels"]
        assert selector.items() <= _pod(workload)["metadata"]["labels"].items(), workload["metadata"]["name"]
    for service in _of(rendered, "Service"):
        assert matched(service["spec"]["selector"]), f"Service/{service['metadata']['name']}"
    for budget in _of(rendered, "PodDisruptionBudget"):
        assert matched(budget["spec"]["selector"]["matchLabels"]), f"PDB/{budget['metadata']['name']}"
    names = {(w["kind"], w["metadata"]["name"]) for w in workloads}
    for autoscaler in _of(rendered, "HorizontalPodAutoscaler"):
        target = autoscaler["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) in names, f"HPA/{autoscaler['metadata']['name']}"
    for policy in istio:
        if selector := policy["spec"].get("selector", {}).get("matchLabels"):
            assert matched(selector), f"{policy['kind']}/{policy['metadata']['name']}"
    # Nor does istioctl notice a route or a traffic policy for a host no Service answers.
    hosts = {f"{s['metadata']['name']}.{s['metadata'].get('namespace')}.svc.cluster.local"
             for s in _of(rendered, "Service")}
    for resource in istio:
        named = [resource["spec"]["host"]] if resource["kind"] == "DestinationRule" else []
        for route in resource["spec"].get("http", []) if resource["kind"] == "VirtualService" else []:
            named += [r["destination"]["host"] for r in route["route"]]
        assert set(named) <= hosts, f"{resource['kind']}/{resource['metadata']['name']}: {named}"


def test_services_answer_where_the_mesh_and_the_gateway_send_calls(rendered):
    """The ports and hosts gateway/mesh.py wrote into the Istio routes, coins-config and the gateway's Envoy config
    are the Services' ports, and each workload runs as the ServiceAccount its AuthorizationPolicy names."""
    services = {s["metadata"]["name"]: s for s in _of(rendered, "Service")}
    deployments = {d["metadata"]["name"]: d for d in _of(rendered, "Deployment")}
    config = next(c for c in _of(rendered, "ConfigMap") if c["metadata"]["name"] == "coins-config")["data"]
    for service in SERVICES:
        ports = {p["name"]: p["port"] for p in services[service]["spec"]["ports"]}
        assert ports["grpc"] == DEFAULT_PORTS[service]
        assert services[service]["metadata"]["namespace"] == mesh.NAMESPACE
        assert config[f"COINS_{service.upper()}_TARGET"] == f"{mesh.host(service)}:{ports['grpc']}"
        assert _pod(deployments[service])["spec"]["serviceAccountName"] == service
    gateway = _pod(deployments["gateway"])["spec"]
    assert gateway["serviceAccountName"] == "gateway"
    envoy = json.loads((mesh.GATEWAY_DIR / "envoy.json").read_text())
    for cluster in envoy["static_resources"]["clusters"]:
        address = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]
        ports = {p["name"]: p["port"] for p in services[cluster["name"]]["spec"]["ports"]}
        assert address["socket_address"] == {"address": mesh.host(cluster["name"]), "port_value": ports["grpc"]}
    # The files Envoy's config names are where the Deployment mounts them.
    volumes = {v["name"]: v for v in gateway["volumes"]}
    mounted = {}
    for mount in gateway["containers"][0]["volumeMounts"]:
        volume = volumes[mount["name"]].get("configMap")
        if volume is None:
            continue
        for key in volume.get("items", [{"path": "envoy.json"}, {"path": "coins.pb"}]):
            mounted[f"{mount['mountPath']}/{key['path']}"] = volume["name"]
    assert mounted[mesh.JWKS_FILE] == "coins-jwt"
    assert mounted[f"{mesh.ENVOY_CONFIG_DIR}/envoy.json"].startswith("gateway-config")
    assert mounted[f"{mesh.ENVOY_CONFIG_DIR}/coins.pb"].startswith("gateway-config")


def test_a_failed_migration_stops_the_rollout(rendered):
    """Migrations run in an init container of each new pod: a failure keeps the pod from ever being Ready, and with
    no pod allowed to be unavailable the rolling update waits on it while the old pods keep serving."""
    deployments = {d["metadata"]["name"]: d for d in _of(rendered, "Deployment")}
    for service in SERVICES:
        deployment = deployments[service]
        init = _pod(deployment)["spec"].get("initContainers", [])
        if has_migrations(service):
            assert [c["args"] for c in init] == [["services.common.migrations", "upgrade", service]]
            assert init[0]["image"] == _pod(deployment)["spec"]["containers"][0]["image"]
            assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        else:
            assert not init, service
