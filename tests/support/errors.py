"""Reading google.rpc error details the way a client would."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


def error_info(error: grpc.RpcError) -> error_details_pb2.ErrorInfo:
    status = rpc_status.from_call(error)
    assert status is not None, f"no rich status on {error.code()}: {error.details()}"
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    raise AssertionError("no ErrorInfo in the status details")


def request_info(error: grpc.RpcError) -> error_details_pb2.RequestInfo:
    for detail in rpc_status.from_call(error).details:
        if detail.Is(error_details_pb2.RequestInfo.DESCRIPTOR):
            info = error_details_pb2.RequestInfo()
            detail.Unpack(info)
            return info
    raise AssertionError("no RequestInfo in the status details")


def json_detail(body: dict, type_name: str) -> dict:
    for detail in body.get("details", []):
        if detail.get("@type", "").endswith(type_name):
            return detail
    raise AssertionError(f"no {type_name} in {body}")
