"""PRODUCT.md's coin invariants, checked straight against the database. Each query returns the rows that break
one rule; an empty result is a pass."""

from __future__ import annotations

import asyncio

import asyncpg

from services.coin.repository import CoinLedger

CHECKS = {
    "no balance field is negative": """
        SELECT campaign_id, user_id FROM coin.accounts
        WHERE least(granted, available, allocated, expended, expired, burned) < 0 AND campaign_id = ANY($1)""",
    "granted = available + allocated + expended + expired + burned, per campaign": """
        SELECT campaign_id FROM coin.accounts WHERE campaign_id = ANY($1) GROUP BY campaign_id
        HAVING sum(granted) <> sum(available + allocated + expended + expired + burned)""",
    "a member's allocated coins = its live allocations": """
        SELECT a.campaign_id, a.user_id FROM coin.accounts a
        LEFT JOIN (SELECT campaign_id, user_id, sum(amount) AS live FROM coin.allocations WHERE NOT expended
                   GROUP BY 1, 2) l USING (campaign_id, user_id)
        WHERE a.allocated <> coalesce(l.live, 0) AND a.campaign_id = ANY($1)""",
    "a closed idea holds no live allocation": """
        SELECT a.idea_id FROM coin.allocations a JOIN coin.ideas i USING (idea_id)
        WHERE i.state <> 'open' AND NOT a.expended AND a.amount > 0 AND i.campaign_id = ANY($1)""",
    "nothing reaches an idea after its acceptance expended it": """
        SELECT l.id FROM coin.ledger l
        JOIN (SELECT idea_id, min(id) AS expended_at FROM coin.ledger WHERE kind = 'expend' GROUP BY 1) e
          ON e.idea_id = l.idea_id
        WHERE l.kind IN ('allocate', 'reallocate') AND l.id > e.expended_at AND l.campaign_id = ANY($1)""",
    "nothing is expended twice": """
        SELECT idea_id, user_id FROM coin.ledger WHERE kind = 'expend' AND campaign_id = ANY($1)
        GROUP BY 1, 2 HAVING count(*) > 1""",
    "no request is applied twice": """
        SELECT request_id FROM coin.ledger WHERE campaign_id = ANY($1)
          AND kind IN ('allocate', 'reallocate', 'withdraw') GROUP BY 1 HAVING count(*) > 1""",
}


async def violations_async(database_url: str, campaigns: list[str]) -> list[str]:
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    try:
        broken = [f"{rule}: {[tuple(r) for r in rows][:5]}" for rule, query in CHECKS.items()
                  if (rows := await connection.fetch(query, campaigns))]
    finally:
        await connection.close()
    ledger = await CoinLedger.connect(database_url, 1)
    try:
        for campaign in campaigns:
            _, mismatches, _, wrong_ideas = await ledger.verify(campaign)
            if mismatches or wrong_ideas:
                broken.append(f"ledger and balances differ in {campaign}: {mismatches[:3]} {wrong_ideas[:3]}")
    finally:
        await ledger.close()
    return broken


def violations(database_url: str, campaigns: list[str]) -> list[str]:
    return asyncio.run(violations_async(database_url, campaigns))
