"""Native gRPC fuzz of every RPC, public and internal, straight at each service's port: requests generated from the
message descriptors (tests/fuzz/messages.py), sent anonymously, as a member, as a manager and as a service (a
service token beside the member's token). A refusal of any kind is fine; INTERNAL or UNKNOWN is a bug.

`pytest -s` prints the requests tried per RPC; `make fuzz` runs many more."""

from __future__ import annotations

import grpc
from google.protobuf import descriptor_pool, text_format
from hypothesis import HealthCheck, Phase, given, settings

from services.common import catalog
from services.common.interceptor import SERVICE_TOKEN_HEADER
from services.common.tokens import ServiceTokens
from tests.fuzz.messages import field_names, messages
from tests.fuzz.runs import DERANDOMIZE, Tally, examples

BUGS = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
EXAMPLES = examples(in_suite=4)  # about 25 s on 2 busy cores
TIMEOUT_S = 15


def test_every_rpc_answers_generated_requests_without_internal_errors(stack, fuzz_world):
    known = [fuzz_world.campaign_id, fuzz_world.idea_id, fuzz_world.tag_id, fuzz_world.member.id,
             fuzz_world.manager.id, fuzz_world.member.email]
    callers = _callers(stack, fuzz_world)
    tally = Tally("native gRPC at each service port: requests per RPC")
    with _Channels(stack) as channels:
        for method in catalog.methods().values():
            request_type = _request_type(method)
            requests = messages(request_type, known + field_names(request_type))
            for metadata in callers.values():
                @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
                          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
                @given(request=requests)
                def call(request):
                    error = channels.send(method, request.SerializeToString(), metadata)
                    tally.record(method.path, _bug(error, text_format.MessageToString(request, as_one_line=True)))

                call()
    print("\n" + tally.report())
    assert not tally.failed, tally.report()
    for service in stack.ports.services:
        stack.wait_serving(service, timeout=5)


def test_requests_that_are_no_valid_message_are_refused_as_invalid_argument(stack, fuzz_world):
    """Bytes no client library would send: truncated wire data, and a string field that is not UTF-8 (what Envoy
    makes of `%FF` in a REST path or query)."""
    service = _callers(stack, fuzz_world)["service"]
    tally = Tally("malformed messages at each service port: requests per RPC")
    with _Channels(stack) as channels:
        for method in catalog.methods().values():
            payloads = [b"\x0a\xff"]  # field 1, length-delimited, its length cut off
            string_fields = [f for f in _request_type(method).fields if f.type == f.TYPE_STRING and not f.is_repeated]
            payloads += [_varint(f.number << 3 | 2) + b"\x02\xc3\x28" for f in string_fields[:1]]
            for payload in payloads:
                tally.record(method.path, _bug(channels.send(method, payload, service), f"bytes {payload.hex()}"))
    print("\n" + tally.report())
    assert not tally.failed, tally.report()


def _callers(stack, world) -> dict[str, list[tuple[str, str]]]:
    secret = (stack.state_dir / "keys" / "service-token-secret").read_text().strip()
    service_token = ServiceTokens(secret, "fuzz").token()
    return {"anonymous": [], "member": world.member.account.metadata, "manager": world.manager.account.metadata,
            "service": [(SERVICE_TOKEN_HEADER, service_token), *world.member.account.metadata]}


def _request_type(method: catalog.Method):
    return descriptor_pool.Default().FindMethodByName(f"{method.full_service}.{method.name}").input_type


def _varint(value: int) -> bytes:
    encoded = bytearray()
    while value > 0x7F:
        encoded.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes(encoded + bytes([value]))


def _bug(error: grpc.RpcError | None, request: str) -> str | None:
    if error is None or error.code() not in BUGS:
        return None
    return f"  request: {request[:300]}\n  answer: {error.code().name}: {error.details()}"


class _Channels:
    """One channel per service port; requests and answers stay raw bytes, so any payload can be sent."""

    def __init__(self, stack):
        self._ports = stack.ports.services
        self._open: dict[str, grpc.Channel] = {}

    def __enter__(self) -> "_Channels":
        return self

    def __exit__(self, *exc) -> None:
        for channel in self._open.values():
            channel.close()

    def send(self, method: catalog.Method, payload: bytes, metadata) -> grpc.RpcError | None:
        if method.service not in self._open:
            self._open[method.service] = grpc.insecure_channel(f"127.0.0.1:{self._ports[method.service]}")
        channel = self._open[method.service]
        try:
            if method.server_streaming:
                for _ in channel.unary_stream(method.path)(payload, metadata=metadata, timeout=2):
                    pass
            else:
                channel.unary_unary(method.path)(payload, metadata=metadata, timeout=TIMEOUT_S)
        except grpc.RpcError as error:
            return error
        return None
