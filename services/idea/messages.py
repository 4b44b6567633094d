"""The idea service's protobuf messages: its resources (for the servicer) and its domain events (for the handlers,
proto/coins/v1/events.proto)."""

from __future__ import annotations

from collections.abc import Iterable

from google.protobuf.field_mask_pb2 import FieldMask

from coins.v1 import events_pb2 as ev
from coins.v1 import resources_pb2 as res
from coins.v1.events_pb2 import Event
from services.common.concepts import IdeaStatus
from services.common.convert import timestamp
from services.common.events import new_event
from services.common.proto_enums import IDEA_STATUS
from services.idea.domain import Idea, TagInfo

SOURCE = "idea"


def idea_message(idea: Idea, coin_total: int = 0, *, history: bool = True) -> res.Idea:
    return res.Idea(
        id=idea.id, campaign_id=idea.campaign_id, submitter_id=idea.submitter_id,
        submitter_name=idea.submitter_name, title=idea.title, description=idea.description,
        status=IDEA_STATUS.to_proto(idea.status), context_id=idea.context_id, permalink_source=idea.permalink_source,
        tag_ids=list(idea.tag_ids), coin_total=coin_total, submit_time=timestamp(idea.submitted_at),
        approve_time=timestamp(idea.approved_at), reject_time=timestamp(idea.rejected_at),
        accept_time=timestamp(idea.accepted_at), start_time=timestamp(idea.started_at),
        complete_time=timestamp(idea.completed_at), update_time=timestamp(idea.updated_at),
        status_history=[res.IdeaStatusChange(from_status=IDEA_STATUS.to_proto(h.from_status),
                                             to_status=IDEA_STATUS.to_proto(h.to_status), actor_id=h.actor_id,
                                             reason=h.reason, change_time=timestamp(h.changed_at))
                        for h in idea.history] if history else [])


def tag_message(tag: TagInfo, campaign_id: str) -> res.Tag:
    return res.Tag(id=tag.id, campaign_id=campaign_id, name=tag.name, description=tag.description, color=tag.color,
                   create_time=timestamp(tag.created_at))


def _event(payload: ev.IdeaSubmitted | ev.IdeaEdited | ev.IdeaStatusChanged, idea: Idea, actor_id: str,
           request_id: str) -> Event:
    return new_event(payload, source=SOURCE, campaign_id=idea.campaign_id, actor_id=actor_id,
                     subject=f"ideas/{idea.id}", request_id=request_id)


def idea_submitted(idea: Idea, tags: Iterable[TagInfo], actor_id: str, request_id: str) -> Event:
    """The idea as stored (no status history: consumers follow the status events), with its tags named."""
    return _event(ev.IdeaSubmitted(idea=idea_message(idea, history=False),
                                   tags=[tag_message(t, idea.campaign_id) for t in tags]), idea, actor_id, request_id)


def idea_edited(idea: Idea, tags: Iterable[TagInfo], changed: Iterable[str], actor_id: str,
                request_id: str) -> Event:
    """`changed`: the fields that changed ("title", "description", "tag_ids")."""
    return _event(ev.IdeaEdited(idea=idea_message(idea, history=False),
                                tags=[tag_message(t, idea.campaign_id) for t in tags],
                                update_mask=FieldMask(paths=list(changed))), idea, actor_id, request_id)


def idea_status_changed(idea: Idea, from_status: IdeaStatus, to_status: IdeaStatus, reason: str, actor_id: str,
                        request_id: str) -> Event:
    """`idea` after the move. `to_status` is the move asked for: APPROVED for an approval, though the idea lands in
    (and `idea.status` says) COMPETING."""
    return _event(ev.IdeaStatusChanged(idea=idea_message(idea, history=False),
                                       from_status=IDEA_STATUS.to_proto(from_status),
                                       to_status=IDEA_STATUS.to_proto(to_status), reason=reason),
                  idea, actor_id, request_id)
