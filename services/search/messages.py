"""Search requests and answers between proto and domain."""

from __future__ import annotations

from coins.v1 import resources_pb2 as res
from coins.v1 import search_service_pb2 as pb
from services.common import validation
from services.common.convert import duration, moment
from services.common.errors import InvalidArgument
from services.common.proto_enums import IDEA_STATUS
from services.search import domain
from services.search.domain import ReindexReport, SearchOrder, SearchQuery
from services.search.handlers import Hit, SearchAnswer

_ORDERS = {
    pb.SEARCH_ORDER_UNSPECIFIED: SearchOrder.RELEVANCE,
    pb.SEARCH_ORDER_RELEVANCE: SearchOrder.RELEVANCE,
    pb.SEARCH_ORDER_MOST_COINS: SearchOrder.MOST_COINS,
    pb.SEARCH_ORDER_NEWEST: SearchOrder.NEWEST,
}


def search_query(request: pb.SearchIdeasRequest) -> SearchQuery:
    """The request validated; the page comes from the page token (handlers.resume_at)."""
    if request.order_by not in _ORDERS:
        raise InvalidArgument("order_by", f"order_by has no value {request.order_by}")
    after = moment("submitted_after", request.submitted_after) if request.HasField("submitted_after") else None
    before = moment("submitted_before", request.submitted_before) if request.HasField("submitted_before") else None
    if after and before and after >= before:
        raise InvalidArgument("submitted_before", "submitted_before must be later than submitted_after")
    return SearchQuery(
        words=domain.words(request.query),
        campaign_id=validation.text("campaign_id", request.campaign_id, max_length=100, required=False),
        status=IDEA_STATUS.from_proto("status", request.status, required=False),
        tag_id=str(validation.uuid_id("tag_id", request.tag_id)) if request.tag_id else "",
        context_id=validation.text("context_id", request.context_id, max_length=100, required=False),
        submitter_id=str(validation.uuid_id("submitter_id", request.submitter_id)) if request.submitter_id else "",
        submitted_after=after, submitted_before=before, order=_ORDERS[request.order_by],
        limit=validation.page_size(request.page_size, default=domain.DEFAULT_PAGE_SIZE,
                                   maximum=domain.MAX_PAGE_SIZE))


def hit_message(hit: Hit) -> pb.SearchHit:
    idea = res.Idea.FromString(hit.idea.idea)
    idea.submitter_name = hit.idea.submitter_name
    idea.coin_total = hit.idea.coin_total
    return pb.SearchHit(idea=idea, score=hit.match.score, title_highlight=hit.match.title_highlight,
                        description_highlight=hit.match.description_highlight)


def search_response(answer: SearchAnswer) -> pb.SearchIdeasResponse:
    return pb.SearchIdeasResponse(
        hits=[hit_message(h) for h in answer.hits], next_page_token=answer.next_page_token, total_size=answer.total,
        status_counts=[pb.StatusCount(status=IDEA_STATUS.to_proto(s), count=n) for s, n in answer.status_counts],
        tag_counts=[pb.TagCount(tag_id=t, tag_name=name, count=n) for t, name, n in answer.tag_counts],
        counts_capped=answer.counts_capped)


def reindex_response(report: ReindexReport) -> pb.ReindexResponse:
    return pb.ReindexResponse(index=report.index, document_count=report.document_count,
                              duration=duration(report.seconds))
