"""The analytics use cases: the dashboard, the exports and the rebuild. Rules come from domain.py, figures from the
read model (repository.py); who the caller is in a campaign, from the campaign service."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from services.analytics import domain
from services.analytics.domain import ExportTable, Report, TimeBucket
from services.analytics.ports import CampaignAccessSource
from services.analytics.rebuild import Rebuilder, RebuildReport
from services.analytics.repository import ReadModel
from services.common import validation
from services.common.concepts import CampaignStatus
from services.common.context import Caller
from services.common.errors import Aborted

EXPORT_ROWS_PER_CHUNK = 2000  # ideas per HttpBody message
EXPORT_CHUNK_BYTES = 256 * 1024  # ledger CSV per HttpBody message

IDEA_COLUMNS = ("idea_id", "title", "status", "coins", "backers", "tags", "context_id", "source", "submitted_at",
                "approved_at", "rejected_at", "accepted_at", "started_at", "completed_at")
LEDGER_COLUMNS = ("entry_id", "created_at", "user_id", "kind", "amount", "idea_id", "from_idea_id", "actor_id",
                  "request_id")
RESULT_COLUMNS = ("rank", "idea_id", "title", "coins", "backers", "decision", "final")


def _csv(rows: Sequence[Sequence[Any]]) -> bytes:
    """Rows as RFC 4180 CSV; text a person typed goes through domain.csv_cell before it gets here."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


class Export:
    """A CSV download: its file name, then its bytes a chunk at a time."""

    def __init__(self, file_name: str, chunks: AsyncIterator[bytes]):
        self.file_name = file_name
        self.chunks = chunks


class AnalyticsHandlers:
    def __init__(self, read_model: ReadModel, campaigns: CampaignAccessSource, rebuilder: Rebuilder,
                 as_of: Callable[[], Awaitable[datetime]]):
        self._read_model = read_model
        self._campaigns = campaigns
        self._rebuilder = rebuilder
        self._as_of = as_of  # the moment every change before which is in the read model
        self._running: set[asyncio.Future[Any]] = set()  # rebuilds that outlive their callers

    async def _access(self, caller: Caller, campaign_id: str) -> domain.CampaignAccess:
        validation.slug("campaign_id", campaign_id)
        return await self._campaigns.access(campaign_id, caller.user_id)

    async def report(self, caller: Caller, campaign_id: str, top_ideas: int, bucket: TimeBucket | None) -> Report:
        top = domain.top_ideas_wanted(top_ideas)
        access = await self._access(caller, campaign_id)
        if not domain.reads_report(caller, access):
            raise domain.hidden(campaign_id)
        as_of = await self._as_of()  # before reading: the figures are at least this fresh
        async with self._read_model.reading() as reader:
            facts = await reader.campaign(campaign_id)
            if facts is None:  # the campaign service knows it, the read model not yet: nothing happened in it so far
                return Report(campaign_id, domain.Participation(0, 0, 0, 0),
                              [domain.FunnelStep(status) for status in domain.FUNNEL], domain.CoinTotals(), [], [],
                              bucket or TimeBucket.HOUR, [], [], [], as_of)
            hourly = await reader.allocations(campaign_id, TimeBucket.HOUR)
            start, end = facts.start_time, facts.end_time
            if not (start and end) and hourly:
                start, end = hourly[0][0], hourly[-1][0]
            chosen = domain.bucket_for(bucket, start, end)
            by_tag, by_context, by_source = await reader.breakdowns(campaign_id)
            return Report(
                campaign_id=campaign_id, participation=await reader.participation(campaign_id),
                funnel=await reader.funnel(campaign_id),
                coins=domain.coin_totals(await reader.coin_sums(campaign_id)),
                top_ideas=await reader.top_ideas(campaign_id, top),
                allocations=hourly if chosen is TimeBucket.HOUR else await reader.allocations(campaign_id, chosen),
                bucket=chosen, by_tag=by_tag, by_context=by_context, by_source=by_source, as_of=as_of)

    async def export(self, caller: Caller, campaign_id: str, table: ExportTable) -> Export:
        domain.require_table(caller, await self._access(caller, campaign_id), table)
        name = domain.export_file_name(campaign_id, table, datetime.now(UTC))
        return Export(name, self._chunks(campaign_id, table))

    async def _chunks(self, campaign_id: str, table: ExportTable) -> AsyncIterator[bytes]:
        cell = domain.csv_cell
        if table is ExportTable.LEDGER:  # up to millions of rows: PostgreSQL writes them
            async for chunk in self._read_model.ledger_csv(campaign_id, LEDGER_COLUMNS, EXPORT_CHUNK_BYTES):
                yield chunk
            return
        if table is ExportTable.RESULT:
            final = await self._read_model.campaign_status(campaign_id) in (CampaignStatus.COMPLETED,
                                                                             CampaignStatus.ARCHIVED)
            yield _csv([RESULT_COLUMNS])
            ranks = domain.Ranks()
            async for rows in self._read_model.idea_rows(campaign_id, EXPORT_ROWS_PER_CHUNK, competed_only=True):
                yield _csv([(ranks.next(r.coins), r.idea_id, cell(r.title), r.coins, r.backers, r.status,
                             str(final).lower()) for r in rows])
            return
        yield _csv([IDEA_COLUMNS])
        async for rows in self._read_model.idea_rows(campaign_id, EXPORT_ROWS_PER_CHUNK):
            yield _csv([(r[0], cell(r[1]), *r[2:5], cell(r[5]), cell(r[6]), cell(r[7]), *r[8:]) for r in rows])

    async def rebuild(self) -> RebuildReport:
        """One rebuild at a time across replicas; a caller that gives up does not cut it short."""
        async def exclusive() -> RebuildReport:
            async with self._read_model.alone("rebuild") as alone:
                if not alone:
                    raise Aborted("a rebuild is already running; try again when it has finished", retry_after_s=5)
                return await self._rebuilder.rebuild()

        running = asyncio.ensure_future(exclusive())
        self._running.add(running)
        running.add_done_callback(self._running.discard)
        return await asyncio.shield(running)
