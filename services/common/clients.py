"""Channels to the other services. Calls carry this service's token, the caller's access token and the request
id; OpenTelemetry propagates the trace context."""

from __future__ import annotations

import json

import grpc

from services.common import telemetry
from services.common.context import current_call
from services.common.interceptor import REQUEST_ID_HEADER, SERVICE_TOKEN_HEADER
from services.common.tokens import ServiceTokens

# Retry only what is safe to retry: UNAVAILABLE (nothing ran) and ABORTED (contention; mutations carry request_id).
_SERVICE_CONFIG = json.dumps({
    "methodConfig": [{
        "name": [{}],
        "retryPolicy": {
            "maxAttempts": 4,
            "initialBackoff": "0.05s",
            "maxBackoff": "1s",
            "backoffMultiplier": 2,
            "retryableStatusCodes": ["UNAVAILABLE", "ABORTED"],
        },
    }]
})


class _PassCallerOn(grpc.aio.UnaryUnaryClientInterceptor, grpc.aio.UnaryStreamClientInterceptor):
    def __init__(self, service_tokens: ServiceTokens):
        self._service_tokens = service_tokens

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata[SERVICE_TOKEN_HEADER] = self._service_tokens.token()
        call = current_call()
        if call is not None:
            metadata[REQUEST_ID_HEADER] = call.request_id
            if call.caller is not None and call.caller.token:
                metadata["authorization"] = f"Bearer {call.caller.token}"
        return grpc.aio.ClientCallDetails(details.method, details.timeout, metadata, details.credentials,
                                          details.wait_for_ready)

    async def intercept_unary_unary(self, continuation, client_call_details, request):
        return await continuation(self._details(client_call_details), request)

    async def intercept_unary_stream(self, continuation, client_call_details, request):
        return await continuation(self._details(client_call_details), request)


class ServiceClients:
    """One lazily opened channel per target service, shared by all calls of this process."""

    def __init__(self, targets: dict[str, str], service_tokens: ServiceTokens):
        self._targets = targets
        self._interceptors = [*telemetry.client_interceptors(), _PassCallerOn(service_tokens)]
        self._channels: dict[str, grpc.aio.Channel] = {}

    def channel(self, service: str) -> grpc.aio.Channel:
        if service not in self._channels:
            self._channels[service] = grpc.aio.insecure_channel(
                self._targets[service],
                interceptors=self._interceptors,
                options=[("grpc.service_config", _SERVICE_CONFIG), ("grpc.enable_retries", 1)],
            )
        return self._channels[service]

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()
