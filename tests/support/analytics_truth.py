"""What a campaign's analytics must say, computed straight from the owners' tables: the coin ledger and standing,
the idea records with their status history, the campaign's members, invitations and tags. Independent of the
analytics service's own rules (its funnel times come from idea milestones; here from the status history)."""

from __future__ import annotations

import asyncio
import statistics
from datetime import timedelta
from typing import Any

import asyncpg

from coins.v1 import analytics_service_pb2 as pb
from services.common.concepts import IdeaStatus
from services.common.convert import timestamp
from services.common.proto_enums import IDEA_STATUS

FUNNEL = ("pending", "competing", "accepted", "in_progress", "complete", "rejected")

_COINS = """
    SELECT
      coalesce(sum(CASE kind WHEN 'grant' THEN amount WHEN 'submission_reward' THEN amount
                             WHEN 'reward_revoked' THEN -amount ELSE 0 END), 0) AS granted,
      coalesce(sum(CASE kind WHEN 'grant' THEN amount WHEN 'submission_reward' THEN amount
                             WHEN 'reward_revoked' THEN -amount WHEN 'allocate' THEN -amount
                             WHEN 'withdraw' THEN amount WHEN 'recycle' THEN amount
                             WHEN 'expire' THEN CASE WHEN idea_id IS NULL THEN -amount ELSE 0 END ELSE 0 END),
               0) AS available,
      coalesce(sum(CASE kind WHEN 'allocate' THEN amount WHEN 'withdraw' THEN -amount WHEN 'expend' THEN -amount
                             WHEN 'recycle' THEN -amount WHEN 'burn' THEN -amount
                             WHEN 'expire' THEN CASE WHEN idea_id IS NULL THEN 0 ELSE -amount END ELSE 0 END),
               0) AS allocated,
      coalesce(sum(amount) FILTER (WHERE kind = 'expend'), 0) AS expended,
      coalesce(sum(amount) FILTER (WHERE kind = 'expire'), 0) AS expired,
      coalesce(sum(amount) FILTER (WHERE kind = 'burn'), 0) AS burned,
      coalesce(sum(CASE kind WHEN 'submission_reward' THEN amount WHEN 'reward_revoked' THEN -amount ELSE 0 END),
               0) AS reward_payouts
    FROM coin.ledger WHERE campaign_id = $1"""


async def _truth(database_url: str, campaign_id: str) -> dict[str, Any]:
    connection = await asyncpg.connect(database_url)
    try:
        one = connection.fetchrow
        many = connection.fetch
        standing = {str(r["idea_id"]): (r["coins"], r["backers"])
                    for r in await many("SELECT * FROM coin.standing($1)", campaign_id)}
        ideas = await many("SELECT id, title, status, context_id, permalink_source, submitted_at FROM idea.ideas "
                           "WHERE campaign_id = $1", campaign_id)
        coins_of = {str(i["id"]): standing.get(str(i["id"]), (0, 0))[0] for i in ideas}
        participation = await one("""
            SELECT (SELECT count(*) FROM campaign.members m JOIN campaign.campaigns c ON c.id = m.campaign_uuid
                    WHERE c.slug = $1) AS members,
                   (SELECT count(DISTINCT email_key) FROM campaign.invitations v
                    JOIN campaign.campaigns c ON c.id = v.campaign_uuid WHERE c.slug = $1) AS invited,
                   (SELECT count(DISTINCT submitter_id) FROM idea.ideas WHERE campaign_id = $1) AS submitters,
                   (SELECT count(DISTINCT user_id) FROM coin.ledger
                    WHERE campaign_id = $1 AND kind = 'allocate') AS backers""", campaign_id)
        times: dict[str, list[timedelta]] = {}
        for idea in ideas:
            changes = await many("SELECT from_status, to_status, changed_at FROM idea.status_changes "
                                 "WHERE idea_id = $1 ORDER BY id", idea["id"])
            entered = idea["submitted_at"]
            for change in changes:
                if change["to_status"] == "approved":  # a moment on the way from pending to competing
                    continue
                step = "pending" if change["from_status"] == "approved" else change["from_status"]
                times.setdefault(step, []).append(change["changed_at"] - entered)
                entered = change["changed_at"]
        tags = await many("""
            SELECT t.name, it.idea_id FROM idea.idea_tags it JOIN idea.ideas i ON i.id = it.idea_id
            JOIN campaign.tags t ON t.id = it.tag_id WHERE i.campaign_id = $1""", campaign_id)
        hourly = await many("""
            SELECT date_trunc('hour', created_at, 'UTC') AS hour, sum(amount) AS allocated FROM coin.ledger
            WHERE campaign_id = $1 AND kind = 'allocate' GROUP BY 1 ORDER BY 1""", campaign_id)
        coins = dict(await one(_COINS, campaign_id))
    finally:
        await connection.close()

    def grouped(labels: list[tuple[str, str]]) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        for label, idea_id in labels:
            count, total = found.get(label, (0, 0))
            found[label] = (count + 1, total + coins_of[idea_id])
        return found

    ranked = sorted((i for i in ideas if standing.get(str(i["id"]), (0, 0))[0] > 0),
                    key=lambda i: (-coins_of[str(i["id"])], i["submitted_at"], str(i["id"])))
    members = participation["members"]
    return {
        "participation": (members, participation["invited"], participation["submitters"], participation["backers"],
                          round(participation["backers"] / members, 4) if members else 0.0),
        "funnel": {status: (sum(1 for i in ideas if i["status"] == status), len(times.get(status, [])),
                            _ms(statistics.median(times[status])) if times.get(status) else None)
                   for status in FUNNEL},
        "coins": {name: int(value) for name, value in coins.items()},
        "top_ideas": [(str(i["id"]), i["title"], *standing[str(i["id"])]) for i in ranked[:10]],
        "hourly": [(timestamp(r["hour"]).seconds, int(r["allocated"])) for r in hourly],
        "by_tag": grouped([(t["name"], str(t["idea_id"])) for t in tags]),
        "by_context": grouped([(i["context_id"], str(i["id"])) for i in ideas]),
        "by_source": grouped([(i["permalink_source"], str(i["id"])) for i in ideas]),
    }


def _ms(span: timedelta) -> int:
    """Milliseconds: a duration in an answer is rounded to microseconds on its way through a float."""
    return round(span.total_seconds() * 1000)


def truth(database_url: str, campaign_id: str) -> dict[str, Any]:
    return asyncio.run(_truth(database_url, campaign_id))


def figures(report: pb.CampaignAnalytics) -> dict[str, Any]:
    """The report in the shape of `truth`."""
    people = report.participation
    status_name = {IDEA_STATUS.to_proto(s): s.value for s in IdeaStatus}
    return {
        "participation": (people.members, people.invited, people.active_submitters, people.active_backers,
                          round(people.backing_share, 4)),
        "funnel": {status_name[step.status]: (step.ideas, step.moved_on,
                                              _ms(step.median_time.ToTimedelta()) if step.HasField("median_time")
                                              else None) for step in report.funnel},
        "coins": {name: getattr(report.coins, name) for name in ("granted", "available", "allocated", "expended",
                                                                 "expired", "burned", "reward_payouts")},
        "top_ideas": [(i.idea_id, i.title, i.coins, i.backers) for i in report.top_ideas],
        "hourly": [(p.period_start.seconds, p.allocated) for p in report.allocations_over_time],
        "by_tag": {r.label: (r.count, r.coins) for r in report.by_tag},
        "by_context": {r.label: (r.count, r.coins) for r in report.by_context},
        "by_source": {r.label: (r.count, r.coins) for r in report.by_source},
    }
