"""The one server interceptor every service runs: request id, authentication, error mapping, access log and the RPC
metrics (services/common/metrics.py).

Doing all five in one wrapper keeps the per-call cost to a single extra frame; the wrapped handler is built once
per method and reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import logging
import time
import uuid
from typing import Any, AsyncIterator

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from services.common import catalog, errors, idempotency, metrics
from services.common.catalog import Access, Method
from services.common.context import CallContext, reset_call, set_call
from services.common.errors import DomainError, InvalidArgument, PermissionDenied, Unauthenticated
from services.common.tokens import AccessTokenVerifier, ServiceTokens

log = logging.getLogger("coins.rpc")

SERVICE_TOKEN_HEADER = "x-coins-service-token"
REQUEST_ID_HEADER = "x-request-id"
_WANTED_HEADERS = ("authorization", SERVICE_TOKEN_HEADER, REQUEST_ID_HEADER)


class CallInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, verifier: AccessTokenVerifier, service_tokens: ServiceTokens, access_log: bool = True):
        self._verifier = verifier
        self._service_tokens = service_tokens
        self._access_log = access_log
        self._methods = catalog.methods()
        self._wrapped: dict[str, grpc.RpcMethodHandler | None] = {}

    async def intercept_service(self, continuation, handler_call_details):
        path = handler_call_details.method
        if path in self._wrapped:
            return self._wrapped[path]
        handler = await continuation(handler_call_details)
        method = self._methods.get(path)
        # Health and reflection are not ours to guard; unknown paths stay UNIMPLEMENTED.
        wrapped = handler if handler is None or method is None else self._wrap(method, handler)
        self._wrapped[path] = wrapped
        return wrapped

    def _wrap(self, method: Method, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """The request arrives as bytes and is parsed inside the scope: a message that does not parse is then an
        INVALID_ARGUMENT like any bad input, not grpc's UNKNOWN carrying the parser's exception text."""
        parse = handler.request_deserializer
        measured = metrics.RpcMetrics(method.full_service, method.name, method.server_streaming)
        if handler.unary_unary:
            inner = handler.unary_unary

            async def unary_unary(raw: bytes, context):
                async with self._scope(method, measured, context, parse, raw) as request:
                    result = inner(request, context)
                    return await result if inspect.isawaitable(result) else result

            return grpc.unary_unary_rpc_method_handler(unary_unary, None, handler.response_serializer)
        if handler.unary_stream:
            inner_stream = handler.unary_stream

            async def unary_stream(raw: bytes, context) -> AsyncIterator[Any]:
                async with self._scope(method, measured, context, parse, raw) as request:
                    async for item in inner_stream(request, context):
                        yield item

            return grpc.unary_stream_rpc_method_handler(unary_stream, None, handler.response_serializer)
        return handler  # the contracts have no client-streaming methods

    @contextlib.asynccontextmanager
    async def _scope(self, method: Method, measured: metrics.RpcMetrics, context: grpc.aio.ServicerContext, parse,
                     raw: bytes):
        started = time.perf_counter()
        headers = _headers(context)
        request_id = headers.get(REQUEST_ID_HEADER) or str(uuid.uuid4())
        token = set_call(CallContext(request_id))
        outcome = "OK"
        measured.started()
        try:
            call = self._authenticate(method, headers, request_id)
            try:
                request = parse(raw)
            except DecodeError:
                raise InvalidArgument("request", f"the request is not a valid {method.name} message") from None
            if method.access is not Access.INTERNAL:
                call = dataclasses.replace(call, request_key=idempotency.key_of(method.path, request, _who(call)))
            set_call(call)
            yield request
        except grpc.aio.AbortError:
            outcome = metrics.code_of(context)
            raise
        except asyncio.CancelledError:
            outcome = "CANCELLED"  # the client went away (a closed stream) or its deadline passed
            raise
        except DomainError as error:
            outcome = error.status
            await _abort(context, error, request_id)
        except grpc.aio.AioRpcError as downstream:
            outcome = downstream.code().name
            if rich := _rich_trailer(downstream):
                # Another service of ours refused: pass its status and details on unchanged.
                await context.abort(downstream.code(), downstream.details() or "", rich)
            else:
                # gRPC's own errors (no service of ours answered) name internal hosts and ports: log, say less.
                log.warning("downstream call failed", extra={"method": method.path, "code": outcome,
                                                              "details": downstream.details()})
                await _abort_plain(context, downstream.code(), _downstream_message(downstream.code(), request_id),
                                   request_id)
        except NotImplementedError:
            outcome = "UNIMPLEMENTED"
            await _abort_plain(context, grpc.StatusCode.UNIMPLEMENTED,
                               f"{method.full_service}.{method.name} is not implemented yet", request_id)
        except Exception:
            outcome = "INTERNAL"
            log.exception("unexpected error in %s", method.path, extra={"method": method.path})
            await _abort_plain(context, grpc.StatusCode.INTERNAL,
                               f"internal error; quote request id {request_id} when reporting it", request_id)
        finally:
            elapsed = time.perf_counter() - started
            measured.finished(outcome, elapsed)
            if self._access_log:
                log.info("rpc", extra={"method": method.path, "code": outcome, "duration_ms": round(elapsed * 1000, 2)})
            reset_call(token)

    def _authenticate(self, method: Method, headers: dict[str, str], request_id: str) -> CallContext:
        calling_service = None
        service_token = headers.get(SERVICE_TOKEN_HEADER)
        if service_token:
            calling_service = self._service_tokens.verify(service_token)
        if method.access is Access.INTERNAL and calling_service is None:
            raise PermissionDenied(f"{method.name} is internal: only services of the platform may call it",
                                   method=method.path)
        caller = None
        authorization = headers.get("authorization", "")
        if authorization and method.access is not Access.PUBLIC:
            scheme, _, raw = authorization.partition(" ")
            if scheme.lower() != "bearer" or not raw.strip():
                raise Unauthenticated("the authorization header must read 'Bearer <access token>'")
            caller = self._verifier.verify(raw.strip())
        elif method.access is Access.USER:
            raise Unauthenticated()
        return CallContext(request_id=request_id, caller=caller, calling_service=calling_service)


def _who(call: CallContext) -> str:
    if call.caller is not None:
        return call.caller.user_id
    return f"service:{call.calling_service}" if call.calling_service else "anonymous"


def _downstream_message(code: grpc.StatusCode, request_id: str) -> str:
    if code is grpc.StatusCode.UNAVAILABLE:
        return "a platform service is unavailable; retry shortly"
    if code is grpc.StatusCode.DEADLINE_EXCEEDED:
        return "a platform service did not answer in time; retry shortly"
    return f"a platform service failed ({code.name}); quote request id {request_id} when reporting it"


def _rich_trailer(error: grpc.aio.AioRpcError) -> tuple:
    return tuple((key, value) for key, value in (error.trailing_metadata() or ())
                 if key == "grpc-status-details-bin")


def _headers(context: grpc.aio.ServicerContext) -> dict[str, str]:
    found = {}
    for key, value in context.invocation_metadata() or ():
        if key in _WANTED_HEADERS:
            found[key] = value
    return found


def _pack(message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def rich_status(code: grpc.StatusCode, message: str, reason: str, request_id: str,
                metadata: dict[str, str] | None = None, details: list | None = None) -> status_pb2.Status:
    return status_pb2.Status(
        code=code.value[0],
        message=message,
        details=[
            _pack(error_details_pb2.ErrorInfo(reason=reason, domain=errors.ERROR_DOMAIN, metadata=metadata or {})),
            _pack(error_details_pb2.RequestInfo(request_id=request_id)),
            *(_pack(d) for d in details or ()),
        ],
    )


async def _abort(context: grpc.aio.ServicerContext, error: DomainError, request_id: str) -> None:
    extra = []
    field = getattr(error, "field", None)
    if field:
        extra.append(error_details_pb2.BadRequest(
            field_violations=[error_details_pb2.BadRequest.FieldViolation(field=field, description=error.message)]))
    retry_after = getattr(error, "retry_after_s", None)
    if retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromMilliseconds(int(retry_after * 1000))
        extra.append(error_details_pb2.RetryInfo(retry_delay=delay))
    code = grpc.StatusCode[error.status]
    await _abort_with(context, rich_status(code, error.message, error.reason, request_id, error.metadata, extra))


async def _abort_plain(context, code: grpc.StatusCode, message: str, request_id: str) -> None:
    reason = errors.reason_for_status(code.name)
    await _abort_with(context, rich_status(code, message, reason, request_id))


async def _abort_with(context: grpc.aio.ServicerContext, status: status_pb2.Status) -> None:
    grpc_status = rpc_status.to_status(status)
    await context.abort(grpc_status.code, grpc_status.details, grpc_status.trailing_metadata)


