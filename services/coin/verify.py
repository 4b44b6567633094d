"""Recomputes every balance and every idea allocation from the ledger alone and reports any difference.

    python -m services.coin.verify [--campaign CAMPAIGN_ID]     (exit 1 when anything differs)

Admins can ask the same of the running service: `POST /coins:verify`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from services.coin.repository import CoinLedger
from services.common.config import Settings


async def report(campaign_id: str | None) -> int:
    ledger = await CoinLedger.connect(Settings.from_env("coin").database_url, 2)
    try:
        check = await ledger.verify(campaign_id)
    finally:
        await ledger.close()
    print(f"balances checked: {check.balances_checked}; allocations checked: {check.ideas_checked}")
    for stored, rebuilt in check.mismatches:
        print(f"MISMATCH {stored.campaign_id} {stored.user_id}: stored {stored} != ledger {rebuilt}")
    for idea_id in check.idea_mismatches:
        print(f"MISMATCH idea {idea_id}: its allocations differ from the ledger")
    if check.mismatches or check.idea_mismatches:
        print(f"{len(check.mismatches)} balance(s) and {len(check.idea_mismatches)} idea(s) differ from the ledger")
        return 1
    print("every balance and allocation equals the sum of its ledger entries")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--campaign", help="one campaign (slug); every campaign when omitted")
    sys.exit(asyncio.run(report(parser.parse_args().campaign)))


if __name__ == "__main__":
    main()
