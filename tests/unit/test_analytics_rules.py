"""The analytics service's rules (services/analytics/domain.py): coin fields from ledger sums, time in each funnel
step from an idea's milestones, periods, ranks, who reads what, and cells a spreadsheet cannot run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.analytics import domain
from services.analytics.domain import CampaignAccess, ExportTable, Milestones, TimeBucket
from services.common.concepts import CampaignRole, CampaignType, IdeaStatus, LedgerEntryKind
from services.common.context import Caller
from services.common.errors import InvalidArgument, NotFound, PermissionDenied

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
K = LedgerEntryKind


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_coin_fields_follow_the_ledger_and_always_balance() -> None:
    totals = domain.coin_totals({
        (K.GRANT, False): 300, (K.SUBMISSION_REWARD, True): 15, (K.REWARD_REVOKED, True): 5,
        (K.ALLOCATE, True): 120, (K.REALLOCATE, True): 40, (K.WITHDRAW, True): 10, (K.RECYCLE, True): 20,
        (K.EXPEND, True): 30, (K.BURN, True): 5, (K.EXPIRE, False): 100, (K.EXPIRE, True): 25})
    assert totals == domain.CoinTotals(granted=310, available=120, allocated=30, expended=30, expired=125, burned=5,
                                       reward_payouts=10)
    assert totals.granted == totals.available + totals.allocated + totals.expended + totals.expired + totals.burned


def test_a_moderated_idea_waits_then_competes_then_is_built() -> None:
    moments = Milestones(at(0), approved_at=at(30), accepted_at=at(90), started_at=at(100), completed_at=at(160))
    assert domain.time_in_steps(CampaignType.MEDIATED, moments) == {
        IdeaStatus.PENDING: timedelta(minutes=30), IdeaStatus.COMPETING: timedelta(minutes=60),
        IdeaStatus.ACCEPTED: timedelta(minutes=10), IdeaStatus.IN_PROGRESS: timedelta(hours=1)}


def test_rejection_ends_the_step_the_idea_was_in() -> None:
    from_pending = Milestones(at(0), rejected_at=at(5))
    assert domain.time_in_steps(CampaignType.CLOSED, from_pending) == {IdeaStatus.PENDING: timedelta(minutes=5)}
    from_competing = Milestones(at(0), approved_at=at(5), rejected_at=at(65))
    assert domain.time_in_steps(CampaignType.MEDIATED, from_competing) == {
        IdeaStatus.PENDING: timedelta(minutes=5), IdeaStatus.COMPETING: timedelta(hours=1)}
    in_an_open_campaign = Milestones(at(0), rejected_at=at(20))  # it competed from its submission
    assert domain.time_in_steps(CampaignType.OPEN, in_an_open_campaign) == {IdeaStatus.COMPETING: timedelta(minutes=20)}
    assert domain.time_in_steps(CampaignType.OPEN, Milestones(at(0))) == {}


def test_a_short_campaign_is_shown_by_the_hour_a_long_one_by_the_day() -> None:
    assert domain.bucket_for(None, T0, T0 + timedelta(days=3)) is TimeBucket.HOUR
    assert domain.bucket_for(None, T0, T0 + timedelta(days=3, seconds=1)) is TimeBucket.DAY
    assert domain.bucket_for(None, None, None) is TimeBucket.HOUR
    assert domain.bucket_for(TimeBucket.DAY, T0, T0) is TimeBucket.DAY  # asked for


def test_equal_coins_share_a_rank_and_the_next_rank_skips() -> None:
    ranks = domain.Ranks()
    assert [ranks.next(c) for c in (50, 30, 30, 10, 0, 0)] == [1, 2, 2, 4, 5, 5]


def test_text_cells_that_a_spreadsheet_would_run_are_defused_numbers_stay_numbers() -> None:
    assert [domain.csv_cell(v) for v in ("=SUM(A1)", "+1", "-x", "@here", "\tx", "plain", -5, None)] == [
        "'=SUM(A1)", "'+1", "'-x", "'@here", "'\tx", "plain", -5, ""]


def test_top_ideas_are_bounded() -> None:
    assert domain.top_ideas_wanted(0) == 10
    assert domain.top_ideas_wanted(100) == 100
    for wrong in (-1, 101):
        with pytest.raises(InvalidArgument, match="between 1 and 100"):
            domain.top_ideas_wanted(wrong)


ADMIN = Caller("a", "a@x", frozenset({"admin"}))
SOMEONE = Caller("s", "s@x")


def access(visible: bool = True, role: CampaignRole | None = None, sponsor: bool = False) -> CampaignAccess:
    return CampaignAccess("c", visible, role, sponsor)


def test_reports_are_for_managers_sponsors_and_admins() -> None:
    assert domain.reads_report(ADMIN, access(visible=False))
    assert domain.reads_report(SOMEONE, access(role=CampaignRole.MANAGER))
    assert domain.reads_report(SOMEONE, access(sponsor=True))
    assert not domain.reads_report(SOMEONE, access(role=CampaignRole.MEMBER))


def test_each_export_has_its_readers_and_the_rest_find_no_campaign() -> None:
    manager, sponsor, member = access(role=CampaignRole.MANAGER), access(sponsor=True), access(role=CampaignRole.MEMBER)
    for who, table in ((manager, ExportTable.LEDGER), (sponsor, ExportTable.IDEAS), (member, ExportTable.RESULT),
                       (access(visible=False), ExportTable.LEDGER)):
        domain.require_table(ADMIN if who.visible is False else SOMEONE, who, table)
    with pytest.raises(PermissionDenied, match="ledger"):
        domain.require_table(SOMEONE, sponsor, ExportTable.LEDGER)
    for who, table in ((member, ExportTable.IDEAS), (member, ExportTable.LEDGER),
                       (access(visible=False), ExportTable.RESULT)):
        with pytest.raises(NotFound) as refused:
            domain.require_table(SOMEONE, who, table)
        assert refused.value.reason == "CAMPAIGN_001"
