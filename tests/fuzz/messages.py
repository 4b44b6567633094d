"""Hypothesis strategies for any protobuf message, read from its descriptor: strings (unicode, control characters,
huge, real ids), integers at their type's edges, enums out of range, nested and repeated messages, maps,
Timestamps at and past their valid range, FieldMasks naming real and unknown fields."""

from __future__ import annotations

from google.protobuf import field_mask_pb2, message_factory, timestamp_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import strategies as st

_INT_RANGES = {
    FieldDescriptor.TYPE_INT32: (-2**31, 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-2**31, 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-2**31, 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-2**63, 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-2**63, 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-2**63, 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
_AWKWARD_STRINGS = ["", " ", "\x00", "a\x00b", "\u202e", "\ufeff", "😀", "../..", "a/b", "%2F", "*", "%", "_",
                    "' OR 1=1 --", "\t\r\n", "-1", "9" * 30, "00000000-0000-0000-0000-000000000000"]
# RFC 3339's range, which google.protobuf.Timestamp promises: 0001-01-01 to 9999-12-31.
_TIMESTAMP_SECONDS = [-62135596800, -62135596801, 253402300799, 253402300800, 0, -1]
_MAX_DEPTH = 3


def strings(known: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(known + _AWKWARD_STRINGS),
        st.text(max_size=40),
        st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs"]), max_size=20),
        st.integers(1_000, 200_000).map(lambda size: "x" * size),
    )


def integers(low: int, high: int) -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from([low, low + 1, -1, 0, 1, high - 1, high]).filter(lambda n: low <= n <= high),
                     st.integers(low, high))


def messages(descriptor: Descriptor, known: list[str], depth: int = 0) -> st.SearchStrategy:
    """Messages of `descriptor`'s type with any subset of fields set."""
    cls = message_factory.GetMessageClass(descriptor)
    if descriptor.full_name == "google.protobuf.Timestamp":
        return st.builds(timestamp_pb2.Timestamp,
                         seconds=st.one_of(st.sampled_from(_TIMESTAMP_SECONDS), integers(-2**63, 2**63 - 1)),
                         nanos=st.one_of(st.sampled_from([0, 999_999_999, 1_000_000_000, -1]),
                                         integers(-2**31, 2**31 - 1)))
    if descriptor.full_name == "google.protobuf.FieldMask":
        return st.builds(field_mask_pb2.FieldMask, paths=st.lists(strings(known), max_size=4))
    if depth >= _MAX_DEPTH:
        return st.just(cls())
    fields = {field.name: _field_values(field, known, depth) for field in descriptor.fields}
    return st.fixed_dictionaries({}, optional=fields).map(lambda values: cls(**values))


def _field_values(field: FieldDescriptor, known: list[str], depth: int) -> st.SearchStrategy:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        key, value = field.message_type.fields_by_name["key"], field.message_type.fields_by_name["value"]
        return st.dictionaries(_single(key, known, depth), _single(value, known, depth), max_size=4)
    single = _single(field, known, depth)
    if field.is_repeated:
        return st.one_of(st.lists(single, max_size=4), st.lists(single, min_size=200, max_size=300))
    return single


def _single(field: FieldDescriptor, known: list[str], depth: int) -> st.SearchStrategy:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return strings(known)
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64)
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind == FieldDescriptor.TYPE_DOUBLE:
        return st.floats()
    if kind == FieldDescriptor.TYPE_FLOAT:
        return st.floats(width=32)
    if kind == FieldDescriptor.TYPE_ENUM:
        # Proto3 enums are open: any int32 arrives, not only the declared values.
        return st.one_of(st.sampled_from([value.number for value in field.enum_type.values]),
                         integers(-2**31, 2**31 - 1))
    if kind in _INT_RANGES:
        return integers(*_INT_RANGES[kind])
    return messages(field.message_type, known, depth + 1)


def field_names(descriptor: Descriptor, seen: set[str] | None = None) -> list[str]:
    """Every field name reachable from `descriptor` (FieldMask paths that mean something)."""
    seen = set() if seen is None else seen
    if descriptor.full_name in seen:
        return []
    seen.add(descriptor.full_name)
    names = []
    for field in descriptor.fields:
        names.append(field.name)
        if field.message_type is not None:
            names.extend(field_names(field.message_type, seen))
    return names
