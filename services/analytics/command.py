"""Operators' command, run against the analytics service that is up (its internal RPC, with a service token made
from COINS_SERVICE_TOKEN_SECRET, the way the services call each other):

    python -m services.analytics rebuild   # the read model recomputed from the owning services
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from coins.v1 import analytics_service_pb2 as pb
from coins.v1 import analytics_service_pb2_grpc as rpc
from services.common.clients import ServiceClients
from services.common.config import Settings
from services.common.tokens import ServiceTokens


async def _rebuild() -> int:
    settings = Settings.from_env("analytics")
    clients = ServiceClients(dict(settings.targets), ServiceTokens(settings.service_token_secret, "analytics"))
    try:
        print(f"rebuilding the analytics read model from the owning services at {settings.targets['analytics']}…")
        reply = await rpc.AnalyticsInternalServiceStub(clients.channel("analytics")).RebuildAnalytics(
            pb.RebuildAnalyticsRequest())
        print(f"{reply.campaign_count} campaigns, {reply.idea_count} ideas, {reply.entry_count} ledger entries in "
              f"{reply.duration.ToTimedelta().total_seconds():.1f} s")
    finally:
        await clients.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.analytics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("rebuild",))
    parser.parse_args(argv)
    try:
        return asyncio.run(_rebuild())
    except Exception as error:  # a person reads this: the reason, not a traceback
        details = error.details() if hasattr(error, "details") else str(error)
        print(f"rebuild failed: {details}", file=sys.stderr)
        return 1
