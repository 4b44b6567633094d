"""The dev/test OpenSearch node (tools/opensearch) serves what the search service's OpenSearch backend asks of it:
the common analyzers (english stemming, edge n-grams) and fuzzy matching, through opensearch-py's async client,
and its indexed documents again after a restart on the same data directory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from opensearchpy import AsyncOpenSearch

from tools.opensearch.node import OpenSearchError, OpenSearchNode, free_port

INDEX = "ideas"
IDEAS = {
    "garden": "Community garden for the school",
    "bikes": "Bicycle repair workshops",
    "solar": "Solar panels on the library roof",
}
INDEX_BODY = {
    "settings": {
        "number_of_shards": 1,
        "number_of_replicas": 0,
        "analysis": {
            "filter": {"prefixes": {"type": "edge_ngram", "min_gram": 2, "max_gram": 15}},
            "analyzer": {
                "autocomplete": {"type": "custom", "tokenizer": "standard",
                                 "filter": ["lowercase", "asciifolding", "prefixes"]},
            },
        },
    },
    "mappings": {
        "properties": {
            "title": {
                "type": "text",
                "analyzer": "english",
                "fields": {"prefix": {"type": "text", "analyzer": "autocomplete", "search_analyzer": "standard"}},
            },
        },
    },
}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchNode]:
    node = OpenSearchNode()
    node.start(tmp_path_factory.mktemp("opensearch"), free_port())
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="module")
async def client(node: OpenSearchNode) -> AsyncIterator[AsyncOpenSearch]:
    client = AsyncOpenSearch(hosts=[node.url], request_timeout=10)
    await client.indices.create(index=INDEX, body=INDEX_BODY)
    for doc_id, title in IDEAS.items():
        await client.index(index=INDEX, id=doc_id, body={"title": title})
    await client.indices.refresh(index=INDEX)
    yield client
    await client.close()


async def found(client: AsyncOpenSearch, query: dict[str, Any]) -> list[str]:
    answer = await client.search(index=INDEX, body={"query": query})
    return [hit["_id"] for hit in answer["hits"]["hits"]]


async def assert_searches_work(client: AsyncOpenSearch) -> None:
    # english analyzer (analysis-common): a plural finds the singular, and the reverse
    assert await found(client, {"match": {"title": "gardens"}}) == ["garden"]
    assert await found(client, {"match": {"title": "workshop"}}) == ["bikes"]
    # edge_ngram filter (analysis-common): the start of a word finds it
    assert await found(client, {"match": {"title.prefix": "bicy"}}) == ["bikes"]
    # a typo is forgiven
    assert await found(client, {"match": {"title": {"query": "libary", "fuzziness": "AUTO"}}}) == ["solar"]
    # and a word that is in no title finds nothing
    assert await found(client, {"match": {"title": "parking"}}) == []


async def test_common_analyzers_and_fuzzy_matching(client: AsyncOpenSearch) -> None:
    await assert_searches_work(client)


async def test_documents_survive_a_restart(node: OpenSearchNode, client: AsyncOpenSearch) -> None:
    await asyncio.to_thread(node.restart)

    # The same client, as a long-lived backend would keep it: its connections broke with the old process.
    # request_timeout too: without it opensearch-py takes the server's "timeout" for its own HTTP timeout.
    health = await client.cluster.health(index=INDEX, params={"wait_for_status": "yellow", "timeout": "10s"},
                                         request_timeout=15)
    assert health["status"] in ("yellow", "green")
    await assert_searches_work(client)


def test_a_taken_port_is_refused_before_java_starts(node: OpenSearchNode, tmp_path: Path) -> None:
    # Another node on the port would answer the health check in the new one's place.
    assert node.http_port is not None
    with pytest.raises(OpenSearchError, match=f"port {node.http_port} on 127.0.0.1 is already in use"):
        OpenSearchNode().start(tmp_path, node.http_port)
