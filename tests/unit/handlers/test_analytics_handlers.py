"""The analytics handlers over fakes: who reads a report, how its period is chosen, what an export streams, and
that rebuilds run one at a time."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from services.analytics.domain import CampaignAccess, ExportTable, FunnelStep, Labelled, Participation, TimeBucket
from services.analytics.handlers import AnalyticsHandlers
from services.analytics.repository import CampaignFacts
from services.common.concepts import CampaignRole, CampaignType, IdeaStatus, LedgerEntryKind
from services.common.context import Caller
from services.common.errors import Aborted, NotFound

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
MANAGER, MEMBER = Caller("m", "m@x"), Caller("u", "u@x")


class Campaigns:
    async def access(self, campaign_id: str, user_id: str) -> CampaignAccess:
        role = CampaignRole.MANAGER if user_id == "m" else CampaignRole.MEMBER
        return CampaignAccess(campaign_id, True, role, False)


class Reader:
    def __init__(self, hours: int, known: bool):
        self.hours, self.known = hours, known

    async def campaign(self, campaign_id: str) -> CampaignFacts | None:
        return CampaignFacts(campaign_id, "T", CampaignType.OPEN, None, None) if self.known else None

    async def allocations(self, campaign_id: str, bucket: TimeBucket) -> list[tuple[datetime, int]]:
        hourly = [(T0 + timedelta(hours=h), 5) for h in range(self.hours)]
        return hourly if bucket is TimeBucket.HOUR else [(T0, 5 * self.hours)]

    async def breakdowns(self, campaign_id: str) -> tuple[list[Labelled], ...]:
        return [Labelled("Green", 2, 9)], [Labelled("", 2, 9)], [Labelled("intranet", 1, 4)]

    async def participation(self, campaign_id: str) -> Participation:
        return Participation(4, 1, 2, 3)

    async def funnel(self, campaign_id: str) -> list[FunnelStep]:
        return [FunnelStep(IdeaStatus.COMPETING, 1, 9)]

    async def coin_sums(self, campaign_id: str) -> dict[tuple[LedgerEntryKind, bool], int]:
        return {(LedgerEntryKind.GRANT, False): 400, (LedgerEntryKind.ALLOCATE, True): 9}

    async def top_ideas(self, campaign_id: str, limit: int) -> list[Any]:
        return []


class ReadModel:
    def __init__(self, hours: int = 2, known: bool = True):
        self.hours, self.known = hours, known
        self.busy = False

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Reader]:
        yield Reader(self.hours, self.known)

    async def campaign_status(self, campaign_id: str) -> str:
        return "completed"

    def idea_rows(self, campaign_id: str, chunk: int, competed_only: bool = False) -> AsyncIterator[list[Any]]:
        async def rows() -> AsyncIterator[list[Any]]:
            yield [SimpleNamespace(idea_id="i1", title="=cmd()", status="competing", coins=9, backers=2)]
            yield [SimpleNamespace(idea_id="i2", title="Two, words", status="accepted", coins=9, backers=1)]
        return rows()

    @asynccontextmanager
    async def alone(self, name: str) -> AsyncIterator[bool]:
        yield not self.busy


class Rebuilder:
    async def rebuild(self) -> str:
        return "rebuilt"


async def as_of() -> datetime:
    return T0


def handlers(read_model: ReadModel) -> AnalyticsHandlers:
    return AnalyticsHandlers(read_model, Campaigns(), Rebuilder(), as_of)  # type: ignore[arg-type]


async def test_a_member_finds_no_report_and_a_manager_reads_one_as_of_the_consumers_position() -> None:
    with pytest.raises(NotFound):
        await handlers(ReadModel()).report(MEMBER, "city", 0, None)
    report = await handlers(ReadModel()).report(MANAGER, "city", 0, None)
    assert (report.as_of, report.participation.backing_share) == (T0, 0.75)
    assert report.coins.available == 391 and report.coins.allocated == 9
    assert report.by_source == [Labelled("intranet", 1, 4)]


async def test_the_period_follows_the_span_of_the_allocations_unless_asked() -> None:
    assert (await handlers(ReadModel(hours=10)).report(MANAGER, "city", 0, None)).bucket is TimeBucket.HOUR
    long = await handlers(ReadModel(hours=24 * 4)).report(MANAGER, "city", 0, None)
    assert (long.bucket, long.allocations) == (TimeBucket.DAY, [(T0, 5 * 24 * 4)])
    assert (await handlers(ReadModel()).report(MANAGER, "city", 0, TimeBucket.DAY)).bucket is TimeBucket.DAY


async def test_a_campaign_the_read_model_has_not_heard_of_yet_reads_as_empty() -> None:
    report = await handlers(ReadModel(known=False)).report(MANAGER, "city", 0, None)
    assert (report.participation.members, report.top_ideas, report.coins.granted) == (0, [], 0)


async def test_the_result_export_ranks_defuses_and_names_its_file() -> None:
    export = await handlers(ReadModel()).export(MEMBER, "city", ExportTable.RESULT)
    assert export.file_name.startswith("city-result-") and export.file_name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(b"".join([chunk async for chunk in export.chunks]).decode())))
    assert rows == [["rank", "idea_id", "title", "coins", "backers", "decision", "final"],
                    ["1", "i1", "'=cmd()", "9", "2", "competing", "true"],
                    ["1", "i2", "Two, words", "9", "1", "accepted", "true"]]


async def test_one_rebuild_at_a_time() -> None:
    read_model = ReadModel()
    assert await handlers(read_model).rebuild() == "rebuilt"
    read_model.busy = True
    with pytest.raises(Aborted, match="already running"):
        await handlers(read_model).rebuild()
