"""The service processes as an operator meets them: health, graceful shutdown, logs that tie to traces."""

import json
import signal
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from coins.v1 import auth_service_pb2 as pb
from coins.v1 import auth_service_pb2_grpc as rpc
from services.common.config import SERVICES
from tests.support.accounts import PASSWORD, unique_email
from tools.devstack import free_port


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_answers_health_checks(stack, service):
    with grpc.insecure_channel(f"127.0.0.1:{stack.ports.services[service]}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_sigterm_lets_calls_in_flight_finish(stack):
    port = free_port()
    process = stack.start_service("auth", name="auth-replica", port=port)
    stack.wait_serving("auth", name="auth-replica", port=port)
    email = unique_email("drain")
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = rpc.AuthServiceStub(channel)
        stub.Register(pb.RegisterRequest(email=email, password=PASSWORD, full_name="Drain"))
        # Sign-ins take ~0.1 s of argon2 each and queue on two cores: several are in flight at SIGTERM.
        futures = [stub.Login.future(pb.LoginRequest(email=email, password=PASSWORD)) for _ in range(6)]
        # One answered: every call was sent, and the others queue behind it (a fixed sleep lost one under load).
        futures[0].result(timeout=15)
        process.send_signal(signal.SIGTERM)
        results = [f.result(timeout=15) for f in futures]
        assert all(r.access_token for r in results)
        assert process.wait(timeout=15) == 0
    logged = [json.loads(line) for line in stack.log_lines("auth-replica")]
    messages = [entry["msg"] for entry in logged]
    began = messages.index("shutting down")
    finished_after = [e for e in logged[began:] if e.get("method") == "/coins.v1.AuthService/Login"]
    assert finished_after and all(e["code"] == "OK" for e in finished_after)  # drained, not dropped
    assert messages[-1] == "stopped"


def test_logs_carry_the_callers_trace_id(stack, gateway):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    reply = gateway.post("/auth/login", json={"email": unique_email("trace"), "password": PASSWORD},
                         headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
    assert reply.status_code == 401
    request_id = reply.headers["x-request-id"]
    time.sleep(0.2)
    entries = [json.loads(line) for line in stack.log_lines("auth") if request_id in line]
    assert entries and all(entry["trace_id"] == trace_id for entry in entries)


def test_spans_are_exported_over_otlp_when_an_endpoint_is_set(stack):
    from concurrent import futures

    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

    received = []

    class Collector(trace_service_pb2_grpc.TraceServiceServicer):
        def Export(self, request, context):
            received.append(request)
            return trace_service_pb2.ExportTraceServiceResponse()

    collector = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Collector(), collector)
    collector_port = collector.add_insecure_port("127.0.0.1:0")
    collector.start()
    port = free_port()
    stack.settings.update({"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector_port}",
                           "OTEL_BSP_SCHEDULE_DELAY": "200"})
    try:
        stack.start_service("auth", name="auth-traced", port=port)
        stack.wait_serving("auth", name="auth-traced", port=port)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            with pytest.raises(grpc.RpcError):
                rpc.AuthServiceStub(channel).Login(pb.LoginRequest(email=unique_email("otlp"), password=PASSWORD))
        deadline = time.monotonic() + 10
        names, services = set(), set()
        while "/coins.v1.AuthService/Login" not in names and time.monotonic() < deadline:
            time.sleep(0.2)
            for export in list(received):
                for resource_spans in export.resource_spans:
                    services |= {a.value.string_value for a in resource_spans.resource.attributes
                                 if a.key == "service.name"}
                    names |= {s.name for scope in resource_spans.scope_spans for s in scope.spans}
        assert "/coins.v1.AuthService/Login" in names and "coins-auth" in services
    finally:
        stack.settings.pop("OTEL_EXPORTER_OTLP_ENDPOINT")
        stack.settings.pop("OTEL_BSP_SCHEDULE_DELAY")
        stack.stop_process("auth-traced")
        collector.stop(0)
