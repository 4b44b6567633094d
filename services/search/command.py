"""Operators' commands, run against the search service that is up (its internal RPCs, with a service token made
from COINS_SERVICE_TOKEN_SECRET, the way the services call each other):

    python -m services.search reindex   # a fresh index from the read model, swapped in with no downtime
    python -m services.search rebuild   # the read model reloaded from the owning services, then reindexed
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from coins.v1 import search_service_pb2 as pb
from coins.v1 import search_service_pb2_grpc as rpc
from services.common.clients import ServiceClients
from services.common.config import Settings
from services.common.tokens import ServiceTokens


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services.search", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("reindex", "rebuild"))
    return parser


def _reindexed(reply: pb.ReindexResponse) -> str:
    return (f"index {reply.index}: {reply.document_count} ideas in "
            f"{reply.duration.ToTimedelta().total_seconds():.1f} s")


async def _run(command: str) -> int:
    settings = Settings.from_env("search")
    clients = ServiceClients(dict(settings.targets), ServiceTokens(settings.service_token_secret, "search"))
    stub = rpc.SearchInternalServiceStub(clients.channel("search"))
    try:
        if command == "reindex":
            print(_reindexed(await stub.Reindex(pb.ReindexRequest())))
        else:
            print(f"rebuilding the search read model from the owning services at {settings.targets['search']}…")
            reply = await stub.RebuildIndex(pb.RebuildIndexRequest())
            print(f"{reply.campaign_count} campaigns, {reply.idea_count} ideas read; {_reindexed(reply.reindex)}")
    finally:
        await clients.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        return asyncio.run(_run(arguments.command))
    except Exception as error:  # a person reads this: the reason, not a traceback
        details = error.details() if hasattr(error, "details") else str(error)
        print(f"{arguments.command} failed: {details}", file=sys.stderr)
        return 1
