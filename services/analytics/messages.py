"""Analytics requests and answers between proto and domain."""

from __future__ import annotations

from typing import Any

from coins.v1 import analytics_service_pb2 as pb
from services.analytics.domain import ExportTable, Labelled, Report, TimeBucket
from services.analytics.rebuild import RebuildReport
from services.common.convert import duration, timestamp
from services.common.errors import InvalidArgument
from services.common.proto_enums import IDEA_STATUS

_BUCKETS: dict[int, TimeBucket | None] = {pb.TIME_BUCKET_UNSPECIFIED: None, pb.TIME_BUCKET_HOUR: TimeBucket.HOUR,
            pb.TIME_BUCKET_DAY: TimeBucket.DAY}
_BUCKET_MESSAGES: dict[TimeBucket, Any] = {bucket: number for number, bucket in _BUCKETS.items() if bucket}
_TABLES: dict[int, ExportTable] = {
    pb.EXPORT_TABLE_UNSPECIFIED: ExportTable.IDEAS, pb.EXPORT_TABLE_IDEAS: ExportTable.IDEAS,
    pb.EXPORT_TABLE_LEDGER: ExportTable.LEDGER, pb.EXPORT_TABLE_RESULT: ExportTable.RESULT}


def bucket_asked(number: int) -> TimeBucket | None:
    if number not in _BUCKETS:
        raise InvalidArgument("bucket", f"bucket has no value {number}")
    return _BUCKETS[number]


def table_asked(number: int) -> ExportTable:
    if number not in _TABLES:
        raise InvalidArgument("table", f"table has no value {number}")
    return _TABLES[number]


def _labelled(rows: list[Labelled]) -> list[pb.LabelledCount]:
    return [pb.LabelledCount(label=r.label, count=r.ideas, coins=r.coins) for r in rows]


def report_message(report: Report) -> pb.CampaignAnalytics:
    people = report.participation
    return pb.CampaignAnalytics(
        campaign_id=report.campaign_id,
        participation=pb.Participation(members=people.members, invited=people.invited,
                                       active_submitters=people.active_submitters,
                                       active_backers=people.active_backers,
                                       backing_share=round(people.backing_share, 4)),
        funnel=[pb.FunnelStep(status=IDEA_STATUS.to_proto(step.status), ideas=step.ideas, moved_on=step.moved_on,
                              median_time=duration(step.median_time.total_seconds())
                              if step.median_time is not None else None)
                for step in report.funnel],
        coins=pb.CoinTotals(**report.coins.__dict__),
        top_ideas=[pb.TopIdea(idea_id=i.idea_id, title=i.title, coins=i.coins, backers=i.backers,
                              status=IDEA_STATUS.to_proto(i.status)) for i in report.top_ideas],
        allocations_over_time=[pb.CoinsOverTime(period_start=timestamp(at), allocated=n)
                               for at, n in report.allocations],
        bucket=_BUCKET_MESSAGES[report.bucket],
        by_tag=_labelled(report.by_tag), by_context=_labelled(report.by_context),
        by_source=_labelled(report.by_source), as_of_time=timestamp(report.as_of))


def rebuild_message(report: RebuildReport) -> pb.RebuildAnalyticsResponse:
    return pb.RebuildAnalyticsResponse(campaign_count=report.campaigns, idea_count=report.ideas,
                                       entry_count=report.entries, duration=duration(report.seconds))
