"""One REST call through Envoy is one trace, with spans from the gateway and every service the call touches, as the
platform's own OpenTelemetry Collector (built from tools/otel/manifest.yaml, run on the deployed config
k8s/components/observability/files/otel-collector.yaml) passes it on over OTLP to a trace store: here a small OTLP
receiver in this test.

The session's stack runs without export; this module starts its own replicas of the services a submission touches
(idea -> campaign, auth, coin), exporting to the collector, behind a gateway of their own with Envoy's tracer on."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass

import grpc
import httpx
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as otlp
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc as otlp_rpc
from prometheus_client.parser import text_string_to_metric_families

from services.common.config import target_variable
from tests.support import promql
from tools.devstack import Stack, free_port
from tools.otel.collector import Collector

TRACED = ("idea", "campaign", "auth", "coin")
SERVER, CLIENT = 2, 3  # opentelemetry.proto.trace.v1.Span.SpanKind


@dataclass(frozen=True)
class Span:
    service: str
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    kind: int
    attributes: dict


class TraceStore(otlp_rpc.TraceServiceServicer):
    """What a trace store receives from the collector: every span, with its resource's service.name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: list[Span] = []

    def Export(self, request, context):
        with self._lock:
            for resource_spans in request.resource_spans:
                service = next((a.value.string_value for a in resource_spans.resource.attributes
                                if a.key == "service.name"), "")
                for scope in resource_spans.scope_spans:
                    self._spans += [Span(service, s.trace_id.hex(), s.span_id.hex(), s.parent_span_id.hex(), s.name,
                                         s.kind, {a.key: a.value.string_value for a in s.attributes})
                                    for s in scope.spans]
        return otlp.ExportTraceServiceResponse()

    def spans(self) -> list[Span]:
        with self._lock:
            return list(self._spans)


@pytest.fixture(scope="module")
def trace_store() -> Iterator[tuple[TraceStore, int]]:
    store = TraceStore()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    otlp_rpc.add_TraceServiceServicer_to_server(store, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield store, port
    server.stop(0)


@pytest.fixture(scope="module")
def collector(trace_store, tmp_path_factory) -> Iterator[Collector]:
    _, port = trace_store
    log = tmp_path_factory.mktemp("otelcol") / "otel-collector.log"
    with Collector(log, traces_to=f"127.0.0.1:{port}", span_metrics_flush="1s") as running:
        yield running


@pytest.fixture(scope="module")
def traced_gateway(stack: Stack, collector: Collector) -> Iterator[httpx.Client]:
    ports = {service: free_port() for service in TRACED}
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.otlp_endpoint,
           "OTEL_BSP_SCHEDULE_DELAY": "100",  # ms: spans leave at once rather than every 5 s
           **{target_variable(service): f"127.0.0.1:{port}" for service, port in ports.items()}}
    names = [f"{service}-traced" for service in TRACED]
    try:
        for service, name in zip(TRACED, names):
            stack.start_service(service, name=name, port=ports[service], extra_env=env)
        for service, name in zip(TRACED, names):
            stack.wait_serving(service, name=name, port=ports[service])
        options = stack.gateway_options(
            port=free_port(), admin_port=free_port(), otlp_endpoint=collector.otlp_endpoint,
            targets={**stack.gateway_options().targets, **{s: f"127.0.0.1:{p}" for s, p in ports.items()}})
        stack.start_gateway(options, name="gateway-traced")
        with httpx.Client(base_url=f"http://127.0.0.1:{options.port}", timeout=10) as client:
            yield client
    finally:
        for name in ["gateway-traced", *reversed(names)]:
            stack.stop_process(name)


def wait_for(check, timeout: float = 20.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            assert found, f"not within {timeout:.0f} s: {what}"
            return found
        time.sleep(0.2)


def test_a_rest_call_is_one_trace_across_the_gateway_and_every_service_it_touches(traced_gateway, trace_store,
                                                                                   admin_user, sign_in):
    store, _ = trace_store
    campaign_id = admin_user.create_campaign("open").campaign_id  # over the session's untraced gateway
    member = sign_in("traced")
    member.join(campaign_id)

    reply = traced_gateway.post(f"/campaigns/{campaign_id}/ideas", headers=member.account.bearer,
                                json={"title": f"Traced idea {uuid.uuid4().hex}", "requestId": str(uuid.uuid4())})
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "IDEA_STATUS_COMPETING"  # open campaign: the coin service opened it too
    request_id = reply.headers["x-request-id"]

    def gateway_span() -> Span | None:
        return next((s for s in store.spans() if s.service == "coins-gateway" and s.kind == SERVER
                     and s.attributes.get("guid:x-request-id") == request_id), None)

    root = wait_for(gateway_span, what="the gateway's span of the call")
    expected = {"coins-gateway", "coins-idea", "coins-campaign", "coins-auth", "coins-coin"}

    def whole_trace() -> list[Span] | None:
        spans = [s for s in store.spans() if s.trace_id == root.trace_id]
        return spans if {s.service for s in spans} >= expected else None

    trace = wait_for(whole_trace, what=f"spans of {sorted(expected)} in trace {root.trace_id}")
    by_id = {s.span_id: s for s in trace}
    # The submission's server span hangs under the gateway's upstream span, and each service it called under the
    # idea service's client span: the context Envoy started travelled every hop.
    [create] = [s for s in store.spans() if s.name == "/coins.v1.IdeaService/CreateIdea" and s.kind == SERVER]
    assert create.trace_id == root.trace_id
    assert by_id[create.parent_id].service == "coins-gateway"
    for name in ("/coins.v1.CampaignInternalService/GetCampaignAccess", "/coins.v1.AuthInternalService/BatchGetUsers",
                 "/coins.v1.CoinInternalService/OpenIdea"):
        [served] = [s for s in trace if s.name == name and s.kind == SERVER]
        caller = by_id[served.parent_id]
        assert (caller.service, caller.kind, by_id[caller.parent_id].span_id) == ("coins-idea", CLIENT,
                                                                                   create.span_id)
    assert root.parent_id == ""  # Envoy started the trace: nothing came before the call


def test_the_collector_derives_request_metrics_from_the_gateways_spans(traced_gateway, collector, admin_user):
    """The span metrics the dashboard's gateway panels read come out of the collector, with the labels they use."""
    reply = traced_gateway.get(f"/campaigns/{admin_user.create_campaign('open').campaign_id}",
                               headers=admin_user.account.bearer)
    assert reply.status_code == 200, reply.text

    def gateway_series() -> dict[str, set[str]]:
        text = httpx.get(collector.prometheus_url, timeout=5).text
        series: dict[str, set[str]] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.labels.get("service_name") == "coins-gateway":
                    series.setdefault(sample.name, set()).update(sample.labels)
        return series if "traces_span_metrics_calls_total" in series else {}

    exported = wait_for(gateway_series, what="span metrics of the gateway on the collector's Prometheus endpoint")
    used = {name: labels for query in promql.dashboard_queries() for name, labels in query.metrics.items()
            if name.startswith("traces_span_metrics_")}
    assert used and set(used) <= set(exported), sorted(set(used) - set(exported))
    assert {name: sorted(labels - exported.get(name, set())) for name, labels in used.items()} == {
        name: [] for name in used}
