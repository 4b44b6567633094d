"""OpenTelemetry tracing: always on for context propagation and log correlation; spans are exported over OTLP
only when OTEL_EXPORTER_OTLP_ENDPOINT is set. Sampling follows the standard OTEL_TRACES_SAMPLER variables."""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.instrumentation.grpc import aio_client_interceptors, aio_server_interceptor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanProcessor

_provider: TracerProvider | None = None


def configure(service: str, extra_processor: SpanProcessor | None = None) -> TracerProvider:
    """Installs the process's tracer provider once; later calls return it."""
    global _provider
    if _provider is not None:
        return _provider
    _provider = TracerProvider(resource=Resource.create({SERVICE_NAME: f"coins-{service}"}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    if extra_processor is not None:
        _provider.add_span_processor(extra_processor)
    trace.set_tracer_provider(_provider)
    return _provider


def shutdown() -> None:
    if _provider is not None:
        _provider.shutdown()


def server_interceptor():
    return aio_server_interceptor()


def client_interceptors() -> list:
    return list(aio_client_interceptors())
