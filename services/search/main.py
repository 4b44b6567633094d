"""Composition root of the search service: the backend chosen by configuration, the event consumer that keeps
the read model current, the RPCs and the operators' rebuild."""

from __future__ import annotations

import socket

from coins.v1 import auth_service_pb2_grpc as auth_rpc
from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import coin_service_pb2_grpc as coin_rpc
from coins.v1 import idea_service_pb2_grpc as idea_rpc
from coins.v1 import search_service_pb2_grpc as rpc
from services.common.config import SearchSettings
from services.common.events import StreamConsumer, stream_for
from services.common.ops import ConsumerLag
from services.common.server import Mounted, Runtime
from services.search import indexing
from services.search.adapters import GrpcCampaignParts, GrpcOwners
from services.search.handlers import SearchHandlers
from services.search.indexing import Indexer
from services.search.ports import SearchBackend
from services.search.postgres import PostgresBackend
from services.search.rebuild import FAMILIES, Rebuilder
from services.search.repository import ReadModel
from services.search.servicer import SearchInternalServicer, SearchServicer

CONSUMER_GROUP = "search"
STREAMS = [stream_for(family) for family in FAMILIES]


async def backend_for(settings: SearchSettings, read_model: ReadModel) -> SearchBackend:
    if settings.backend == "opensearch":
        from services.search.opensearch import OpenSearchBackend

        backend = OpenSearchBackend(read_model, settings.opensearch_url, alias=settings.opensearch_index,
                                    batch=settings.index_batch)
        await backend.prepare()
        return backend
    return PostgresBackend(read_model.database)


async def build(runtime: Runtime) -> Mounted:
    settings = SearchSettings.from_env()
    read_model = ReadModel(runtime.database)
    backend = await backend_for(settings, read_model)
    indexer = Indexer(read_model, queue_for_index=settings.backend != "postgres")
    campaigns = campaign_rpc.CampaignInternalServiceStub(runtime.clients.channel("campaign"))
    owners = GrpcOwners(campaigns, idea_rpc.IdeaInternalServiceStub(runtime.clients.channel("idea")),
                        coin_rpc.CoinInternalServiceStub(runtime.clients.channel("coin")),
                        auth_rpc.AuthInternalServiceStub(runtime.clients.channel("auth")))
    handlers = SearchHandlers(backend, read_model, GrpcCampaignParts(campaigns),
                              Rebuilder(owners, indexer, runtime.redis, backend))
    consumer = StreamConsumer(runtime.redis, STREAMS, CONSUMER_GROUP, f"{socket.gethostname()}:{runtime.settings.port}",
                              None, runtime.settings.events, batch=settings.index_batch, wants=indexing.wants,
                              batch_handler=indexer.apply)
    lag = ConsumerLag(runtime.redis, [(stream, CONSUMER_GROUP) for stream in STREAMS])
    return Mounted([(SearchServicer(handlers), rpc.add_SearchServiceServicer_to_server),
                    (SearchInternalServicer(handlers), rpc.add_SearchInternalServiceServicer_to_server)],
                   background=[consumer.run, lag.run, *backend.background()],
                   on_close=[backend.close],
                   details={"events": lag.detail, "index": backend.health})
