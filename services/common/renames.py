"""Renames as the services that keep a copy of a user's name follow them (idea: submitters, campaign: members):
UserRenamed events from coins:events:auth, read by a batch consumer.

Versioned writes instead of processed event ids: each rename carries its position in the auth stream
(entry_version) and rewrites only names set by an older one, so a redelivered, replayed or late rename never
brings an older name back, and a batch writes each user's newest name only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from coins.v1.events_pb2 import Event
from services.common.events import Delivery, entry_version


def wants(event: Event) -> bool:
    """The consumer acknowledges every other auth event unread."""
    return event.WhichOneof("payload") == "user_renamed"


@dataclass(frozen=True)
class Rename:
    user_id: str
    full_name: str
    version: int  # the event's position in the auth stream (entry_version)


def newest_renames(deliveries: Sequence[Delivery]) -> list[Rename]:
    """Each renamed user's newest name among the deliveries, in user id order, so that two replicas' transactions
    take the rows of the same users in the same order. A subject other than "users/{uuid}" raises ValueError (the
    consumer dead-letters its event)."""
    newest: dict[str, Rename] = {}
    for delivery in deliveries:
        event = delivery.event
        if not wants(event):
            continue
        rename = Rename(str(uuid.UUID(event.subject.removeprefix("users/"))), event.user_renamed.full_name,
                        entry_version(delivery.entry_id))
        if rename.user_id not in newest or newest[rename.user_id].version < rename.version:
            newest[rename.user_id] = rename
    return [newest[user_id] for user_id in sorted(newest)]
