"""Conversions every servicer needs between Python values and well-known proto types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf import duration_pb2, timestamp_pb2

from services.common.errors import InvalidArgument


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def duration(seconds: float) -> duration_pb2.Duration:
    value = duration_pb2.Duration()
    value.FromTimedelta(timedelta(seconds=seconds))
    return value


def moment(field: str, stamp: timestamp_pb2.Timestamp) -> datetime:
    """A request's Timestamp as a datetime. Its nanos must lie in [0, 1e9) and its date between years 1 and 9999;
    the wire allows anything."""
    try:
        return stamp.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise InvalidArgument(field, f"{field} is not a valid timestamp") from None
