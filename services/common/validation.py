"""Input checks shared by every service. Each failure names the offending field."""

from __future__ import annotations

import re
import uuid

from services.common.errors import InvalidArgument

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
SLUG_PATTERN = re.compile(r"^[a-z0-9-]{3,100}$")
MAX_PAGE_SIZE = 200


def text(field: str, value: str, *, max_length: int, required: bool = True) -> str:
    """Trims the value; refuses it when empty (if required), too long or holding control characters."""
    value = value.strip()
    if required and not value:
        raise InvalidArgument(field, f"{field} is required")
    if len(value) > max_length:
        raise InvalidArgument(field, f"{field} is longer than {max_length} characters", max_length=max_length)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise InvalidArgument(field, f"{field} contains control characters")
    return value


def email(field: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidArgument(field, f"{field} is required")
    if len(value) > 254 or not EMAIL_PATTERN.match(value):
        raise InvalidArgument(field, f"{field} is not a valid email address")
    return value


def uuid_id(field: str, value: str) -> uuid.UUID:
    if not value:
        raise InvalidArgument(field, f"{field} is required")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise InvalidArgument(field, f"{field} is not a valid UUID") from None
    if str(parsed) != value.lower():
        raise InvalidArgument(field, f"{field} must be a UUID in canonical form")
    return parsed


def slug(field: str, value: str) -> str:
    if not SLUG_PATTERN.match(value):
        raise InvalidArgument(field, f"{field} must be 3 to 100 characters of a-z, 0-9 and '-'")
    return value


def enum_value(field: str, value: int, known: set[int], *, required: bool = True) -> int:
    """Proto3 enums accept any number on the wire (the gateway passes 7 for a 4-value enum): check the range."""
    if value == 0 and required:
        raise InvalidArgument(field, f"{field} is required")
    if value != 0 and value not in known:
        raise InvalidArgument(field, f"{field} has no value {value}")
    return value


def page_size(value: int, *, default: int = 50, maximum: int = MAX_PAGE_SIZE) -> int:
    if value == 0:
        return default
    if not 1 <= value <= maximum:
        raise InvalidArgument("page_size", f"page_size must be between 1 and {maximum}", maximum=maximum)
    return value
